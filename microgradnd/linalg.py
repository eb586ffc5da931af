"""``mg.linalg``: PyTorch's ``torch.linalg`` names, thin doors into ``microgradnd.ops.linalg`` where each
op (forward and backward) lives."""
from __future__ import annotations

from .ops.linalg import LinAlgError, cross as _cross, det, inv, matmul, matrix_norm, matrix_power, multi_dot
from .ops.linalg import linalg_norm as norm
from .ops.linalg import slogdet, solve, vector_norm

__all__ = ["LinAlgError", "cross", "det", "inv", "matmul", "matrix_norm", "matrix_power", "multi_dot", "norm",
           "slogdet", "solve", "vector_norm"]


def cross(input, other, *, dim=-1):
    """Cross product of 3-vectors along ``dim`` (default the last; ``torch.linalg.cross``)."""
    return _cross(input, other, dim=dim)
