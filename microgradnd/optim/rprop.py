"""Rprop: resilient backpropagation, a per-coordinate step size driven by gradient signs only
(``torch.optim.Rprop``)."""
from __future__ import annotations

import numpy as np

from .optimizer import Optimizer, _bump, _check, _scalar, _step_tensor, _zeros_like
from ..tensor import Tensor


class Rprop(Optimizer):
    r"""``Rprop(params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), maximize=False)``.

    PyTorch's algorithm (the size of the gradient is never used, only its sign)::

        g = -grad if maximize else grad
        s = sign(g · prev)                      same sign: grow, sign change: shrink
        step_size = clamp(step_size · (etaplus if s > 0 else etaminus if s < 0 else 1), *step_sizes)
        g = 0 where s < 0                       (no move after a sign change, and prev forgets it)
        p = p - sign(g) · step_size;  prev = g

    State keys ``'step'``, ``'prev'`` (zeros) and ``'step_size'`` (filled with the group's lr at the
    first step).
    """

    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *, capturable=False,
                 foreach=None, maximize=False, differentiable=False):
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        _check(0.0 <= lr, f"Invalid learning rate: {lr}")
        _check(0.0 < etas[0] < 1.0 < etas[1], f"Invalid eta values: {etas[0]}, {etas[1]}")
        super().__init__(params, dict(lr=lr, etas=etas, step_sizes=step_sizes, foreach=foreach, maximize=maximize,
                                      differentiable=differentiable, capturable=capturable))

    def _update(self, group, params):
        etaminus, etaplus = group["etas"]
        step_min, step_max = group["step_sizes"]
        for p in params:
            state = self.state[p]
            if len(state) == 0:
                state["step"] = _step_tensor()
                state["prev"] = _zeros_like(p)
                state["step_size"] = Tensor._make(np.full_like(p._data, _scalar(group["lr"])), None)
            state["step"]._data += 1
            g = p.grad._data
            if group["maximize"]:
                g = -g
            prev, size = state["prev"]._data, state["step_size"]._data
            s = np.sign(g * prev)
            factor = np.where(s > 0, etaplus, np.where(s < 0, etaminus, 1.0)).astype(size.dtype)
            size *= factor
            np.clip(size, step_min, step_max, out=size)
            g = np.where(s < 0, np.zeros((), dtype=g.dtype), g)
            p._data -= np.sign(g) * size
            prev[...] = g
            for t in (p, state["step"], state["prev"], state["step_size"]):
                _bump(t)
