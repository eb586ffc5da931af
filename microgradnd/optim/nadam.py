"""NAdam: Adam with Nesterov momentum and a momentum-decay schedule (``torch.optim.NAdam``)."""
from __future__ import annotations

import numpy as np

from .optimizer import Optimizer, _bump, _check, _check_adam_args, _lerp_, _scalar, _step_tensor, _zeros_like


class NAdam(Optimizer):
    r"""``NAdam(params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3)``.

    PyTorch's algorithm::

        mu_t = beta1 * (1 - 0.5 * 0.96 ** (t * momentum_decay));  prod *= mu_t   ('mu_product')
        m = lerp(m, g, 1 - beta1);  v = beta2 * v + (1 - beta2) * g * g
        denom = sqrt(v / (1 - beta2 ** t)) + eps
        p = p - lr (1 - mu_t) / (1 - prod) * g / denom - lr mu_{t+1} / (1 - prod mu_{t+1}) * m / denom
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False):
        _check_adam_args(lr, betas, eps, weight_decay)
        _check(0.0 <= momentum_decay, f"Invalid momentum_decay value: {momentum_decay}")
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      momentum_decay=momentum_decay, decoupled_weight_decay=decoupled_weight_decay,
                                      maximize=maximize, foreach=foreach, capturable=capturable,
                                      differentiable=differentiable))

    def _update(self, group, params):
        lr = _scalar(group["lr"])
        beta1, beta2 = group["betas"]
        eps, wd, md = group["eps"], group["weight_decay"], group["momentum_decay"]
        for p in params:
            state = self.state[p]
            if len(state) == 0:
                state["step"] = _step_tensor()
                state["mu_product"] = _step_tensor()
                state["mu_product"]._data += 1
                state["exp_avg"] = _zeros_like(p)
                state["exp_avg_sq"] = _zeros_like(p)
            state["step"]._data += 1
            step = state["step"]._data.item()
            d, g = p._data, p.grad._data
            if group["maximize"]:
                g = -g
            bias_correction2 = 1 - beta2 ** step
            if wd != 0:
                if group["decoupled_weight_decay"]:
                    d *= 1 - lr * wd
                else:
                    g = g + wd * d
            mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * md))
            mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * md))
            prod = state["mu_product"]._data
            prod *= mu  # kept in the step dtype (float32), as PyTorch keeps it in a tensor
            m, v = state["exp_avg"]._data, state["exp_avg_sq"]._data
            _lerp_(m, g, 1 - beta1)
            v *= beta2
            v += ((1 - beta2) * g) * g
            denom = np.sqrt(v / bias_correction2)
            denom += eps
            prod_value = prod.item()
            d += ((-lr * (1.0 - mu) / (1.0 - prod_value)) * g) / denom
            d += ((-lr * mu_next / (1.0 - prod_value * mu_next)) * m) / denom
            for t in (p, state["step"], state["mu_product"], state["exp_avg"], state["exp_avg_sq"]):
                _bump(t)
