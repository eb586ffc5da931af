"""Batch normalisation in training mode as one primitive (speed: the composite records ~10 nodes
whose backward passes make ~25 full-size temporaries; this one makes a handful).

    x̂ = (x - μ) · σ⁻¹,   y = γ·x̂ + β,   μ, σ² = the batch mean and biased variance over ``dims``

    ∂L/∂x = γ·σ⁻¹/n · (n·g - Σg - x̂·Σ(g·x̂)),   ∂L/∂γ = Σ(g·x̂),   ∂L/∂β = Σg

The batch statistics come in as ``mean`` / ``invstd`` keyword arrays (``nn.functional.batch_norm``
needs them anyway for the running averages). The backward evaluates that formula on arrays when it is
not being recorded; under ``create_graph=True`` it evaluates the same formula with Tensor ops, with
μ and σ⁻¹ recomputed from x, so second derivatives are exact.
"""
from __future__ import annotations

import numpy as np

from ..autograd import grad_mode
from ..autograd.function import Op
from .registry import register
from .util import constant


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
        dims, shape = k["dims"], k["mean"].shape
        n = x._data.size // int(np.prod(shape))
        if not grad_mode.is_grad_enabled():  # plain backward: the formula on arrays
            g = grad._data
            xhat = (x._data - k["mean"]) * k["invstd"]
            sum_g = g.sum(axis=dims, keepdims=True)
            sum_gx = (g * xhat).sum(axis=dims, keepdims=True)
            gx = gw = gb = None
            if need_x:
                scale = k["invstd"] / n if w is None else w._data.reshape(shape) * k["invstd"] / n
                gx = constant((g * n - sum_g - xhat * sum_gx) * scale)
            if need_w:
                gw = constant(sum_gx.reshape(-1))
            if need_b:
                gb = constant(sum_g.reshape(-1))
            return gx, gw, gb
        # create_graph: the same formula with Tensor ops, μ and σ⁻¹ recomputed from x
        from .elementwise import rsqrt
        from .reduce import mean as _mean

        mu = _mean(x, dim=dims, keepdim=True)
        centred = x - mu
        invstd = rsqrt(_mean(centred * centred, dim=dims, keepdim=True) + k["eps"])
        xhat = centred * invstd
        sum_g = grad.sum(dim=dims, keepdim=True)
        sum_gx = (grad * xhat).sum(dim=dims, keepdim=True)
        gx = gw = gb = None
        if need_x:
            scale = invstd * (1.0 / n) if w is None else w.reshape(shape) * invstd * (1.0 / n)
            gx = (grad * float(n) - sum_g - xhat * sum_gx) * scale
        if need_w:
            gw = sum_gx.reshape(-1)
        if need_b:
            gb = sum_g.reshape(-1)
        return gx, gw, gb


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
