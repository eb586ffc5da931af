"""``Parameter``: a Tensor that a ``Module`` registers as a learnable weight (``torch.nn.Parameter``)."""
from __future__ import annotations

import numpy as np

from ..tensor import Tensor


class Parameter(Tensor):
    """A leaf Tensor (sharing memory with ``data``) that modules register when it is assigned as an
    attribute; ``requires_grad`` defaults to True. Works everywhere a Tensor does."""

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            array = np.empty((0,), dtype=np.float32)
        elif isinstance(data, Tensor):
            array = data._data  # shares memory, like PyTorch's Parameter(t)
        else:
            array = Tensor(data)._data
        p = Tensor._make.__func__(cls, array, None)  # same memory
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
        p = Parameter(Tensor._make(self._data.copy(), None), self.requires_grad)
        p.name = self.name
        if self.grad is not None:
            p.grad = Tensor._make(self.grad._data.copy(), None)
        memo[id(self)] = p
        return p


class Buffer(Tensor):
    """Marks a tensor to be registered as a buffer when assigned to a module (``torch.nn.Buffer``)."""

    def __new__(cls, data=None, *, persistent=True):
        array = data._data if isinstance(data, Tensor) else Tensor(data if data is not None else [])._data
        t = Tensor._make.__func__(cls, array, None)
        t.persistent = persistent
        return t

    def __init__(self, data=None, *, persistent=True):
        pass
