"""Batch normalisation in training mode as one primitive (speed: the composite records ~10 nodes
whose backward passes make ~25 full-size temporaries; this one makes a handful).

    x̂ = (x - μ) · σ⁻¹,   y = γ·x̂ + β,   μ, σ² = the batch mean and biased variance over ``dims``

    ∂L/∂x = γ·σ⁻¹/n · (n·g - Σg - x̂·Σ(g·x̂)),   ∂L/∂γ = Σ(g·x̂),   ∂L/∂β = Σg

The batch statistics come in as ``mean`` / ``invstd`` keyword arrays (``nn.functional.batch_norm``
needs them anyway for the running averages). ∂L/∂x is itself a primitive, ``BatchNormBackward`` (as
PyTorch's ``native_batch_norm_backward``): the formula evaluated once, on arrays, and a backward written
with Tensor ops (μ and σ⁻¹ recomputed from x), so ``create_graph=True`` gives exact second derivatives.
∂L/∂γ = Σ(g·x̂) takes x̂ from ``BatchNormTrain`` itself without the affine part (whose backward is
``BatchNormBackward``), ∂L/∂β = Σg is a sum: ops are single-output, so those two are not fused into it.
"""
from __future__ import annotations

import numpy as np

from ..autograd.function import Op
from .registry import register


def _bn_shapes(rng):
    n, c = int(rng.integers(2, 5)), int(rng.integers(1, 4))
    spatial = tuple(int(s) for s in rng.integers(1, 3, size=int(rng.integers(0, 3))))
    return [(n, c) + spatial, (c,), (c,)]


@register("batch_norm_train", arity=3, broadcast=False, smooth=True, shapes=_bn_shapes,
          call=lambda x, w, b: batch_norm_train(x, w, b, 1e-5))
class BatchNormTrain(Op):
    """y = γ·(x - μ)·σ⁻¹ + β with the batch's μ, σ (see the module doc for the backward formula)"""

    @staticmethod
    def forward(ctx, x, weight=None, bias=None, dims=(), mean=None, invstd=None, eps=1e-5):
        out = (x - mean) * invstd
        shape = mean.shape
        if weight is not None:
            out *= weight.reshape(shape)
        if bias is not None:
            out += bias.reshape(shape)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, w, b = ctx.inputs
        need_x, need_w, need_b = ctx.needs_input_grad
        k = ctx.kwargs
        dims, mean, invstd, eps = k["dims"], k["mean"], k["invstd"], k["eps"]
        gx = gw = gb = None
        if need_x:
            gx = BatchNormBackward.apply(grad, x, w, dims=dims, mean=mean, invstd=invstd, eps=eps)
        if need_w:
            # x̂ as this op without γ, β: a recorded function of x under create_graph (μ, σ⁻¹ included)
            xhat = BatchNormTrain.apply(x, None, None, dims=dims, mean=mean, invstd=invstd, eps=eps)
            gw = (grad * xhat).sum(dim=dims, keepdim=True).reshape(-1)
        if need_b:
            gb = grad.sum(dim=dims, keepdim=True).reshape(-1)
        return gx, gw, gb


def _bn_dims(ndim):
    return (0,) + tuple(range(2, ndim))


@register("batch_norm_backward", arity=3, broadcast=False, smooth=True,
          shapes=lambda rng: (lambda s: [s[0], s[0], s[1]])(_bn_shapes(rng)),
          call=lambda g, x, w: BatchNormBackward.apply(g, x, w, dims=_bn_dims(x.ndim), eps=1e-5))
class BatchNormBackward(Op):
    """∂L/∂x of training-mode batch norm from the upstream g, the input x and γ (or None):
    gx = γ·σ⁻¹·(g - ⟨g⟩ - x̂·⟨g·x̂⟩) with ⟨·⟩ the mean over ``dims`` (PyTorch's
    ``native_batch_norm_backward``, input part). ``mean``/``invstd``: the batch statistics of x
    (computed from x when None).

    vjp for the upstream u, with N(v) = σ⁻¹·(v - ⟨v⟩ - x̂·⟨v·x̂⟩) (this op with γ = 1, symmetric in
    its first argument) and h = N(g):  ∂g = γ·N(u),  ∂γ = Σ u·h,
    ∂x = -γ·σ⁻¹·(⟨u·h⟩·x̂ + ⟨g·x̂⟩·N(u) + ⟨u·x̂⟩·h)   (from dx̂ = N(dx), dσ⁻¹ = -σ⁻²·⟨x̂·dx⟩)."""

    @staticmethod
    def forward(ctx, grad, x, weight=None, dims=(), mean=None, invstd=None, eps=1e-5):
        if mean is None:
            mean, _, invstd = batch_stats(x, dims, eps)
        shape = mean.shape
        n = x.size // int(np.prod(shape))
        xhat = (x - mean) * invstd
        sum_g = grad.sum(axis=dims, keepdims=True)
        sum_gx = (grad * xhat).sum(axis=dims, keepdims=True)
        scale = invstd / n if weight is None else weight.reshape(shape) * invstd / n
        return (grad * n - sum_g - xhat * sum_gx) * scale

    @staticmethod
    def backward(ctx, u):
        from .elementwise import rsqrt
        from .reduce import mean as _mean

        grad, x, w = ctx.inputs
        need_g, need_x, need_w = ctx.needs_input_grad
        k = ctx.kwargs
        dims = k["dims"]
        stats = {"dims": dims, "mean": k.get("mean"), "invstd": k.get("invstd"), "eps": k.get("eps", 1e-5)}
        shape = tuple(1 if d in dims else s for d, s in enumerate(x.shape))
        gg = gx = gw = None
        if need_g:
            gg = BatchNormBackward.apply(u, x, w, **stats)
        if need_x or need_w:
            h = BatchNormBackward.apply(grad, x, None, **stats)
        if need_w:
            gw = (u * h).sum(dim=dims, keepdim=True).reshape(-1)
        if need_x:
            # μ, σ⁻¹ and x̂ recomputed from x with Tensor ops: recorded for higher derivatives
            centred = x - _mean(x, dim=dims, keepdim=True)
            invstd = rsqrt(_mean(centred * centred, dim=dims, keepdim=True) + stats["eps"])
            xhat = centred * invstd
            gx = -(invstd * (_mean(u * h, dim=dims, keepdim=True) * xhat
                             + _mean(grad * xhat, dim=dims, keepdim=True) * BatchNormBackward.apply(u, x, None, **stats)
                             + _mean(u * xhat, dim=dims, keepdim=True) * h))
            if w is not None:
                gx = gx * w.reshape(shape)
        return gg, gx, gw


def batch_stats(x, dims, eps):
    """(mean, biased variance, 1/√(var + eps)) over ``dims`` as keepdim arrays in x's dtype."""
    with np.errstate(all="ignore"):  # inf/nan inputs give nan statistics without a NumPy warning
        mean = x.mean(axis=dims, keepdims=True)
        centred = x - mean
        var = (centred * centred).mean(axis=dims, keepdims=True)
        invstd = (1.0 / np.sqrt(var + eps)).astype(x.dtype, copy=False)
    return mean.astype(x.dtype, copy=False), var.astype(x.dtype, copy=False), invstd


def batch_norm_train(x, weight, bias, eps, dims=None, stats=None):
    """Normalise ``x`` (N, C, ...) per channel with its own batch statistics, then scale and shift."""
    if dims is None:
        dims = (0,) + tuple(range(2, x.ndim))
    if stats is None:
        stats = batch_stats(x._data, dims, eps)
    mean, _, invstd = stats
    return BatchNormTrain.apply(x, weight, bias, dims=tuple(dims), mean=mean, invstd=invstd, eps=eps)


__all__ = ["BatchNormTrain", "batch_norm_train", "batch_stats"]
