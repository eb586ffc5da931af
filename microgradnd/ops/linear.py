"""The affine map of ``nn.Linear`` as one primitive: y = x Wᵀ + b (``F.linear``).

Composed from ``t``, ``matmul`` and ``add`` it would record three nodes, and the gradient of W with
leading batch dims would be a batched product summed afterwards; fused, the forward is one GEMM plus
an in-place add and each gradient is one GEMM (batch dims folded into the rows).
"""
from __future__ import annotations

import numpy as np

from ..autograd.function import Op
from .linalg import MatMul
from .reduce import Sum
from .registry import register
from .shape import Permute, Reshape


def _linear_shapes(rng):
    lead = [tuple(int(n) for n in rng.integers(1, 4, size=int(rng.integers(0, 3))))]
    n_in, n_out = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    return [lead[0] + (n_in,), (n_out, n_in), (n_out,)]


@register("linear", arity=3, broadcast=False, smooth=True, shapes=_linear_shapes)
class Linear(Op):
    """y = x Wᵀ + b with W (out, in), x (..., in);  dx = g W,  dW = gᵀ x (rows = all leading dims),
    db = Σ_rows g"""

    torch_name = staticmethod(lambda node: _linear_torch_name(node.inputs[0].ndim, node.inputs[2] is not None))

    @staticmethod
    def forward(ctx, x, w, b=None):
        # w.T is a view: BLAS reads it transposed, no copy. np.dot goes to BLAS with less dispatch
        # than np.matmul, but only 1-D/2-D operands keep matmul's meaning (and BLAS) in np.dot
        out = np.dot(x, w.T) if x.ndim <= 2 else np.matmul(x, w.T)
        if b is not None:
            np.add(out, b, out=out)  # into the fresh GEMM output: no temporary
        return out

    @staticmethod
    def backward(ctx, grad):
        x, w, b = ctx.inputs
        need_x, need_w, need_b = ctx.needs_input_grad
        n_out, n_in = w._data.shape
        # One formula for plain backward and create_graph: the products are recorded ops only when
        # grad mode is on. The primitives are applied directly: the public functions' argument
        # checks would be pure overhead (the shapes are known). gᵀx: Permute is a view (np.transpose)
        # and np.matmul hands the transposed operand to BLAS as is (no copy), like x Wᵀ in the forward
        g2 = grad if grad.ndim == 2 else Reshape.apply(grad, shape=(grad._data.size // max(n_out, 1), n_out))
        gx = gw = gb = None
        if need_x:
            gx = MatMul.apply(grad, w)
        if need_w:
            x2 = x if x.ndim == 2 else Reshape.apply(x, shape=(x._data.size // max(n_in, 1), n_in))
            gw = MatMul.apply(Permute.apply(g2, dims=(1, 0)), x2)
        if need_b:
            gb = Sum.apply(g2, dims=(0,), keepdim=False)
        return gx, gw, gb


def _linear_torch_name(ndim, has_bias):
    """PyTorch's grad_fn name for F.linear: addmm / mm for a batch of rows, else the view around it."""
    if ndim == 2:
        return "AddmmBackward0" if has_bias else "MmBackward0"
    if ndim == 1 and not has_bias:
        return "SqueezeBackward4"
    return "ViewBackward0" if has_bias else "UnsafeViewBackward0"


def linear(x, w, b=None):
    """y = x Wᵀ + b as one recorded op (shapes and dtypes are checked by ``nn.functional.linear``)."""
    return Linear.apply(x, w, b)
