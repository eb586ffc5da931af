"""``nn.utils``: gradient clipping, parameter/vector conversion and ``rnn.pad_sequence`` (``torch.nn.utils``)."""
from __future__ import annotations

import math

import numpy as np

from ...autograd.grad_mode import no_grad
from ...tensor import Tensor
from . import rnn  # noqa: F401  (nn.utils.rnn.pad_sequence)

__all__ = ["clip_grad_norm_", "clip_grad_value_", "clip_grads_with_norm_", "get_total_norm", "parameters_to_vector",
           "rnn", "vector_to_parameters"]


def _as_list(parameters):
    if isinstance(parameters, Tensor):
        return [parameters]
    return list(parameters)


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Scale all gradients together so their joint ``norm_type``-norm is at most ``max_norm``.

    Returns the total norm before clipping (a 0-d tensor). The scale is max_norm / (total + 1e-6),
    applied only when it is below 1, exactly as PyTorch does.
    """
    params = _as_list(parameters)
    grads = [p.grad for p in params if p.grad is not None]
    norm_type = float(norm_type)
    if not grads:
        return Tensor._make(np.array(0.0, dtype=np.float32), None)
    dtype = grads[0].dtype
    if math.isinf(norm_type):
        per = [np.max(np.abs(g._data)) if g.numel() else 0.0 for g in grads]
        total = float(np.max(per))
    else:
        per = [np.sum(np.abs(g._data.astype(np.float64)) ** norm_type) ** (1.0 / norm_type) for g in grads]
        total = float(np.sum(np.asarray(per) ** norm_type) ** (1.0 / norm_type))
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so it cannot "
            f"be clipped. To disable this error and scale the gradients by the non-finite norm anyway, set "
            f"`error_if_nonfinite=False`"
        )
    clip_coef = float(max_norm) / (total + 1e-6)
    if clip_coef < 1.0:
        with no_grad():
            for g in grads:
                g.mul_(np.asarray(clip_coef, dtype=g.dtype))
    return Tensor._make(np.asarray(total, dtype=dtype), None)


def _vector_norm(values, p):
    """``torch.linalg.vector_norm`` of a flat float64 array: ord inf/-inf, 0 (the count of non-zeros) or p."""
    if values.size == 0:
        return 0.0
    a = np.abs(values)
    if math.isinf(p):
        return float(a.max() if p > 0 else a.min())
    if p == 0:
        return float(np.count_nonzero(a))
    return float(np.sum(a ** p) ** (1.0 / p))


def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """The ``norm_type``-norm of the per-tensor norms, i.e. the norm of all ``tensors`` concatenated
    (``torch.nn.utils.get_total_norm``; pass the gradients). A 0-d tensor in their promoted dtype."""
    tensors = _as_list(tensors)
    norm_type = float(norm_type)
    if not tensors:
        return Tensor._make(np.array(0.0, dtype=np.float32), None)
    dtype = np.result_type(*[t._data.dtype for t in tensors])
    per = np.array([_vector_norm(t._data.astype(np.float64).ravel(), norm_type) for t in tensors])
    total = _vector_norm(per, norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so it cannot "
            f"be clipped. To disable this error and scale the gradients by the non-finite norm anyway, set "
            f"`error_if_nonfinite=False`"
        )
    return Tensor._make(np.asarray(total, dtype=dtype), None)


def clip_grads_with_norm_(parameters, max_norm, total_norm, foreach=None):
    """Scale every gradient by min(1, max_norm / (total_norm + 1e-6)) in place, with a ``total_norm``
    from ``get_total_norm`` (``torch.nn.utils.clip_grads_with_norm_``)."""
    grads = [p.grad for p in _as_list(parameters) if p.grad is not None]
    if not grads:
        return
    total = float(total_norm.item() if isinstance(total_norm, Tensor) else total_norm)
    coef = min(float(max_norm) / (total + 1e-6), 1.0)
    with no_grad():
        for g in grads:
            g.mul_(np.asarray(coef, dtype=g.dtype))


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient element to [-clip_value, clip_value] in place."""
    clip_value = float(clip_value)
    with no_grad():
        for p in _as_list(parameters):
            if p.grad is not None:
                p.grad.clamp_(-clip_value, clip_value)


def parameters_to_vector(parameters):
    """All parameters flattened and concatenated into one 1-D tensor (in the graph)."""
    from ... import ops

    return ops.cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec, parameters):
    """Copy consecutive slices of ``vec`` into the parameters (in place, under no_grad)."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {type(vec).__name__}")
    offset = 0
    with no_grad():
        for p in parameters:
            n = p.numel()
            p.copy_(vec._data[offset:offset + n].reshape(p.shape))
            offset += n
