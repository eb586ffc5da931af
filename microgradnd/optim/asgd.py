"""Averaged stochastic gradient descent (``torch.optim.ASGD``)."""
from __future__ import annotations

from .optimizer import Optimizer, _bump, _check, _l2_grad, _scalar, _step_tensor, _zeros_like
from ..tensor import Tensor


class ASGD(Optimizer):
    r"""``ASGD(params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0, maximize=False)``.

    PyTorch's algorithm (Polyak-Ruppert averaging; ``eta`` and ``mu`` are 0-d tensors in the default
    float dtype, as PyTorch keeps them)::

        t += 1;  g = -grad if maximize else grad;  g = g + weight_decay * p
        p = p * (1 - lambd * eta) - eta * g
        ax = p  if mu == 1  else  ax + mu * (p - ax)       (the running average, state 'ax')
        eta = lr / (1 + lambd * lr * t) ** alpha;   mu = 1 / max(1, t - t0)

    State keys ``'step'``, ``'eta'`` (starts at lr), ``'mu'`` (starts at 1) and ``'ax'``.
    """

    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0, foreach=None,
                 maximize=False, differentiable=False, capturable=False):
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        _check(0.0 <= lr, f"Invalid learning rate: {lr}")
        _check(0.0 <= weight_decay, f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def _after_load(self):
        for group in self.param_groups:
            group.setdefault("foreach", None)
            group.setdefault("maximize", False)
            group.setdefault("differentiable", False)
            group.setdefault("capturable", False)

    def _update(self, group, params):
        lr = _scalar(group["lr"])
        lambd, alpha, t0, wd = group["lambd"], group["alpha"], group["t0"], group["weight_decay"]
        for p in params:
            state = self.state[p]
            if len(state) == 0:
                state["step"] = _step_tensor()
                eta = _step_tensor()
                eta._data[...] = lr
                state["eta"] = eta
                mu = _step_tensor()
                mu._data[...] = 1
                state["mu"] = mu
                state["ax"] = _zeros_like(p)
            d = p._data
            g = _l2_grad(p, wd, group["maximize"])
            step_t, eta_t, mu_t, ax = state["step"], state["eta"], state["mu"], state["ax"]
            step_t._data += 1
            eta = eta_t._data.item()
            d *= 1 - lambd * eta
            d -= eta * g
            if mu_t._data.item() != 1:
                ax._data += (d - ax._data) * mu_t._data.item()
            else:
                ax._data[...] = d
            step = step_t._data.item()
            eta_t._data[...] = lr / ((1 + lambd * lr * step) ** alpha)
            mu_t._data[...] = 1 / max(1, step - t0)
            for t in (p, step_t, eta_t, mu_t, ax):
                _bump(t)
