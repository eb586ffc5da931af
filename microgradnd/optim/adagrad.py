"""Adagrad: per-coordinate step sizes from the running sum of squared gradients (``torch.optim.Adagrad``)."""
from __future__ import annotations

import numpy as np

from .optimizer import Optimizer, _bump, _l2_grad, _check, _scalar, _step_tensor
from ..tensor import Tensor


class Adagrad(Optimizer):
    r"""``Adagrad(params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10)``.

    PyTorch's algorithm::

        t += 1;  g = -grad if maximize else grad;  g = g + weight_decay * p
        clr = lr / (1 + (t - 1) * lr_decay)
        sum = sum + g * g
        p = p - clr * g / (sqrt(sum) + eps)

    State keys ``'step'`` (0-d tensor) and ``'sum'``, created for every parameter at construction
    (as PyTorch does).
    """

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                 eps=1e-10, foreach=None, *, maximize=False, differentiable=False, fused=None):
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        _check(0.0 <= lr, f"Invalid learning rate: {lr}")
        _check(0.0 <= lr_decay, f"Invalid lr_decay value: {lr_decay}")
        _check(0.0 <= weight_decay, f"Invalid weight_decay value: {weight_decay}")
        _check(0.0 <= initial_accumulator_value,
               f"Invalid initial_accumulator_value value: {initial_accumulator_value}")
        _check(0.0 <= eps, f"Invalid epsilon value: {eps}")
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p)

    def _init_state(self, p):
        state = self.state[p]
        if len(state) == 0:
            state["step"] = _step_tensor()
            # PyTorch reads the accumulator's start value from the defaults, not the group
            state["sum"] = Tensor._make(
                np.full_like(p._data, self.defaults["initial_accumulator_value"]), None)
        return state

    def _update(self, group, params):
        lr = _scalar(group["lr"])
        wd, lr_decay, eps, maximize = group["weight_decay"], group["lr_decay"], group["eps"], group["maximize"]
        for p in params:
            state = self._init_state(p)
            step_t = state["step"]
            step_t._data += 1
            _bump(step_t)
            step = step_t._data.item()
            d, g = p._data, _l2_grad(p, wd, maximize)
            clr = lr / (1 + (step - 1) * lr_decay)
            s = state["sum"]
            s._data += g * g
            _bump(s)
            std = np.sqrt(s._data)
            std += eps
            d += (-clr * g) / std
            _bump(p)
