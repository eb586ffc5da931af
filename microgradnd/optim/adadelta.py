"""Adadelta: step sizes from running averages of squared gradients and squared updates (``torch.optim.Adadelta``)."""
from __future__ import annotations

import numpy as np

from .optimizer import Optimizer, _bump, _l2_grad, _check, _scalar, _step_tensor, _zeros_like
from ..tensor import Tensor


class Adadelta(Optimizer):
    r"""``Adadelta(params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, maximize=False)``.

    PyTorch's algorithm::

        g = g + weight_decay * p
        v = rho * v + (1 - rho) * g * g                              ('square_avg')
        delta = sqrt(u + eps) / sqrt(v + eps) * g
        u = rho * u + (1 - rho) * delta * delta                      ('acc_delta')
        p = p - lr * delta
    """

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *, capturable=False,
                 maximize=False, differentiable=False):
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        _check(0.0 <= lr, f"Invalid learning rate: {lr}")
        _check(0.0 <= rho <= 1.0, f"Invalid rho value: {rho}")
        _check(0.0 <= eps, f"Invalid epsilon value: {eps}")
        _check(0.0 <= weight_decay, f"Invalid weight_decay value: {weight_decay}")
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                                      capturable=capturable, foreach=foreach, differentiable=differentiable))

    def _update(self, group, params):
        lr = _scalar(group["lr"])
        rho, eps, wd, maximize = group["rho"], group["eps"], group["weight_decay"], group["maximize"]
        for p in params:
            state = self.state[p]
            if len(state) == 0:
                state["step"] = _step_tensor()
                state["square_avg"] = _zeros_like(p)
                state["acc_delta"] = _zeros_like(p)
            state["step"]._data += 1
            d, g = p._data, _l2_grad(p, wd, maximize)
            v, u = state["square_avg"]._data, state["acc_delta"]._data
            v *= rho
            v += ((1 - rho) * g) * g
            std = np.sqrt(v + eps)
            delta = np.sqrt(u + eps)
            delta /= std
            delta *= g
            u *= rho
            u += ((1 - rho) * delta) * delta
            d -= lr * delta
            for t in (p, state["step"], state["square_avg"], state["acc_delta"]):
                _bump(t)
