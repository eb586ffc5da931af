"""Fused loss primitives, where a composite of simpler ops would lose stability.

``binary_cross_entropy`` clamps its logs at -100 like PyTorch; composed from ``log`` and ``clamp``
its gradient at p = 0 or 1 would be 0·∞ = NaN, while PyTorch's is finite. So it is one op here with
PyTorch's backward formula. (Cross-entropy and BCE-with-logits are stable composites of the fused
``log_softmax`` / ``softplus`` primitives; see ``microgradnd.nn.functional``.)
"""
from __future__ import annotations

import numpy as np

from ..autograd.function import Op
from .registry import register

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
