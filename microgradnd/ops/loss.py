"""Fused loss primitives, where a composite of simpler ops would lose stability.

``binary_cross_entropy`` clamps its logs at -100 like PyTorch; composed from ``log`` and ``clamp``
its gradient at p = 0 or 1 would be 0·∞ = NaN, while PyTorch's is finite. So it is one op here with
PyTorch's backward formula. (BCE-with-logits is a stable composite of the fused ``softplus``
primitive; see ``microgradnd.nn.functional``.)

``cross_entropy`` with class-index targets and ``nll_loss`` are one op each (speed: the composite
log_softmax → one-hot ``where`` → sum → weight → reduce records five nodes, and its backward runs
as many full passes over the logits). ``CrossEntropy`` does the stable log-softmax and the gather in
one pass and keeps the softmax for its backward, g·(softmax − onehot)·w/Σw. Each backward is itself a
primitive, as PyTorch's ``nll_loss_backward`` / ``_log_softmax_backward_data``: ``CrossEntropyBackward``
and ``NLLLossBackward`` evaluate that formula once, on arrays, and their own backwards are written with
Tensor ops, so ``create_graph=True`` goes through them and second derivatives are exact.
"""
from __future__ import annotations

import math

import numpy as np

from ..autograd.function import Op
from .registry import register
from .util import constant

_EPS = 1e-12


@register("binary_cross_entropy", arity=2, broadcast=False, smooth=True, domain=(0.05, 0.95))
class BinaryCrossEntropy(Op):
    """ℓ = -(t·max(ln p, -100) + (1 - t)·max(ln(1 - p), -100)) elementwise;
    ∂ℓ/∂p = (p - t) / max(p(1 - p), 1e-12),  ∂ℓ/∂t = max(ln(1 - p), -100) - max(ln p, -100)"""

    @staticmethod
    def forward(ctx, p, t):
        with np.errstate(divide="ignore", invalid="ignore"):
            log_p = np.maximum(np.log(p), -100)
            log_1mp = np.maximum(np.log1p(-p), -100)
        return (-(t * log_p + (1 - t) * log_1mp)).astype(p.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        from .elementwise import clamp, log

        p, t = ctx.inputs
        need_p, need_t = ctx.needs_input_grad
        gp = gt = None
        if need_p:
            gp = grad * (p - t) / clamp(p * (1.0 - p), min=_EPS)
        if need_t:
            gt = grad * (clamp(log(1.0 - p), min=-100.0) - clamp(log(p), min=-100.0))
        return gp, gt


def binary_cross_entropy_elementwise(p, t):
    """-(t·ln p + (1-t)·ln(1-p)) per element, logs clamped at -100 (no reduction)."""
    return BinaryCrossEntropy.apply(p, t)


# ---------------------------------------------------------------------------------------------------
# cross-entropy and NLL with class-index targets
#
# Shared conventions: ``dim`` is the class dim (1, or 0 for an unbatched (C,) input); ``target`` is the
# int64 class of each sample with ignored samples mapped to class 0; ``weight`` is None (every sample
# counts 1) or the per-sample weight w[target] in the input's dtype, 0 for ignored samples; ``ignored``
# is None or the mask of the samples whose target is ``ignore_index``: their loss and gradient are
# exactly 0, as PyTorch skips them (0·inf or 0·nan must not leak in). Per-sample arrays have the
# target's shape with a 1 inserted at ``dim`` ("keep" shape), so they broadcast against the input.


_max_reduce = np.maximum.reduce  # ufunc.reduce directly: np.max / np.sum add microseconds of dispatch
_add_reduce = np.add.reduce


def _keep(a, dim):
    """A per-sample array (target shape) in the keep shape: a 1 inserted at the class dim."""
    return np.expand_dims(a, dim)


def _flat_index(x, t_keep, dim):
    """For the common (N, C) case, where each sample's target sits in ``x.ravel()``; else None."""
    if x.ndim == 2 and dim == 1:
        return t_keep[:, 0] + np.arange(0, x.size, x.shape[1])
    return None


def _gather(x, t_keep, dim, flat):
    """x at each sample's target class, in the keep shape (``flat``: see ``_flat_index``)."""
    if flat is not None:  # one flat take: no index broadcasting
        return x.reshape(-1)[flat].reshape(t_keep.shape)
    return np.take_along_axis(x, t_keep, axis=dim)


def _subtract_at_target(gx, t_keep, dim, flat, values):
    """gx[sample, target] -= values (keep shape, or a 0-d array), in place."""
    if flat is not None:
        gx.reshape(-1)[flat] -= values.reshape(-1) if values.ndim else values
    else:
        np.put_along_axis(gx, t_keep, np.take_along_axis(gx, t_keep, axis=dim) - values, axis=dim)


def _onehot(t_keep, shape, dim, dtype):
    classes = np.arange(shape[dim]).reshape((-1,) + (1,) * (len(shape) - dim - 1))
    return (t_keep == classes).astype(dtype)


def _denominator(weight, n, dtype):
    """What a ``'mean'`` reduction divides by: Σ w (or the sample count ``n``), in ``dtype``."""
    return dtype.type(weight.sum(dtype=dtype) if weight is not None else n)


def _reduce_losses(losses, weight, ignored, dim, reduction, dtype):
    """Per-sample losses (keep shape, unweighted) weighted, masked and reduced like PyTorch's nll_loss."""
    if weight is not None:
        losses *= weight
    if ignored is not None:
        losses[ignored] = 0
    if reduction == "none":
        return np.squeeze(losses, axis=dim)
    total = _add_reduce(losses, axis=None, dtype=dtype)
    if reduction == "sum":
        return np.asarray(total)
    return np.asarray(total / _denominator(weight, losses.size, dtype))  # 0/0 = nan, as PyTorch


def _sample_coef(weight, ignored, reduction, dtype, n):
    """w (or 1) per sample, ÷ Σw for 'mean', 0 where ignored: ∂(reduced loss)/∂(per-sample loss)."""
    coef = np.ones((), dtype) if weight is None else weight
    if reduction == "mean":
        coef = coef / _denominator(weight, n, dtype)
    if ignored is not None:
        coef = np.where(ignored, 0, coef).astype(dtype, copy=False)
    return coef


def _sample_scale(g, weight, ignored, dim, reduction, dtype, n):
    """The upstream gradient array ``g`` per sample (keep shape): g·coef (see ``_sample_coef``)."""
    if reduction == "none":
        g = _keep(g, dim)
    if weight is None and ignored is None:  # the common case: no per-sample array
        return g / dtype.type(n) if reduction == "mean" else g
    scale = g * _sample_coef(weight, ignored, reduction, dtype, n)
    if ignored is not None:
        scale[np.broadcast_to(ignored, scale.shape)] = 0  # also where g is inf or nan
    return scale


def _sample_scale_tensor(grad, k, dtype, n):
    """``_sample_scale`` with Tensor ops (recorded: the upstream gradient may itself require grad);
    ``k``: the backward primitive's keyword arguments."""
    from .elementwise import where

    dim, ignored = k["dim"], k["ignored"]
    if k["reduction"] == "none":
        grad = grad.unsqueeze(dim)
    scale = grad * constant(_sample_coef(k["weight"], ignored, k["reduction"], dtype, n))
    if ignored is not None:  # exactly 0, also where g is inf or nan (as the array formula)
        scale = where(np.broadcast_to(ignored, scale.shape), constant(np.zeros((), dtype)), scale)
    return scale


def _sample_contract(d, k):
    """Σ of a per-class product ``d`` (x-shaped) back to the upstream gradient's shape: over the class
    dim for reduction 'none', over everything for a reduced loss."""
    return d.sum(dim=k["dim"]) if k["reduction"] == "none" else d.sum()


def _ce_nll_sample(rng):
    """(N, C) / (C,) / (N, C, d) logits and kwargs of the fused losses, some samples ignored."""
    c = int(rng.integers(1, 4))
    kind = int(rng.integers(3))
    shape = (c,) if kind == 0 else (int(rng.integers(1, 4)), c) if kind == 1 else \
        (int(rng.integers(1, 3)), c, int(rng.integers(1, 3)))
    dim = 0 if len(shape) == 1 else 1
    t_shape = shape[:dim] + shape[dim + 1:]
    target = rng.integers(0, c, size=t_shape).astype(np.int64)
    weight = (rng.random(t_shape) + 0.5) if rng.random() < 0.5 else None
    ignored = None
    if rng.random() < 0.5:  # ignore some samples, never all (a 'mean' of nothing is nan)
        ignored = rng.random(t_shape) < 0.4
        ignored.flat[0] = False
        weight = np.where(ignored, 0.0, 1.0 if weight is None else weight)
    reduction = ("mean", "sum", "none")[int(rng.integers(3))]
    return [shape], {"target": target, "weight": weight, "ignored": ignored, "reduction": reduction}


def _ce_nll_call(op):
    def call(*tensors, target, weight, ignored, reduction, **extra):
        x = tensors[-1]  # the logits (the backward primitives take the upstream gradient first)
        ndim = len(extra["shape"]) if "shape" in extra else x.ndim
        dim = 0 if ndim == 1 else 1
        w = None if weight is None else _keep(np.asarray(weight, dtype=x.dtype), dim)
        ign = None if ignored is None else _keep(ignored, dim)
        return op.apply(*tensors, target=_keep(target, dim), weight=w, ignored=ign, dim=dim,
                        reduction=reduction, **extra)

    return call


def _ce_nll_backward_sample(rng, with_logits):
    """Upstream gradient (and logits) shapes and kwargs for the backward primitives."""
    (shape,), kwargs = _ce_nll_sample(rng)
    dim = 0 if len(shape) == 1 else 1
    g_shape = shape[:dim] + shape[dim + 1:] if kwargs["reduction"] == "none" else ()
    if with_logits:
        return [g_shape, shape], kwargs
    return [g_shape], dict(kwargs, shape=shape)


def _ce_forward(ctx, x, m, target, weight, ignored, dim, reduction):
    """The reduced cross-entropy with the row maxima ``m`` as the shift; keeps the softmax on ``ctx``."""
    shifted = x - m
    e = np.exp(shifted)
    s = _add_reduce(e, axis=dim, keepdims=True)
    losses = np.log(s)
    flat = _flat_index(x, target, dim)
    losses -= _gather(shifted, target, dim, flat)  # -log_softmax(x) at the target
    e /= s
    ctx.softmax, ctx.flat = e, flat  # what a plain backward needs; released with the node
    return _reduce_losses(losses, weight, ignored, dim, reduction, x.dtype)


@register("cross_entropy_class", arity=1, sample=_ce_nll_sample,
          call=lambda x, **kw: _ce_nll_call(CrossEntropy)(x, **kw))
class CrossEntropy(Op):
    """ℓᵢ = wᵢ·(logsumexp(xᵢ) − xᵢ,tᵢ) with class-index targets, reduced by mean (÷ Σw) / sum / none;
    ∂ℓ/∂x = ĝᵢ·wᵢ·(softmax(xᵢ) − onehot(tᵢ)) where ĝ is the upstream gradient (÷ Σw for 'mean').

    ``target`` (keep shape, int64), ``weight`` and ``ignored`` (keep shape or None), ``dim`` and
    ``reduction`` are keyword arguments (see the section comment above)."""

    torch_name = "NllLossBackward0"  # grad_fn.name() as PyTorch's (its cross-entropy ends in nll_loss)

    @staticmethod
    def forward(ctx, x, target=None, weight=None, ignored=None, dim=1, reduction="mean"):
        m = _max_reduce(x, axis=dim, keepdims=True)
        out = _ce_forward(ctx, x, m, target, weight, ignored, dim, reduction)
        if reduction == "none" or not math.isfinite(out):
            finite = np.isfinite(m)
            if not finite.all():  # rows holding ±inf: shift them by 0 instead, as log_softmax does
                out = _ce_forward(ctx, x, np.where(finite, m, 0).astype(x.dtype), target, weight, ignored,
                                  dim, reduction)
        return out

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.inputs
        k = ctx.kwargs
        # the softmax kept by the forward is softmax(x) of this very x (in-place changes are caught)
        return CrossEntropyBackward.apply(grad, x, softmax=ctx.softmax, flat=ctx.flat, target=k["target"],
                                          weight=k["weight"], ignored=k["ignored"], dim=k["dim"],
                                          reduction=k["reduction"])


@register("cross_entropy_backward", arity=2, sample=lambda rng: _ce_nll_backward_sample(rng, True),
          call=lambda g, x, **kw: _ce_nll_call(CrossEntropyBackward)(g, x, **kw))
class CrossEntropyBackward(Op):
    """∂ℓ/∂x of the class-index cross-entropy from the upstream gradient g and the logits x:
    gxᵢ = ĝᵢ·(pᵢ − onehot(tᵢ)) with p = softmax(x), ĝᵢ = gᵢ·wᵢ (÷ Σw for 'mean', 0 where ignored).
    Linear in g; vjp for the upstream u (x-shaped): ∂g = Σ_classes u·(p − onehot)·w (÷ Σw),
    ∂x = ĝ·p·(u − Σ_classes u·p) (the softmax Hessian).

    ``softmax`` (optional): softmax(x) already computed by the forward (recomputed from x if None);
    ``flat``: see ``_flat_index``; the other keyword arguments as ``CrossEntropy``."""

    @staticmethod
    def forward(ctx, grad, x, softmax=None, flat=None, target=None, weight=None, ignored=None, dim=1,
                reduction="mean"):
        if softmax is None:
            from .reduce import Softmax

            softmax = Softmax.forward(ctx, x, dim=dim)
            flat = _flat_index(x, target, dim)
        scale = _sample_scale(grad, weight, ignored, dim, reduction, x.dtype, target.size)
        gx = softmax * scale
        _subtract_at_target(gx, target, dim, flat, scale)
        return gx

    @staticmethod
    def backward(ctx, gg):
        from .reduce import Softmax

        grad, x = ctx.inputs
        need_g, need_x = ctx.needs_input_grad
        k = ctx.kwargs
        dtype, dim, t = x._data.dtype, k["dim"], k["target"]
        n = t.size
        p = Softmax.apply(x, dim=dim)  # recorded when x requires grad: exact higher derivatives
        ggrad = gx = None
        if need_g:
            coef = constant(_sample_coef(k["weight"], k["ignored"], k["reduction"], dtype, n))
            ggrad = _sample_contract(gg * (p - constant(_onehot(t, x.shape, dim, dtype))) * coef, k)
        if need_x:
            gx = _sample_scale_tensor(grad, k, dtype, n) * p * (gg - (gg * p).sum(dim=dim, keepdim=True))
        return ggrad, gx


@register("nll_loss_class", arity=1, sample=_ce_nll_sample,
          call=lambda x, **kw: _ce_nll_call(NLLLoss)(x, **kw))
class NLLLoss(Op):
    """ℓᵢ = −wᵢ·xᵢ,tᵢ from log-probabilities, reduced by mean (÷ Σw) / sum / none;
    ∂ℓ/∂x = −ĝᵢ·wᵢ·onehot(tᵢ) (keyword arrays as ``CrossEntropy``)."""

    saves_inputs = False  # the gradient does not depend on x

    @staticmethod
    def forward(ctx, x, target=None, weight=None, ignored=None, dim=1, reduction="mean"):
        losses = -_gather(x, target, dim, _flat_index(x, target, dim))
        return _reduce_losses(losses, weight, ignored, dim, reduction, x.dtype)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.inputs
        k = ctx.kwargs
        return NLLLossBackward.apply(grad, shape=x.shape, dtype=x._data.dtype, target=k["target"],
                                     weight=k["weight"], ignored=k["ignored"], dim=k["dim"],
                                     reduction=k["reduction"])


@register("nll_loss_backward", arity=1, sample=lambda rng: _ce_nll_backward_sample(rng, False),
          call=lambda g, **kw: _ce_nll_call(NLLLossBackward)(g, **kw))
class NLLLossBackward(Op):
    """∂ℓ/∂x of the NLL loss (x of ``shape``): gx = −ĝᵢ·onehot(tᵢ), ĝ as in ``CrossEntropyBackward``
    (PyTorch's ``nll_loss_backward``). Linear in g; vjp for the upstream u: ∂g = −Σ_classes u·onehot·w
    (÷ Σw for 'mean')."""

    saves_inputs = False

    @staticmethod
    def forward(ctx, grad, shape=(), dtype=None, target=None, weight=None, ignored=None, dim=1, reduction="mean"):
        dtype = np.dtype(dtype or grad.dtype)
        gx = np.zeros(shape, dtype=dtype)
        _subtract_at_target(gx, target, dim, _flat_index(gx, target, dim),
                            _sample_scale(grad, weight, ignored, dim, reduction, dtype, target.size))
        return gx

    @staticmethod
    def backward(ctx, gg):
        k = ctx.kwargs
        dtype, t = np.dtype(k.get("dtype") or gg._data.dtype), k["target"]
        coef = _sample_coef(k["weight"], k["ignored"], k["reduction"], dtype, t.size)
        return _sample_contract(gg * constant(-_onehot(t, k["shape"], k["dim"], dtype) * coef), k)


def cross_entropy_class(x, target, weight, ignored, dim, reduction):
    """The fused class-index cross-entropy (arguments prepared and checked by ``F.cross_entropy``)."""
    return CrossEntropy.apply(x, target=target, weight=weight, ignored=ignored, dim=dim, reduction=reduction)


def nll_loss_class(x, target, weight, ignored, dim, reduction):
    """The fused NLL of log-probabilities (arguments prepared and checked by ``F.nll_loss``)."""
    return NLLLoss.apply(x, target=target, weight=weight, ignored=ignored, dim=dim, reduction=reduction)
