"""RMSprop: gradients scaled by a running RMS, optionally centered and with momentum (``torch.optim.RMSprop``)."""
from __future__ import annotations

import numpy as np

from .optimizer import Optimizer, _bump, _l2_grad, _check, _lerp_, _scalar, _step_tensor, _zeros_like
from ..tensor import Tensor


class RMSprop(Optimizer):
    r"""``RMSprop(params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False)``.

    PyTorch's algorithm::

        g = -grad if maximize else grad;  g = g + weight_decay * p
        v = alpha * v + (1 - alpha) * g * g                          ('square_avg')
        centered:  m = m + (1 - alpha) * (g - m);  avg = sqrt(v - m * m) + eps     ('grad_avg')
        else:      avg = sqrt(v) + eps
        momentum > 0:  b = momentum * b + g / avg;  p = p - lr * b   ('momentum_buffer')
        else:          p = p - lr * g / avg
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        _check(0.0 <= lr, f"Invalid learning rate: {lr}")
        _check(0.0 <= eps, f"Invalid epsilon value: {eps}")
        _check(0.0 <= momentum, f"Invalid momentum value: {momentum}")
        _check(0.0 <= weight_decay, f"Invalid weight_decay value: {weight_decay}")
        _check(0.0 <= alpha, f"Invalid alpha value: {alpha}")
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, capturable=capturable, foreach=foreach,
                        maximize=maximize, differentiable=differentiable)
        super().__init__(params, defaults)

    def _after_load(self):
        for group in self.param_groups:
            group.setdefault("momentum", 0)
            group.setdefault("centered", False)
            group.setdefault("foreach", None)
            group.setdefault("maximize", False)
            group.setdefault("differentiable", False)
            group.setdefault("capturable", False)

    def _update(self, group, params):
        lr = _scalar(group["lr"])
        alpha, eps, wd = group["alpha"], group["eps"], group["weight_decay"]
        momentum, centered, maximize = group["momentum"], group["centered"], group["maximize"]
        for p in params:
            state = self.state[p]
            if len(state) == 0:
                state["step"] = _step_tensor()
                state["square_avg"] = _zeros_like(p)
                if momentum > 0:
                    state["momentum_buffer"] = _zeros_like(p)
                if centered:
                    state["grad_avg"] = _zeros_like(p)
            d, g = p._data, _l2_grad(p, wd, maximize)
            state["step"]._data += 1
            _bump(state["step"])
            sq = state["square_avg"]._data
            sq *= alpha
            sq += ((1 - alpha) * g) * g
            _bump(state["square_avg"])
            if centered:
                ga = state["grad_avg"]
                _lerp_(ga._data, g, 1 - alpha)
                _bump(ga)
                avg = np.sqrt(sq + (-1 * ga._data) * ga._data)
            else:
                avg = np.sqrt(sq)
            avg += eps
            if momentum > 0:
                buf = state["momentum_buffer"]
                b = buf._data
                b *= momentum
                b += g / avg
                _bump(buf)
                d -= lr * b
            else:
                d += (-lr * g) / avg
            _bump(p)
