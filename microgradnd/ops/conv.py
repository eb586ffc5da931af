"""Convolution and pooling on NumPy strided views (im2col), with backward passes made of Tensor ops.

The window view of a padded input ``xp`` (N, C, Hp, Wp) is ``as_strided`` with shape
(N, C, OH, OW, KH, KW): element [n, c, i, j, a, b] is xp[n, c, i·sh + a·dh, j·sw + b·dw]. No pixel or
sample is ever visited by a Python loop: the loops below run over the KH·KW kernel offsets, each
step a whole-tensor NumPy operation.

Primitives (forward on arrays, backward with Tensor ops, so double backward works):

- ``unfold2d``  (im2col)  x (N, C, H, W) -> cols (N, OH, OW, KH, KW, C); its backward is ``fold2d``
- ``fold2d``    (col2im)  cols -> x-shaped sums of overlapping windows; its backward is ``unfold2d``
- ``max_pool2d``  window max; backward sends the gradient to the (first) arg-max through ``fold2d``
- ``avg_pool2d``  window mean; backward spreads grad / divisor through ``fold2d``

``conv2d`` is a composite: ``unfold2d`` then ONE matrix product with the (O, KH·KW·C) weight.
The cols layout (N, OH, OW, KH, KW, C) makes that product a single GEMM of shape
(N·OH·OW, KH·KW·C) @ (KH·KW·C, O), forward and backward.

Memory layout: im2col gathers from a channels-last (N, H, W, C) copy of the input, so the innermost
loop of the gather copies C contiguous values (several times faster than gathering 3-wide kernel rows
from NCHW). The GEMM's output (N·OH·OW, O) is returned as an (N, O, OH, OW) view of channels-last
memory; elementwise ops and pooling keep that layout (``empty_like``), so the next convolution's
channels-last copy is nearly free.
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..autograd import grad_mode
from ..autograd.function import Op
from . import linear as _linear
from .elementwise import Mul
from .registry import OpSpec, add_spec, register
from .util import Tensor, constant


# ---------------------------------------------------------------------------------------------------
# geometry helpers


def _pair(v, name, op):
    if isinstance(v, (tuple, list)):
        if len(v) == 1:
            v = (v[0], v[0])
        if len(v) != 2:
            raise ValueError(f"{op}: {name} must be an int or a pair of ints, got {tuple(v)}")
        return int(v[0]), int(v[1])
    if isinstance(v, Tensor):
        v = v.item()
    return int(v), int(v)


def _out_size(size, pad_lo, pad_hi, k, s, d):
    return (size + pad_lo + pad_hi - d * (k - 1) - 1) // s + 1


def _pad_array(x, padding, value=0.0):
    """Pad the last two axes with ((top, bottom), (left, right)); a fresh array only when needed."""
    (pt, pb), (pl, pr) = padding
    if not (pt or pb or pl or pr):
        return x
    n, c, h, w = x.shape
    out = np.full((n, c, h + pt + pb, w + pl + pr), value, dtype=x.dtype)
    out[:, :, pt:pt + h, pl:pl + w] = x
    return out


def _window_view(xp, out_hw, kernel, stride, dilation, writeable=False):
    """(N, C, OH, OW, KH, KW) strided view of the padded input (no copy)."""
    n, c = xp.shape[:2]
    s0, s1, s2, s3 = xp.strides
    (oh, ow), (kh, kw), (sh, sw), (dh, dw) = out_hw, kernel, stride, dilation
    return as_strided(xp, shape=(n, c, oh, ow, kh, kw),
                      strides=(s0, s1, s2 * sh, s3 * sw, s2 * dh, s3 * dw), writeable=writeable)


def _offset_slice(i, j, out_hw, stride, dilation):
    """The [.., OH, OW] strided slice of the padded input that kernel offset (i, j) touches."""
    (oh, ow), (sh, sw), (dh, dw) = out_hw, stride, dilation
    return (slice(None), slice(None), slice(i * dh, i * dh + sh * (oh - 1) + 1, sh),
            slice(j * dw, j * dw + sw * (ow - 1) + 1, sw))


def _channels_last(x, padding):
    """(N, C, H, W) of any memory layout -> a C-contiguous (N, Hp, Wp, C) copy with zero padding
    (no copy at all when it is unpadded and already channels-last in memory)."""
    (pt, pb), (pl, pr) = padding
    xl = x.transpose(0, 2, 3, 1)
    if not (pt or pb or pl or pr):
        return xl if xl.flags.c_contiguous else np.ascontiguousarray(xl)
    n, h, w, c = xl.shape
    out = np.zeros((n, h + pt + pb, w + pl + pr, c), dtype=x.dtype)
    out[:, pt:pt + h, pl:pl + w, :] = xl
    return out


def _fold_array(cols, in_hw, kernel, stride, padding, dilation):
    """col2im on arrays: add every window of ``cols`` (N, OH, OW, KH, KW, C) back into (N, C, H, W)
    (returned as a view of channels-last memory)."""
    n, oh, ow, kh, kw, c = cols.shape
    (pt, pb), (pl, pr) = padding
    h, w = in_hw
    hp, wp = h + pt + pb, w + pl + pr
    (sh, sw), (dh, dw) = stride, dilation
    out = np.zeros((n, hp, wp, c), dtype=cols.dtype).transpose(0, 3, 1, 2)  # NCHW view, NHWC memory
    by_channel = cols.transpose(0, 5, 1, 2, 3, 4)  # (N, C, OH, OW, KH, KW), a view
    if sh >= (kh - 1) * dh + 1 and sw >= (kw - 1) * dw + 1:
        # windows do not overlap: one strided assignment writes them all
        _window_view(out, (oh, ow), (kh, kw), (sh, sw), (dh, dw), writeable=True)[...] = by_channel
    else:
        for i in range(kh):
            for j in range(kw):
                out[_offset_slice(i, j, (oh, ow), (sh, sw), (dh, dw))] += by_channel[:, :, :, :, i, j]
    if pt or pb or pl or pr:
        out = out[:, :, pt:pt + h, pl:pl + w]
    return out


# ---------------------------------------------------------------------------------------------------
# primitives


@register("unfold2d", arity=1, broadcast=False, smooth=True)
class Unfold2d(Op):
    """cols[n, i, j, a, b, c] = xp[n, c, i·sh + a·dh, j·sw + b·dw] (im2col);  vjp: fold2d(g)"""

    saves_inputs = False

    @staticmethod
    def forward(ctx, x, kernel=(1, 1), stride=(1, 1), padding=((0, 0), (0, 0)), dilation=(1, 1)):
        oh = _out_size(x.shape[2], *padding[0], kernel[0], stride[0], dilation[0])
        ow = _out_size(x.shape[3], *padding[1], kernel[1], stride[1], dilation[1])
        xp = _channels_last(x, padding).transpose(0, 3, 1, 2)  # NCHW view of channels-last memory
        win = _window_view(xp, (oh, ow), kernel, stride, dilation)  # (N, C, OH, OW, KH, KW)
        if x.shape[1] != 1:
            return np.ascontiguousarray(win.transpose(0, 2, 3, 4, 5, 1))  # the one im2col copy
        # one channel (grey images): copying one kernel offset at a time has long inner loops
        n, c = x.shape[:2]
        kh, kw = kernel
        cols = np.empty((n, oh, ow, kh, kw, c), dtype=x.dtype)
        for i in range(kh):
            for j in range(kw):
                cols[:, :, :, i, j, :] = win[:, :, :, :, i, j].transpose(0, 2, 3, 1)
        return cols

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.inputs
        k = ctx.kwargs
        return fold2d(grad, x.shape[2:], k["kernel"], k["stride"], k["padding"], k["dilation"])


@register("fold2d", arity=1, broadcast=False, smooth=True)
class Fold2d(Op):
    """out[n, c, y, x] = Σ over windows covering (y, x) of cols (col2im, the adjoint of unfold2d);
    vjp: unfold2d(g)"""

    saves_inputs = False

    @staticmethod
    def forward(ctx, cols, in_hw=(1, 1), kernel=(1, 1), stride=(1, 1), padding=((0, 0), (0, 0)),
                dilation=(1, 1)):
        return _fold_array(cols, in_hw, kernel, stride, padding, dilation)

    @staticmethod
    def backward(ctx, grad):
        k = ctx.kwargs
        return unfold2d(grad, k["kernel"], k["stride"], k["padding"], k["dilation"])


@register("max_pool2d", arity=1, broadcast=False, smooth=False, distinct=True)
class MaxPool2d(Op):
    """out = max over each window (padding counts as -inf);  vjp: g goes to the first arg-max of its
    window (PyTorch's rule for ties; with NaNs, to the last NaN), summed where windows overlap"""

    saves_output = True

    @staticmethod
    def forward(ctx, x, kernel=(1, 1), stride=(1, 1), padding=((0, 0), (0, 0)), dilation=(1, 1)):
        oh = _out_size(x.shape[2], *padding[0], kernel[0], stride[0], dilation[0])
        ow = _out_size(x.shape[3], *padding[1], kernel[1], stride[1], dilation[1])
        win = _window_view(_pad_array(x, padding, _lowest(x.dtype)), (oh, ow), kernel, stride, dilation)
        best = np.empty_like(win[..., 0, 0])  # keeps the input's memory layout (see module doc)
        np.copyto(best, win[..., 0, 0])
        kh, kw = kernel
        for k in range(1, kh * kw):  # np.maximum propagates NaN, as PyTorch's max pooling does
            np.maximum(best, win[..., k // kw, k % kw], out=best)
        return best

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.inputs
        k = ctx.kwargs
        n, c, oh, ow = grad.shape
        best = ctx.output._data
        if not grad_mode.is_grad_enabled() and not (x.dtype.kind == "f" and np.isnan(best).any()):
            # plain backward: scatter g to the arg-max of each window in one pass per kernel offset
            return constant(_max_pool_grad_array(grad._data, x._data, best, k["kernel"], k["stride"], k["padding"],
                                                 k["dilation"]))
        # create_graph (or NaNs): a one-hot mask and fold2d, both differentiable
        onehot = _argmax_onehot(x._data, best, k["kernel"], k["stride"], k["padding"], k["dilation"])
        # float × bool multiplies without materialising a float mask
        cols = Mul.apply(grad.permute(0, 2, 3, 1).reshape(n, oh, ow, 1, 1, c), constant(onehot))
        return fold2d(cols, x.shape[2:], k["kernel"], k["stride"], k["padding"], k["dilation"])


def _lowest(dtype):
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min


def _max_pool_grad_array(g, x, best, kernel, stride, padding, dilation):
    """∂L/∂x of max pooling on arrays: each g goes to the first maximum of its window (no NaNs here)."""
    n, c, oh, ow = best.shape
    kh, kw = kernel
    (pt, pb), (pl, pr) = padding
    h, w = x.shape[2:]
    win = _window_view(_pad_array(x, padding, _lowest(x.dtype)), (oh, ow), kernel, stride, dilation)
    gx = np.zeros((n, h + pt + pb, w + pl + pr, c), dtype=g.dtype).transpose(0, 3, 1, 2)
    gwin = _window_view(gx, (oh, ow), kernel, stride, dilation, writeable=True)
    separate = stride[0] >= (kh - 1) * dilation[0] + 1 and stride[1] >= (kw - 1) * dilation[1] + 1
    if g.strides != best.strides:  # one copy into the pooled layout beats kh·kw strided reads
        same_layout = np.empty_like(best, dtype=g.dtype)
        np.copyto(same_layout, g)
        g = same_layout
    taken = np.zeros_like(best, dtype=bool)
    hit = np.empty_like(taken)
    for k in range(kh * kw):
        i, j = divmod(k, kw)
        np.equal(win[..., i, j], best, out=hit)
        if k:
            hit &= ~taken  # the first maximum wins ties
        if k < kh * kw - 1:
            taken |= hit
        if separate:
            np.multiply(g, hit, out=gwin[..., i, j])
        else:  # windows overlap: positions of one offset are distinct, so += is safe
            gwin[..., i, j] += g * hit
    if pt or pb or pl or pr:
        gx = gx[:, :, pt:pt + h, pl:pl + w]
    return gx


def _argmax_onehot(x, best, kernel, stride, padding, dilation):
    """(N, OH, OW, KH, KW, C) bool: True at the window position that max pooling picked.

    PyTorch scans each window in order and moves on when ``v > max or isnan(v)``: the first maximum
    wins ties, and a NaN takes over from anything (so the last NaN wins). Recomputed in backward from
    the input and the output: the forward stays a few ``np.maximum`` passes.
    """
    n, c, oh, ow = best.shape
    kh, kw = kernel
    win = _window_view(_pad_array(x, padding, _lowest(x.dtype)), (oh, ow), kernel, stride, dilation)
    onehot = np.zeros((n, oh, ow, kh, kw, c), dtype=bool)
    view = onehot.transpose(0, 5, 1, 2, 3, 4)  # (N, C, OH, OW, KH, KW) view to write through
    if x.dtype.kind == "f" and np.isnan(best).any():
        arg = np.zeros(best.shape, dtype=np.int64)
        run = np.copy(win[..., 0, 0])
        for k in range(1, kh * kw):
            v = win[..., k // kw, k % kw]
            better = (v > run) | np.isnan(v)
            np.copyto(run, v, where=better)
            arg[better] = k
        for k in range(kh * kw):
            view[..., k // kw, k % kw] = arg == k
        return onehot
    taken = np.zeros(best.shape, dtype=bool)
    hit = np.empty(best.shape, dtype=bool)
    for k in range(kh * kw):
        np.equal(win[..., k // kw, k % kw], best, out=hit)
        if k:
            hit &= ~taken  # the first maximum wins ties
        if k < kh * kw - 1:
            taken |= hit
        view[..., k // kw, k % kw] = hit
    return onehot


@register("avg_pool2d", arity=1, broadcast=False, smooth=True)
class AvgPool2d(Op):
    """out = Σ window / divisor (divisor: window area, or the count of real pixels when
    count_include_pad=False, or divisor_override);  vjp: g / divisor spread over each window"""

    saves_inputs = False

    @staticmethod
    def forward(ctx, x, kernel=(1, 1), stride=(1, 1), padding=((0, 0), (0, 0)), divisor=None):
        oh = _out_size(x.shape[2], *padding[0], kernel[0], stride[0], 1)
        ow = _out_size(x.shape[3], *padding[1], kernel[1], stride[1], 1)
        xp = _pad_array(x, padding)
        total = np.zeros_like(_window_view(xp, (oh, ow), kernel, stride, (1, 1))[..., 0, 0])  # input's layout
        for i in range(kernel[0]):
            for j in range(kernel[1]):
                total += xp[_offset_slice(i, j, (oh, ow), stride, (1, 1))]
        ctx.in_hw = x.shape[2:]
        if x.dtype.kind in "iu":  # integer pooling truncates, as PyTorch's integer kernels do
            return np.trunc(total / np.asarray(divisor)).astype(x.dtype)
        return total / np.asarray(divisor, dtype=x.dtype)

    @staticmethod
    def backward(ctx, grad):
        k = ctx.kwargs
        kh, kw = k["kernel"]
        n, c, oh, ow = grad.shape
        g = grad / constant(np.asarray(k["divisor"], dtype=grad.dtype))
        cols = g.permute(0, 2, 3, 1).reshape(n, oh, ow, 1, 1, c).expand(n, oh, ow, kh, kw, c)
        return fold2d(cols, ctx.in_hw, k["kernel"], k["stride"], k["padding"], (1, 1))


# ---------------------------------------------------------------------------------------------------
# public functions (the doors nn.functional goes through)


def unfold2d(x, kernel, stride=(1, 1), padding=((0, 0), (0, 0)), dilation=(1, 1)):
    """im2col: (N, C, H, W) -> (N, OH, OW, KH, KW, C) windows; padding is ((top, bottom), (left, right))."""
    return Unfold2d.apply(x, kernel=tuple(kernel), stride=tuple(stride), padding=_norm_padding(padding),
                          dilation=tuple(dilation))


def fold2d(cols, in_hw, kernel, stride=(1, 1), padding=((0, 0), (0, 0)), dilation=(1, 1)):
    """col2im: (N, OH, OW, KH, KW, C) windows -> (N, C, H, W), summing where windows overlap."""
    padding = _norm_padding(padding)
    oh = _out_size(in_hw[0], *padding[0], kernel[0], stride[0], dilation[0])
    ow = _out_size(in_hw[1], *padding[1], kernel[1], stride[1], dilation[1])
    if cols.ndim != 6 or cols.shape[1:3] != (oh, ow) or cols.shape[3:5] != tuple(kernel):
        raise RuntimeError(
            f"fold2d: windows of shape {tuple(cols.shape)} do not fit an output of size {tuple(in_hw)} with "
            f"kernel {tuple(kernel)}, stride {tuple(stride)}, padding {padding}, dilation {tuple(dilation)}: "
            f"expected (N, {oh}, {ow}, {kernel[0]}, {kernel[1]}, C)"
        )
    return Fold2d.apply(cols, in_hw=tuple(int(v) for v in in_hw), kernel=tuple(kernel), stride=tuple(stride),
                        padding=_norm_padding(padding), dilation=tuple(dilation))


def _norm_padding(padding):
    if isinstance(padding, (int, np.integer)):
        return ((int(padding),) * 2,) * 2
    (a, b) = padding
    if isinstance(a, (int, np.integer)):
        return ((int(a), int(a)), (int(b), int(b)))
    return ((int(a[0]), int(a[1])), (int(b[0]), int(b[1])))


def _check_input(x, op, weight_channels=None):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: input must be a Tensor, got {type(x).__name__}")
    if x.ndim not in (3, 4):
        raise RuntimeError(
            f"Expected 3D (unbatched) or 4D (batched) input to {op}, but got input of size: "
            f"{list(x.shape)}"
        )
    return x


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D cross-correlation (``F.conv2d``): input (N, C, H, W) or (C, H, W), weight (O, C/groups, KH, KW).

    out[n, o] = b[o] + Σ_{c, a, b} w[o, c, a, b] · xp[n, c, i·s + a·d, j·s + b·d], computed as
    im2col (``unfold2d``) followed by one matrix product. ``padding`` may be an int, a pair, or
    'valid' / 'same' (stride 1 only, extra padding on the right/bottom for even kernels, like PyTorch).
    """
    x = _check_input(input, "conv2d")
    if not isinstance(weight, Tensor) or weight.ndim != 4:
        raise RuntimeError(
            f"conv2d: weight must be a 4-D tensor (out_channels, in_channels/groups, kH, kW), got shape "
            f"{tuple(getattr(weight, 'shape', ()))}"
        )
    unbatched = x.ndim == 3
    if unbatched:
        x = x.unsqueeze(0)
    groups = int(groups)
    o, cg, kh, kw = weight.shape
    n, c, h, w = x.shape
    if groups < 1 or c % groups or o % groups:
        raise RuntimeError(
            f"conv2d: groups={groups} must divide both in_channels ({c}) and out_channels ({o})"
        )
    if c != cg * groups:
        raise RuntimeError(
            f"Given groups={groups}, weight of size {list(weight.shape)}, expected input"
            f"{list(input.shape)} to have {cg * groups} channels, but got {c} channels instead"
        )
    stride, dilation = _pair(stride, "stride", "conv2d"), _pair(dilation, "dilation", "conv2d")
    if min(stride) < 1 or min(dilation) < 1:
        raise RuntimeError(f"conv2d: stride {stride} and dilation {dilation} must be positive")
    pads = _conv_padding(padding, (kh, kw), stride, dilation)
    hp, wp = h + sum(pads[0]), w + sum(pads[1])
    if hp < dilation[0] * (kh - 1) + 1 or wp < dilation[1] * (kw - 1) + 1:
        raise RuntimeError(
            f"Calculated padded input size per channel: ({hp} x {wp}). Kernel size: "
            f"({dilation[0] * (kh - 1) + 1} x {dilation[1] * (kw - 1) + 1}). Kernel size can't be greater "
            f"than actual input size"
        )
    if weight.dtype != x.dtype:
        raise RuntimeError(
            f"expected scalar type {_scalar_name(x.dtype)} but found {_scalar_name(weight.dtype)} (conv2d: the "
            f"input is {x.dtype} and the weight {weight.dtype}; convert one with .float() / .double())"
        )
    if bias is not None and bias.dtype != x.dtype:
        raise RuntimeError(
            f"Input type ({_scalar_name(x.dtype).lower()}) and bias type ({_scalar_name(bias.dtype).lower()}) "
            f"should be the same"
        )
    cols = unfold2d(x, (kh, kw), stride, pads, dilation)  # (N, OH, OW, KH, KW, C)
    _, oh, ow = cols.shape[:3]
    rows = n * oh * ow
    if groups == 1:
        # weight (O, C, KH, KW) -> (O, KH·KW·C) to match the cols; then one GEMM plus the bias
        w2 = weight.permute(0, 2, 3, 1).reshape(o, kh * kw * c)
        out = _linear.linear(cols.reshape(rows, kh * kw * c), w2, bias)
    else:
        k = kh * kw * cg
        g_cols = cols.reshape(rows, kh * kw, groups, cg).permute(2, 0, 1, 3).reshape(groups, rows, k)
        g_w = weight.reshape(groups, o // groups, cg, kh, kw).permute(0, 3, 4, 2, 1).reshape(groups, k, o // groups)
        out = (g_cols @ g_w).permute(1, 0, 2).reshape(rows, o)  # (G, rows, O/G) -> (rows, O)
        if bias is not None:
            out = out + bias
    out = out.reshape(n, oh, ow, o).permute(0, 3, 1, 2)
    return out.squeeze(0) if unbatched else out


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """Transposed convolution (``F.conv_transpose2d``), the adjoint of conv2d: weight
    (in_channels, out_channels/groups, kH, kW); output size (H-1)·s - 2p + d(k-1) + output_padding + 1.

    Each input pixel's channel vector times the weight gives a kH×kW×C_out window (one GEMM), and
    ``fold2d`` (col2im) adds the overlapping windows into place, cropping the padding.
    """
    x = _check_input(input, "conv_transpose2d")
    if not isinstance(weight, Tensor) or weight.ndim != 4:
        raise RuntimeError(f"conv_transpose2d: weight must be 4-D, got shape {tuple(getattr(weight, 'shape', ()))}")
    unbatched = x.ndim == 3
    if unbatched:
        x = x.unsqueeze(0)
    n, c, h, w = x.shape
    cin, og, kh, kw = weight.shape
    groups = int(groups)
    if c != cin or cin % groups:
        raise RuntimeError(
            f"Given transposed=1, weight of size {list(weight.shape)}, expected input{list(input.shape)} to have "
            f"{cin} channels, but got {c} channels instead"
        )
    stride, dilation = _pair(stride, "stride", "conv_transpose2d"), _pair(dilation, "dilation", "conv_transpose2d")
    pad, out_pad = _pair(padding, "padding", "conv_transpose2d"), _pair(output_padding, "output_padding",
                                                                        "conv_transpose2d")
    if any(op >= max(s, d) for op, s, d in zip(out_pad, stride, dilation)):
        raise RuntimeError(
            f"output padding must be smaller than either stride or dilation, but got output_padding_height: "
            f"{out_pad[0]} output_padding_width: {out_pad[1]} stride_height: {stride[0]} stride_width: {stride[1]} "
            f"dilation_height: {dilation[0]} dilation_width: {dilation[1]}"
        )
    out_hw = tuple((size - 1) * s - 2 * p + d * (k - 1) + op + 1
                   for size, s, p, d, k, op in zip((h, w), stride, pad, dilation, (kh, kw), out_pad))
    if min(out_hw) < 1:
        raise RuntimeError(f"conv_transpose2d: the output size {out_hw} is too small")
    o = og * groups
    rows = x.permute(0, 2, 3, 1).reshape(n * h * w, c)
    if groups == 1:
        cols = rows @ weight.permute(0, 2, 3, 1).reshape(c, kh * kw * og)  # (rows, KH·KW·C_out)
    else:
        cg = c // groups
        g_rows = rows.reshape(n * h * w, groups, cg).permute(1, 0, 2)  # (G, rows, C_in/G)
        g_w = weight.reshape(groups, cg, og, kh, kw).permute(0, 1, 3, 4, 2).reshape(groups, cg, kh * kw * og)
        cols = (g_rows @ g_w).reshape(groups, n * h * w, kh * kw, og).permute(1, 2, 0, 3)  # (rows, KK, G, O/G)
    cols = cols.reshape(n, h, w, kh, kw, o)
    out = fold2d(cols, out_hw, (kh, kw), stride, ((pad[0], pad[0]), (pad[1], pad[1])), dilation)
    if bias is not None:
        out = out + bias.reshape(1, o, 1, 1)
    return out.squeeze(0) if unbatched else out


def _scalar_name(dtype):
    return {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long"}.get(str(dtype), str(dtype))


def _conv_padding(padding, kernel, stride, dilation):
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0), (0, 0))
        if padding == "same":
            if stride != (1, 1):
                raise ValueError("padding='same' is not supported for strided convolutions")
            pads = []
            for k, d in zip(kernel, dilation):
                total = d * (k - 1)
                pads.append((total // 2, total - total // 2))
            return tuple(pads)
        raise ValueError(f"Invalid padding string '{padding}', should be one of {{'valid', 'same'}}")
    ph, pw = _pair(padding, "padding", "conv2d")
    if ph < 0 or pw < 0:
        raise RuntimeError(f"conv2d: negative padding is not supported, got {(ph, pw)}")
    return ((ph, ph), (pw, pw))


def _pool_geometry(x, kernel_size, stride, padding, dilation, ceil_mode, op):
    kernel = _pair(kernel_size, "kernel_size", op)
    stride = kernel if stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0) \
        else _pair(stride, "stride", op)
    pad = _pair(padding, "padding", op)
    dilation = _pair(dilation, "dilation", op)
    if min(kernel) < 1 or min(stride) < 1 or min(dilation) < 1:
        raise RuntimeError(f"{op}: kernel_size {kernel}, stride {stride} and dilation {dilation} must be positive")
    if pad[0] > kernel[0] // 2 or pad[1] > kernel[1] // 2:
        shown_pad = pad[0] if pad[0] == pad[1] else pad
        raise RuntimeError(
            f"pad should be at most half of effective kernel size, but got pad={shown_pad}, "
            f"kernel_size={kernel[0] if kernel[0] == kernel[1] else kernel} and dilation={dilation[0]} ({op})"
        )
    h, w = x.shape[-2:]
    pads, out = [], []
    for size, k, s, p, d in zip((h, w), kernel, stride, pad, dilation):
        span = d * (k - 1) + 1
        if ceil_mode:
            o = -(-(size + 2 * p - span) // s) + 1
            if (o - 1) * s >= size + p:  # the last window must start inside the input or left padding
                o -= 1
        else:
            o = (size + 2 * p - span) // s + 1
        if o < 1:
            raise RuntimeError(
                f"Given input size: ({x.shape[-3]}x{h}x{w}). Calculated output size: "
                f"({x.shape[-3]}x{out[0] if out else o}x{o}). Output size is too small ({op})"
            )
        extra = max((o - 1) * s + span - (size + 2 * p), 0)  # ceil_mode's overhang on the far side
        pads.append((p, p + extra))
        out.append(o)
    return kernel, stride, tuple(pads), dilation, tuple(out)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """Max over each KH×KW window (``F.max_pool2d``); stride defaults to kernel_size."""
    x = _check_input(input, "max_pool2d")
    unbatched = x.ndim == 3
    if unbatched:
        x = x.unsqueeze(0)
    kernel, stride, pads, dilation, _ = _pool_geometry(x, kernel_size, stride, padding, dilation, ceil_mode,
                                                       "max_pool2d")
    out = MaxPool2d.apply(x, kernel=kernel, stride=stride, padding=pads, dilation=dilation)
    if not return_indices:
        return out.squeeze(0) if unbatched else out
    indices = constant(_argmax_flat_indices(x._data, out._data, kernel, stride, pads, dilation))
    if unbatched:
        return out.squeeze(0), indices.squeeze(0)
    return out, indices


def _argmax_flat_indices(x, best, kernel, stride, padding, dilation):
    """PyTorch's ``return_indices``: for each output cell, the row-major index (y·W + x) of the
    picked input pixel within its (n, c) plane, as int64 (N, C, OH, OW)."""
    onehot = _argmax_onehot(x, best, kernel, stride, padding, dilation)  # (N, OH, OW, KH, KW, C)
    n, oh, ow, kh, kw, c = onehot.shape
    k = onehot.reshape(n, oh, ow, kh * kw, c).argmax(axis=3).transpose(0, 3, 1, 2)  # (N, C, OH, OW)
    rows = np.arange(oh)[:, None] * stride[0] - padding[0][0] + (k // kw) * dilation[0]
    cols = np.arange(ow)[None, :] * stride[1] - padding[1][0] + (k % kw) * dilation[1]
    return (rows * x.shape[3] + cols).astype(np.int64)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """Mean over each KH×KW window (``F.avg_pool2d``); stride defaults to kernel_size."""
    x = _check_input(input, "avg_pool2d")
    unbatched = x.ndim == 3
    if unbatched:
        x = x.unsqueeze(0)
    if x.dtype.kind not in "fiu":
        raise RuntimeError(f"\"avg_pool2d\" not implemented for '{x.dtype}'")
    kernel, stride, pads, _, (oh, ow) = _pool_geometry(x, kernel_size, stride, padding, 1, ceil_mode,
                                                       "avg_pool2d")
    if divisor_override is not None:
        if divisor_override == 0:
            raise RuntimeError("avg_pool2d: divisor must be not zero")
        divisor = float(divisor_override)
    else:
        divisor = _avg_divisor(x.shape[2:], kernel, stride, pads, (oh, ow), count_include_pad)
    out = AvgPool2d.apply(x, kernel=kernel, stride=stride, padding=pads, divisor=divisor)
    return out.squeeze(0) if unbatched else out


def _avg_divisor(in_hw, kernel, stride, pads, out_hw, count_include_pad):
    """PyTorch's divisor per output cell: window area clipped to the padded input (or to the input
    itself when count_include_pad=False). A scalar when it is the same everywhere."""
    per_axis = []
    for size, k, s, (p, p_hi), o in zip(in_hw, kernel, stride, pads, out_hw):
        start = np.arange(o) * s - p
        end = np.minimum(start + k, size + p)  # clipped to the symmetric padding (not ceil overhang)
        if not count_include_pad:
            start, end = np.maximum(start, 0), np.minimum(end, size)
        per_axis.append((end - start).astype(np.float64))
    div = np.outer(per_axis[0], per_axis[1])
    return float(div.flat[0]) if np.all(div == div.flat[0]) else div


def adaptive_avg_pool2d(input, output_size):
    """Average over adaptive windows [⌊i·H/OH⌋, ⌈(i+1)·H/OH⌉) (``F.adaptive_avg_pool2d``), computed as
    A_h @ x @ A_wᵀ with constant averaging matrices (so it is a composite of matmul)."""
    x = _check_input(input, "adaptive_avg_pool2d")
    h, w = x.shape[-2:]
    if isinstance(output_size, (tuple, list)):
        oh, ow = (h if output_size[0] is None else output_size[0]), (w if output_size[1] is None else output_size[1])
    else:
        oh = ow = int(output_size)
    a_h = constant(_adaptive_matrix(h, oh, x.dtype))
    a_w = constant(_adaptive_matrix(w, ow, x.dtype))
    return a_h @ x @ a_w.t()


def _adaptive_matrix(size, out, dtype):
    i = np.arange(out)
    start = (i * size) // out
    end = -((-(i + 1) * size) // out)
    cols = np.arange(size)
    inside = (cols[None, :] >= start[:, None]) & (cols[None, :] < end[:, None])
    return (inside / (end - start)[:, None]).astype(dtype)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Max over adaptive windows [⌊i·H/OH⌋, ⌈(i+1)·H/OH⌉) (``F.adaptive_max_pool2d``).

    Sizes that divide the input are plain max pooling; otherwise every window is gathered with a
    constant index (short windows repeat their last pixel, which cannot change the max) and reduced
    with ``max(dim)``, whose gradient goes to the first maximum, as PyTorch's does.
    """
    x = _check_input(input, "adaptive_max_pool2d")
    unbatched = x.ndim == 3
    if unbatched:
        x = x.unsqueeze(0)
    h, w = x.shape[-2:]
    if isinstance(output_size, (tuple, list)):
        oh = h if output_size[0] is None else int(output_size[0])
        ow = w if output_size[1] is None else int(output_size[1])
    else:
        oh = ow = int(output_size)
    if h % oh == 0 and w % ow == 0:
        result = max_pool2d(x, (h // oh, w // ow), (h // oh, w // ow), return_indices=return_indices)
    else:
        rows, cols = _adaptive_windows(h, oh), _adaptive_windows(w, ow)  # (OH, KH), (OW, KW)
        n, c = x.shape[:2]
        kh, kw = rows.shape[1], cols.shape[1]
        # (N, C, OH, KH, OW, KW) by advanced indexing: its gradient is the scatter-add of getitem
        gathered = x[:, :, constant(rows[:, :, None, None]), constant(cols[None, None, :, :])]
        flat = gathered.permute(0, 1, 2, 4, 3, 5).reshape(n, c, oh, ow, kh * kw)
        values, picked = flat.max(dim=-1)
        result = values
        if return_indices:
            k = picked._data
            pixel = (rows[np.arange(oh)[:, None], k // kw] * w + cols[np.arange(ow)[None, :], k % kw])
            result = (values, constant(pixel.astype(np.int64)))
    if unbatched:
        return (result[0].squeeze(0), result[1].squeeze(0)) if return_indices else result.squeeze(0)
    return result


def _adaptive_windows(size, out):
    """(out, k) input positions of each adaptive window, short windows padded with their last index."""
    i = np.arange(out)
    start = (i * size) // out
    end = -((-(i + 1) * size) // out)
    k = int((end - start).max())
    return np.minimum(start[:, None] + np.arange(k)[None, :], (end - 1)[:, None])


# specs for the generated gradient tests: 4-D inputs and fixed geometry
def _small_image(rng=None):
    return [(2, 3, 5, 6)]


add_spec(OpSpec(name="unfold2d", arity=1, broadcast=False, smooth=True, shapes=_small_image,
                call=lambda x: unfold2d(x, (2, 3), (2, 1), ((1, 0), (1, 1)), (1, 1)), covers=(Unfold2d,)))
add_spec(OpSpec(name="fold2d", arity=1, broadcast=False, smooth=True, shapes=lambda rng=None: [(2, 4, 3, 2, 2, 3)],
                call=lambda c: fold2d(c, (5, 4), (2, 2), (1, 1), ((0, 0), (0, 0))), covers=(Fold2d,)))
add_spec(OpSpec(name="conv2d", arity=2, broadcast=False, smooth=True,
                shapes=lambda rng=None: [(2, 3, 5, 6), (4, 3, 3, 2)],
                call=lambda x, w: conv2d(x, w, stride=(2, 1), padding=1)))
add_spec(OpSpec(name="max_pool2d", arity=1, broadcast=False, smooth=False, distinct=True, shapes=_small_image,
                call=lambda x: max_pool2d(x, 3, stride=2, padding=1), covers=(MaxPool2d,)))
add_spec(OpSpec(name="avg_pool2d", arity=1, broadcast=False, smooth=True, shapes=_small_image,
                call=lambda x: avg_pool2d(x, (2, 3), stride=(1, 2), padding=1, count_include_pad=False),
                covers=(AvgPool2d,)))
add_spec(OpSpec(name="adaptive_avg_pool2d", arity=1, broadcast=False, smooth=True, shapes=_small_image,
                call=lambda x: adaptive_avg_pool2d(x, (3, 4))))
__all__ = ["unfold2d", "fold2d", "conv2d", "conv_transpose2d", "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d",
           "adaptive_max_pool2d"]
