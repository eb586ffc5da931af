"""Normalisation layers: ``BatchNorm1d/2d/3d`` and ``InstanceNorm1d/2d/3d`` (running statistics as buffers),
``LayerNorm``, ``GroupNorm`` and ``LocalResponseNorm``."""
from __future__ import annotations

import warnings

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


class BatchNorm3d(_BatchNorm):
    """Batch normalisation over (N, C, D, H, W) input, per channel C (``torch.nn.BatchNorm3d``)."""

    _expected_dims = (5,)


class _InstanceNorm(_BatchNorm):
    """Shared body of InstanceNorm1d/2d/3d (PyTorch's ``_InstanceNorm``): no affine map and no running
    statistics unless asked for; an unbatched input (one dim fewer) is treated as a batch of one."""

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=False, track_running_stats=False,
                 device=None, dtype=None, *, bias=True):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype, bias=bias)

    def forward(self, input):
        self._check_input_dim(input)
        no_batch = self._expected_dims[0]
        feature_dim = input.ndim - no_batch
        if input.shape[feature_dim] != self.num_features:
            if self.affine:
                raise ValueError(f"expected input's size at dim={feature_dim} to match num_features "
                                 f"({self.num_features}), but got: {input.shape[feature_dim]}.")
            warnings.warn(f"input's size at dim={feature_dim} does not match num_features. You can silence this "
                          f"warning by not passing in num_features, which is not used because affine=False",
                          stacklevel=3)
        x = input.unsqueeze(0) if input.ndim == no_batch else input
        out = F.instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                              self.training or not self.track_running_stats,
                              0.0 if self.momentum is None else self.momentum, self.eps)
        return out.squeeze(0) if input.ndim == no_batch else out


class InstanceNorm1d(_InstanceNorm):
    """Normalise each channel of each sample of (N, C, L) or (C, L) over L (``torch.nn.InstanceNorm1d``)."""

    _expected_dims = (2, 3)


class InstanceNorm2d(_InstanceNorm):
    """Normalise each channel of each sample of (N, C, H, W) or (C, H, W) over H, W (``torch.nn.InstanceNorm2d``)."""

    _expected_dims = (3, 4)


class InstanceNorm3d(_InstanceNorm):
    """Normalise each channel of each sample of (N, C, D, H, W) or (C, D, H, W) (``torch.nn.InstanceNorm3d``)."""

    _expected_dims = (4, 5)


class GroupNorm(Module):
    """Normalise over groups of channels (and all positions) per sample, then scale and shift per channel
    (``torch.nn.GroupNorm``; weight 1, bias 0)."""

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, device=None, dtype=None, *, bias=True):
        super().__init__()
        if num_channels % num_groups != 0:
            raise ValueError(f"num_channels ({num_channels}) must be divisible by num_groups ({num_groups})")
        self.num_groups, self.num_channels, self.eps, self.affine = num_groups, num_channels, eps, affine
        dtype = _dt.to_dtype(dtype) or _dt.get_default_dtype()
        if affine:
            self.weight = Parameter(Tensor._make(np.ones(num_channels, dtype=dtype), None))
            if bias:
                self.bias = Parameter(Tensor._make(np.zeros(num_channels, dtype=dtype), None))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def reset_parameters(self):
        if self.affine:
            with no_grad():
                self.weight.fill_(1)
                if self.bias is not None:
                    self.bias.zero_()

    def forward(self, input):
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")


class LocalResponseNorm(Module):
    """AlexNet's normalisation across neighbouring channels (``torch.nn.LocalResponseNorm``; see
    ``F.local_response_norm``)."""

    def __init__(self, size, alpha=1e-4, beta=0.75, k=1.0):
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input):
        return F.local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self):
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


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
