"""Stochastic gradient descent with momentum, dampening, Nesterov and weight decay (``torch.optim.SGD``)."""
from __future__ import annotations

import numpy as np

from .optimizer import Optimizer, _bump, _l2_grad, _check, _scalar, required
from ..tensor import Tensor


class SGD(Optimizer):
    r"""``SGD(params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, maximize=False)``.

    PyTorch's algorithm, term for term::

        g = -grad if maximize else grad
        g = g + weight_decay * p                     (if weight_decay != 0)
        b = g  (first step)  |  b = momentum * b + (1 - dampening) * g       (if momentum != 0)
        g = g + momentum * b  (nesterov)  |  g = b
        p = p - lr * g

    The buffer is the state key ``'momentum_buffer'``.
    """

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *,
                 maximize=False, foreach=None, differentiable=False, fused=None):
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if lr is not required:
            _check(lr >= 0.0, f"Invalid learning rate: {lr}")
        _check(momentum >= 0.0, f"Invalid momentum value: {momentum}")
        _check(weight_decay >= 0.0, f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize, foreach=foreach,
                        differentiable=differentiable, fused=fused)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)

    def _after_load(self):
        for group in self.param_groups:
            group.setdefault("nesterov", False)
            group.setdefault("maximize", False)
            group.setdefault("foreach", None)
            group.setdefault("differentiable", False)
            group.setdefault("fused", False)

    def _update(self, group, params):
        lr = _scalar(group["lr"])
        wd, momentum, dampening = group["weight_decay"], group["momentum"], group["dampening"]
        nesterov, maximize = group["nesterov"], group["maximize"]
        if momentum == 0 and wd == 0 and not maximize:
            # plain SGD, the common case: p -= lr·grad in place, one temporary per parameter
            for p in params:
                p._data -= lr * p.grad._data
                _bump(p)
            return
        for p in params:
            d = p._data
            g = _l2_grad(p, wd, maximize)
            if momentum != 0:
                state = self.state[p]
                buf = state.get("momentum_buffer")
                if buf is None:
                    buf = Tensor._make(np.array(g, copy=True), None)  # np.array: a 0-d grad stays an array
                    state["momentum_buffer"] = buf
                else:
                    b = buf._data
                    b *= momentum
                    if dampening == 0:
                        b += g  # (1 - 0)·g is g exactly: no temporary
                    else:
                        b += (1 - dampening) * g
                    _bump(buf)
                g = g + momentum * buf._data if nesterov else buf._data
            d -= lr * g
            _bump(p)
