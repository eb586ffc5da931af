"""``Parameter``: a Tensor that a ``Module`` registers as a learnable weight (``torch.nn.Parameter``)."""
from __future__ import annotations

import numpy as np

from ..tensor import Tensor


class ParameterData(np.ndarray):
    """A parameter's NumPy buffer (what ``p.data`` is here) with PyTorch's in-place methods, so the
    init idioms ``m.weight.data.normal_(0.0, 0.02)``, ``m.bias.data.fill_(0)``, ``p.data.zero_()``,
    ``p.data.copy_(t)`` and ``p.data.add_(g, alpha=-lr)`` run unchanged. NumPy results computed from
    it are plain arrays (``__array_ufunc__``), so it never spreads into activations or gradients."""

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        inputs = [x.view(np.ndarray) if isinstance(x, ParameterData) else x for x in inputs]
        if "out" in kwargs:
            kwargs["out"] = tuple(o.view(np.ndarray) if isinstance(o, ParameterData) else o for o in kwargs["out"])
        return getattr(ufunc, method)(*inputs, **kwargs)

    def _set(self, value):
        np.copyto(self, np.broadcast_to(_array(value), self.shape), casting="unsafe")
        return self

    def zero_(self):
        return self._set(0)

    def fill_(self, value):
        return self._set(value)

    def copy_(self, src):
        return self._set(src)

    def normal_(self, mean=0.0, std=1.0, generator=None):
        from .. import random as _random

        return self._set(_random.normal_array(self.shape, mean, std, generator))

    def uniform_(self, a=0.0, b=1.0, generator=None):
        from .. import random as _random

        return self._set(_random.uniform_array(self.shape, a, b, generator))

    def add_(self, other, alpha=1):
        return self._set(self.view(np.ndarray) + alpha * _array(other))

    def sub_(self, other, alpha=1):
        return self._set(self.view(np.ndarray) - alpha * _array(other))

    def mul_(self, other):
        return self._set(self.view(np.ndarray) * _array(other))

    def div_(self, other):
        return self._set(self.view(np.ndarray) / _array(other))

    def clamp_(self, min=None, max=None):
        return self._set(np.clip(self.view(np.ndarray), min, max))


def _array(value):
    return value.data if isinstance(value, Tensor) else np.asarray(value)


class Parameter(Tensor):
    """A leaf Tensor (sharing memory with ``data``) that modules register when it is assigned as an
    attribute; ``requires_grad`` defaults to True. Works everywhere a Tensor does."""

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            array = np.empty((0,), dtype=np.float32)
        elif isinstance(data, Tensor):
            array = data.data  # shares memory, like PyTorch's Parameter(t)
        else:
            array = Tensor(data).data
        p = Tensor._make.__func__(cls, array.view(ParameterData), None)  # same memory
        if requires_grad:
            p.requires_grad = True
        return p

    def __init__(self, data=None, requires_grad=True):  # everything happened in __new__
        pass

    def __repr__(self):
        return "Parameter containing:\n" + Tensor.__repr__(self)

    __str__ = __repr__

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        p = Parameter(Tensor._make(self.data.copy(), None), self.requires_grad)
        p.name = self.name
        if self.grad is not None:
            p.grad = Tensor._make(self.grad.data.copy(), None)
        memo[id(self)] = p
        return p


class Buffer(Tensor):
    """Marks a tensor to be registered as a buffer when assigned to a module (``torch.nn.Buffer``)."""

    def __new__(cls, data=None, *, persistent=True):
        array = data.data if isinstance(data, Tensor) else Tensor(data if data is not None else []).data
        t = Tensor._make.__func__(cls, array, None)
        t.persistent = persistent
        return t

    def __init__(self, data=None, *, persistent=True):
        pass
