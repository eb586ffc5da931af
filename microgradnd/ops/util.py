"""Small helpers shared by the op modules: operand checks and non-differentiable constants."""
from __future__ import annotations

import numbers

import numpy as np

from ..tensor import Tensor

__all__ = ["Tensor", "as_operand", "constant", "mask_tensor", "norm_dim", "norm_dims"]


def as_operand(x, op):
    """Accept Tensors, Python numbers and arrays as op inputs; reject everything else by name."""
    if isinstance(x, (Tensor, numbers.Number, np.ndarray, np.generic)):
        if isinstance(x, np.ndarray):
            return Tensor._make(x, None)
        return x
    if isinstance(x, (list, tuple)):
        from ..tensor import _to_array

        return Tensor._make(_to_array(x), None)
    raise TypeError(
        f"{op}: unsupported operand of type {type(x).__name__}; expected a Tensor, a number or an array"
    )


def constant(array):
    """Wrap an array as a Tensor outside the graph (masks, indices, signs)."""
    return Tensor._make(np.asarray(array), None)


def mask_tensor(mask, like):
    """A 0/1 (or weight) mask as a constant tensor in ``like``'s dtype."""
    return Tensor._make(np.asarray(mask, dtype=like.dtype), None)


def norm_dim(dim, ndim, op):
    """Normalise one (possibly negative) dim, with PyTorch's error text when out of range."""
    n = max(ndim, 1)
    if not isinstance(dim, (int, np.integer)):
        raise TypeError(f"{op}: dim must be an int, got {type(dim).__name__}")
    if not -n <= dim < n:
        raise IndexError(
            f"{op}: dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})"
        )
    return int(dim) % n


def norm_dims(dim, ndim, op):
    """``None`` or an empty sequence -> all dims (as PyTorch's reductions read ``dim=()``); an int or
    a sequence -> sorted tuple of normalised dims."""
    if dim is None or (isinstance(dim, (list, tuple)) and len(dim) == 0):
        return tuple(range(ndim))
    if isinstance(dim, (list, tuple)):
        dims = tuple(sorted(norm_dim(d, ndim, op) for d in dim))
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"{op}: dim {tuple(dim)} appears multiple times in the list of dims")
        return dims
    return (norm_dim(dim, ndim, op),)


def inplace_method(fn, name):
    """``Tensor.<name>`` doing ``fn`` in place (``x.atan_()``): recorded like ``+=`` on a tensor in a
    graph, straight into the buffer otherwise (``Tensor._apply_inplace``)."""
    def method(self, *args, **kwargs):
        return self._apply_inplace(lambda t: fn(t, *args, **kwargs), name)

    method.__name__ = name
    method.__doc__ = f"In-place ``{fn.__name__}`` (``Tensor.{name}``)."
    return method
