"""Adam (optionally AMSGrad) with bias correction (``torch.optim.Adam``)."""
from __future__ import annotations

import numpy as np

from .optimizer import Optimizer, _bump, _check_adam_args, _lerp_, _scalar, _step_tensor, _zeros_like
from ..tensor import Tensor


class Adam(Optimizer):
    r"""``Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, maximize=False)``.

    PyTorch's algorithm::

        t += 1;  g = -grad if maximize else grad
        weight_decay != 0:  g = g + weight_decay * p    (L2, coupled)
                            or p = p * (1 - lr * weight_decay)   (decoupled_weight_decay / AdamW)
        m = m + (1 - beta1) * (g - m)                 ('exp_avg', a lerp)
        v = beta2 * v + (1 - beta2) * g * g           ('exp_avg_sq')
        v_max = max(v_max, v)                         ('max_exp_avg_sq', amsgrad only)
        denom = sqrt(v or v_max) / sqrt(1 - beta2 ** t) + eps
        p = p - (lr / (1 - beta1 ** t)) * m / denom
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
                 foreach=None, maximize=False, capturable=False, differentiable=False, fused=None,
                 decoupled_weight_decay=False):
        _check_adam_args(lr, betas, eps, weight_decay)
        if not ((isinstance(betas[0], float) and isinstance(betas[1], float))
                or (isinstance(betas[0], Tensor) and isinstance(betas[1], Tensor))):
            raise ValueError("betas must be either both floats or both Tensors")
        betas = tuple(_scalar(b) for b in betas)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize, foreach=foreach, capturable=capturable,
                        differentiable=differentiable, fused=fused,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def _after_load(self):
        for group in self.param_groups:
            group.setdefault("amsgrad", False)
            group.setdefault("maximize", False)
            group.setdefault("foreach", None)
            group.setdefault("capturable", False)
            group.setdefault("differentiable", False)
            group.setdefault("fused", None)
            group.setdefault("decoupled_weight_decay", False)

    def _update(self, group, params):
        lr = _scalar(group["lr"])
        beta1, beta2 = (_scalar(b) for b in group["betas"])
        eps, wd, amsgrad, maximize = group["eps"], group["weight_decay"], group["amsgrad"], group["maximize"]
        decoupled = group.get("decoupled_weight_decay", False)
        for p in params:
            state = self.state[p]
            if len(state) == 0:
                state["step"] = _step_tensor()
                state["exp_avg"] = _zeros_like(p)
                state["exp_avg_sq"] = _zeros_like(p)
                if amsgrad:
                    state["max_exp_avg_sq"] = _zeros_like(p)
            d, g = p._data, p.grad._data
            if maximize:
                g = -g
            step_t = state["step"]
            step_t._data += 1
            _bump(step_t)
            if wd != 0:
                if decoupled:
                    d *= 1 - lr * wd
                else:
                    g = g + wd * d
            m, v = state["exp_avg"], state["exp_avg_sq"]
            _lerp_(m._data, g, 1 - beta1)
            v._data *= beta2
            v._data += ((1 - beta2) * g) * g
            _bump(m)
            _bump(v)
            step = step_t._data.item()
            bias_correction1 = 1 - beta1 ** step
            bias_correction2 = 1 - beta2 ** step
            step_size = lr / bias_correction1
            bias_correction2_sqrt = bias_correction2 ** 0.5
            if amsgrad:
                vmax = state["max_exp_avg_sq"]
                np.maximum(vmax._data, v._data, out=vmax._data)
                _bump(vmax)
                denom = np.sqrt(vmax._data)
            else:
                denom = np.sqrt(v._data)
            denom /= bias_correction2_sqrt
            denom += eps
            d += (-step_size * m._data) / denom
            _bump(p)
