"""Adamax: Adam with an infinity-norm second moment (``torch.optim.Adamax``)."""
from __future__ import annotations

import numpy as np

from .optimizer import Optimizer, _bump, _check_adam_args, _l2_grad, _lerp_, _scalar, _step_tensor, _zeros_like


class Adamax(Optimizer):
    r"""``Adamax(params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, maximize=False)``.

    PyTorch's algorithm::

        g = g + weight_decay * p
        m = m + (1 - beta1) * (g - m)                     ('exp_avg')
        u = max(beta2 * u, |g| + eps)                     ('exp_inf')
        p = p - (lr / (1 - beta1 ** t)) * m / u
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, foreach=None, *,
                 maximize=False, differentiable=False, capturable=False):
        _check_adam_args(lr, betas, eps, weight_decay)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable, capturable=capturable))

    def _update(self, group, params):
        lr = _scalar(group["lr"])
        beta1, beta2 = group["betas"]
        eps, wd, maximize = group["eps"], group["weight_decay"], group["maximize"]
        for p in params:
            state = self.state[p]
            if len(state) == 0:
                state["step"] = _step_tensor()
                state["exp_avg"] = _zeros_like(p)
                state["exp_inf"] = _zeros_like(p)
            state["step"]._data += 1
            d, g = p._data, _l2_grad(p, wd, maximize)
            m, u = state["exp_avg"]._data, state["exp_inf"]._data
            _lerp_(m, g, 1 - beta1)
            u *= beta2
            a = np.abs(g)
            a += eps
            np.maximum(u, a, out=u)
            clr = lr / (1 - beta1 ** state["step"]._data.item())
            d += (-clr * m) / u
            for t in (p, state["step"], state["exp_avg"], state["exp_inf"]):
                _bump(t)
