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


class UninitializedParameter(Parameter):
    """A parameter whose shape is not known yet (``torch.nn.UninitializedParameter``): lazy modules
    hold one until their first call, when ``materialize(shape)`` gives it storage and turns it into a
    plain ``Parameter`` in place (so an optimizer built before that call keeps working)."""

    cls_to_become = Parameter

    def __new__(cls, requires_grad=True, device=None, dtype=None):
        from .. import dtypes as _dt

        dtype = _dt.to_dtype(dtype) or _dt.get_default_dtype()
        p = Tensor._make.__func__(cls, np.empty((0,), dtype=dtype), None)
        if requires_grad:
            p.requires_grad = True
        return p

    def __init__(self, requires_grad=True, device=None, dtype=None):
        pass

    def materialize(self, shape, device=None, dtype=None):
        """Allocate (uninitialised) storage of ``shape`` and become a ``Parameter``."""
        from .. import dtypes as _dt

        dtype = _dt.to_dtype(dtype) or self._data.dtype
        self._data = np.empty(tuple(shape), dtype=dtype)
        self.__class__ = self.cls_to_become

    def __repr__(self):
        return "<UninitializedParameter>"

    __str__ = __repr__

    def __deepcopy__(self, memo):
        if id(self) not in memo:
            memo[id(self)] = UninitializedParameter(self.requires_grad, dtype=self._data.dtype)
        return memo[id(self)]


def is_lazy(param):
    """True for a parameter that is still uninitialised (``torch.nn.parameter.is_lazy``)."""
    return isinstance(param, UninitializedParameter)


class Buffer(Tensor):
    """Marks a tensor to be registered as a buffer when assigned to a module (``torch.nn.Buffer``)."""

    def __new__(cls, data=None, *, persistent=True):
        array = data._data if isinstance(data, Tensor) else Tensor(data if data is not None else [])._data
        t = Tensor._make.__func__(cls, array, None)
        t.persistent = persistent
        return t

    def __init__(self, data=None, *, persistent=True):
        pass
