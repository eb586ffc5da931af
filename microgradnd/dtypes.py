"""Data types and PyTorch's type-promotion rules, on top of NumPy dtypes.

microgradnd's dtypes *are* NumPy dtypes (``mg.float32 is np.dtype('float32')``), so arrays and
tensors interoperate without conversion tables. What PyTorch adds, and NumPy does not do, is:

* Python floats become the *default* float dtype (float32 unless ``set_default_dtype`` says otherwise);
* Python scalars and 0-d tensors are "weak": they never widen the dtype of a dimensioned tensor of
  the same kind (float32 tensor * 2.5 stays float32; float32 tensor * float64 0-d tensor stays float32);
* integer / integer true division gives the default float dtype.
"""
from __future__ import annotations

import builtins as _builtins

import numpy as np

_py_float, _py_int, _py_bool = _builtins.float, _builtins.int, _builtins.bool

float16 = half = np.dtype(np.float16)
float32 = float = np.dtype(np.float32)
float64 = double = np.dtype(np.float64)
int8 = np.dtype(np.int8)
uint8 = np.dtype(np.uint8)
int16 = short = np.dtype(np.int16)
int32 = int = np.dtype(np.int32)
int64 = long = np.dtype(np.int64)
bool = np.dtype(np.bool_)  # noqa: A001 - mirrors torch.bool

_default_float = float32

_CATEGORY_BOOL, _CATEGORY_INT, _CATEGORY_FLOAT = 0, 1, 2


def set_default_dtype(dtype) -> None:
    """Set the dtype Python floats become (``torch.set_default_dtype``); float32 or float64."""
    global _default_float
    d = np.dtype(dtype)
    if d.kind != "f":
        raise TypeError(f"set_default_dtype: only floating dtypes are allowed, got {d}")
    _default_float = d


def get_default_dtype():
    """The dtype Python floats become (``torch.get_default_dtype``)."""
    return _default_float


_LEGACY_TYPE_NAMES = {"FloatTensor": np.dtype(np.float32), "DoubleTensor": np.dtype(np.float64),
                      "LongTensor": np.dtype(np.int64), "IntTensor": np.dtype(np.int32),
                      "BoolTensor": np.dtype(np.bool_), "ByteTensor": np.dtype(np.uint8)}


def to_dtype(dtype):
    """Normalise anything dtype-like (``mg.float32``, ``'float64'``, ``np.int64``, ``float``) to a NumPy dtype."""
    if dtype is None:
        return None
    if dtype is _py_float:
        return _default_float
    if dtype is _py_int:
        return int64
    if dtype is _py_bool:
        return bool
    legacy = getattr(dtype, "legacy_dtype", None)  # mg.FloatTensor & co. (x.type(mg.FloatTensor))
    if legacy is not None:
        return legacy
    if isinstance(dtype, str) and dtype.rsplit(".", 1)[-1] in _LEGACY_TYPE_NAMES:  # 'torch.FloatTensor'
        return _LEGACY_TYPE_NAMES[dtype.rsplit(".", 1)[-1]]
    try:
        return np.dtype(dtype)
    except TypeError:
        raise TypeError(f"unknown dtype {dtype!r}; use mg.float32, mg.float64, mg.int64 or mg.bool") from None


def is_floating(dtype) -> _py_bool:
    return dtype.kind == "f"


def _category(dtype) -> _py_int:
    k = dtype.kind
    if k == "f":
        return _CATEGORY_FLOAT
    if k in "iu":
        return _CATEGORY_INT
    return _CATEGORY_BOOL


def scalar_dtype(value):
    """The dtype a lone Python scalar gets: bool, int64 or the default float."""
    if isinstance(value, (_py_bool, np.bool_)):
        return bool
    if isinstance(value, (_py_int, np.integer)):
        return int64
    return _default_float


def result_type(*operands):
    """PyTorch's promotion for ``operands`` (Tensors, arrays or Python scalars).

    Dimensioned tensors win over 0-d tensors, which win over Python scalars, unless the weaker group
    holds a higher *kind* (bool < int < float); then it contributes its kind at its own default width.
    """
    from .tensor import Tensor  # local: tensor imports this module

    groups = ([], [], [])  # dimensioned tensors, 0-d tensors, python scalars
    for op in operands:
        if isinstance(op, Tensor):
            groups[0 if op._data.ndim else 1].append(op._data.dtype)
        elif isinstance(op, np.ndarray):
            groups[0 if op.ndim else 1].append(op.dtype)
        elif op is not None:
            groups[2].append(scalar_dtype(op))
    result = None
    for dtypes in groups:
        if not dtypes:
            continue
        group_type = _promote_kinds(dtypes)
        if result is None:
            result = group_type
        elif _category(group_type) > _category(result):
            # a 0-d tensor brings its own dtype (int32 tensor + float64 0-d -> float64); a Python
            # scalar brings its kind's default (int tensor * 2.5 -> float32)
            result = group_type
    return result if result is not None else _default_float


def _promote_kinds(dtypes):
    """Promotion inside one priority group: the highest kind wins outright (int64 + float16 ->
    float16, unlike NumPy's float64); within a kind NumPy's widening rules are PyTorch's."""
    top = max(_category(d) for d in dtypes)
    return np.result_type(*[d for d in dtypes if _category(d) == top])
