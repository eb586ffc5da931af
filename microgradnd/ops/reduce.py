"""Reductions (sum, max/min, prod, logsumexp) and the fused softmax family.

Every reduction takes ``dim`` (an int, a tuple or None for all) and ``keepdim``; NumPy's spellings
``axis``/``keepdims`` are accepted too. ``mean``, ``var`` and ``std`` are composites of ``sum``.
"""
from __future__ import annotations

import warnings
from collections import namedtuple

import numpy as np

from ..autograd.function import Op
from ..dtypes import get_default_dtype
from .registry import OpSpec, add_spec, one_dim_kwargs, random_dim, reduction_kwargs, register
from .util import Tensor, as_operand, constant, mask_tensor, norm_dim, norm_dims

values_indices = namedtuple("values_indices", ["values", "indices"])
"""What ``max``/``min``/``sort`` along a dim return, like PyTorch's ``torch.return_types``."""


def _dim_args(dim, keepdim, kwargs, op):
    """Merge NumPy-style ``axis``/``keepdims`` into PyTorch-style ``dim``/``keepdim``."""
    if "axis" in kwargs:
        dim = kwargs.pop("axis")
    if "keepdims" in kwargs:
        keepdim = kwargs.pop("keepdims")
    if kwargs:
        raise TypeError(f"{op}: unexpected keyword argument(s) {sorted(kwargs)}")
    return dim, bool(keepdim)


def _kept_shape(shape, dims):
    return tuple(1 if i in dims else n for i, n in enumerate(shape))


def _expand_back(grad, x_shape, dims, keepdim):
    """Reshape a reduced gradient to keep its reduced dims, then broadcast it to the input's shape."""
    from .shape import expand

    if not keepdim:
        grad = grad.reshape(_kept_shape(x_shape, dims))
    return expand(grad, x_shape)


@register("sum", arity=1, smooth=True, kwargs=reduction_kwargs)
class Sum(Op):
    """out = Σ x over ``dims``;  d/dx = 1 (the gradient is broadcast back)"""

    # grad_fn.name() as PyTorch's: SumBackward1 when reduced over dims, SumBackward0 over all
    torch_name = staticmethod(lambda node: "SumBackward1" if node.kwargs.get("dims") not in (None, ()) and
                              len(node.kwargs.get("dims")) < node.inputs[0].ndim else "SumBackward0")

    saves_inputs = False

    @staticmethod
    def forward(ctx, x, dims=(), keepdim=False):
        # np.sum on an ndarray is add.reduce after ~1 us of dispatch (same dtypes, bool/int promotion
        # included); fp errors: ignored for every op by Function.apply
        return np.add.reduce(x, axis=dims, keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.inputs
        return _expand_back(grad, x.shape, ctx.kwargs["dims"], ctx.kwargs["keepdim"])


@register("prod", arity=1, smooth=True, domain=(0.5, 1.5), kwargs=lambda rng, shapes: _one_dim_reduction(rng, shapes))
class Prod(Op):
    """out = Π x over ``dim``;  d/dxᵢ = Π_{j≠i} xⱼ (exact with zeros: products of the others)"""

    @staticmethod
    def forward(ctx, x, dims=(), keepdim=False):
        with np.errstate(all="ignore"):
            return np.prod(x, axis=dims, keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.inputs
        dims, keepdim = ctx.kwargs["dims"], ctx.kwargs["keepdim"]
        g = _expand_back(grad, x.shape, dims, keepdim)
        if np.all(x._data != 0):
            out = _expand_back(ctx.output, x.shape, dims, keepdim)
            return g * out / x
        # zeros present: products of all other elements, from exclusive cumulative products
        return g * _prod_of_others(x, dims)


def _prod_of_others(x, dims):
    """Π_{j≠i} xⱼ over ``dims`` for every i (no division, so exact with zeros; no second derivative)."""
    moved = np.moveaxis(x._data, dims, tuple(range(-len(dims), 0)))
    flat = moved.reshape(moved.shape[: moved.ndim - len(dims)] + (-1,))
    ones = np.ones(flat.shape[:-1] + (1,), dtype=flat.dtype)
    left = np.cumprod(np.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
    right = np.cumprod(np.concatenate([ones, flat[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    others = (left * right).reshape(moved.shape)
    return constant(np.moveaxis(others, tuple(range(-len(dims), 0)), dims))


def _check_nonempty(x, dims, op):
    for d in dims:
        if x.shape[d] == 0:
            raise IndexError(f"{op}(): Expected reduction dim {d} to have non-zero size.")


class _ArgReduceMask:
    """Shared backward of max/min: the gradient goes through a constant 0/1 (or 1/k on ties) mask."""

    saves_inputs = True

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.inputs
        return _expand_back(grad, x.shape, ctx.kwargs["dims"], ctx.kwargs["keepdim"]) * \
            mask_tensor(ctx.mask, grad)


@register("amax", arity=1, smooth=False, distinct=True, kwargs=reduction_kwargs)
class Amax(_ArgReduceMask, Op):
    """out = max of x over ``dims``; the gradient is split evenly among tied maxima (``torch.amax``)"""

    @staticmethod
    def forward(ctx, x, dims=(), keepdim=False):
        _check_nonempty(x, dims, "amax")
        out = np.max(x, axis=dims, keepdims=True)
        hit = x == out
        ctx.mask = hit / np.sum(hit, axis=dims, keepdims=True)
        return out if keepdim else np.squeeze(out, axis=dims)


@register("amin", arity=1, smooth=False, distinct=True, kwargs=reduction_kwargs)
class Amin(_ArgReduceMask, Op):
    """out = min of x over ``dims``; the gradient is split evenly among tied minima (``torch.amin``)"""

    @staticmethod
    def forward(ctx, x, dims=(), keepdim=False):
        _check_nonempty(x, dims, "amin")
        out = np.min(x, axis=dims, keepdims=True)
        hit = x == out
        ctx.mask = hit / np.sum(hit, axis=dims, keepdims=True)
        return out if keepdim else np.squeeze(out, axis=dims)


@register("max_dim", arity=1, smooth=False, distinct=True, kwargs=lambda rng, shapes: _one_dim_reduction(rng, shapes),
          call=lambda x, dim, keepdim: max(x, dim, keepdim).values)
class SelectAlongDim(Op):
    """out = x at ``index`` along one dim (the values of max/min(dim)); the gradient goes to that index only"""

    @staticmethod
    def forward(ctx, x, index=None, dims=(), keepdim=False):
        d = dims[0]
        idx = np.expand_dims(index, d)
        out = np.take_along_axis(x, idx, axis=d)
        mask = np.zeros(x.shape, dtype=bool)
        np.put_along_axis(mask, idx, True, axis=d)
        ctx.mask = mask
        return out if keepdim else np.squeeze(out, axis=d)

    backward = _ArgReduceMask.backward


@register("logsumexp", arity=1, smooth=True, kwargs=lambda rng, shapes: _logsumexp_kwargs(rng, shapes))
class LogSumExp(Op):
    """out = ln Σ eˣ over ``dims``, computed as m + ln Σ e^(x-m);  d/dx = softmax(x)"""

    torch_name = "LogsumexpBackward0"  # grad_fn.name() as PyTorch's

    saves_output = True

    @staticmethod
    def forward(ctx, x, dims=(), keepdim=False):
        m = np.max(x, axis=dims, keepdims=True, initial=-np.inf)  # initial: empty dims give -inf
        m = np.where(np.isfinite(m), m, 0)
        with np.errstate(all="ignore"):
            out = np.log(np.sum(np.exp(x - m), axis=dims, keepdims=True)) + m
        return out if keepdim else np.squeeze(out, axis=dims)

    @staticmethod
    def backward(ctx, grad):
        from .elementwise import exp

        (x,) = ctx.inputs
        dims, keepdim = ctx.kwargs["dims"], ctx.kwargs["keepdim"]
        out = _expand_back(ctx.output, x.shape, dims, keepdim)
        return _expand_back(grad, x.shape, dims, keepdim) * exp(x - out)


@register("log_softmax", arity=1, smooth=True, kwargs=one_dim_kwargs)
class LogSoftmax(Op):
    """out = x - logsumexp(x) along ``dim``;  vjp: g - softmax(x)·Σg"""

    saves_inputs = False
    saves_output = True

    @staticmethod
    def forward(ctx, x, dim=-1):
        m = np.maximum.reduce(x, axis=dim, keepdims=True, initial=-np.inf)  # initial: an empty dim
        finite = np.isfinite(m)
        if not finite.all():  # rows holding ±inf (or empty): shift them by 0 instead
            m = np.where(finite, m, 0).astype(x.dtype, copy=False)
        shifted = x - m
        shifted -= np.log(np.add.reduce(np.exp(shifted), axis=dim, keepdims=True))  # in place: the fresh array becomes the output (Function.apply ignores fp errors)
        return shifted

    @staticmethod
    def backward(ctx, grad):
        return LogSoftmaxBackward.apply(grad, ctx.output, dim=ctx.kwargs["dim"])


@register("log_softmax_backward", arity=2, broadcast=False, smooth=True, kwargs=one_dim_kwargs,
          call=lambda g, y, dim: LogSoftmaxBackward.apply(g, y, dim=dim))
class LogSoftmaxBackward(Op):
    """The vector-Jacobian product of log_softmax from its output y: g - exp(y)·Σg along ``dim``
    (PyTorch's ``_log_softmax_backward_data``). One pass on arrays; differentiable again (double
    backward), for the upstream u: ∂/∂g = u - Σ u·exp(y), ∂/∂y = -u·exp(y)·Σg."""

    @staticmethod
    def forward(ctx, grad, y, dim=-1):
        return grad - np.exp(y) * np.add.reduce(grad, axis=dim, keepdims=True)

    @staticmethod
    def backward(ctx, gg):
        from .elementwise import exp

        grad, y = ctx.inputs
        need_g, need_y = ctx.needs_input_grad
        dim = ctx.kwargs["dim"]
        p = exp(y)
        return (gg - (gg * p).sum(dim=dim, keepdim=True) if need_g else None,
                -(gg * p) * grad.sum(dim=dim, keepdim=True) if need_y else None)


@register("softmax", arity=1, smooth=True, kwargs=one_dim_kwargs)
class Softmax(Op):
    """out = e^(x-m) / Σ e^(x-m) along ``dim``;  vjp: y·(g - Σ g·y)"""

    saves_inputs = False
    saves_output = True

    @staticmethod
    def forward(ctx, x, dim=-1):
        m = np.max(x, axis=dim, keepdims=True, initial=-np.inf)
        m = np.where(np.isfinite(m), m, 0)
        e = np.exp(x - m)  # no errstate needed: Function.apply ignores fp errors
        return e / np.sum(e, axis=dim, keepdims=True)

    @staticmethod
    def backward(ctx, grad):
        y = ctx.output
        dim = ctx.kwargs["dim"]
        return y * (grad - (grad * y).sum(dim=dim, keepdim=True))


@register("safe_sqrt", arity=1, smooth=True, domain=(0.1, 5.0), call=lambda x: _safe_sqrt(x))
class SafeSqrt(Op):
    """out = √x with d/dx = 1/(2·out), taken as 0 where out == 0: how PyTorch differentiates
    ``std`` and ``norm`` at 0 (``sqrt`` itself gives inf there)"""

    saves_inputs = False
    saves_output = True

    @staticmethod
    def forward(ctx, x):
        with np.errstate(all="ignore"):
            return np.sqrt(x)

    @staticmethod
    def backward(ctx, grad):
        from .elementwise import where

        out = ctx.output
        zero = out._data == 0
        if not zero.any():
            return grad / (out * 2.0)
        # a safe denominator keeps the double backward finite as well
        return grad * mask_tensor(~zero, grad) / where(constant(zero), 1.0, out * 2.0)


def _safe_sqrt(x):
    return SafeSqrt.apply(x)


# ---------------------------------------------------------------------------------------------------
# public functions


def _float_tensor(x, op):
    x = as_operand(x, op)
    if not isinstance(x, Tensor):
        x = Tensor._make(np.asarray(x), None)
    return x


def sum(x, dim=None, keepdim=False, dtype=None, **kwargs):  # noqa: A001 - torch.sum
    """Σ over ``dim`` (all when None) (``torch.sum``); bools and ints sum to int64."""
    dim, keepdim = _dim_args(dim, keepdim, kwargs, "sum")
    x = _float_tensor(x, "sum")
    if dtype is not None:
        x = x.to(dtype)
    elif x.dtype.kind in "biu" and x.dtype != np.int64:
        x = x.to(np.int64)
    dims = norm_dims(dim, x.ndim, "sum") if x.ndim else ()
    return Sum.apply(x, dims=dims, keepdim=keepdim)


def mean(x, dim=None, keepdim=False, dtype=None, **kwargs):
    """Σx / n over ``dim`` (``torch.mean``); needs a floating dtype like PyTorch."""
    dim, keepdim = _dim_args(dim, keepdim, kwargs, "mean")
    x = _float_tensor(x, "mean")
    if dtype is not None:
        x = x.to(dtype)
    if x.dtype.kind != "f":
        raise RuntimeError(
            f"mean(): could not infer output dtype. Input dtype must be either a floating point or "
            f"complex dtype. Got: {x.dtype} (call .float() first)"
        )
    dims = norm_dims(dim, x.ndim, "mean") if x.ndim else ()
    n = int(np.prod([x.shape[d] for d in dims])) if dims else 1
    return Sum.apply(x, dims=dims, keepdim=keepdim) * (1.0 / n if n else float("nan"))


def var(x, dim=None, unbiased=None, keepdim=False, correction=None, _op="var", **kwargs):
    """Σ(x - mean)² / (n - correction) (``torch.var``; default correction 1, ``unbiased=False`` is 0)."""
    op = _op
    dim, keepdim = _dim_args(dim, keepdim, kwargs, op)
    if correction is None:
        correction = 0 if unbiased is False else 1
    x = _float_tensor(x, "var")
    dims = norm_dims(dim, x.ndim, "var") if x.ndim else ()
    n = int(np.prod([x.shape[d] for d in dims])) if dims else 1
    if x.dtype.kind != "f":
        raise RuntimeError(f"std and var only support floating point and complex dtypes (got {x.dtype}); "
                           f"call .float() first")
    centred = x - mean(x, dim=dims, keepdim=True)
    denom = n - correction
    if denom <= 0:
        warnings.warn(
            f"{op}(): degrees of freedom is <= 0. Correction should be strictly less than the reduction "
            f"factor (input numel divided by output numel).", UserWarning, stacklevel=3)
    # like PyTorch: divide by max(0, n - correction), so no degrees of freedom gives inf or nan
    scale = 1.0 / denom if denom > 0 else float("inf")
    return Sum.apply(centred * centred, dims=dims, keepdim=keepdim) * scale


def std(x, dim=None, unbiased=None, keepdim=False, correction=None, **kwargs):
    """√var (``torch.std``; default correction 1)."""
    return _safe_sqrt(var(x, dim=dim, unbiased=unbiased, keepdim=keepdim, correction=correction, _op="std",
                          **kwargs))


def prod(x, dim=None, keepdim=False, dtype=None, **kwargs):
    """Π over ``dim`` (``torch.prod``)."""
    dim, keepdim = _dim_args(dim, keepdim, kwargs, "prod")
    x = _float_tensor(x, "prod")
    if dtype is not None:
        x = x.to(dtype)
    dims = norm_dims(dim, x.ndim, "prod") if x.ndim else ()
    return Prod.apply(x, dims=dims, keepdim=keepdim)


def _max_min(x, dim, keepdim, kwargs, largest, op):
    dim, keepdim = _dim_args(dim, keepdim, kwargs, op)
    if isinstance(dim, Tensor):  # torch.max(a, b) is elementwise
        from .elementwise import maximum, minimum

        return maximum(x, dim) if largest else minimum(x, dim)
    x = _float_tensor(x, op)
    if dim is None and x.numel() == 0:
        raise RuntimeError(f"{op}(): Expected reduction dim to be specified for input.numel() == 0. "
                           f"Specify the reduction dim with the 'dim' argument.")
    if dim is None:
        return (Amax if largest else Amin).apply(x, dims=tuple(range(x.ndim)), keepdim=False)
    d = norm_dim(dim, x.ndim, op)
    if x.ndim == 0:
        return values_indices(x.clone() if x.requires_grad else x, constant(np.zeros((), dtype=np.int64)))
    if x.shape[d] == 0:
        raise IndexError(f"{op}(): Expected reduction dim {d} to have non-zero size.")
    # NumPy's argmax returns the first occurrence, as PyTorch does on CPU
    index = (np.argmax if largest else np.argmin)(x._data, axis=d)
    values = SelectAlongDim.apply(x, index=index, dims=(d,), keepdim=keepdim)
    indices = constant(np.expand_dims(index, d) if keepdim else index)
    return values_indices(values, indices)


def max(x, dim=None, keepdim=False, **kwargs):  # noqa: A001 - torch.max
    """``max(x)`` -> the largest value; ``max(x, dim)`` -> (values, indices); ``max(a, b)`` elementwise."""
    return _max_min(x, dim, keepdim, kwargs, True, "max")


def min(x, dim=None, keepdim=False, **kwargs):  # noqa: A001 - torch.min
    """``min(x)`` -> the smallest value; ``min(x, dim)`` -> (values, indices); ``min(a, b)`` elementwise."""
    return _max_min(x, dim, keepdim, kwargs, False, "min")


def amax(x, dim=(), keepdim=False):
    """Max over ``dim`` (all when empty); ties share the gradient (``torch.amax``)."""
    x = _float_tensor(x, "amax")
    if dim in ((), None) and x.numel() == 0:
        raise RuntimeError("amax(): Expected reduction dim to be specified for input.numel() == 0. "
                           "Specify the reduction dim with the 'dim' argument.")
    dims = norm_dims(dim if dim != () else None, x.ndim, "amax") if x.ndim else ()
    return Amax.apply(x, dims=dims, keepdim=keepdim)


def amin(x, dim=(), keepdim=False):
    """Min over ``dim`` (all when empty); ties share the gradient (``torch.amin``)."""
    x = _float_tensor(x, "amin")
    if dim in ((), None) and x.numel() == 0:
        raise RuntimeError("amin(): Expected reduction dim to be specified for input.numel() == 0. "
                           "Specify the reduction dim with the 'dim' argument.")
    dims = norm_dims(dim if dim != () else None, x.ndim, "amin") if x.ndim else ()
    return Amin.apply(x, dims=dims, keepdim=keepdim)


def var_mean(x, dim=None, unbiased=None, keepdim=False, correction=None):
    """(var, mean) (``torch.var_mean``)."""
    return (var(x, dim=dim, unbiased=unbiased, keepdim=keepdim, correction=correction),
            mean(x, dim=dim, keepdim=keepdim))


def std_mean(x, dim=None, unbiased=None, keepdim=False, correction=None):
    """(std, mean) (``torch.std_mean``)."""
    return (std(x, dim=dim, unbiased=unbiased, keepdim=keepdim, correction=correction),
            mean(x, dim=dim, keepdim=keepdim))


def count_nonzero(x, dim=None):
    """Number of non-zero elements over ``dim`` (``torch.count_nonzero``)."""
    data = x._data if isinstance(x, Tensor) else np.asarray(x)
    return constant(np.asarray(np.count_nonzero(data, axis=dim), dtype=np.int64))


def argmax(x, dim=None, keepdim=False, **kwargs):
    """Index of the largest value (flattened when dim is None) (``torch.argmax``)."""
    dim, keepdim = _dim_args(dim, keepdim, kwargs, "argmax")
    data = x._data if isinstance(x, Tensor) else np.asarray(x)
    if dim is None:
        if data.size == 0:
            raise IndexError("argmax(): Expected reduction dim to be specified for input.numel() == 0.")
        out = np.argmax(data)
        return constant(np.asarray(out).reshape((1,) * data.ndim) if keepdim else np.asarray(out))
    d = norm_dim(dim, data.ndim, "argmax")
    if data.ndim == 0:
        return constant(np.zeros((), dtype=np.int64))
    if data.shape[d] == 0:
        raise IndexError(f"argmax(): Expected reduction dim {d} to have non-zero size.")
    return constant(np.argmax(data, axis=d, keepdims=keepdim))


def argmin(x, dim=None, keepdim=False, **kwargs):
    """Index of the smallest value (flattened when dim is None) (``torch.argmin``)."""
    dim, keepdim = _dim_args(dim, keepdim, kwargs, "argmin")
    data = x._data if isinstance(x, Tensor) else np.asarray(x)
    if dim is None:
        if data.size == 0:
            raise IndexError("argmin(): Expected reduction dim to be specified for input.numel() == 0.")
        out = np.argmin(data)
        return constant(np.asarray(out).reshape((1,) * data.ndim) if keepdim else np.asarray(out))
    d = norm_dim(dim, data.ndim, "argmin")
    if data.ndim == 0:
        return constant(np.zeros((), dtype=np.int64))
    if data.shape[d] == 0:
        raise IndexError(f"argmin(): Expected reduction dim {d} to have non-zero size.")
    return constant(np.argmin(data, axis=d, keepdims=keepdim))


def logsumexp(x, dim=None, keepdim=False, **kwargs):
    """ln Σ eˣ over ``dim``, stable (``torch.logsumexp``)."""
    dim, keepdim = _dim_args(dim, keepdim, kwargs, "logsumexp")
    x = _float_tensor(x, "logsumexp")
    if x.dtype.kind != "f":
        x = x.to(get_default_dtype())
    dims = norm_dims(dim, x.ndim, "logsumexp") if x.ndim else ()
    return LogSumExp.apply(x, dims=dims, keepdim=keepdim)


def _softmax_dim(x, dim, op):
    if dim is None:
        # PyTorch's legacy implicit dim: 0 for 0-, 1- and 3-d inputs, else 1
        dim = 0 if x.ndim in (0, 1, 3) else 1
    return norm_dim(dim, x.ndim, op) if x.ndim else 0


def softmax(x, dim=None, dtype=None):
    """e^x / Σ e^x along ``dim`` (``torch.softmax``)."""
    x = _float_tensor(x, "softmax")
    if dtype is not None:
        x = x.to(dtype)
    elif x.dtype.kind != "f":
        x = x.to(get_default_dtype())
    return Softmax.apply(x, dim=_softmax_dim(x, dim, "softmax"))


def log_softmax(x, dim=None, dtype=None):
    """x - logsumexp(x) along ``dim``, stable (``torch.log_softmax``)."""
    x = _float_tensor(x, "log_softmax")
    if dtype is not None:
        x = x.to(dtype)
    elif x.dtype.kind != "f":
        x = x.to(get_default_dtype())
    return LogSoftmax.apply(x, dim=_softmax_dim(x, dim, "log_softmax"))


def norm(x, p="fro", dim=None, keepdim=False):
    """The p-norm over ``dim`` (``torch.norm``; 'fro' and 2 are the Euclidean norm)."""
    from .elementwise import abs as _abs

    from .elementwise import where

    x = _float_tensor(x, "norm")
    if p in ("fro", 2, 2.0):
        return _safe_sqrt(sum(x * x, dim=dim, keepdim=keepdim))
    if p in (float("inf"), "inf"):
        return amax(_abs(x), dim=dim if dim is not None else (), keepdim=keepdim)
    if p in (float("-inf"), "-inf"):
        return amin(_abs(x), dim=dim if dim is not None else (), keepdim=keepdim)
    if p == 0:  # the number of non-zero elements; zero gradient
        return sum(x * 0.0 + mask_tensor(x._data != 0, x), dim=dim, keepdim=keepdim)
    if p == 1:
        return sum(_abs(x), dim=dim, keepdim=keepdim)
    total = sum(_abs(x) ** p, dim=dim, keepdim=keepdim)
    zero = constant(total._data == 0)
    if not zero._data.any():
        return total ** (1.0 / p)
    # (Σ|x|ᵖ)^(1/p) has an infinite slope at 0: PyTorch takes the gradient of a zero norm as 0
    return where(zero, 0.0, where(zero, 1.0, total) ** (1.0 / p))


def all(x, dim=None, keepdim=False):  # noqa: A001
    """True where every element is non-zero (``torch.all``)."""
    data = x._data if isinstance(x, Tensor) else np.asarray(x)
    return constant(np.all(data, axis=dim, keepdims=keepdim))


def any(x, dim=None, keepdim=False):  # noqa: A001
    """True where some element is non-zero (``torch.any``)."""
    data = x._data if isinstance(x, Tensor) else np.asarray(x)
    return constant(np.any(data, axis=dim, keepdims=keepdim))


def cumsum(x, dim, dtype=None):
    """Cumulative sum along ``dim`` (``torch.cumsum``), as a composite of matmul with a triangle."""
    from .linalg import matmul
    from .shape import transpose

    x = _float_tensor(x, "cumsum")
    if dtype is not None:
        x = x.to(dtype)
    elif x.dtype.kind in "biu" and x.dtype != np.int64:
        x = x.to(np.int64)  # bools and ints accumulate in int64, as in PyTorch
    d = norm_dim(dim, x.ndim, "cumsum") if x.ndim else 0
    if x.ndim == 0:
        return x.clone()
    n = x.shape[d]
    tri = constant(np.triu(np.ones((n, n), dtype=x.dtype)))
    moved = transpose(x, d, -1)
    return transpose(matmul(moved, tri), d, -1)


@register("cumprod", arity=1, smooth=True, kwargs=one_dim_kwargs,
          values=lambda rng, arrays: [np.where(rng.random(a.shape) < 0.2, 0.0, a) for a in arrays])
class CumProd(Op):
    """out_j = Π_{k≤j} x_k along ``dim`` (``torch.cumprod``);  dx_i = Σ_{j≥i} g_j · Π_{k≤j, k≠i} x_k,
    the products taken without dividing by x_i, so zeros get the right gradient"""

    @staticmethod
    def forward(ctx, x, dim=-1):
        return np.cumprod(x, axis=dim) if x.ndim else x.copy()

    @staticmethod
    def backward(ctx, grad):
        from .elementwise import where

        (x,) = ctx.inputs
        if x.ndim == 0:
            return grad
        dim = ctx.kwargs["dim"] % x.ndim
        n = x.shape[dim]
        xm = x.movedim(dim, -1).unsqueeze(-2).expand(*x.shape[:dim], *x.shape[dim + 1:], n, n)
        others = CumProd.apply(where(constant(np.eye(n, dtype=bool)), 1.0, xm), dim=-1)  # [i, j]: Π_{k≤j, k≠i}
        g = grad.movedim(dim, -1).unsqueeze(-2) * mask_tensor(np.triu(np.ones((n, n))), grad)
        return (g * others).sum(-1).movedim(-1, dim)


def cumprod(x, dim, dtype=None):
    """Cumulative product along ``dim`` (``torch.cumprod``); bools and ints give int64."""
    x = _float_tensor(x, "cumprod")
    if dtype is not None:
        x = x.to(dtype)
    elif x.dtype.kind in "biu" and x.dtype != np.int64:
        x = x.to(np.int64)
    return CumProd.apply(x, dim=norm_dim(dim, x.ndim, "cumprod") if x.ndim else 0)


def _kth_along(x, k, dim, keepdim, op):
    """(values, indices) of the k-th smallest (0-based) along ``dim``, ties in order of position;
    the value is a ``gather``, so its gradient goes to that one element."""
    from .selection import gather

    x = _float_tensor(x, op)
    if x.ndim == 0:
        return values_indices(x.clone() if x.requires_grad else x, constant(np.zeros((), dtype=np.int64)))
    d = norm_dim(dim, x.ndim, op)
    if not 0 <= k < x.shape[d]:
        raise IndexError(f"{op}(): selected number k out of range for dimension {d} of size {x.shape[d]}")
    order = np.argsort(x._data, axis=d, kind="stable")
    index = np.take(order, [k], axis=d).astype(np.int64)
    values = gather(x, d, constant(index))
    if not keepdim:
        values, index = values.squeeze(d), np.squeeze(index, d)
    return values_indices(values, constant(index))


def median(x, dim=None, keepdim=False):
    """The lower median (the ((n-1)//2)-th smallest, not an average) (``torch.median``): one value
    when ``dim`` is None, else (values, indices) along ``dim``."""
    x = _float_tensor(x, "median")
    if dim is None:
        if x.numel() == 0:
            return Tensor._make(np.array(np.nan, dtype=x.dtype), None)
        return _kth_along(x.reshape(-1), (x.numel() - 1) // 2, 0, False, "median").values
    n = x.shape[norm_dim(dim, x.ndim, "median")] if x.ndim else 1
    return _kth_along(x, (n - 1) // 2, dim, keepdim, "median")


def kthvalue(x, k, dim=-1, keepdim=False):
    """(values, indices) of the k-th smallest element (1-based ``k``) along ``dim`` (``torch.kthvalue``)."""
    return _kth_along(x, int(k) - 1, dim, keepdim, "kthvalue")


aminmax_result = namedtuple("aminmax", ["min", "max"])


def aminmax(x, *, dim=None, keepdim=False):
    """(min, max) over ``dim`` (all when None) (``torch.aminmax``)."""
    d = () if dim is None else dim
    return aminmax_result(amin(x, d, keepdim), amax(x, d, keepdim))


def nansum(x, dim=None, keepdim=False, dtype=None):
    """Σ with NaNs counted as zero (``torch.nansum``)."""
    from .elementwise import where

    x = _float_tensor(x, "nansum")
    if x.dtype.kind == "f":
        x = where(constant(np.isnan(x._data)), 0.0, x)
    return sum(x, dim=dim, keepdim=keepdim, dtype=dtype)


def nanmean(x, dim=None, keepdim=False, dtype=None):
    """Mean over the non-NaN elements (``torch.nanmean``)."""
    x = _float_tensor(x, "nanmean")
    if x.dtype.kind != "f":
        raise RuntimeError(f"nanmean(): expected input to have floating point dtype but got {x.dtype}")
    count = sum(constant(~np.isnan(x._data)), dim=dim, keepdim=keepdim)
    return nansum(x, dim=dim, keepdim=keepdim, dtype=dtype) / count


# ---------------------------------------------------------------------------------------------------
# specs for the generated gradient tests (see ops.registry)


def _one_dim_reduction(rng, shapes):
    return {"dim": random_dim(rng, len(shapes[0])), "keepdim": bool(rng.random() < 0.5)}


def _logsumexp_kwargs(rng, shapes):
    kwargs = reduction_kwargs(rng, shapes)
    if kwargs["dim"] is None:  # torch.logsumexp needs a dim
        kwargs["dim"] = tuple(range(len(shapes[0])))
    return kwargs


def _var_kwargs(rng, shapes):
    """dim/keepdim plus one of PyTorch's spellings of the correction, keeping n - correction > 0."""
    kwargs = reduction_kwargs(rng, shapes)
    shape = shapes[0]
    dims = norm_dims(kwargs["dim"], len(shape), "var") if shape else ()
    n = int(np.prod([shape[d] for d in dims])) if dims else 1
    style = rng.integers(3)
    if n >= 3 and style == 0:
        kwargs["correction"] = int(rng.integers(0, 3))
    elif n >= 2 and style == 1:
        kwargs["unbiased"] = bool(rng.random() < 0.5)
    elif n < 2:
        kwargs["correction"] = 0
    return kwargs


add_spec(OpSpec(name="mean", arity=1, kwargs=reduction_kwargs, covers=(Sum,)))
add_spec(OpSpec(name="var", arity=1, kwargs=_var_kwargs, covers=(Sum,)))
add_spec(OpSpec(name="std", arity=1, kwargs=_var_kwargs, covers=(Sum, SafeSqrt)))
add_spec(OpSpec(name="min_dim", arity=1, smooth=False, distinct=True, kwargs=_one_dim_reduction,
                call=lambda x, dim, keepdim: min(x, dim, keepdim).values, covers=(SelectAlongDim,)))
add_spec(OpSpec(name="max_all", arity=1, smooth=False, distinct=True, call=lambda x: max(x), covers=(Amax,)))
add_spec(OpSpec(name="min_all", arity=1, smooth=False, distinct=True, call=lambda x: min(x), covers=(Amin,)))
add_spec(OpSpec(name="prod_with_zeros", arity=1, smooth=False, covers=(Prod,), kwargs=_one_dim_reduction,
                call=lambda x, dim, keepdim: prod(x, dim, keepdim),
                values=lambda rng, arrays: [np.where(rng.random(a.shape) < 0.3, 0.0, a) for a in arrays]))
add_spec(OpSpec(name="norm", arity=1, distinct=True, smooth=False, covers=(SafeSqrt,),
                avoid=((0, 0.0, 0.05),),
                kwargs=lambda rng, shapes: dict(reduction_kwargs(rng, shapes), p=[1, 2, 3, float("inf"), "fro"][rng.integers(5)])))
add_spec(OpSpec(name="cumsum", arity=1, kwargs=lambda rng, shapes: {"dim": random_dim(rng, len(shapes[0]))}))
add_spec(OpSpec(name="median", arity=1, smooth=False, distinct=True, kwargs=_one_dim_reduction,
                call=lambda x, dim, keepdim: median(x, dim, keepdim).values))
add_spec(OpSpec(name="nansum", arity=1, kwargs=reduction_kwargs, covers=(Sum,)))


_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def quantile(x, q, dim=None, keepdim=False, *, interpolation="linear", out=None):
    """The ``q``-quantiles of ``x`` over ``dim`` (all elements when None) (``torch.quantile``): at rank
    r = q·(n-1) of the sorted values, ``linear`` v⌊r⌋ + (v⌈r⌉ - v⌊r⌋)·(r - ⌊r⌋), or ``lower`` /
    ``higher`` / ``midpoint`` / ``nearest`` (half to even). A 1-D ``q`` puts its dim first. NaN
    wherever the reduced values hold a NaN; the gradient goes to the one or two values read."""
    return _quantile(x, q, dim, keepdim, interpolation, "quantile", ignore_nan=False)


def nanquantile(x, q, dim=None, keepdim=False, *, interpolation="linear", out=None):
    """``quantile`` ignoring NaNs: each slice ranks its n' non-NaN values, r = q·(n'-1); NaN only
    where a slice is all NaN (``torch.nanquantile``)."""
    return _quantile(x, q, dim, keepdim, interpolation, "nanquantile", ignore_nan=True)


def _quantile(x, q, dim, keepdim, interpolation, name, ignore_nan):
    from .elementwise import where
    from .selection import gather, movedim, sort

    x = as_operand(x, name)
    if not isinstance(x, Tensor) or x._data.dtype.kind != "f":
        raise RuntimeError(f"{name}() input tensor must be either float or double dtype")
    q_array = np.asarray(q._data if isinstance(q, Tensor) else q, dtype=np.float64)
    if q_array.ndim > 1:
        raise RuntimeError(f"{name}() q must be a scalar or 1D tensor")
    if not np.all((q_array >= 0) & (q_array <= 1)):
        raise RuntimeError(f"{name}() q values must be in the range [0, 1]" if q_array.ndim else
                           f"{name}() q must be in the range [0, 1] but got {float(q_array)}")
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError(f"{name}() interpolation must be one of linear, lower, higher, midpoint or "
                           f"nearest. Got {interpolation}")
    if x.numel() == 0:
        raise RuntimeError(f"{name}() input tensor must be non-empty")
    if dim is None:
        values, d = x.reshape(-1), 0
    else:
        d = norm_dim(dim, x.ndim, name)
        values = x if x.ndim else x.reshape(1)
    last = movedim(sort(values, dim=d).values, d, -1)  # NaNs sort last
    data = last._data
    n = data.shape[-1]
    nan_last = np.isnan(data[..., -1:])
    count = (n - np.isnan(data).sum(axis=-1, keepdims=True)) if ignore_nan else np.full(nan_last.shape, n)
    rank = q_array.reshape(-1) * (count - 1)  # (..., Q)
    low = np.clip(np.floor(rank), 0, n - 1).astype(np.int64)
    high = np.clip(np.ceil(rank), 0, n - 1).astype(np.int64)
    if interpolation in ("lower", "higher", "nearest"):
        if interpolation == "nearest":
            index = np.clip(np.round(rank), 0, n - 1).astype(np.int64)  # half to even, as PyTorch
        else:
            index = low if interpolation == "lower" else high
        result = gather(last, -1, Tensor._make(index, None))
    else:
        v_low = gather(last, -1, Tensor._make(low, None))
        v_high = gather(last, -1, Tensor._make(high, None))
        weight = 0.5 if interpolation == "midpoint" else constant((rank - np.floor(rank)).astype(data.dtype))
        result = v_low + (v_high - v_low) * weight
    if not ignore_nan and nan_last.any():  # quantile: a NaN anywhere in the slice gives NaN
        result = where(constant(np.broadcast_to(nan_last, result.shape)), np.nan, result)
    if keepdim:
        result = result.unsqueeze(d) if dim is not None else result.reshape((1,) * x.ndim + result.shape[-1:])
        q_axis = result.ndim - 1
    else:
        q_axis = -1
    if q_array.ndim == 0:
        return result.squeeze(q_axis)
    return movedim(result, q_axis, 0)


def mode(x, dim=-1, keepdim=False):
    """(values, indices) of the most frequent value along ``dim`` (``torch.mode``): ties between
    values go to the smallest, the index is that value's last position; the value is a ``gather``,
    so its gradient goes to that element."""
    from .selection import gather

    x = _float_tensor(x, "mode")
    if x.ndim == 0:
        return values_indices(x.clone() if x.requires_grad else x, constant(np.zeros((), dtype=np.int64)))
    d = norm_dim(dim, x.ndim, "mode")
    n = x.shape[d]
    if n == 0:
        raise IndexError(f"mode(): Expected reduction dim {d} to have non-zero size.")
    rows = np.moveaxis(x._data, d, -1).reshape(-1, n)  # one row per reduced slice
    order = np.argsort(rows, axis=1, kind="stable")
    ranked = np.take_along_axis(rows, order, axis=1)
    starts = np.ones(ranked.shape, dtype=bool)
    starts[:, 1:] = ranked[:, 1:] != ranked[:, :-1]
    run = np.cumsum(starts, axis=1) - 1  # which run of equal values each sorted entry is in
    flat_run = run + np.arange(rows.shape[0])[:, None] * n
    counts = np.bincount(flat_run.ravel(), minlength=rows.size).reshape(rows.shape)
    best = np.argmax(counts, axis=1)  # the first longest run: the smallest of the most frequent values
    index = np.where(run == best[:, None], order, -1).max(axis=1)  # its last position in the row
    index = np.moveaxis(index.reshape(np.moveaxis(x._data, d, -1).shape[:-1] + (1,)), -1, d)
    values = gather(x, d, constant(index.astype(np.int64)))
    if not keepdim:
        values, index = values.squeeze(d), np.squeeze(index, d)
    return values_indices(values, constant(index.astype(np.int64)))
