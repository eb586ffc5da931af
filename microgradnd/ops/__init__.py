"""Primitive ops, grouped by kind. Each op's forward and backward live together in one module:

- ``elementwise``: add sub mul div neg pow exp log sqrt abs sin cos maximum minimum clamp where cast
- ``special``: atan asin acos atan2 sinh cosh asinh acosh atanh exp2 erfc erfinv sinc logit hypot copysign
  logaddexp logaddexp2 fmax fmin xlogy nan_to_num (+ frac sgn signbit float_power deg2rad rad2deg heaviside)
- ``activation``: sigmoid tanh relu leaky_relu elu softplus gelu (+ composites silu selu ...)
- ``reduce``: sum prod amax/amin max/min(dim) logsumexp softmax log_softmax (+ mean var std)
- ``shape``: reshape permute expand cat getitem index_put pad flip (+ view squeeze stack split ...)
- ``shape_utils`` (composites): tensor_split hsplit vsplit dsplit dstack column_stack row_stack atleast_nd rot90
  unfold sum_to_size broadcast_shapes cartesian_prod combinations diag_embed diagflat take diff cummax cummin
- ``linalg``: matmul det slogdet inv solve (+ addmm family, kron, tensordot, cross, multi_dot, matrix_power,
  vector/matrix norms)
- ``conv``: im2col-based convolution and pooling (used by ``nn``)
- ``buffers`` (no ops): large output arrays reused once nothing references them (no page faults per step)

``install_tensor_methods`` attaches the operators and methods to ``Tensor``: they are the same
functions, so there is exactly one implementation of each op.
"""
from __future__ import annotations

import numpy as np

from . import activation, elementwise, linalg, reduce, selection, shape, shape_utils, special
from .activation import (celu, elu, gelu, hardtanh, leaky_relu, logsigmoid, mish, relu, relu6, relu_backward,
                         selu, sigmoid, sigmoid_backward, silu, softplus, step, tanh, tanh_backward)
from .elementwise import (abs, add, addcdiv, addcmul, cast, ceil, clamp, clip, clone, cos, div, erf, exp,
                          floor, floor_divide, fmod, lerp, log, masked_fill, maximum, minimum, mul, neg, pow,
                          reciprocal, remainder, round, rsqrt, sign, sin, sqrt, square, sub, trunc, where)
from .linalg import (addbmm, addmm, addmv, baddbmm, bmm, cross, det, dot, inverse, kron, matmul, matrix_power, mm,
                     mv, outer, slogdet, tensordot)
from .reduce import (all, amax, amin, aminmax, any, argmax, argmin, count_nonzero, cumprod, cumsum, kthvalue,
                     log_softmax, logsumexp, max, mean, median, min, mode, nanmean, nanquantile, nansum, norm, prod,
                     quantile, softmax, std, std_mean, sum, values_indices, var, var_mean)
from .registry import OPS
from .shape_utils import (atleast_1d, atleast_2d, atleast_3d, broadcast_shapes, cartesian_prod, column_stack,
                          combinations, cummax, cummin, diag_embed, diagflat, diff, dsplit, dstack, hsplit, rot90,
                          row_stack, take, tensor_split, vsplit)
from .special import (acos, acosh, arccos, arccosh, arcsin, arcsinh, arctan, arctan2, arctanh, asin, asinh, atan,
                      atan2, atanh, copysign, cosh, deg2rad, erfc, erfinv, exp2, float_power, fmax, fmin, frac,
                      heaviside, hypot, logaddexp, logaddexp2, logit, nan_to_num, rad2deg, sgn, signbit, sinc, sinh,
                      xlogy)
from .selection import (argsort, argwhere, cdist, diag, diagonal, einsum, expm1, gather, hstack, index_add,
                        index_copy, index_fill, index_select, inner, take_along_dim,
                        log1p, log2, log10, masked_select, meshgrid, movedim, nonzero, repeat_interleave,
                        scatter, scatter_add, sort, swapaxes, tan, tile, topk, trace, tril, triu, vstack)
from .shape import (T, broadcast_tensors, broadcast_to, cat, chunk, concat, concatenate, expand,
                    expand_as, flatten, flip, getitem, index_add_into, index_put, mT, narrow, pad, permute,
                    repeat, reshape, roll, split, squeeze, stack, t, transpose, unbind, unflatten, unsqueeze,
                    unwrap_index, view)
from .util import Tensor, constant


def _comparison(ufunc, name):
    def compare(a, b):
        av = a._data if isinstance(a, Tensor) else a
        bv = b._data if isinstance(b, Tensor) else np.asarray(b) if isinstance(b, (list, tuple)) else b
        try:
            return Tensor._make(np.asarray(ufunc(av, bv)), None)
        except ValueError:
            raise RuntimeError(
                f"{name}: shapes {tuple(np.shape(av))} and {tuple(np.shape(bv))} are not broadcastable"
            ) from None

    compare.__name__ = name
    compare.__doc__ = f"Elementwise ``{name}`` -> bool tensor, no gradient (``torch.{name}``)."
    return compare


eq = _comparison(np.equal, "eq")
ne = _comparison(np.not_equal, "ne")
lt = _comparison(np.less, "lt")
le = _comparison(np.less_equal, "le")
gt = _comparison(np.greater, "gt")
ge = _comparison(np.greater_equal, "ge")
logical_and = _comparison(np.logical_and, "logical_and")
logical_or = _comparison(np.logical_or, "logical_or")
logical_xor = _comparison(np.logical_xor, "logical_xor")


greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne


def logical_not(x):
    """Elementwise not -> bool tensor (``torch.logical_not``)."""
    return Tensor._make(np.logical_not(x._data if isinstance(x, Tensor) else x), None)


def isnan(x):
    return Tensor._make(np.isnan(x._data), None)


def isinf(x):
    return Tensor._make(np.isinf(x._data), None)


def isfinite(x):
    return Tensor._make(np.isfinite(x._data), None)


def unique(x, sorted=True, return_inverse=False, return_counts=False, dim=None):  # noqa: A002
    """The distinct values, sorted (``torch.unique``); optionally inverse indices and counts."""
    values, inverse, counts = np.unique(_raw(x), return_inverse=True, return_counts=True, axis=dim)
    out = [Tensor._make(values, None)]
    if return_inverse:
        out.append(Tensor._make(inverse.reshape(np.shape(_raw(x)) if dim is None else -1).astype(np.int64), None))
    if return_counts:
        out.append(Tensor._make(counts.astype(np.int64), None))
    return out[0] if len(out) == 1 else tuple(out)


def bincount(x, weights=None, minlength=0):
    """Counts of each non-negative integer (``torch.bincount``)."""
    w = None if weights is None else np.asarray(_raw(weights))
    out = np.bincount(_raw(x), weights=w, minlength=minlength)
    if w is None:
        return Tensor._make(out.astype(np.int64), None)
    return Tensor._make(out.astype(w.dtype) if w.dtype.kind == "f" else out, None)  # float weights keep their dtype


def equal(a, b):
    """True when shapes and all values are equal (``torch.equal``)."""
    return a.shape == b.shape and bool(np.array_equal(a._data, b._data))


def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """``torch.allclose``."""
    return bool(np.allclose(_raw(a), _raw(b), rtol=rtol, atol=atol, equal_nan=equal_nan))


def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """``torch.isclose`` -> bool tensor."""
    return Tensor._make(np.isclose(_raw(a), _raw(b), rtol=rtol, atol=atol, equal_nan=equal_nan), None)


def fliplr(x):
    """Reverse dim 1 (``torch.fliplr``)."""
    return flip(x, 1)


def flipud(x):
    """Reverse dim 0 (``torch.flipud``)."""
    return flip(x, 0)


swapdims, moveaxis, ger, vdot = transpose, movedim, outer, dot


def _raw(x):
    return x._data if isinstance(x, Tensor) else x



def _and(a, b):
    return Tensor._make(np.asarray(np.bitwise_and(_raw(a), _raw(b))), None)


def _or(a, b):
    return Tensor._make(np.asarray(np.bitwise_or(_raw(a), _raw(b))), None)


def _xor(a, b):
    return Tensor._make(np.asarray(np.bitwise_xor(_raw(a), _raw(b))), None)


def _invert(a):
    return Tensor._make(np.asarray(np.invert(a._data)), None)


def _swap(fn):
    def reflected(a, b):
        return fn(b, a)

    return reflected


def install_tensor_methods(cls):
    """Attach operators and methods to ``Tensor``; each is one of the functions above."""
    methods = {
        "__add__": add, "__radd__": _swap(add), "__sub__": sub, "__rsub__": _swap(sub),
        "__mul__": mul, "__rmul__": _swap(mul), "__truediv__": div, "__rtruediv__": _swap(div),
        "__pow__": pow, "__rpow__": _swap(pow), "__matmul__": matmul, "__rmatmul__": _swap(matmul),
        "__neg__": neg, "__pos__": lambda x: x, "__abs__": abs, "__getitem__": getitem,
        "__floordiv__": floor_divide, "__rfloordiv__": _swap(floor_divide), "__mod__": remainder,
        "__rmod__": _swap(remainder), "remainder": remainder, "fmod": fmod, "floor_divide": floor_divide,
        "__and__": _and, "__or__": _or, "__xor__": _xor, "__invert__": _invert,
        "__rand__": _swap(_and), "__ror__": _swap(_or),
        "__eq__": eq, "__ne__": ne, "__lt__": lt, "__le__": le, "__gt__": gt, "__ge__": ge,
        "add": add, "sub": sub, "subtract": sub, "mul": mul, "multiply": mul, "div": div,
        "divide": div, "true_divide": div, "neg": neg, "negative": neg, "pow": pow, "matmul": matmul,
        "mm": mm, "bmm": bmm, "mv": mv, "dot": dot, "outer": outer,
        "exp": exp, "log": log, "sqrt": sqrt, "rsqrt": rsqrt, "abs": abs, "absolute": abs, "sin": sin,
        "cos": cos, "square": square, "reciprocal": reciprocal, "sign": sign, "floor": floor,
        "ceil": ceil, "round": round, "trunc": trunc, "fix": trunc,
        "tanh": tanh, "sigmoid": sigmoid, "relu": relu, "clamp": clamp, "clip": clip,
        "maximum": maximum, "minimum": minimum, "masked_fill": masked_fill,
        "clamp_min": lambda self, min: clamp(self, min=min), "clamp_max": lambda self, max: clamp(self, max=max), "where": lambda self, cond, other: where(cond, self, other),
        "sum": sum, "mean": mean, "var": var, "std": std, "prod": prod, "max": max, "min": min,
        "amax": amax, "amin": amin, "argmax": argmax, "argmin": argmin, "logsumexp": logsumexp,
        "softmax": softmax, "log_softmax": log_softmax, "norm": norm, "all": all, "any": any,
        "cumsum": cumsum, "cumprod": cumprod, "median": median, "mode": mode, "quantile": quantile, "nanquantile": nanquantile, "kthvalue": kthvalue, "aminmax": aminmax,
        "nansum": nansum, "nanmean": nanmean, "count_nonzero": count_nonzero, "erf": erf, "sinh": sinh,
        "cosh": cosh, "lerp": lerp,
        "addcmul": addcmul, "addcdiv": addcdiv, "roll": roll, "unique": unique, "bincount": bincount,
        "logical_xor": logical_xor, "ndimension": lambda self: self.ndim,
        "reshape": reshape, "view": view, "flatten": flatten, "unflatten": unflatten,
        "permute": permute, "transpose": transpose, "t": t, "squeeze": squeeze, "unsqueeze": unsqueeze,
        "expand": expand, "expand_as": expand_as, "broadcast_to": broadcast_to, "split": split,
        "chunk": chunk, "unbind": unbind, "narrow": narrow, "flip": flip, "repeat": repeat,
        "eq": eq, "ne": ne, "lt": lt, "le": le, "gt": gt, "ge": ge, "equal": equal,
        "allclose": allclose, "isclose": isclose, "isnan": isnan, "isinf": isinf, "isfinite": isfinite,
        "logical_not": logical_not, "logical_and": logical_and, "logical_or": logical_or,
        "greater": gt, "greater_equal": ge, "less": lt, "less_equal": le, "not_equal": ne,
        "swapdims": transpose, "fliplr": fliplr, "flipud": flipud, "ger": outer, "vdot": dot,
    }
    for name, fn in methods.items():
        setattr(cls, name, fn)
    for name, fn in selection.METHODS.items():
        setattr(cls, name, fn)
    for name, fn in special.METHODS.items():
        setattr(cls, name, fn)
    for name, fn in linalg.METHODS.items():
        setattr(cls, name, fn)
    for name, fn in shape_utils.METHODS.items():
        setattr(cls, name, fn)
    cls.view_as = lambda self, other: reshape(self, other.shape)
    cls.reshape_as = cls.view_as
    cls.T = property(T)
    cls.mT = property(mT)
    cls.mH = property(mT)  # real tensors: the conjugate transpose is the transpose
    cls.H = property(T)
    cls.adjoint = mT
    cls.__hash__ = lambda self: id(self)
