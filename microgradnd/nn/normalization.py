"""Normalisation layers: ``BatchNorm1d``, ``BatchNorm2d`` (running statistics as buffers) and ``LayerNorm``."""
from __future__ import annotations

import numpy as np

from .. import dtypes as _dt
from ..autograd.grad_mode import no_grad
from ..tensor import Tensor
from . import functional as F
from .module import Module
from .parameter import Parameter


class _BatchNorm(Module):
    """Shared body of BatchNorm1d/2d (PyTorch's ``_BatchNorm``): weight 1, bias 0, running_mean 0,
    running_var 1, num_batches_tracked 0 (int64). ``momentum=None`` is the cumulative average."""

    _expected_dims: tuple = ()
    _version = 2

    def _may_be_absent(self, name, state_dict, prefix):
        # checkpoints older than format version 2 (or plain dicts) have no num_batches_tracked; PyTorch
        # keeps the current counter for them
        if name != "num_batches_tracked":
            return False
        metadata = getattr(state_dict, "_metadata", None)
        version = metadata.get(prefix[:-1], {}).get("version") if metadata is not None else None
        return version is None or version < 2

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True,
                 device=None, dtype=None, *, bias=True):
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        self._has_bias = bias
        dtype = _dt.to_dtype(dtype) or _dt.get_default_dtype()
        if affine:
            self.weight = Parameter(Tensor._make(np.ones(num_features, dtype=dtype), None))
            if bias:
                self.bias = Parameter(Tensor._make(np.zeros(num_features, dtype=dtype), None))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", Tensor._make(np.zeros(num_features, dtype=dtype), None))
            self.register_buffer("running_var", Tensor._make(np.ones(num_features, dtype=dtype), None))
            self.register_buffer("num_batches_tracked", Tensor._make(np.array(0, dtype=np.int64), None))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self):
        if self.track_running_stats:
            with no_grad():
                self.running_mean.zero_()
                self.running_var.fill_(1)
                self.num_batches_tracked.zero_()

    def reset_parameters(self):
        self.reset_running_stats()
        if self.affine:
            with no_grad():
                self.weight.fill_(1)
                if self.bias is not None:
                    self.bias.zero_()

    def _check_input_dim(self, input):
        if input.ndim not in self._expected_dims:
            names = " or ".join(f"{d}D" for d in self._expected_dims)
            raise ValueError(f"expected {names} input (got {input.ndim}D input)")

    def forward(self, input):
        self._check_input_dim(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            with no_grad():
                self.num_batches_tracked.add_(1)
            if self.momentum is None:
                factor = 1.0 / float(self.num_batches_tracked.item())
        use_batch_stats = self.training or (self.running_mean is None and self.running_var is None)
        keep = not self.training or self.track_running_stats
        return F.batch_norm(input, self.running_mean if keep else None, self.running_var if keep else None,
                            self.weight, self.bias, use_batch_stats, factor, self.eps)

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.affine and self._has_bias}, track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch normalisation over (N, C) or (N, C, L) input, per channel C (``torch.nn.BatchNorm1d``)."""

    _expected_dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalisation over (N, C, H, W) input, per channel C (``torch.nn.BatchNorm2d``)."""

    _expected_dims = (4,)


class LayerNorm(Module):
    """Normalise over the trailing ``normalized_shape`` dims, then scale and shift (``torch.nn.LayerNorm``)."""

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True, device=None, dtype=None):
        super().__init__()
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        dtype = _dt.to_dtype(dtype) or _dt.get_default_dtype()
        if elementwise_affine:
            self.weight = Parameter(Tensor._make(np.ones(self.normalized_shape, dtype=dtype), None))
            if bias:
                self.bias = Parameter(Tensor._make(np.zeros(self.normalized_shape, dtype=dtype), None))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, input):
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
                f"bias={self.bias is not None}")
