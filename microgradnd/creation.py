"""Creation functions: ``tensor``, ``zeros``, ``ones``, ``arange``, ``randn`` ... with PyTorch's signatures."""
from __future__ import annotations

import numpy as np

from . import dtypes as _dt
from . import random as _random
from .tensor import Tensor, _check_device, _to_array


def _shape(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    if len(size) == 1 and isinstance(size[0], Tensor):
        size = tuple(int(s) for s in size[0].tolist())
    if not all(isinstance(s, (int, np.integer)) for s in size):
        raise TypeError(f"size must be a tuple of ints, got {size!r}")
    shape = tuple(int(s) for s in size)
    if any(s < 0 for s in shape):
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(shape)}: {list(shape)}")
    return shape


def _finish(array, requires_grad, device=None, name=None):
    if device is not None:
        _check_device(device)
    t = Tensor._make(array, None)
    if requires_grad:
        t.requires_grad = True
    t.name = name
    return t


def tensor(data, dtype=None, device=None, requires_grad=False, name=None):
    """A new leaf tensor holding a copy of ``data`` (``torch.tensor``).

    Python floats become the default float dtype (float32), ints int64, bools bool; NumPy arrays keep
    their dtype. ``name`` labels the tensor in drawings of the graph.
    """
    if device is not None:
        _check_device(device)
    t = Tensor._make(_to_array(data, _dt.to_dtype(dtype)), None)
    if requires_grad:
        t.requires_grad = True
    t.name = name
    return t


def as_tensor(data, dtype=None, device=None):
    """Like ``tensor`` but shares memory with a NumPy array or Tensor when no conversion is needed."""
    if isinstance(data, Tensor) and (dtype is None or _dt.to_dtype(dtype) == data.dtype):
        return data
    if isinstance(data, np.ndarray) and (dtype is None or _dt.to_dtype(dtype) == data.dtype):
        return Tensor._make(data, None)
    return tensor(data, dtype=dtype, device=device)


def from_numpy(array):
    """A tensor sharing memory with ``array`` (``torch.from_numpy``)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected np.ndarray (got {type(array).__name__})")
    return Tensor._make(array, None)


def FloatTensor(*args):
    """``mg.FloatTensor([..])`` -> float32 data; ``mg.FloatTensor(2, 3)`` -> uninitialised (zeros) of that shape."""
    return _legacy(args, _dt.float32)


def DoubleTensor(*args):
    return _legacy(args, _dt.float64)


def LongTensor(*args):
    return _legacy(args, _dt.int64)


def BoolTensor(*args):
    return _legacy(args, _dt.bool)


FloatTensor.legacy_dtype, DoubleTensor.legacy_dtype = _dt.float32, _dt.float64
LongTensor.legacy_dtype, BoolTensor.legacy_dtype = _dt.int64, _dt.bool


def _legacy(args, dtype):
    if len(args) == 1 and not isinstance(args[0], int):
        return Tensor._make(_to_array(args[0], dtype), None)
    return Tensor._make(np.zeros(_shape(args), dtype=dtype), None)


def _dtype_or_default(dtype):
    return _dt.to_dtype(dtype) or _dt.get_default_dtype()


def _size_arg(size, keyword):
    """``zeros(2, 3)``, ``zeros((2, 3))`` or ``zeros(size=(2, 3))``."""
    if keyword is not None:
        if size:
            raise TypeError("size given both positionally and as the size= keyword")
        return (keyword,)
    return size


def zeros(*size, dtype=None, device=None, requires_grad=False, **kwargs):
    """All zeros (``torch.zeros``; the shape may also be given as ``size=``)."""
    size = _size_arg(size, kwargs.pop("size", None)) if kwargs else size
    if kwargs:
        raise TypeError(f"zeros() got an unexpected keyword argument {next(iter(kwargs))!r}")
    return _finish(np.zeros(_shape(size), dtype=_dtype_or_default(dtype)), requires_grad, device)


def ones(*size, dtype=None, device=None, requires_grad=False, **kwargs):
    """All ones (``torch.ones``; the shape may also be given as ``size=``)."""
    size = _size_arg(size, kwargs.pop("size", None)) if kwargs else size
    if kwargs:
        raise TypeError(f"ones() got an unexpected keyword argument {next(iter(kwargs))!r}")
    return _finish(np.ones(_shape(size), dtype=_dtype_or_default(dtype)), requires_grad, device)


def empty(*size, dtype=None, device=None, requires_grad=False, **kwargs):
    """Uninitialised in PyTorch; zeros here, so results are reproducible (``torch.empty``)."""
    return zeros(*size, dtype=dtype, device=device, requires_grad=requires_grad, **kwargs)


def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    """Filled with ``fill_value``; the dtype follows the value like PyTorch (``torch.full``)."""
    dtype = _dt.to_dtype(dtype) or _dt.scalar_dtype(fill_value)
    return _finish(np.full(_shape((size,)) if not isinstance(size, int) else (size,), fill_value, dtype=dtype),
                   requires_grad, device)


def _like(x, dtype):
    return _dt.to_dtype(dtype) or x.dtype


def zeros_like(x, dtype=None, device=None, requires_grad=False):
    return _finish(np.zeros(x.shape, dtype=_like(x, dtype)), requires_grad, device)


def ones_like(x, dtype=None, device=None, requires_grad=False):
    return _finish(np.ones(x.shape, dtype=_like(x, dtype)), requires_grad, device)


def empty_like(x, dtype=None, device=None, requires_grad=False):
    return zeros_like(x, dtype=dtype, device=device, requires_grad=requires_grad)


def full_like(x, fill_value, dtype=None, device=None, requires_grad=False):
    return _finish(np.full(x.shape, fill_value, dtype=_like(x, dtype)), requires_grad, device)


def rand_like(x, dtype=None, generator=None, requires_grad=False):
    return _finish(_random.uniform_array(x.shape, 0.0, 1.0, generator, _like(x, dtype)), requires_grad)


def randn_like(x, dtype=None, generator=None, requires_grad=False):
    return _finish(_random.normal_array(x.shape, 0.0, 1.0, generator, _like(x, dtype)), requires_grad)


def randint_like(x, low=0, high=None, dtype=None, generator=None, requires_grad=False):
    """Random integers in [low, high) (``randint_like(x, high)`` = [0, high)) with x's shape and dtype
    (``torch.randint_like``)."""
    if high is None:
        low, high = 0, low
    values = _random.rng(generator).integers(low, high, size=x.shape)
    return _finish(values.astype(_like(x, dtype)), requires_grad)


def scalar_tensor(s, dtype=None, device=None, requires_grad=False):
    """A 0-d tensor of the default float dtype unless given (``torch.scalar_tensor``)."""
    return _finish(np.array(s, dtype=_dtype_or_default(dtype)), requires_grad, device)


def tril_indices(row, col, offset=0, dtype=None, device=None):
    """The (2, n) row/column indices of the lower triangle of a row×col matrix (``torch.tril_indices``)."""
    r, c = np.nonzero(np.tril(np.ones((row, col), dtype=bool), offset))
    return _finish(np.stack([r, c]).astype(_dt.to_dtype(dtype) or np.int64), False, device)


def triu_indices(row, col, offset=0, dtype=None, device=None):
    """The (2, n) row/column indices of the upper triangle of a row×col matrix (``torch.triu_indices``)."""
    r, c = np.nonzero(np.triu(np.ones((row, col), dtype=bool), offset))
    return _finish(np.stack([r, c]).astype(_dt.to_dtype(dtype) or np.int64), False, device)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False):
    """Values from ``start`` to ``end`` (exclusive) by ``step``; int64 for ints (``torch.arange``)."""
    if end is None:
        start, end = 0, start
    values = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    if values[2] == 0:
        raise RuntimeError("arange: step must be nonzero")
    if (values[1] - values[0]) * values[2] < 0:
        raise RuntimeError(f"arange: upper bound and lower bound inconsistent with step sign "
                           f"(start={values[0]}, end={values[1]}, step={values[2]})")
    if dtype is None:
        dtype = _dt.int64 if all(isinstance(v, (int, np.integer)) for v in values) else _dt.get_default_dtype()
    dtype = _dt.to_dtype(dtype)
    start, end, step = values
    n = int(np.ceil((end - start) / step))
    array = (start + step * np.arange(max(n, 0), dtype=np.float64)).astype(dtype) if dtype.kind == "f" \
        else np.arange(start, end, step).astype(dtype)
    return _finish(array, requires_grad, device)


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False):
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive (``torch.linspace``)."""
    return _finish(np.linspace(start, end, int(steps)).astype(_dtype_or_default(dtype)), requires_grad, device)


def logspace(start, end, steps, base=10.0, dtype=None, device=None, requires_grad=False):
    """``base`` to the powers ``linspace(start, end, steps)`` (``torch.logspace``)."""
    return _finish(np.logspace(start, end, int(steps), base=base).astype(_dtype_or_default(dtype)),
                   requires_grad, device)


def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    """Identity matrix (``torch.eye``)."""
    return _finish(np.eye(n, m, dtype=_dtype_or_default(dtype)), requires_grad, device)


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Uniform on [0, 1) (``torch.rand``)."""
    return _finish(_random.uniform_array(_shape(size), 0.0, 1.0, generator, _dtype_or_default(dtype)),
                   requires_grad, device)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Standard normal (``torch.randn``)."""
    return _finish(_random.normal_array(_shape(size), 0.0, 1.0, generator, _dtype_or_default(dtype)),
                   requires_grad, device)


def randint(low, high=None, size=None, generator=None, dtype=None, device=None, requires_grad=False):
    """Integers in [low, high) (``torch.randint(high, size)`` or ``randint(low, high, size)``)."""
    if size is None and isinstance(high, (tuple, list)):
        low, high, size = 0, low, high
    elif high is None:
        raise TypeError("randint: expected randint(high, size) or randint(low, high, size)")
    dtype = _dt.to_dtype(dtype) or _dt.int64
    return _finish(_random.rng(generator).integers(low, high, size=_shape((size,))).astype(dtype),
                   requires_grad, device)


def randperm(n, generator=None, dtype=None, device=None):
    """A random permutation of 0..n-1 (``torch.randperm``)."""
    return _finish(_random.rng(generator).permutation(int(n)).astype(_dt.to_dtype(dtype) or _dt.int64), False, device)


def normal(mean=0.0, std=1.0, size=None, generator=None):
    """Normal samples (``torch.normal``) with scalar or tensor mean/std."""
    m = mean._data if isinstance(mean, Tensor) else mean
    s = std._data if isinstance(std, Tensor) else std
    shape = _shape((size,)) if size is not None else np.broadcast_shapes(np.shape(m), np.shape(s))
    dtype = mean.dtype if isinstance(mean, Tensor) else std.dtype if isinstance(std, Tensor) else _dt.get_default_dtype()
    return _finish((_random.rng(generator).normal(size=shape) * s + m).astype(dtype), False)


def bernoulli(p, generator=None):
    """1 with probability p elementwise (``torch.bernoulli``)."""
    pv = p._data if isinstance(p, Tensor) else np.asarray(p)
    return _finish((_random.rng(generator).random(pv.shape) < pv).astype(pv.dtype), False)


def multinomial(probs, num_samples, replacement=False, generator=None):
    """Indices sampled from the rows of ``probs`` (``torch.multinomial``)."""
    pv = np.asarray(probs._data if isinstance(probs, Tensor) else probs, dtype=np.float64)
    rows = pv.reshape(-1, pv.shape[-1])
    g = _random.rng(generator)
    out = np.stack([g.choice(rows.shape[1], size=num_samples, replace=replacement, p=r / r.sum()) for r in rows])
    return _finish(out.reshape(pv.shape[:-1] + (num_samples,)).astype(np.int64), False)
