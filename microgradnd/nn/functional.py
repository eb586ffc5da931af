"""``nn.functional`` (alias ``F``): stateless layers, activations and losses (``torch.nn.functional``).

Every function here is a door into the primitive ops of ``microgradnd.ops`` or a short composite of
them; the fused primitives (``log_softmax``, ``softplus``, ``binary_cross_entropy``, im2col
``conv2d``/pooling) are used where a composite would be unstable or slow. Error types and messages
follow PyTorch's.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from .. import ops as _ops
from .. import random as _random
from ..autograd.grad_mode import no_grad
from ..ops import conv as _conv
from ..ops import linear as _linear
from ..ops import loss as _loss
from ..ops import normalization as _norm
from ..ops.activation import (celu, elu, gelu, hardtanh, leaky_relu, logsigmoid, mish, relu, relu6, selu,
                              sigmoid, silu, softplus, tanh)
from ..ops.util import constant
from ..tensor import Tensor
from .module import size_str

__all__ = [
    "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_max_pool1d", "adaptive_max_pool2d", "avg_pool1d",
    "avg_pool2d",
    "batch_norm", "binary_cross_entropy", "binary_cross_entropy_with_logits", "celu", "celu_", "conv1d",
    "conv2d", "conv_transpose2d", "cosine_embedding_loss", "cosine_similarity", "cross_entropy", "dropout",
    "dropout1d", "dropout2d", "elu", "elu_", "embedding", "fold", "gelu", "glu", "group_norm", "hardshrink",
    "hardsigmoid", "hardswish", "hardtanh", "hardtanh_", "hinge_embedding_loss", "huber_loss",
    "instance_norm", "interpolate", "kl_div", "l1_loss", "layer_norm", "leaky_relu", "leaky_relu_", "linear",
    "local_response_norm", "log_softmax", "logsigmoid", "max_pool1d", "max_pool2d", "mish", "mse_loss",
    "multi_margin_loss", "multilabel_margin_loss", "multilabel_soft_margin_loss", "nll_loss", "normalize",
    "one_hot", "pad", "pairwise_distance", "pixel_shuffle", "pixel_unshuffle", "poisson_nll_loss", "prelu",
    "relu", "relu6", "relu_", "selu", "selu_", "sigmoid", "silu",
    "smooth_l1_loss", "softmax", "softmin", "softplus", "softshrink", "softsign", "tanh", "tanhshrink",
    "threshold", "threshold_", "triplet_margin_loss", "unfold",
]

# ---------------------------------------------------------------------------------------------------
# linear layers


def linear(input, weight, bias=None):
    """y = x Wᵀ + b with weight (out_features, in_features) and any leading batch dims (``F.linear``)."""
    if input._data.shape[-1:] != weight._data.shape[-1:]:  # (the arrays' shapes: plain tuples, cheaper)
        rows = int(np.prod(input.shape[:-1])) if input.ndim > 1 else 1
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({rows}x{input.shape[-1] if input.ndim else 1} and "
            f"{weight.shape[-1]}x{weight.shape[0]})"
        )
    if input.dtype != weight.dtype:
        if input.dtype.kind == "f" and weight.dtype.kind == "f":
            raise RuntimeError(
                f"expected m1 and m2 to have the same dtype, but got: {_torch_type(input.dtype).lower()} != "
                f"{_torch_type(weight.dtype).lower()}"
            )
        raise RuntimeError(
            f"mat1 and mat2 must have the same dtype, but got {_torch_type(input.dtype)} and "
            f"{_torch_type(weight.dtype)}"
        )
    if bias is not None and bias.dtype != input.dtype:
        raise RuntimeError(
            f"linear: bias has dtype {bias.dtype} but the input and weight have {input.dtype}; make them match"
        )
    return _linear.linear(input, weight, bias)


def bilinear(input1, input2, weight, bias=None):
    """y_k = x1ᵀ W_k x2 + b_k (``F.bilinear``)."""
    out = _ops.matmul(input1.unsqueeze(-2).unsqueeze(-3), weight)  # (..., out, 1, in2)
    out = (out.squeeze(-2) * input2.unsqueeze(-2)).sum(-1)
    return out + bias if bias is not None else out


def _torch_type(dtype):
    return {"float32": "Float", "float64": "Double", "int64": "Long", "int32": "Int", "float16": "Half",
            "bool": "Bool"}.get(str(dtype), str(dtype))


# ---------------------------------------------------------------------------------------------------
# convolution and pooling (im2col primitives in microgradnd.ops.conv)

conv2d = _conv.conv2d
conv_transpose2d = _conv.conv_transpose2d
max_pool2d = _conv.max_pool2d
avg_pool2d = _conv.avg_pool2d
adaptive_avg_pool2d = _conv.adaptive_avg_pool2d
adaptive_max_pool2d = _conv.adaptive_max_pool2d


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resize the spatial dims of (N, C, ...) input (``F.interpolate``), one dim at a time.

    'nearest': output pixel i reads input pixel ⌊i·scale⌋ with scale = in/out (or 1/scale_factor), a
    constant-index gather. 'linear' / 'bilinear' / 'trilinear' (separable): src = (i + ½)·scale - ½
    clamped at 0 (align_corners=False) or i·(in - 1)/(out - 1) (align_corners=True), and
    out = x[⌊src⌋]·(1 - λ) + x[⌊src⌋ + 1]·λ with λ = src - ⌊src⌋, the last pixel repeated at the edge.
    """
    linear = {"linear": 1, "bilinear": 2, "trilinear": 3}
    if mode != "nearest" and mode not in linear:
        raise NotImplementedError(
            f"interpolate: mode {mode!r} is not supported; use 'nearest', 'linear', 'bilinear' or 'trilinear'")
    if mode == "nearest" and align_corners is not None:
        raise ValueError("align_corners option can only be set with the interpolating modes: "
                         "linear | bilinear | bicubic | trilinear")
    spatial = input.ndim - 2
    if spatial < 1:
        raise ValueError(f"interpolate: expected a 3-D, 4-D or 5-D (N, C, ...) input, got shape {tuple(input.shape)}")
    if mode in linear and linear[mode] != spatial:
        raise NotImplementedError(
            f"Got {input.ndim}D input, but {mode} mode needs {linear[mode] + 2}D input")
    if (size is None) == (scale_factor is None):
        raise ValueError("only one of size or scale_factor should be defined")
    in_sizes = input.shape[2:]
    if size is not None:
        sizes = tuple(size) if isinstance(size, (tuple, list)) else (size,) * spatial
        if len(sizes) != spatial:
            raise ValueError(
                f"Input and output must have the same number of spatial dimensions, but got input with spatial "
                f"dimensions of {list(in_sizes)} and output size of {size}. Please provide input tensor in "
                f"(N, C, d1, d2, ...,dK) format and output size in (o1, o2, ...,oK) format.")
        scales = [np.float32(i) / np.float32(o) for i, o in zip(in_sizes, sizes)]
    else:
        factors = tuple(scale_factor) if isinstance(scale_factor, (tuple, list)) else (scale_factor,) * spatial
        if len(factors) != spatial:
            raise ValueError(
                f"Input and scale_factor must have the same number of spatial dimensions, but got input with "
                f"spatial dimensions of {list(in_sizes)} and scale_factor of shape {scale_factor}. Please provide "
                f"input tensor in (N, C, d1, d2, ...,dK) format and scale_factor in (s1, s2, ...,sK) format.")
        sizes = tuple(int(math.floor(i * f)) for i, f in zip(in_sizes, factors))
        scales = ([np.float32(i) / np.float32(o) for i, o in zip(in_sizes, sizes)] if recompute_scale_factor
                  else [np.float32(1.0 / f) for f in factors])
    out = input
    for d, (n_in, n_out, scale) in enumerate(zip(in_sizes, sizes, scales)):
        lead = (slice(None),) * (2 + d)
        if mode == "nearest":
            if n_in == n_out and scale == 1.0:
                continue
            # PyTorch computes src = floor(dst · scale) in float32; the same arithmetic gives the same pixels
            index = np.floor(np.arange(n_out, dtype=np.float32) * np.float32(scale)).astype(np.int64)
            index = np.minimum(index, n_in - 1)
            out = out[lead + (constant(index),)]
            continue
        # PyTorch's arithmetic: the scale in double, then src and λ in the input's float type
        ct = np.float32 if input.dtype == np.float32 else np.float64
        dst = np.arange(n_out, dtype=ct)
        if align_corners:
            src = dst * ct((n_in - 1) / (n_out - 1)) if n_out > 1 else np.zeros(n_out, dtype=ct)
        else:
            exact = size is not None or recompute_scale_factor or factors[d] <= 0
            step = ct(n_in / n_out if exact else 1.0 / factors[d])
            src = np.maximum(step * (dst + ct(0.5)) - ct(0.5), ct(0.0))
        lo = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
        hi = np.minimum(lo + 1, n_in - 1)
        lam = (src - lo.astype(ct)).astype(input.dtype).reshape((n_out,) + (1,) * (spatial - 1 - d))
        out = out[lead + (constant(lo),)] * constant(1 - lam) + out[lead + (constant(hi),)] * constant(lam)
    return out


def _as_2d(fn_name, input, lead):
    """(N, C, L) or (C, L) -> the same with a unit height, so the 2-D kernels do 1-D work."""
    if input.ndim not in (lead, lead + 1):
        raise RuntimeError(
            f"Expected {lead}D (unbatched) or {lead + 1}D (batched) input to {fn_name}, but got input of size: "
            f"{list(input.shape)}"
        )
    return input.unsqueeze(-2)


def _one(v):
    return v[0] if isinstance(v, (tuple, list)) else v


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D cross-correlation over (N, C, L) (``F.conv1d``), as conv2d with a unit height."""
    if not isinstance(padding, str):
        padding = (0, _one(padding))
    out = _conv.conv2d(_as_2d("conv1d", input, 2), weight.unsqueeze(-2), bias, (1, _one(stride)), padding,
                       (1, _one(dilation)), groups)
    return out.squeeze(-2)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """Max over windows of (N, C, L) (``F.max_pool1d``)."""
    stride = _one(kernel_size) if stride is None or stride == [] else _one(stride)
    out = _conv.max_pool2d(_as_2d("max_pool1d", input, 2), (1, _one(kernel_size)), (1, stride),
                           (0, _one(padding)), (1, _one(dilation)), ceil_mode, return_indices)
    if return_indices:
        return out[0].squeeze(-2), out[1].squeeze(-2)
    return out.squeeze(-2)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """Mean over windows of (N, C, L) (``F.avg_pool1d``)."""
    stride = _one(kernel_size) if stride is None or stride == [] else _one(stride)
    out = _conv.avg_pool2d(_as_2d("avg_pool1d", input, 2), (1, _one(kernel_size)), (1, stride),
                           (0, _one(padding)), ceil_mode, count_include_pad)
    return out.squeeze(-2)


def _adaptive_1d(fn_name, input, output_size):
    if input.ndim not in (2, 3):
        raise RuntimeError(f"Expected 2 to 3 dimensions, but got {input.ndim}-dimensional tensor for argument #1 "
                           f"'self' (while checking arguments for {fn_name})")
    if isinstance(output_size, (tuple, list)) and len(output_size) != 1:
        raise RuntimeError(f"{fn_name}() argument 'output_size' should contain one int (got {len(output_size)})")
    return input.unsqueeze(-2), (1, _one(output_size))


def adaptive_avg_pool1d(input, output_size):
    """Average over adaptive windows of (N, C, L) (``F.adaptive_avg_pool1d``)."""
    x, size = _adaptive_1d("adaptive_avg_pool1d", input, output_size)
    return _conv.adaptive_avg_pool2d(x, size).squeeze(-2)


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """Max over adaptive windows [⌊i·L/OL⌋, ⌈(i+1)·L/OL⌉) of (N, C, L) or (C, L), with the arg-max
    positions when ``return_indices`` (``F.adaptive_max_pool1d``)."""
    x, size = _adaptive_1d("adaptive_max_pool1d", input, output_size)
    out = _conv.adaptive_max_pool2d(x, size, return_indices)
    if return_indices:
        return out[0].squeeze(-2), out[1].squeeze(-2)
    return out.squeeze(-2)


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """(N, C, H, W) -> (N, C·kH·kW, L) sliding blocks, or (C, H, W) -> (C·kH·kW, L) (``F.unfold``)."""
    if input.ndim not in (3, 4):
        raise RuntimeError(f"Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and other non-zero "
                           f"dimensions for input, but got: {list(input.shape)}")
    if input.ndim == 3:
        return unfold(input.unsqueeze(0), kernel_size, dilation, padding, stride).squeeze(0)
    k, d = _conv._pair(kernel_size, "kernel_size", "unfold"), _conv._pair(dilation, "dilation", "unfold")
    p, s = _conv._pair(padding, "padding", "unfold"), _conv._pair(stride, "stride", "unfold")
    cols = _conv.unfold2d(input, k, s, ((p[0], p[0]), (p[1], p[1])), d)  # (N, OH, OW, kH, kW, C)
    n, oh, ow = cols.shape[:3]
    # PyTorch's block layout is (N, C·kH·kW, L) with c slowest
    return cols.permute(0, 5, 3, 4, 1, 2).reshape(n, -1, oh * ow)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """(N, C·kH·kW, L) blocks -> (N, C, H, W), or (C·kH·kW, L) -> (C, H, W), summing overlaps (``F.fold``)."""
    if input.ndim not in (2, 3):
        raise RuntimeError(f"Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and "
                           f"non-zero dimensions for input, but got: {list(input.shape)}")
    if input.ndim == 2:
        return fold(input.unsqueeze(0), output_size, kernel_size, dilation, padding, stride).squeeze(0)
    k, d = _conv._pair(kernel_size, "kernel_size", "fold"), _conv._pair(dilation, "dilation", "fold")
    p, s = _conv._pair(padding, "padding", "fold"), _conv._pair(stride, "stride", "fold")
    h, w = _conv._pair(output_size, "output_size", "fold")
    oh = _conv._out_size(h, p[0], p[0], k[0], s[0], d[0])
    ow = _conv._out_size(w, p[1], p[1], k[1], s[1], d[1])
    n = input.shape[0]
    if input.shape[1] % (k[0] * k[1]):
        raise RuntimeError(f"Expected size of input's dimension 1 to be divisible by the product of kernel_size, "
                           f"but got input.size(1)={input.shape[1]} and kernel_size={k}.")
    if input.shape[2] != oh * ow:
        raise RuntimeError(f"Given output_size={(h, w)}, kernel_size={k}, dilation={d}, padding={p}, stride={s}, "
                           f"expected size of input's dimension 2 to match the calculated number of sliding blocks "
                           f"{oh} * {ow} = {oh * ow}, but got input.size(2)={input.shape[2]}.")
    cols = input.reshape(n, -1, k[0], k[1], oh, ow).permute(0, 4, 5, 2, 3, 1)  # (N, OH, OW, kH, kW, C)
    return _conv.fold2d(cols, (h, w), k, s, ((p[0], p[0]), (p[1], p[1])), d)


# ---------------------------------------------------------------------------------------------------
# activations (the ops themselves live in microgradnd.ops.activation / reduce)


def _in_place(input, fn, name):
    """Write ``fn(input)`` into ``input`` and return it, as PyTorch's ``inplace=True`` does: the tensor
    itself changes (a leaf that requires grad raises), and the change is recorded for autograd like
    ``input.relu_()`` (a node that saved the old value refuses to backward)."""
    return input._apply_inplace(fn, name)


def _inplace_door(fn):
    """``fn`` with PyTorch's ``inplace=`` flag (the result written into ``input`` when True)."""
    def wrapper(input, *args, inplace=False, **kwargs):
        if inplace:
            return _in_place(input, lambda t: fn(t, *args, **kwargs), fn.__name__ + "_")
        return fn(input, *args, **kwargs)

    wrapper.__name__, wrapper.__doc__ = fn.__name__, fn.__doc__
    return wrapper


relu = _inplace_door(relu)
relu6 = _inplace_door(relu6)
elu = _inplace_door(elu)
selu = _inplace_door(selu)
celu = _inplace_door(celu)
leaky_relu = _inplace_door(leaky_relu)
hardtanh = _inplace_door(hardtanh)
silu = _inplace_door(silu)
mish = _inplace_door(mish)


def threshold(input, threshold, value, inplace=False):
    """x if x > threshold else value (``F.threshold``)."""
    if inplace:
        return _in_place(input, lambda t: _ops.where(t > threshold, t, value), "threshold_")
    return _ops.where(input > threshold, input, value)


_threshold = threshold  # threshold_'s argument of the same name hides the function


def relu_(input):
    """max(0, x) written into ``input`` (``F.relu_``)."""
    return relu(input, inplace=True)


def elu_(input, alpha=1.0):
    """elu written into ``input`` (``F.elu_``)."""
    return elu(input, alpha, inplace=True)


def selu_(input):
    """selu written into ``input`` (``F.selu_``)."""
    return selu(input, inplace=True)


def celu_(input, alpha=1.0):
    """celu written into ``input`` (``F.celu_``)."""
    return celu(input, alpha, inplace=True)


def leaky_relu_(input, negative_slope=0.01):
    """leaky_relu written into ``input`` (``F.leaky_relu_``)."""
    return leaky_relu(input, negative_slope, inplace=True)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    """hardtanh written into ``input`` (``F.hardtanh_``)."""
    return hardtanh(input, min_val, max_val, inplace=True)


def threshold_(input, threshold, value):
    """threshold written into ``input`` (``F.threshold_``)."""
    return _threshold(input, threshold, value, inplace=True)


def hardshrink(input, lambd=0.5):
    """x where |x| > lambd else 0 (``F.hardshrink``)."""
    return _ops.where((input > lambd) | (input < -lambd), input, 0.0)


def softshrink(input, lambd=0.5):
    """x - lambd above lambd, x + lambd below -lambd, else 0 (``F.softshrink``)."""
    return _ops.where(input > lambd, input - lambd, _ops.where(input < -lambd, input + lambd, 0.0))


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """‖x1 - x2 + eps‖_p over the last dim (``F.pairwise_distance``)."""
    return _ops.norm(x1 - x2 + eps, p=p, dim=-1, keepdim=keepdim)


def softsign(input):
    """x / (1 + |x|) (``F.softsign``)."""
    return input / (_ops.abs(input) + 1.0)


def tanhshrink(input):
    """x - tanh(x) (``F.tanhshrink``)."""
    return input - tanh(input)


def hardsigmoid(input, inplace=False):
    """relu6(x + 3) / 6 (``F.hardsigmoid``)."""
    if inplace:
        return _in_place(input, hardsigmoid, "hardsigmoid_")
    return relu6(input + 3.0) * (1.0 / 6.0)


def hardswish(input, inplace=False):
    """x · relu6(x + 3) / 6 (``F.hardswish``)."""
    if inplace:
        return _in_place(input, hardswish, "hardswish_")
    return input * hardsigmoid(input)


def prelu(input, weight):
    """x if x > 0 else a·x, with one slope per channel (dim 1) or a single shared slope (``F.prelu``)."""
    if weight.numel() != 1:
        channels = input.shape[1] if input.ndim >= 2 else input.shape[0]
        if weight.numel() != channels:
            raise RuntimeError(
                f"Mismatch of parameter numbers and input channel size. Found parameter numbers = "
                f"{weight.numel()} and channel size = {channels}."
            )
        if input.ndim >= 2:
            weight = weight.reshape((channels,) + (1,) * (input.ndim - 2))
    return _ops.where(input > 0, input, weight * input)


def glu(input, dim=-1):
    """a · σ(b) where a, b are the halves of ``input`` along ``dim`` (``F.glu``)."""
    if input.shape[dim] % 2:
        raise RuntimeError(
            f"Halving dimension must be even, but dimension {dim % input.ndim} is size {input.shape[dim]}"
        )
    a, b = _ops.chunk(input, 2, dim)
    return a * sigmoid(b)


def _softmax_dim_warning(name, dim):
    if dim is None:
        warnings.warn(
            f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X "
            f"as an argument.", stacklevel=3,
        )


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """e^x / Σ e^x along ``dim`` (``F.softmax``)."""
    _softmax_dim_warning("softmax", dim)
    return _ops.softmax(input, dim=dim, dtype=dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """x - logsumexp(x) along ``dim``, stable (``F.log_softmax``)."""
    _softmax_dim_warning("log_softmax", dim)
    return _ops.log_softmax(input, dim=dim, dtype=dtype)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """softmax(-x) (``F.softmin``)."""
    _softmax_dim_warning("softmin", dim)
    return _ops.softmax(-input, dim=dim, dtype=dtype)


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """x / max(‖x‖_p, eps) along ``dim`` (``F.normalize``)."""
    norm = _ops.norm(input, p=p, dim=dim, keepdim=True)
    return input / _ops.clamp(norm, min=eps)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """Σ x1·x2 / max(‖x1‖·‖x2‖, eps) along ``dim`` (``F.cosine_similarity``)."""
    dot = (x1 * x2).sum(dim=dim)
    n1 = _ops.norm(x1, dim=dim)
    n2 = _ops.norm(x2, dim=dim)
    return dot / _ops.clamp(n1 * n2, min=eps)


# ---------------------------------------------------------------------------------------------------
# dropout and normalisation


def _check_p(p):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _dropout_mask(shape, p, dtype):
    """A 0 / (1/(1-p)) mask drawn from the global generator (inverted dropout)."""
    if p == 1.0:
        return np.zeros(shape, dtype=dtype)
    keep = _random.rng().random(shape, dtype=np.float32 if dtype == np.float32 else np.float64) >= p
    return keep.astype(dtype) * np.asarray(1.0 / (1.0 - p), dtype=dtype)


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability p and scale the rest by 1/(1-p) when ``training`` (``F.dropout``)."""
    _check_p(p)
    if not training or p == 0.0:
        return input
    mask = constant(_dropout_mask(input.shape, p, input.dtype))
    if inplace:
        return _in_place(input, lambda t: t * mask, "dropout_")
    return input * mask


def _channel_dropout(input, p, training, batched_ndim, name, inplace=False):
    _check_p(p)
    if not training or p == 0.0:
        return input
    if input.ndim == batched_ndim:
        shape = input.shape[:2] + (1,) * (input.ndim - 2)
    else:  # unbatched (C, ...)
        shape = input.shape[:1] + (1,) * (input.ndim - 1)
    mask = constant(_dropout_mask(shape, p, input.dtype))
    if inplace:
        return _in_place(input, lambda t: t * mask, name + "_")
    return input * mask


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, L) input (``F.dropout1d``)."""
    return _channel_dropout(input, p, training, 3, "dropout1d", inplace)


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, H, W) input (``F.dropout2d``)."""
    return _channel_dropout(input, p, training, 4, "dropout2d", inplace)


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1,
               eps=1e-5):
    """Normalise each channel (dim 1) by the batch statistics (training) or the running ones (``F.batch_norm``).

    y = (x - mean) / √(var + eps) · weight + bias, with the biased batch variance; in training the running
    stats are updated in place: r ← (1 - momentum)·r + momentum·stat, using the UNBIASED variance for
    ``running_var`` (exactly PyTorch's rule).
    """
    c = input.shape[1] if input.ndim > 1 else input.shape[0]
    for name, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                    ("bias", bias)):
        if t is not None and t.numel() != c:
            raise RuntimeError(f"{name} should contain {c} elements not {t.numel()}")
        if t is not None and t.dtype != input.dtype:
            raise RuntimeError("mixed dtype (CPU): all inputs must share same datatype.")
    if not training and (running_mean is None or running_var is None):
        raise RuntimeError("running_mean and running_var must be defined in evaluation mode")
    dims = (0,) + tuple(range(2, input.ndim))
    shape = (1, c) + (1,) * (input.ndim - 2)
    if training:
        n = input.numel() // c
        if n <= 1:
            raise ValueError(
                f"Expected more than 1 value per channel when training, got input size {size_str(input.shape)}"
            )
        stats = _norm.batch_stats(input._data, dims, eps)
        if running_mean is not None or running_var is not None:
            with no_grad():
                if running_mean is not None:
                    running_mean.copy_(running_mean._data * (1 - momentum) + stats[0].reshape(c) * momentum)
                if running_var is not None:
                    unbiased = stats[1].reshape(c) * (n / (n - 1))
                    running_var.copy_(running_var._data * (1 - momentum) + unbiased * momentum)
        return _norm.batch_norm_train(input, weight, bias, eps, dims, stats)
    # evaluation: an affine map per channel, y = x·scale + shift with scale = γ/√(var + eps)
    scale = _ops.rsqrt(running_var + eps)
    if weight is not None:
        scale = scale * weight
    shift = -running_mean * scale
    if bias is not None:
        shift = shift + bias
    return input * scale.reshape(shape) + shift.reshape(shape)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats=True,
                  momentum=0.1, eps=1e-5):
    """Normalise each (sample, channel) plane of (N, C, ...) by its own statistics (``F.instance_norm``):
    batch norm of the input viewed as (1, N·C, ...). The running stats (when given) move towards the
    batch average of the instance means and unbiased variances; ``use_input_stats=False`` uses them."""
    if input.ndim < 3:
        raise ValueError(f"instance_norm: expected a (N, C, ...) input with spatial dims, got shape {tuple(input.shape)}")
    n, c = input.shape[:2]
    shape = (1, c) + (1,) * (input.ndim - 2)
    if use_input_stats:
        spatial = input.numel() // max(n * c, 1)
        if spatial <= 1:
            raise ValueError(f"Expected more than 1 spatial element when training, got input size {size_str(input.shape)}")
        flat = input.reshape((1, n * c) + tuple(input.shape[2:]))
        dims = (0,) + tuple(range(2, flat.ndim))
        stats = _norm.batch_stats(flat._data, dims, eps)
        if running_mean is not None or running_var is not None:
            with no_grad():
                if running_mean is not None:
                    mean = stats[0].reshape(n, c).mean(axis=0)
                    running_mean.copy_(running_mean._data * (1 - momentum) + mean * momentum)
                if running_var is not None:
                    unbiased = (stats[1].reshape(n, c) * (spatial / (spatial - 1))).mean(axis=0)
                    running_var.copy_(running_var._data * (1 - momentum) + unbiased * momentum)
        out = _norm.batch_norm_train(flat, None, None, eps, dims, stats).reshape(input.shape)
    else:
        if running_mean is None or running_var is None:
            raise RuntimeError("Expected running_mean and running_var to be defined when use_input_stats is false")
        out = (input - running_mean.reshape(shape)) * _ops.rsqrt(running_var.reshape(shape) + eps)
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Normalise (N, C, ...) over each group of C/num_groups channels and all spatial positions, then
    scale and shift per channel (``F.group_norm``; num_groups=1 is a layer norm over (C, ...))."""
    n, c = input.shape[:2]
    if c % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by num_groups, but got input of "
                           f"shape {list(input.shape)} and num_groups={num_groups}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and (t.ndim != 1 or t.numel() != c):
            raise RuntimeError(f"Expected {name} to be a vector of size equal to the number of channels in input, "
                               f"but got {name} of shape {list(t.shape)} and input of shape {list(input.shape)}")
    grouped = input.reshape(n, num_groups, -1)
    mean = _ops.mean(grouped, dim=-1, keepdim=True)
    centred = grouped - mean
    var = _ops.mean(centred * centred, dim=-1, keepdim=True)
    out = (centred * _ops.rsqrt(var + eps)).reshape(input.shape)
    shape = (1, c) + (1,) * (input.ndim - 2)
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """AlexNet's normalisation across channels (``F.local_response_norm``):
    b_c = a_c / (k + α/size · Σ a_c'²)^β, the sum over the ``size`` channels c - ⌊size/2⌋ .. c + ⌊(size-1)/2⌋
    (missing channels count as 0)."""
    if input.ndim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {input.ndim} dimensions)")
    if input.numel() == 0:
        return input
    c = input.shape[1]
    sq = _ops.pad(input * input, (0, 0) * (input.ndim - 2) + (size // 2, (size - 1) // 2), mode="constant",
                  value=0.0)
    total = sq[:, 0:c]
    for j in range(1, size):  # one shifted slice per window offset, each over the whole batch
        total = total + sq[:, j:j + c]
    return input / _ops.pow(total * (alpha / size) + k, beta)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalise over the last ``len(normalized_shape)`` dims (biased variance) (``F.layer_norm``)."""
    if isinstance(normalized_shape, int):
        normalized_shape = (normalized_shape,)
    normalized_shape = tuple(normalized_shape)
    k = len(normalized_shape)
    if tuple(input.shape[input.ndim - k:]) != normalized_shape:
        raise RuntimeError(
            f"Given normalized_shape={list(normalized_shape)}, expected input with shape "
            f"[*, {', '.join(map(str, normalized_shape))}], but got input of size{list(input.shape)}"
        )
    dims = tuple(range(input.ndim - k, input.ndim))
    mean = _ops.mean(input, dim=dims, keepdim=True)
    centred = input - mean
    var = _ops.mean(centred * centred, dim=dims, keepdim=True)
    out = centred * _ops.rsqrt(var + eps)
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out


# ---------------------------------------------------------------------------------------------------
# tensors of indices


def one_hot(tensor, num_classes=-1):
    """(…,) int64 class indices -> (…, num_classes) int64 one-hot (``F.one_hot``)."""
    data = tensor._data if isinstance(tensor, Tensor) else np.asarray(tensor)
    if data.dtype != np.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if num_classes == -1:
        if data.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(data.max()) + 1
    if data.size and data.min() < 0:
        raise RuntimeError("Class values must be non-negative.")
    if data.size and data.max() >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    return constant((data[..., None] == np.arange(num_classes)).astype(np.int64))


def pad(input, pad, mode="constant", value=None):
    """Pad with PyTorch's (left, right, top, bottom, …) order, last dim first (``F.pad``).

    ``mode='constant'`` is the ``pad`` primitive; 'reflect', 'replicate' and 'circular' gather
    along each padded dim with a constant index (reflected / clamped / wrapped positions), so their
    gradient is the indexing op's scatter-add.
    """
    if mode == "constant":
        if any(int(v) < 0 for v in pad):  # a negative amount crops that side first (as in PyTorch)
            crop = [slice(None)] * input.ndim
            for i in range(len(pad) // 2):
                dim, lo, hi = input.ndim - 1 - i, int(pad[2 * i]), int(pad[2 * i + 1])
                size = input.shape[dim]
                if size + min(lo, 0) + min(hi, 0) < 0:
                    raise RuntimeError("narrow(): length must be non-negative.")
                crop[dim] = slice(max(-lo, 0), size - max(-hi, 0))
            input, pad = input[tuple(crop)], tuple(max(int(v), 0) for v in pad)
        return _ops.pad(input, pad, mode=mode, value=0.0 if value is None else value)
    numpy_mode = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}.get(mode)
    if numpy_mode is None:
        raise NotImplementedError(
            f"pad: mode {mode!r} is not supported; use 'constant', 'reflect', 'replicate' or 'circular'"
        )
    n_dims = len(pad) // 2
    if len(pad) % 2 or n_dims not in (1, 2, 3) or input.ndim not in (n_dims + 1, n_dims + 2):
        raise NotImplementedError(
            f"Padding size {len(pad)} is not supported for {input.ndim}D input tensor.\n"
            f"Supported combinations for non-constant padding:\n"
            f"  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
            f"  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
            f"  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)"
        )
    out = input
    for i in range(n_dims):
        dim = input.ndim - 1 - i
        lo, hi = int(pad[2 * i]), int(pad[2 * i + 1])
        size = input.shape[dim]
        if mode == "reflect" and (lo >= size or hi >= size):
            raise RuntimeError(
                f"Argument #4: Padding size should be less than the corresponding input dimension, but got: "
                f"padding ({lo}, {hi}) at dimension {dim} of input {list(input.shape)}"
            )
        if mode == "circular" and (lo > size or hi > size):
            raise RuntimeError("Padding value causes wrapping around more than once.")
        if lo == 0 and hi == 0:
            continue
        index = np.pad(np.arange(size), (max(lo, 0), max(hi, 0)), mode=numpy_mode)
        index = index[max(-lo, 0):len(index) - max(-hi, 0)]  # negative padding crops
        out = out[(slice(None),) * dim + (constant(index),)]
    return out


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
              sparse=False):
    """Rows of ``weight`` picked by the int64 indices in ``input`` (``F.embedding``); the row at
    ``padding_idx`` gets no gradient."""
    idx = input._data if isinstance(input, Tensor) else np.asarray(input)
    if idx.dtype.kind not in "iu":
        raise RuntimeError(
            f"Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, "
            f"Int; but got {_torch_type(idx.dtype)} instead (while checking arguments for embedding)"
        )
    if idx.size and (idx.min() < -weight.shape[0] or idx.max() >= weight.shape[0]):
        raise IndexError("index out of range in self")
    out = weight[constant(idx)]
    if padding_idx is not None:
        padding_idx = padding_idx % weight.shape[0]
        keep = np.broadcast_to((idx != padding_idx)[..., None], out.shape)
        out = _ops.where(keep, out, out.detach())
    return out


# ---------------------------------------------------------------------------------------------------
# losses


def _reduction(reduction, size_average=None, reduce=None):
    """PyTorch's legacy ``size_average``/``reduce`` arguments mapped onto ``reduction``."""
    if size_average is not None or reduce is not None:
        size_average = True if size_average is None else size_average
        reduce = True if reduce is None else reduce
        reduction = "mean" if size_average and reduce else "sum" if reduce else "none"
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _reduce(loss, reduction):
    if reduction == "mean":
        return _ops.mean(loss)
    if reduction == "sum":
        return _ops.sum(loss)
    return loss


def _as_tensor(x):
    return x if isinstance(x, Tensor) else Tensor(x)


def _warn_broadcast(input, target):
    if target.shape != input.shape:
        warnings.warn(
            f"Using a target size ({size_str(target.shape)}) that is different to the input size "
            f"({size_str(input.shape)}). This will likely lead to incorrect results due to broadcasting. "
            f"Please ensure they have the same size.", stacklevel=3,
        )
        try:
            np.broadcast_shapes(input.shape, target.shape)
        except ValueError:
            raise RuntimeError(_broadcast_message(input.shape, target.shape)) from None


def _broadcast_message(a, b):
    for i in range(1, max(len(a), len(b)) + 1):
        x = a[-i] if i <= len(a) else 1
        y = b[-i] if i <= len(b) else 1
        if x != y and x != 1 and y != 1:
            return (f"The size of tensor a ({x}) must match the size of tensor b ({y}) at non-singleton "
                    f"dimension {max(len(a), len(b)) - i}")
    return f"shapes {tuple(a)} and {tuple(b)} are not broadcastable"


def _weighted(loss, weight):
    return loss if weight is None else loss * weight


def _elementwise_weight(weight, input):
    """The ``weight=`` of mse/l1/huber: PyTorch wants exactly the input's size."""
    if weight is not None and tuple(weight.shape) != tuple(input.shape):
        raise ValueError("Weights and input must have the same size.")
    return weight


def _like_input(target, input):
    """huber_loss computes in the input's dtype, as PyTorch's kernel does (smooth_l1_loss promotes)."""
    if target.dtype != input.dtype and target.dtype.kind == "f" and input.dtype.kind == "f":
        return target.to(input.dtype)
    return target


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """mean / sum / none of (input - target)² (``F.mse_loss``)."""
    reduction = _reduction(reduction, size_average, reduce)
    target = _as_tensor(target)
    _warn_broadcast(input, target)
    diff = input - target
    return _reduce(_weighted(diff * diff, _elementwise_weight(weight, input)), reduction)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """mean / sum / none of |input - target| (``F.l1_loss``)."""
    reduction = _reduction(reduction, size_average, reduce)
    target = _as_tensor(target)
    _warn_broadcast(input, target)
    return _reduce(_weighted(_ops.abs(input - target), _elementwise_weight(weight, input)), reduction)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """0.5·d²/β where |d| < β, else |d| - 0.5β (``F.smooth_l1_loss``); β = 0 is the L1 loss."""
    reduction = _reduction(reduction, size_average, reduce)
    target = _as_tensor(target)
    _warn_broadcast(input, target)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    d = input - target
    a = _ops.abs(d)
    if beta == 0.0:
        return _reduce(a, reduction)
    loss = _ops.where(a._data < beta, d * d * (0.5 / beta), a - 0.5 * beta)
    return _reduce(loss, reduction)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """0.5·d² where |d| < δ, else δ·(|d| - 0.5δ) (``F.huber_loss``)."""
    reduction = _reduction(reduction)
    target = _as_tensor(target)
    _warn_broadcast(input, target)
    d = input - _like_input(target, input)
    a = _ops.abs(d)
    loss = _ops.where(a._data < delta, d * d * 0.5, (a - 0.5 * delta) * delta)
    return _reduce(_weighted(loss, _elementwise_weight(weight, input)), reduction)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """Σ target·(ln target - input) with input = log-probabilities (``F.kl_div``); 'batchmean'
    divides the sum by the batch size."""
    if reduction not in ("batchmean",):
        reduction_ = _reduction(reduction, size_average, reduce)
    else:
        reduction_ = "sum"
    target = _as_tensor(target)
    if log_target:
        loss = _ops.exp(target) * (target - input)
    else:
        safe = _ops.where(target._data > 0, target, 1.0)
        loss = target * _ops.log(safe) - target * input
    if reduction == "mean":
        warnings.warn(
            "reduction: 'mean' divides the total loss by both the batch size and the support size."
            "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
            "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
            stacklevel=2,
        )
    if reduction == "batchmean":
        total = _ops.sum(loss)
        return total / input.shape[0] if input.ndim else total
    return _reduce(loss, reduction_)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """-w·(t·ln p + (1-t)·ln(1-p)), logs clamped at -100 (``F.binary_cross_entropy``)."""
    reduction = _reduction(reduction, size_average, reduce)
    target = _as_tensor(target)
    if target.shape != input.shape:
        raise ValueError(
            f"Using a target size ({size_str(target.shape)}) that is different to the input size "
            f"({size_str(input.shape)}) is deprecated. Please ensure they have the same size."
        )
    if target.dtype != input.dtype:
        raise RuntimeError(f"Found dtype {_torch_type(target.dtype)} but expected {_torch_type(input.dtype)}")
    if input.numel() and (np.min(input._data) < 0 or np.max(input._data) > 1 or np.isnan(input._data).any()):
        raise RuntimeError("all elements of input should be between 0 and 1")
    loss = _loss.binary_cross_entropy_elementwise(input, target)
    if weight is not None and weight.dtype != input.dtype:
        weight = weight.to(input.dtype)  # the result keeps the input's dtype, as in PyTorch
    return _reduce(_weighted(loss, weight), reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    """σ + BCE in one stable formula (``F.binary_cross_entropy_with_logits``):
    ℓ = (1 - t)·x - (1 + (pos_weight - 1)·t)·ln σ(x), times ``weight``."""
    reduction = _reduction(reduction, size_average, reduce)
    target = _as_tensor(target)
    if target.shape != input.shape:
        raise ValueError(
            f"Target size ({size_str(target.shape)}) must be the same as input size ({size_str(input.shape)})"
        )
    if target.dtype.kind != "f":
        raise RuntimeError(
            f"result type {_torch_type(input.dtype)} can't be cast to the desired output type "
            f"{_torch_type(target.dtype)}"
        )
    log_sig = logsigmoid(input)
    if pos_weight is not None:
        log_weight = (pos_weight - 1.0) * target + 1.0
        loss = (1.0 - target) * input - log_weight * log_sig
    else:
        loss = (1.0 - target) * input - log_sig
    loss = _weighted(loss, weight)
    if loss.dtype != target.dtype:
        loss = loss.to(target.dtype)  # PyTorch builds the loss in place on (1 - target): its dtype wins
    return _reduce(loss, reduction)


def _check_class_targets(input, target, weight, op):
    t = target._data if isinstance(target, Tensor) else np.asarray(target)
    shape = input._data.shape
    if t.dtype.kind not in "iu" or t.dtype not in (np.dtype(np.int64), np.dtype(np.uint8)):
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {_torch_type(t.dtype)}")
    if input.ndim < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {input.ndim})")
    if input.ndim == 1:
        if t.ndim != 0:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    else:
        if t.ndim == 0 or shape[0] != t.shape[0]:
            raise ValueError(
                f"Expected input batch_size ({shape[0]}) to match target batch_size "
                f"({t.shape[0] if t.ndim else 0})."
            )
        if input.ndim == 2 and t.ndim != 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        expected = (shape[0],) + tuple(shape[2:])
        if t.shape != expected:
            raise RuntimeError(f"Expected target size {list(expected)}, got {list(t.shape)}")
    c = shape[1] if input.ndim > 1 else shape[0]
    if weight is not None:
        if weight.ndim != 1 or weight.shape[0] != c:
            raise RuntimeError(
                f"weight tensor should be defined either for all {c} classes or no classes but got weight "
                f"tensor of shape: {list(weight.shape)}"
            )
        if weight.dtype != input.dtype:
            raise RuntimeError(
                f"expected scalar type {_torch_type(input.dtype)} but found {_torch_type(weight.dtype)}"
            )
    return t.astype(np.int64, copy=False), c


def _nll(logp, t, c, weight, ignore_index, reduction):
    """The shared core of nll_loss and cross_entropy: -w[t]·logp[t] per sample, reduced like PyTorch
    (one fused op, ``ops.loss.NLLLoss``)."""
    dim = 1 if logp.ndim >= 2 else 0
    target, w, ignored = _class_target_args(t, c, weight, ignore_index, logp.dtype, dim)
    return _loss.nll_loss_class(logp, target, w, ignored, dim, reduction)


def _class_target_args(t, c, weight, ignore_index, dtype, dim):
    """Checked class indices and per-sample weights as the fused losses take them (``ops.loss``):
    the target with ignored samples mapped to class 0, w[t]·[t != ignore_index] (None when every
    sample counts 1) and the mask of ignored samples (None when there are none), each with a 1
    inserted at the class dim ``dim``."""
    ignored = None
    # one reduction checks the common case: seen as unsigned, a negative index is huge as well
    if t.size and int(np.maximum.reduce(t.view(np.uint64), axis=None)) >= c:
        ignored = t == ignore_index
        bad = ((t < 0) | (t >= c)) & ~ignored
        if bad.any():
            raise IndexError(f"Target {int(t[bad].flat[0])} is out of bounds.")
    elif 0 <= ignore_index < c:
        ignored = t == ignore_index
    if ignored is not None and not ignored.any():
        ignored = None
    if ignored is not None:
        t = np.where(ignored, 0, t)
    w = None
    if weight is not None:
        w = weight._data[t].astype(dtype, copy=False)
        if ignored is not None:
            w = w * ~ignored
    elif ignored is not None:
        w = (~ignored).astype(dtype)
    shape = t.shape[:dim] + (1,) + t.shape[dim:]
    return (t.reshape(shape), w.reshape(shape) if w is not None else None,
            ignored.reshape(shape) if ignored is not None else None)


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    """-w[t]·input[t] from log-probabilities (``F.nll_loss``); the mean divides by Σ w[t] of the
    samples that are not ``ignore_index``."""
    reduction = _reduction(reduction, size_average, reduce)
    t, c = _check_class_targets(input, target, weight, "nll_loss")
    return _nll(input, t, c, weight, ignore_index, reduction)


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    """log_softmax over the class dim (1, or 0 for unbatched input) then the NLL (``F.cross_entropy``).

    ``target`` holds class indices (int64, shape (N,) / (N, d1, …)) or class probabilities (float, the
    input's shape). ``label_smoothing`` ε mixes in the uniform distribution: (1-ε)·nll + ε·mean_c(-logp).
    """
    reduction = _reduction(reduction, size_average, reduce)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    target = target if isinstance(target, Tensor) else Tensor(target)
    class_dim = 1 if input.ndim >= 2 else 0
    if target._data.shape != input._data.shape and label_smoothing == 0.0 and input.dtype.kind == "f" and input.numel():
        # the common case: one fused op (log-softmax, gather and reduction; see ops.loss.CrossEntropy)
        t, c = _check_class_targets(input, target, weight, "cross_entropy")
        t, w, ignored = _class_target_args(t, c, weight, ignore_index, input.dtype, class_dim)
        return _loss.cross_entropy_class(input, t, w, ignored, class_dim, reduction)
    logp = _ops.log_softmax(input, dim=class_dim)
    if target.shape == input.shape:
        return _cross_entropy_probs(logp, target, weight, reduction, label_smoothing, class_dim)
    t, c = _check_class_targets(input, target, weight, "cross_entropy")
    nll = _nll(logp, t, c, weight, ignore_index, reduction)
    if label_smoothing == 0.0:
        return nll
    valid = t != ignore_index
    shape = [1] * logp.ndim
    shape[class_dim] = c
    weighted = logp * weight.reshape(shape) if weight is not None else logp
    smooth = -weighted.sum(dim=class_dim) * constant(valid.astype(logp.dtype))
    if reduction == "none":
        smooth_red = smooth
    elif reduction == "sum":
        smooth_red = smooth.sum()
    else:
        denom = weight._data[t[valid]].sum() if weight is not None else valid.sum()
        with np.errstate(all="ignore"):
            smooth_red = smooth.sum() * constant(np.asarray(1.0 / denom, dtype=logp.dtype))
    return nll * (1.0 - label_smoothing) + smooth_red * (label_smoothing / c)


def _cross_entropy_probs(logp, target, weight, reduction, label_smoothing, class_dim):
    if target.dtype.kind != "f":
        raise RuntimeError(
            f"Expected floating point type for target with class probabilities, got {_torch_type(target.dtype)}"
        )
    c = logp.shape[class_dim]
    if label_smoothing > 0.0:
        target = target * (1.0 - label_smoothing) + label_smoothing / c
    prod = logp * target
    if weight is not None:
        shape = [1] * logp.ndim
        shape[class_dim] = c
        prod = prod * weight.reshape(shape)
    if reduction == "none":
        return -prod.sum(dim=class_dim)
    total = -prod.sum()
    if reduction == "sum":
        return total
    n = logp.numel() // c if c else 0
    return total * (1.0 / n) if n else total * float("nan")


def margin_ranking_loss(input1, input2, target, margin=0.0, reduction="mean"):
    """max(0, -y·(x1 - x2) + margin) (``F.margin_ranking_loss``)."""
    return _reduce(relu(-_as_tensor(target) * (input1 - input2) + margin), _reduction(reduction))


def soft_margin_loss(input, target, reduction="mean"):
    """ln(1 + e^(-y·x)) (``F.soft_margin_loss``)."""
    return _reduce(softplus(-_as_tensor(target) * input), _reduction(reduction))


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """½(ln max(var, eps) + (input - target)² / max(var, eps)) (+ ½ ln 2π when full) (``F.gaussian_nll_loss``)."""
    v = _ops.clamp(var, min=eps) if isinstance(var, Tensor) else max(var, eps)
    loss = (_ops.log(v) + (input - target) ** 2 / v) * 0.5
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, _reduction(reduction))


def cosine_embedding_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None, reduction="mean"):
    """1 - cos(x1, x2) where y = 1, max(0, cos(x1, x2) - margin) where y = -1 (``F.cosine_embedding_loss``)."""
    eps = 1e-12
    dim = input1.ndim - 1
    prod = (input1 * input2).sum(dim=dim)
    denom = _ops.sqrt(((input1 * input1).sum(dim=dim) + eps) * ((input2 * input2).sum(dim=dim) + eps))
    cos = prod / denom
    t = target._data if isinstance(target, Tensor) else np.asarray(target)
    zeros = cos * 0.0
    loss = _ops.where(t == 1, 1.0 - cos, zeros) + _ops.where(t == -1, _ops.clamp(cos - margin, min=0.0), zeros)
    return _reduce(loss, _reduction(reduction, size_average, reduce))


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None, reduction="mean"):
    """x where y = 1, max(0, margin - x) where y = -1 (``F.hinge_embedding_loss``)."""
    t = target._data if isinstance(target, Tensor) else np.asarray(target)
    zeros = input * 0.0
    loss = _ops.where(t != 1, _ops.clamp(margin - input, min=0.0), zeros) + _ops.where(t != -1, input, zeros)
    return _reduce(loss, _reduction(reduction, size_average, reduce))


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False, size_average=None,
                        reduce=None, reduction="mean"):
    """max(0, margin + d(a, p) - d(a, n)) with d the pairwise p-distance (``F.triplet_margin_loss``)."""
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = _ops.minimum(d_neg, pairwise_distance(positive, negative, p, eps))
    loss = _ops.clamp(d_pos - d_neg + margin, min=0.0)
    return _reduce(loss, _reduction(reduction, size_average, reduce))


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8, reduce=None,
                     reduction="mean"):
    """e^x - t·x (log_input) or x - t·ln(x + eps), plus Stirling's term when ``full`` (``F.poisson_nll_loss``)."""
    target = _as_tensor(target)
    if log_input:
        loss = _ops.exp(input) - target * input
    else:
        loss = input - target * _ops.log(input + eps)
    if full:
        t = target._data
        with np.errstate(all="ignore"):
            stirling = np.where(t > 1, t * np.log(t) - t + 0.5 * np.log(2 * np.pi * t), 0.0)
        loss = loss + constant(stirling.astype(loss.dtype))
    return _reduce(loss, _reduction(reduction, size_average, reduce))


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """-mean_c[t·ln σ(x) + (1 - t)·ln σ(-x)] per sample (``F.multilabel_soft_margin_loss``)."""
    target = _as_tensor(target)
    loss = -(target * logsigmoid(input) + (1.0 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    loss = loss.sum(dim=input.ndim - 1) * (1.0 / input.shape[-1])
    return _reduce(loss, _reduction(reduction, size_average, reduce))


def _margin_input(input, name):
    """(C,) or (N, C) with C > 0 (N may be 0), PyTorch's shape rule of the multi-class margin losses."""
    if input.ndim > 2 or (input.ndim >= 1 and input.shape[-1] == 0):
        raise RuntimeError(f"Expected non-empty vector or matrix with optional 0-dim batch size, but got: "
                           f"{list(input.shape)}")
    return input.reshape(1, -1) if input.ndim < 2 else input


def _long_target(target):
    t = target._data if isinstance(target, Tensor) else np.asarray(target)
    if t.dtype != np.int64:
        raise RuntimeError(f"expected scalar type Long but found {_torch_type(t.dtype)}")
    return t


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None, reduce=None,
                      reduction="mean"):
    """Multi-class hinge loss (``F.multi_margin_loss``): per sample with class y,

    loss = Σ_{i≠y} w[y]·max(0, margin - x[y] + x[i])^p / C,  p ∈ {1, 2}.
    """
    if p != 1 and p != 2:
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.ndim != 1:
        raise ValueError("weight must be one-dimensional")
    reduction = _reduction(reduction, size_average, reduce)
    x = _margin_input(input, "multi_margin_loss")
    t = _long_target(target).reshape(-1)
    n, c = x.shape
    if t.shape[0] != n:
        raise RuntimeError(f"multi_margin_loss: target tensor should be 1-D with size equal to the number of input "
                           f"samples (batch size). Expected target size [{n}], but got {list(t.shape)}. Input has "
                           f"shape {list(input.shape)}.")
    if t.size and (t.min() < 0 or t.max() >= c):
        raise RuntimeError("target out of range")
    if weight is not None and weight.shape[0] != c:
        raise RuntimeError(f"inconsistent weight size, expected {c} but got {list(weight.shape)}")
    rows = np.arange(n)
    x_y = x[rows, t].reshape(n, 1)
    h = relu(margin - x_y + x)
    if p == 2:
        h = h * h
    if weight is not None:
        h = h * weight[t].reshape(n, 1)
    h = _ops.where(np.arange(c) != t[:, None], h, constant(np.zeros((), h.dtype)))
    loss = h.sum(dim=1) * (1.0 / c)
    if input.ndim < 2:
        loss = loss.reshape(())
    return _reduce(loss, reduction)


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Multi-label hinge loss (``F.multilabel_margin_loss``): ``target`` holds class indices, padded
    after the last one with -1; with J those classes, per sample

    loss = Σ_{j∈J} Σ_{i∉J} max(0, 1 - (x[j] - x[i])) / C.
    """
    reduction = _reduction(reduction, size_average, reduce)
    x = _margin_input(input, "multilabel_margin_loss")
    t = _long_target(target)
    n, c = x.shape
    if t.shape != tuple(input.shape):
        raise RuntimeError(f"inconsistent target size: {list(t.shape)} for input of size: {list(input.shape)}")
    t = t.reshape(n, c)
    valid = np.cumprod(t != -1, axis=1).astype(bool)  # the classes before the first -1
    if t.size and (t.min() < -1 or t.max() >= c):  # every entry is checked, listed or not
        raise RuntimeError("argument #2 'target' is out of range")
    tc = np.where(valid, t, 0)
    is_target = np.zeros((n, c), dtype=bool)
    rows = np.repeat(np.arange(n), c).reshape(n, c)
    is_target[rows[valid], tc[valid]] = True
    x_j = x[rows, tc]  # (N, C): x at each listed class
    h = relu(1.0 - x_j.unsqueeze(2) + x.unsqueeze(1))  # (N, J, C)
    mask = valid[:, :, None] & ~is_target[:, None, :]
    h = _ops.where(mask, h, constant(np.zeros((), h.dtype)))
    loss = h.sum(dim=(1, 2)) * (1.0 / c)
    if input.ndim < 2:
        loss = loss.reshape(())
    if reduction == "mean" and n == 0:
        return loss.sum()  # PyTorch gives 0 for an empty batch
    return _reduce(loss, reduction)


def _shuffle_factor(factor, fn, arg):
    if not isinstance(factor, (int, np.integer)) or isinstance(factor, bool):
        raise TypeError(f"{fn}(): argument '{arg}' (position 2) must be int, not {type(factor).__name__}")
    if factor <= 0:
        raise RuntimeError(f"{fn} expects a positive {arg}, but got {factor}")
    return int(factor)


def pixel_shuffle(input, upscale_factor):
    """(*, C·r², H, W) -> (*, C, H·r, W·r): out[c, h·r + i, w·r + j] = in[c·r² + i·r + j, h, w]
    (``F.pixel_shuffle``)."""
    r = _shuffle_factor(upscale_factor, "pixel_shuffle", "upscale_factor")
    if input.ndim < 3:
        raise RuntimeError(f"pixel_shuffle expects input to have at least 3 dimensions, but got input with "
                           f"{input.ndim} dimension(s)")
    *lead, ch, h, w = input.shape
    if ch % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be divisible by the square "
                           f"of upscale_factor, but input.size(-3)={ch} is not divisible by {r * r}")
    b = len(lead)
    x = input.reshape(*lead, ch // (r * r), r, r, h, w)
    x = x.permute(*range(b), b, b + 3, b + 1, b + 4, b + 2)
    return x.reshape(*lead, ch // (r * r), h * r, w * r)


def pixel_unshuffle(input, downscale_factor):
    """(*, C, H·r, W·r) -> (*, C·r², H, W), the inverse of ``pixel_shuffle`` (``F.pixel_unshuffle``)."""
    r = _shuffle_factor(downscale_factor, "pixel_unshuffle", "downscale_factor")
    if input.ndim < 3:
        raise RuntimeError(f"pixel_unshuffle expects input to have at least 3 dimensions, but got input with "
                           f"{input.ndim} dimension(s)")
    *lead, ch, h, w = input.shape
    if h % r:
        raise RuntimeError(f"pixel_unshuffle expects height to be divisible by downscale_factor, but "
                           f"input.size(-2)={h} is not divisible by {r}")
    if w % r:
        raise RuntimeError(f"pixel_unshuffle expects width to be divisible by downscale_factor, but "
                           f"input.size(-1)={w} is not divisible by {r}")
    b = len(lead)
    x = input.reshape(*lead, ch, h // r, r, w // r, r)
    x = x.permute(*range(b), b, b + 2, b + 4, b + 1, b + 3)
    return x.reshape(*lead, ch * r * r, h // r, w // r)
