"""Batch normalisation in training mode as one primitive (speed: the composite records ~10 nodes
whose backward passes make ~25 full-size temporaries; this one makes a handful).

    x̂ = (x - μ) · σ⁻¹,   y = γ·x̂ + β,   μ, σ² = the batch mean and biased variance over ``dims``

    ∂L/∂x = γ·σ⁻¹/n · (n·g - Σg - x̂·Σ(g·x̂)),   ∂L/∂γ = Σ(g·x̂),   ∂L/∂β = Σg

The batch statistics come in as ``mean`` / ``invstd`` keyword arrays (``nn.functional.batch_norm``
needs them anyway for the running averages). The backward is made of two primitives, as PyTorch's
``batch_norm_backward_reduce`` / ``batch_norm_backward_elemt`` (ops here have one output):
``BatchNormBackwardReduce`` gives S = (Σ g·x̂, Σg) per channel, which are ∂L/∂γ and ∂L/∂β, and
``BatchNormBackwardElemt`` gives ∂L/∂x from g, x, γ and S. Each evaluates its formula once, on arrays,
and has a backward written with Tensor ops (μ and σ⁻¹ recomputed from x), so ``create_graph=True``
gives exact higher derivatives.
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

    torch_name = "NativeBatchNormBackward0"  # grad_fn.name() as PyTorch's

    @staticmethod
    def forward(ctx, x, weight=None, bias=None, dims=(), mean=None, invstd=None, eps=1e-5):
        mean, invstd = _array_stats(x, dims, mean, invstd, eps)
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
        dims = k["dims"]
        if not (need_x or need_w):
            return None, None, grad.sum(dim=dims, keepdim=True).reshape(-1)
        stats = {"dims": dims, "mean": k["mean"], "invstd": k["invstd"], "eps": k["eps"]}
        sums = BatchNormBackwardReduce.apply(grad, x, **stats)  # (Σ g·x̂, Σg), keepdim, stacked
        gx = BatchNormBackwardElemt.apply(grad, x, w, sums, **stats) if need_x else None
        gw = sums[0].reshape(-1) if need_w else None
        gb = sums[1].reshape(-1) if need_b else None
        return gx, gw, gb


def _bn_dims(ndim):
    return (0,) + tuple(range(2, ndim))


def _bn_stats(k):
    """The statistics keyword arguments of a backward primitive, to pass on (None: from x)."""
    return {"dims": k["dims"], "mean": k.get("mean"), "invstd": k.get("invstd"), "eps": k.get("eps", 1e-5)}


def _bn_tensor_stats(x, dims, eps):
    """σ⁻¹ and x̂ of x with Tensor ops (recorded under create_graph: exact higher derivatives)."""
    from .elementwise import rsqrt
    from .reduce import mean as _mean

    centred = x - _mean(x, dim=dims, keepdim=True)
    invstd = rsqrt(_mean(centred * centred, dim=dims, keepdim=True) + eps)
    return invstd, centred * invstd


def _normalized_vjp(v, x, stats):
    """N(v) = σ⁻¹·(v - ⟨v⟩ - x̂·⟨v·x̂⟩): the vjp of x̂ w.r.t. x for the upstream v, as primitives."""
    return BatchNormBackwardElemt.apply(v, x, None, BatchNormBackwardReduce.apply(v, x, **stats), **stats)


def _array_stats(x, dims, mean, invstd, eps):
    if mean is None:
        mean, _, invstd = batch_stats(x, dims, eps)
    return mean, invstd


@register("batch_norm_train_backward_reduce", arity=2, broadcast=False, smooth=True,
          shapes=lambda rng: [_bn_shapes(rng)[0]] * 2,
          call=lambda g, x: BatchNormBackwardReduce.apply(g, x, dims=_bn_dims(x.ndim), eps=1e-5))
class BatchNormBackwardReduce(Op):
    """S = (Σ g·x̂, Σ g) over ``dims``, stacked on a new leading axis (each keepdim): ∂L/∂γ and ∂L/∂β of
    batch norm (PyTorch's ``batch_norm_backward_reduce``). ``mean``/``invstd``: the batch statistics
    of x (computed from x when None). vjp for the upstream (r₁, r₂): ∂g = r₁·x̂ + r₂, ∂x = r₁·N(g) with
    N(v) = σ⁻¹·(v - ⟨v⟩ - x̂·⟨v·x̂⟩) the vjp of x̂."""

    @staticmethod
    def forward(ctx, grad, x, dims=(), mean=None, invstd=None, eps=1e-5):
        mean, invstd = _array_stats(x, dims, mean, invstd, eps)
        out = np.empty((2,) + mean.shape, dtype=np.result_type(grad, x))
        gxhat = x - mean
        gxhat *= invstd
        gxhat *= grad
        np.sum(gxhat, axis=dims, keepdims=True, out=out[0])
        np.sum(grad, axis=dims, keepdims=True, out=out[1])
        return out

    @staticmethod
    def backward(ctx, r):
        grad, x = ctx.inputs
        need_g, need_x = ctx.needs_input_grad
        stats = _bn_stats(ctx.kwargs)
        r1, r2 = r[0], r[1]
        gg = gx = None
        if need_g:
            # x̂ as batch norm without γ, β: a recorded function of x under create_graph
            gg = BatchNormTrain.apply(x, None, None, **stats) * r1 + r2
        if need_x:
            gx = _normalized_vjp(grad, x, stats) * r1
        return gg, gx


@register("batch_norm_train_backward_elemt", arity=4, broadcast=False, smooth=True,
          shapes=lambda rng: (lambda s: [s[0], s[0], s[1], (2,) + tuple(1 if d in _bn_dims(len(s[0])) else n
                                                                       for d, n in enumerate(s[0]))])(_bn_shapes(rng)),
          call=lambda g, x, w, S: BatchNormBackwardElemt.apply(g, x, w, S, dims=_bn_dims(x.ndim), eps=1e-5))
class BatchNormBackwardElemt(Op):
    """∂L/∂x of training-mode batch norm: gx = γ·σ⁻¹/n·(n·g - S₂ - x̂·S₁) with S = (Σ g·x̂, Σ g) from
    ``BatchNormBackwardReduce`` and n the count per channel (PyTorch's ``batch_norm_backward_elemt``);
    γ may be None. vjp for the upstream u: ∂g = γ·σ⁻¹·u, ∂γ = Σ u·σ⁻¹/n·(n·g - S₂ - x̂·S₁),
    ∂S₁ = -Σ γ·σ⁻¹·x̂·u/n, ∂S₂ = -Σ γ·σ⁻¹·u/n, ∂x = -γ·σ⁻¹/n·(P·σ⁻¹·x̂/n + S₁·N(u)) with
    P = Σ u·(n·g - S₂ - x̂·S₁) (from dx̂ = N(dx), dσ⁻¹ = -σ⁻²·⟨x̂·dx⟩)."""

    @staticmethod
    def forward(ctx, grad, x, weight=None, sums=None, dims=(), mean=None, invstd=None, eps=1e-5):
        mean, invstd = _array_stats(x, dims, mean, invstd, eps)
        shape = mean.shape
        n = x.size // int(np.prod(shape))
        scale = invstd / n if weight is None else weight.reshape(shape) * invstd / n
        # g·(n·scale) - x̂·(S₁·scale) - S₂·scale: the per-channel products first, three full passes
        xhat = x - mean
        xhat *= invstd * (sums[0] * scale)
        out = grad * (scale * n)
        out -= xhat
        out -= sums[1] * scale
        return out

    @staticmethod
    def backward(ctx, u):
        from .shape import stack

        grad, x, w, sums = ctx.inputs
        need_g, need_x, need_w, need_s = ctx.needs_input_grad
        stats = _bn_stats(ctx.kwargs)
        dims = stats["dims"]
        shape = tuple(1 if d in dims else s for d, s in enumerate(x.shape))
        n = float(x.numel() // int(np.prod(shape)))
        invstd, xhat = _bn_tensor_stats(x, dims, stats["eps"])
        s1, s2 = sums[0], sums[1]
        gamma_invstd = invstd if w is None else w.reshape(shape) * invstd
        gg = gx = gw = gs = None
        if need_g:
            gg = gamma_invstd * u
        if need_w or need_x:
            inner = grad * n - s2 - xhat * s1  # n·g - S₂ - x̂·S₁
        if need_w:
            gw = (u * inner * invstd).sum(dim=dims, keepdim=True).reshape(-1) * (1.0 / n)
        if need_s:
            gu = gamma_invstd * u * (-1.0 / n)
            gs = stack([(gu * xhat).sum(dim=dims, keepdim=True), gu.sum(dim=dims, keepdim=True)])
        if need_x:
            p = (u * inner).sum(dim=dims, keepdim=True)
            gx = gamma_invstd * (-1.0 / n) * (p * invstd * xhat * (1.0 / n) + s1 * _normalized_vjp(u, x, stats))
        return gg, gx, gw, gs


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
