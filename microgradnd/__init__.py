"""microgradnd: an n-dimensional autograd engine on NumPy, with computational graphs you can see.

    import microgradnd as mg
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    x.grad            # tensor([2., 4., 6.])

The API mirrors PyTorch's (``import microgradnd as torch`` runs course-style PyTorch code).
"""
from __future__ import annotations

__version__ = "0.1.0"

from .tensor import Device, Size, Tensor  # noqa: I001 - first: the ops modules import it
from . import autograd, cuda, dtypes, ops
from .autograd import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .creation import (BoolTensor, DoubleTensor, FloatTensor, LongTensor, arange, as_tensor, bernoulli,
                       empty, empty_like, eye, from_numpy, full, full_like, linspace, logspace,
                       multinomial, normal, ones, ones_like, rand, rand_like, randint, randn, randn_like,
                       randint_like, randperm, scalar_tensor, tensor, tril_indices, triu_indices, zeros,
                       zeros_like)
from .dtypes import (bool, double, float, float16, float32, float64, get_default_dtype, half, int, int8,
                     int16, int32, int64, long, set_default_dtype, short, uint8)
from .ops import (abs, add, addcdiv, addcmul, all, allclose, amax, amin, any, argmax, argmin, bincount,
                  bmm, broadcast_tensors, broadcast_to, cat, ceil, chunk, clamp, clip, clone, concat,
                  concatenate, cos, cosh, count_nonzero, cumprod, cumsum, div, dot, elu, eq, equal, erf, exp,
                  expand, flatten, flip, floor, floor_divide, fmod, ge, gelu, gt, isclose, isfinite, isinf, isnan, le,
                  leaky_relu, lerp, log, log_softmax, logical_and, logical_not, logical_or, logical_xor,
                  logsumexp, lt, masked_fill, matmul, max, maximum, mean, median, min, minimum, mm, mul, mv,
                  narrow, ne, neg, norm, outer, pad, permute, pow, prod, reciprocal, relu, repeat, reshape,
                  remainder, roll, round, rsqrt, selu, sigmoid, sign, silu, sin, sinh, softmax, softplus, split, sqrt,
                  square, squeeze, stack, std, std_mean, sub, sum, T, t, tanh, transpose, trunc, unbind,
                  unflatten, unique, unsqueeze, var, var_mean, view, where)
from .ops import (aminmax, fliplr, flipud, ger, greater, greater_equal, index_add, index_copy, index_fill, inner,
                  kthvalue, less, less_equal, moveaxis, nanmean, nansum, not_equal, swapdims, take_along_dim, vdot)
from .ops.selection import index_put
from .ops import (argsort, argwhere, cdist, diag, diagonal, einsum, expm1, gather, hstack, index_select,
                  log1p, log2, log10, masked_select, meshgrid, movedim, nonzero, repeat_interleave, scatter,
                  scatter_add, sort, swapaxes, tan, tile, topk, trace, tril, triu, vstack)
from .ops import (acos, acosh, arccos, arccosh, arcsin, arcsinh, arctan, arctan2, arctanh, asin, asinh, atan, atan2,
                  atanh, copysign, deg2rad, erfc, erfinv, exp2, float_power, fmax, fmin, frac, heaviside, hypot,
                  logaddexp, logaddexp2, logit, nan_to_num, rad2deg, sgn, signbit, sinc, xlogy)
from .ops import (addbmm, addmm, addmv, baddbmm, cross, det, inverse, kron, matrix_power, slogdet, tensordot)
from .ops import (atleast_1d, atleast_2d, atleast_3d, broadcast_shapes, cartesian_prod, column_stack, combinations,
                  cummax, cummin, diag_embed, diagflat, diff, dsplit, dstack, hsplit, rot90, row_stack, take,
                  tensor_split, vsplit)
from . import linalg
from .ops import mode, nanquantile, quantile
from .printing import get_printoptions, set_printoptions
from .random import Generator, get_rng_state, initial_seed, manual_seed, seed, set_rng_state

device = Device
subtract, multiply, divide, true_divide, negative, absolute = sub, mul, div, div, neg, abs


def finfo(dtype=None):
    """Machine limits of a float dtype (``torch.finfo``: ``.eps .max .min .tiny``)."""
    import numpy as _np

    return _np.finfo(dtype if dtype is not None else get_default_dtype())


def iinfo(dtype):
    """Limits of an integer dtype (``torch.iinfo``: ``.max .min .bits``)."""
    import numpy as _np

    return _np.iinfo(dtype)


def is_floating_point(x) -> bool:
    """True for a float tensor (``torch.is_floating_point``)."""
    return x.is_floating_point()


def clamp_min(x, min):
    """``torch.clamp_min`` = ``clamp(x, min=min)``."""
    return clamp(x, min=min)


def clamp_max(x, max):
    """``torch.clamp_max`` = ``clamp(x, max=max)``."""
    return clamp(x, max=max)


def is_tensor(obj) -> bool:
    """True for microgradnd Tensors (``torch.is_tensor``)."""
    return isinstance(obj, Tensor)


def numel(x) -> int:
    return x.numel()


def detach(x):
    return x.detach()


def __getattr__(name):
    # the upper layers load on first use so `import microgradnd` stays fast
    import importlib

    lazy = {
        "nn": ".nn", "optim": ".optim", "utils": ".utils", "datasets": ".datasets", "metrics": ".metrics",
        "viz": ".viz", "testing": ".testing", "serialization": ".serialization",
    }
    if name in lazy:
        module = importlib.import_module(lazy[name], __name__)
        globals()[name] = module
        return module
    if name in ("save", "load"):
        from . import serialization

        return getattr(serialization, name)
    if name in ("draw_graph", "explain"):
        from . import viz

        return getattr(viz, name)
    raise AttributeError(f"module 'microgradnd' has no attribute {name!r}")
