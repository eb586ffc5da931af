"""Convolution and pooling on NumPy strided views (im2col), with backward passes made of Tensor ops.

The window view of a padded input ``xp`` (N, C, Hp, Wp) is ``as_strided`` with shape
(N, C, OH, OW, KH, KW): element [n, c, i, j, a, b] is xp[n, c, i·sh + a·dh, j·sw + b·dw]. No pixel or
sample is ever visited by a Python loop: the loops below run over the KH·KW kernel offsets, each
step a whole-tensor NumPy operation.

Primitives (forward on arrays, backward with Tensor ops, so double backward works):

- ``Conv2d`` (x, w, b) -> y: im2col into (N, G, C/G·KH·KW, OH·OW) and ONE batched GEMM with the weight
  viewed as (G, O/G, C/G·KH·KW), which writes y as a C-contiguous (N, O, OH, OW) array (the bias rides
  in the GEMM as an extra row of ones). Its vjp is made of the next two primitives and a sum:
- ``Conv2dBackwardInput`` (g, w) -> ∂L/∂x: one GEMM wᵀg and col2im (also ``conv_transpose2d``)
- ``Conv2dBackwardWeight`` (g, x) -> ∂L/∂w: one batched GEMM g·colsᵀ (a plain backward reuses the
  forward's cols). The three are bilinear and each one's vjp is made of the others (PyTorch's
  convolution / convolution_backward split).
- ``max_pool2d`` window max; its vjp is ``MaxPool2dBackward`` (g -> the gradient routed to the first
  arg-max of each window, PyTorch's rule), whose own vjp gathers at the same pixels
- ``avg_pool2d``  window mean; backward spreads grad / divisor through ``fold2d``
- ``unfold2d`` (im2col) x (N, C, H, W) -> cols (N, OH, OW, KH, KW, C) and its adjoint ``fold2d``
  (``F.unfold`` / ``F.fold``, and the differentiable paths of the pooling backward passes)
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..autograd import grad_mode
from ..autograd.function import _SCRATCH, Op
from . import buffers
from .elementwise import Mul
from .reduce import Sum
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


# Convolution as three primitives that are each other's derivatives (PyTorch's convolution /
# convolution_backward split): ``Conv2d`` (x, w, b) -> y, ``Conv2dBackwardInput`` (g, w) -> ∂L/∂x and
# ``Conv2dBackwardWeight`` (g, x) -> ∂L/∂w. All three are bilinear, so the vjp of each is made of the
# other two (and a sum for the bias): double backward needs nothing else.
#
# Layout: im2col writes cols (N, G, C/G·KH·KW, OH·OW), the K axis in the weight's own (C/G, KH, KW)
# order, so the weight is used as the free view (G, O/G, K) and the GEMM ``w @ cols`` (batched over
# N and G) writes the output directly as a C-contiguous (N, O, OH, OW) array: no transposes, and
# ``Flatten`` after it is a view. With a bias, cols get one extra row of ones and the weight one
# extra column (the bias), so the bias add happens inside the GEMM instead of a pass over the output.


# A plain backward reuses the forward's cols for the weight gradient (as PyTorch's CPU slow_conv2d keeps
# its "finput"), unless they are big: every layer's cols then live until backward, so large ones are
# recomputed instead (an im2col copy) to keep peak memory near the activations' own.
_KEEP_COLS_BYTES = 64 << 20


def _conv_out_hw(in_hw, kernel, stride, padding, dilation):
    return (_out_size(in_hw[0], *padding[0], kernel[0], stride[0], dilation[0]),
            _out_size(in_hw[1], *padding[1], kernel[1], stride[1], dilation[1]))


def _im2col(x, kernel, stride, padding, dilation, out_hw, groups, ones_row=False):
    """cols[n, g, (c, a, b), i·OW + j] = xp[n, g·C/G + c, i·sh + a·dh, j·sw + b·dw] as a C-contiguous
    (N, G, C/G·KH·KW [+ 1], OH·OW) array; with ``ones_row`` the last row of each group is ones."""
    n, c = x.shape[:2]
    (kh, kw), (oh, ow) = kernel, out_hw
    cg = c // groups
    k = cg * kh * kw
    win = _window_view(_pad_array(x, padding), out_hw, kernel, stride, dilation)  # (N, C, OH, OW, KH, KW)
    cols = buffers.empty((n, groups, k + ones_row, oh * ow), x.dtype)
    # one strided copy (NumPy walks the destination in memory order, OW innermost); the reshape only
    # splits axes, so it is a view of cols even with the ones row
    np.copyto(cols[:, :, :k].reshape(n, groups, cg, kh, kw, oh, ow),
              win.reshape(n, groups, cg, oh, ow, kh, kw).transpose(0, 1, 2, 5, 6, 3, 4))
    if ones_row:
        cols[:, :, k] = 1
    return cols


def _col2im(gcols, in_hw, kernel, stride, padding, dilation):
    """The adjoint of ``_im2col``: gcols (N, C, KH, KW, OH, OW) summed into (N, C, H, W) at the pixels
    each window read (a C-contiguous array when there is no padding to crop)."""
    n, c, kh, kw, oh, ow = gcols.shape
    (pt, pb), (pl, pr) = padding
    h, w = in_hw
    out = np.zeros((n, c, h + pt + pb, w + pl + pr), dtype=gcols.dtype)
    if stride[0] >= (kh - 1) * dilation[0] + 1 and stride[1] >= (kw - 1) * dilation[1] + 1:
        # windows do not overlap: one strided assignment writes them all
        np.copyto(_window_view(out, (oh, ow), kernel, stride, dilation, writeable=True),
                  gcols.transpose(0, 1, 4, 5, 2, 3))
    else:  # one whole-array add per kernel offset
        for i in range(kh):
            for j in range(kw):
                out[_offset_slice(i, j, (oh, ow), stride, dilation)] += gcols[:, :, i, j]
    if pt or pb or pl or pr:
        out = out[:, :, pt:pt + h, pl:pl + w]
    return out


def _conv_geometry(ctx):
    k = ctx.kwargs
    return k["stride"], k["padding"], k["dilation"], k["groups"]


def _crop_to(t, hw):
    """``t[..., :h, :w]`` (a recorded slice) when ``t`` is larger: a transposed convolution with
    output_padding >= stride has one more natural output row/column than its input has pixels."""
    if tuple(t.shape[2:]) == tuple(hw):
        return t
    return t[:, :, :hw[0], :hw[1]]


@register("conv2d", arity=3, broadcast=False, smooth=True,
          shapes=lambda rng=None: [(2, 4, 5, 6), (6, 2, 3, 2), (6,)],
          call=lambda x, w, b: conv2d(x, w, b, stride=(2, 1), padding=1, dilation=(1, 2), groups=2))
class Conv2d(Op):
    """y[n, o] = b[o] + Σ_{c, a, b} w[o, c, a, b] · xp[n, g·C/G + c, i·sh + a·dh, j·sw + b·dw]
    (im2col + one batched GEMM);  vjp: ∂x = conv2d_backward_input(g, w), ∂w = conv2d_backward_weight(g, x),
    ∂b = Σ_{n, i, j} g"""

    torch_name = "ConvolutionBackward0"  # grad_fn.name() as PyTorch's

    @staticmethod
    def forward(ctx, x, w, b=None, stride=(1, 1), padding=((0, 0), (0, 0)), dilation=(1, 1), groups=1):
        n = x.shape[0]
        o, cg, kh, kw = w.shape
        oh, ow = _conv_out_hw(x.shape[2:], (kh, kw), stride, padding, dilation)
        k = cg * kh * kw
        with_bias = b is not None
        cols = _im2col(x, (kh, kw), stride, padding, dilation, (oh, ow), groups, ones_row=with_bias)
        wg = w.reshape(groups, o // groups, k)
        if with_bias:  # [w | b] against [cols; 1]: the bias rides along in the GEMM
            wb = np.empty((groups, o // groups, k + 1), dtype=np.result_type(w, b))
            wb[:, :, :k] = wg
            wb[:, :, k] = b.reshape(groups, o // groups)
            wg = wb
        if cols.nbytes <= _KEEP_COLS_BYTES:  # the weight gradient's other factor; released after backward
            ctx.cols = cols
        out = buffers.empty((n, groups, o // groups, oh * ow), np.result_type(wg, cols))
        return np.matmul(wg, cols, out=out).reshape(n, o, oh, ow)  # (G, O/G, K) @ (N, G, K, L) -> (N, G, O/G, L)

    @staticmethod
    def backward(ctx, grad):
        x, w, b = ctx.inputs
        need_x, need_w, need_b = ctx.needs_input_grad
        stride, padding, dilation, groups = _conv_geometry(ctx)
        gx = gw = gb = None
        if need_x:
            gx = Conv2dBackwardInput.apply(grad, w, in_hw=tuple(x.shape[2:]), stride=stride, padding=padding,
                                           dilation=dilation, groups=groups)
        if need_w:
            # a plain backward reuses forward's cols; a recorded one recomputes them from x (the graph
            # of the gradient must not pin them)
            cols = None if grad_mode.is_grad_enabled() else ctx.__dict__.get("cols")
            gw = Conv2dBackwardWeight.apply(grad, x, kernel=tuple(w.shape[2:]), stride=stride, padding=padding,
                                            dilation=dilation, groups=groups, cols=cols)
        if need_b:
            # Σ over the batch first (whole contiguous images added at once), then over each map:
            # a third of the time of one reduction over the axes (0, 2, 3)
            gb = Sum.apply(Sum.apply(grad, dims=(0,), keepdim=False), dims=(1, 2), keepdim=False)
        return gx, gw, gb


@register("conv2d_backward_input", arity=2, broadcast=False, smooth=True,
          shapes=lambda rng=None: [(2, 4, 3, 2), (4, 1, 2, 3)],
          call=lambda g, w: Conv2dBackwardInput.apply(g, w, in_hw=(5, 4), stride=(2, 1), padding=((1, 1), (0, 1)),
                                                      dilation=(1, 1), groups=2))
class Conv2dBackwardInput(Op):
    """∂L/∂x of conv2d: gx = col2im(wᵀ g) (the transposed convolution of g with w);
    vjp: ∂g = conv2d(u, w), ∂w = conv2d_backward_weight(g, u) for the upstream u (x-shaped)"""

    @staticmethod
    def forward(ctx, g, w, in_hw=(1, 1), stride=(1, 1), padding=((0, 0), (0, 0)), dilation=(1, 1), groups=1):
        n, o, oh, ow = g.shape
        _, cg, kh, kw = w.shape
        wg = w.reshape(groups, o // groups, cg * kh * kw)
        gcols = np.matmul(wg.transpose(0, 2, 1), g.reshape(n, groups, o // groups, oh * ow))  # (N, G, K, L)
        return _col2im(gcols.reshape(n, groups * cg, kh, kw, oh, ow), in_hw, (kh, kw), stride, padding, dilation)

    @staticmethod
    def backward(ctx, grad):
        g, w = ctx.inputs
        need_g, need_w = ctx.needs_input_grad
        stride, padding, dilation, groups = _conv_geometry(ctx)
        dg = dw = None
        if need_g:
            dg = _crop_to(Conv2d.apply(grad, w, None, stride=stride, padding=padding, dilation=dilation,
                                       groups=groups), g.shape[2:])
        if need_w:
            dw = Conv2dBackwardWeight.apply(g, grad, kernel=tuple(w.shape[2:]), stride=stride, padding=padding,
                                            dilation=dilation, groups=groups)
        return dg, dw


@register("conv2d_backward_weight", arity=2, broadcast=False, smooth=True,
          shapes=lambda rng=None: [(2, 4, 3, 2), (2, 2, 5, 4)],
          call=lambda g, x: Conv2dBackwardWeight.apply(g, x, kernel=(2, 3), stride=(2, 1),
                                                       padding=((1, 1), (0, 1)), dilation=(1, 1), groups=2))
class Conv2dBackwardWeight(Op):
    """∂L/∂w of conv2d: gw[o, c, a, b] = Σ_{n, i, j} g[n, o, i, j] · xp[n, c, i·sh + a·dh, j·sw + b·dw]
    (one batched GEMM g @ colsᵀ, summed over the batch);  vjp: ∂g = conv2d(x, u),
    ∂x = conv2d_backward_input(g, u) for the upstream u (w-shaped)"""

    @staticmethod
    def forward(ctx, g, x, kernel=(1, 1), stride=(1, 1), padding=((0, 0), (0, 0)), dilation=(1, 1), groups=1,
                cols=None):
        n, o, oh, ow = g.shape
        cg = x.shape[1] // groups
        k = cg * kernel[0] * kernel[1]
        if cols is None:
            cols = _im2col(x, kernel, stride, padding, dilation, (oh, ow), groups)
        # (N, G, O/G, L) @ (N, G, L, K) -> (N, G, O/G, K): small GEMMs per sample beat one long-K GEMM
        # here; cols[:, :, :k] drops the ones row that the forward's bias used
        per_sample = np.matmul(g.reshape(n, groups, o // groups, oh * ow), cols[:, :, :k].transpose(0, 1, 3, 2))
        return np.add.reduce(per_sample, axis=0).reshape(o, cg, kernel[0], kernel[1])

    @staticmethod
    def backward(ctx, grad):
        g, x = ctx.inputs
        need_g, need_x = ctx.needs_input_grad
        stride, padding, dilation, groups = _conv_geometry(ctx)
        dg = dx = None
        if need_g:
            dg = _crop_to(Conv2d.apply(x, grad, None, stride=stride, padding=padding, dilation=dilation,
                                       groups=groups), g.shape[2:])
        if need_x:
            dx = Conv2dBackwardInput.apply(g, grad, in_hw=tuple(x.shape[2:]), stride=stride, padding=padding,
                                           dilation=dilation, groups=groups)
        return dg, dx


@register("max_pool2d", arity=1, broadcast=False, smooth=False, distinct=True)
class MaxPool2d(Op):
    """out = max over each window (padding counts as -inf);  vjp: max_pool2d_backward(g, arg), which
    sends g to the first arg-max of its window (PyTorch's rule for ties; with NaNs, to the last NaN).

    Like PyTorch, backward reads the input and the winners, not the output tensor, so the output may
    be changed in place afterwards (``F.max_pool2d(x, 2).relu_()``, a ``ReLU(inplace=True)`` after
    the pool) without invalidating the graph."""

    torch_name = "MaxPool2DWithIndicesBackward0"  # grad_fn.name() as PyTorch's

    @staticmethod
    def forward(ctx, x, kernel=(1, 1), stride=(1, 1), padding=((0, 0), (0, 0)), dilation=(1, 1)):
        win = _pool_windows(x, kernel, stride, padding, dilation)
        # the arg-max comes out of the same comparisons as the max; only a recorded node needs it
        best, arg = _window_max(win, with_arg=ctx is not _SCRATCH)
        if arg is not None:
            ctx.arg = arg  # (N, C, OH, OW) small ints; released after backward
            ctx.best = best  # the forward's array, read only for the NaN rule (released after backward)
        return best

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.inputs
        k = ctx.kwargs
        arg, best = ctx.__dict__.get("arg"), ctx.__dict__.get("best")
        if arg is None or best is None or (best.dtype.kind == "f" and np.isnan(best).any()):
            if best is None:
                best, _ = _window_max(_pool_windows(x._data, k["kernel"], k["stride"], k["padding"],
                                                    k["dilation"]), with_arg=False)
            arg = _window_arg(x._data, best, k["kernel"], k["stride"], k["padding"], k["dilation"])
        return MaxPool2dBackward.apply(grad, arg=arg, in_hw=tuple(x.shape[2:]), kernel=k["kernel"], stride=k["stride"],
                                       padding=k["padding"], dilation=k["dilation"])


def _pool_backward_call(g):
    """max_pool2d_backward of ``g`` (2, 3, 3, 3) with the winners of a fixed input (overlapping windows)."""
    rng = np.random.default_rng(0)
    x = rng.permutation(2 * 3 * 5 * 6).reshape(2, 3, 5, 6).astype(np.float64)
    x[0, 0, :2, :2] = 7.0  # a tied window: the first maximum takes the gradient
    geometry = dict(kernel=(3, 2), stride=(2, 2), padding=((1, 1), (0, 0)), dilation=(1, 1))
    _, arg = _window_max(_pool_windows(x, **geometry), with_arg=True)
    return MaxPool2dBackward.apply(g, arg=arg, in_hw=(5, 6), **geometry)


@register("max_pool2d_backward", arity=1, broadcast=False, smooth=True,
          shapes=lambda rng=None: [(2, 3, 3, 3)], call=_pool_backward_call)
class MaxPool2dBackward(Op):
    """∂L/∂x of max pooling: gx[n, c, i·sh + a·dh - p, j·sw + b·dw - p] += g[n, c, i, j] where
    (a, b) = divmod(arg[n, c, i, j], KW) is the window's winner;  vjp: u gathered at the same pixels
    (linear in g; PyTorch's max_pool2d_with_indices_backward)"""

    saves_inputs = False

    @staticmethod
    def forward(ctx, g, arg=None, in_hw=(1, 1), kernel=(1, 1), stride=(1, 1), padding=((0, 0), (0, 0)),
                dilation=(1, 1)):
        n, c, oh, ow = g.shape
        kh, kw = kernel
        (pt, pb), (pl, pr) = padding
        h, w = in_hw
        hp, wp = h + pt + pb, w + pl + pr
        separate = stride[0] >= (kh - 1) * dilation[0] + 1 and stride[1] >= (kw - 1) * dilation[1] + 1
        # windows that tile the padded input exactly write every pixel once: no zero fill needed
        tiled = separate and dilation == (1, 1) and tuple(stride) == (kh, kw) and (oh * kh, ow * kw) == (hp, wp)
        gx = (buffers.empty if tiled else buffers.zeros)((n, c, hp, wp), g.dtype)
        gwin = _window_view(gx, (oh, ow), kernel, stride, dilation, writeable=True)
        hit = np.empty(arg.shape, dtype=bool)
        mask = np.empty(arg.shape, dtype=g.dtype)  # float × float is a faster loop than float × bool
        # g · mask would turn an inf or NaN of g into NaN at the pixels that did not win; a sum that is
        # not finite (one cheap pass) sends such g through the exact select instead
        exact = g.dtype.kind == "f" and not np.isfinite(np.sum(g))
        for k in range(kh * kw):
            i, j = divmod(k, kw)
            np.equal(arg, k, out=hit)
            if exact:
                part = np.where(hit, g, np.zeros((), dtype=g.dtype))
            else:
                np.copyto(mask, hit)
                part = np.multiply(g, mask, out=gwin[..., i, j]) if separate else g * mask
            if not separate:  # windows overlap: the positions of one offset are distinct, so += is safe
                gwin[..., i, j] += part
            elif exact:
                gwin[..., i, j] = part
        if pt or pb or pl or pr:
            gx = gx[:, :, pt:pt + h, pl:pl + w]
        return gx

    @staticmethod
    def backward(ctx, grad):
        k = ctx.kwargs
        kh, kw = k["kernel"]
        arg = k["arg"]
        # one-hot (N, OH, OW, KH, KW, C) of the winners, in unfold2d's layout
        onehot = (arg.transpose(0, 2, 3, 1)[:, :, :, None, None, :]
                  == np.arange(kh * kw).reshape(kh, kw)[:, :, None])
        cols = unfold2d(grad, k["kernel"], k["stride"], k["padding"], k["dilation"])  # (N, OH, OW, KH, KW, C)
        picked = Mul.apply(cols, constant(onehot)).sum(dim=(3, 4))  # (N, OH, OW, C)
        return picked.permute(0, 3, 1, 2)


def _lowest(dtype):
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min


def _pool_windows(x, kernel, stride, padding, dilation):
    """(N, C, OH, OW, KH, KW) window view of x padded with the lowest value (padding never wins)."""
    oh = _out_size(x.shape[2], *padding[0], kernel[0], stride[0], dilation[0])
    ow = _out_size(x.shape[3], *padding[1], kernel[1], stride[1], dilation[1])
    return _window_view(_pad_array(x, padding, _lowest(x.dtype)), (oh, ow), kernel, stride, dilation)


def _window_max(win, with_arg):
    """(max, arg) over the last two axes of ``win`` (N, C, OH, OW, KH, KW): ``arg`` = a·KW + b of the
    first maximum in row-major order (PyTorch's tie rule), or None when not asked for.

    A tree, not a scan: the first maximum of each window row (a pass over whole image rows when the
    windows do not overlap, both columns of a pair in one read), then the first row whose maximum is
    larger. Strict ``>`` keeps the earlier position on ties. ``np.maximum`` propagates NaN into the max
    as PyTorch does; the arg of a window holding NaN is not PyTorch's (callers use ``_window_arg``).
    """
    kh, kw = win.shape[-2:]
    small = np.uint8 if kh * kw <= 256 else np.int64  # arg arithmetic below may wrap: exact modulo 256
    best = arg = None
    for i in range(kh):
        row, col = win[..., i, 0], None  # col None: column 0 won
        for j in range(1, kw):
            v = win[..., i, j]
            if with_arg:
                gt = np.greater(v, row)  # new first maximum of this row at column j
                col = gt.view(np.uint8) if j == 1 and small is np.uint8 else (
                    gt * small(j) if col is None else np.maximum(col, gt * small(j)))  # j > every earlier col
            row = np.maximum(row, v) if j == 1 else np.maximum(row, v, out=row)
        if i == 0:
            best = row
            if with_arg:
                arg = np.zeros(row.shape, dtype=small) if col is None else col.astype(small, copy=False)
            continue
        if with_arg:
            up = np.greater(row, best)  # this row's maximum beats all earlier rows
            cand = np.full(row.shape, i * kw, dtype=small) if col is None else np.add(col, small(i * kw), dtype=small)
            cand -= arg
            cand *= up
            arg += cand  # arg = where(up, i·KW + col, arg), in three cheap integer passes
        best = np.maximum(best, row) if i == 1 and kw == 1 else np.maximum(best, row, out=best)
    if best.base is not None:  # a 1x1 (or single-row, single-column) window: still a view of x
        best = np.array(best)
    return best, arg


def _window_arg(x, best, kernel, stride, padding, dilation):
    """``arg`` of max pooling recomputed from the input and the pooled output, with PyTorch's NaN rule.

    PyTorch scans each window in order and moves on when ``v > max or isnan(v)``: the first maximum
    wins ties, and a NaN takes over from anything (so the last NaN wins)."""
    win = _pool_windows(x, kernel, stride, padding, dilation)
    _, arg = _window_max(win, with_arg=True)
    if not (x.dtype.kind == "f" and np.isnan(best).any()):
        return arg
    kh, kw = kernel
    run = np.copy(win[..., 0, 0])
    arg = np.zeros(best.shape, dtype=arg.dtype)
    for k in range(1, kh * kw):
        v = win[..., k // kw, k % kw]
        better = (v > run) | np.isnan(v)
        np.copyto(run, v, where=better)
        arg[better] = k
    return arg


@register("avg_pool2d", arity=1, broadcast=False, smooth=True)
class AvgPool2d(Op):
    """out = Σ window / divisor (divisor: window area, or the count of real pixels when
    count_include_pad=False, or divisor_override);  vjp: g / divisor spread over each window"""

    torch_name = "AvgPool2DBackward0"  # grad_fn.name() as PyTorch's

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
    im2col followed by one (batched) matrix product (the ``Conv2d`` primitive). ``padding`` may be an int, a pair, or
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
    out = Conv2d.apply(x, weight, bias, stride=stride, padding=pads, dilation=dilation, groups=groups)
    return out.squeeze(0) if unbatched else out


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """Transposed convolution (``F.conv_transpose2d``), the adjoint of conv2d: weight
    (in_channels, out_channels/groups, kH, kW); output size (H-1)·s - 2p + d(k-1) + output_padding + 1.

    It is ``Conv2dBackwardInput`` (the input gradient of conv2d with this weight): one GEMM gives each
    input pixel's kH×kW×C_out window, and col2im adds the overlapping windows into place, cropping the
    padding.
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
    # the transposed convolution of x is exactly the input gradient of a convolution whose output is x
    out = Conv2dBackwardInput.apply(x, weight, in_hw=out_hw, stride=stride, padding=((pad[0], pad[0]), (pad[1], pad[1])),
                                    dilation=dilation, groups=groups)
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
    k = _window_arg(x, best, kernel, stride, padding, dilation).astype(np.int64)
    kw = kernel[1]
    oh, ow = best.shape[2:]
    rows = np.arange(oh)[:, None] * stride[0] - padding[0][0] + (k // kw) * dilation[0]
    cols = np.arange(ow)[None, :] * stride[1] - padding[1][0] + (k % kw) * dilation[1]
    return rows * x.shape[3] + cols


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
add_spec(OpSpec(name="conv2d_no_bias", arity=2, broadcast=False, smooth=True,
                shapes=lambda rng=None: [(2, 3, 5, 6), (4, 3, 3, 2)],
                call=lambda x, w: conv2d(x, w, stride=(2, 1), padding=1), covers=(Conv2d,)))
add_spec(OpSpec(name="conv_transpose2d_grouped", arity=3, broadcast=False, smooth=True,
                shapes=lambda rng=None: [(2, 4, 3, 2), (4, 1, 3, 2), (2,)],
                call=lambda x, w, b: conv_transpose2d(x, w, b, stride=(2, 1), padding=(1, 0), output_padding=(1, 0),
                                                      groups=2, dilation=(1, 2)),
                covers=(Conv2dBackwardInput,)))
add_spec(OpSpec(name="max_pool2d", arity=1, broadcast=False, smooth=False, distinct=True, shapes=_small_image,
                call=lambda x: max_pool2d(x, 3, stride=2, padding=1), covers=(MaxPool2d,)))
add_spec(OpSpec(name="avg_pool2d", arity=1, broadcast=False, smooth=True, shapes=_small_image,
                call=lambda x: avg_pool2d(x, (2, 3), stride=(1, 2), padding=1, count_include_pad=False),
                covers=(AvgPool2d,)))
add_spec(OpSpec(name="adaptive_avg_pool2d", arity=1, broadcast=False, smooth=True, shapes=_small_image,
                call=lambda x: adaptive_avg_pool2d(x, (3, 4))))
__all__ = ["unfold2d", "fold2d", "conv2d", "conv_transpose2d", "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d",
           "adaptive_max_pool2d"]
