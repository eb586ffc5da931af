"""Matrix products: ``matmul`` with NumPy/PyTorch semantics for 1-D, 2-D and batched operands."""
from __future__ import annotations

import numpy as np

from ..autograd.function import CROSSED, Op
from ..dtypes import result_type
from .registry import OpSpec, add_spec, register
from .util import Tensor, as_operand


@register("matmul", arity=2, broadcast=False, shapes=lambda rng: _matmul_shapes(rng))
class MatMul(Op):
    """out = a @ b;  d/da = g @ bᵀ, d/db = aᵀ @ g (1-D operands are promoted, batch dims summed back)"""

    saves_inputs = CROSSED

    @staticmethod
    def forward(ctx, a, b):
        return np.matmul(a, b)

    @staticmethod
    def backward(ctx, grad):
        from ..autograd.engine import unbroadcast_to

        a, b = ctx.inputs
        need_a, need_b = ctx.needs_input_grad
        # promote 1-D operands to matrices so one formula covers every case
        a2 = a.reshape(1, a.shape[0]) if a.ndim == 1 else a
        b2 = b.reshape(b.shape[0], 1) if b.ndim == 1 else b
        batch = np.broadcast_shapes(a2.shape[:-2], b2.shape[:-2])
        g2 = grad.reshape(batch + (a2.shape[-2], b2.shape[-1]))
        ga = gb = None
        if need_a:
            ga = unbroadcast_to(g2 @ b2.mT, a2.shape).reshape(a.shape)
        if need_b:
            gb = unbroadcast_to(a2.mT @ g2, b2.shape).reshape(b.shape)
        return ga, gb


def matmul(a, b):
    """Matrix product with broadcasting batch dims (``torch.matmul``, the ``@`` operator)."""
    a, b = as_operand(a, "matmul"), as_operand(b, "matmul")
    if not isinstance(a, Tensor) or not isinstance(b, Tensor) or a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(
            f"matmul: both arguments need to be at least 1-D tensors, got shapes "
            f"{tuple(np.shape(a._data if isinstance(a, Tensor) else a))} and "
            f"{tuple(np.shape(b._data if isinstance(b, Tensor) else b))}"
        )
    k_a = a.shape[-1]
    k_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if k_a != k_b:
        raise RuntimeError(
            f"matmul: shapes {tuple(a.shape)} and {tuple(b.shape)} do not line up: {k_a} != {k_b}"
        )
    if a.ndim > 2 or b.ndim > 2:
        try:
            np.broadcast_shapes(a.shape[:-2] if a.ndim > 1 else (), b.shape[:-2] if b.ndim > 1 else ())
        except ValueError:
            raise RuntimeError(
                f"matmul: batch dimensions of shapes {tuple(a.shape)} and {tuple(b.shape)} are not "
                f"broadcastable"
            ) from None
    if a.dtype != b.dtype:
        dtype = result_type(a, b)
        a, b = a.to(dtype), b.to(dtype)
    return MatMul.apply(a, b)


def mm(a, b):
    """2-D matrix product (``torch.mm``)."""
    if a.ndim != 2 or b.ndim != 2:
        raise RuntimeError(f"mm: both inputs must be matrices, got shapes {tuple(a.shape)} and {tuple(b.shape)}")
    return matmul(a, b)


def bmm(a, b):
    """Batched 3-D matrix product (``torch.bmm``)."""
    if a.ndim != 3 or b.ndim != 3:
        raise RuntimeError(f"bmm: both inputs must be 3-D, got shapes {tuple(a.shape)} and {tuple(b.shape)}")
    return matmul(a, b)


def mv(a, v):
    """Matrix-vector product (``torch.mv``)."""
    return matmul(a, v)


def dot(a, b):
    """Dot product of two 1-D tensors (``torch.dot``)."""
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"dot: 1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    return matmul(a, b)


def outer(a, b):
    """Outer product of two 1-D tensors (``torch.outer``)."""
    return a.reshape(-1, 1) * b.reshape(1, -1)


# ---------------------------------------------------------------------------------------------------
# specs for the generated gradient tests (see ops.registry)


def _matmul_shapes(rng):
    """Operands of every kind matmul takes: 1-D or 2-D or batched, batch dims broadcasting."""
    n, k, m = (int(v) for v in rng.integers(1, 4, size=3))
    batch = tuple(int(b) for b in rng.integers(1, 3, size=int(rng.integers(0, 3))))

    def operand(core):
        kind = rng.integers(3)
        if kind == 0:  # no batch dims
            return core
        b = tuple(1 if rng.random() < 0.4 else s for s in batch)
        return b[int(rng.integers(0, len(b) + 1)):] + core

    a = (k,) if rng.random() < 0.2 else operand((n, k))
    b = (k,) if rng.random() < 0.2 else operand((k, m))
    return [a, b]


add_spec(OpSpec(name="mm", arity=2, broadcast=False, shapes=lambda rng: [(2, 3), (3, 4)], covers=(MatMul,)))
add_spec(OpSpec(name="bmm", arity=2, broadcast=False, shapes=lambda rng: [(2, 1, 3), (2, 3, 2)], covers=(MatMul,)))
add_spec(OpSpec(name="dot", arity=2, broadcast=False, shapes=lambda rng: [(4,), (4,)], covers=(MatMul,)))
add_spec(OpSpec(name="mv", arity=2, broadcast=False, shapes=lambda rng: [(3, 4), (4,)], covers=(MatMul,)))
add_spec(OpSpec(name="outer", arity=2, broadcast=False, shapes=lambda rng: [(3,), (2,)]))
