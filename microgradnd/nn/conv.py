"""``Conv2d`` (and ``Conv1d``): cross-correlation layers (``torch.nn.Conv2d``), im2col + one GEMM."""
from __future__ import annotations

import math

from .. import dtypes as _dt
from ..creation import empty
from ..ops.conv import _conv_padding, _pair
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter


def _check_groups(in_channels, out_channels, groups):
    """PyTorch's checks of a grouped convolution's channel counts (ValueError, its messages)."""
    if groups <= 0:
        raise ValueError("groups must be a positive integer")
    if in_channels % groups != 0:
        raise ValueError("in_channels must be divisible by groups")
    if out_channels % groups != 0:
        raise ValueError("out_channels must be divisible by groups")


def _conv_extra_repr(m):
    """The repr arguments of a convolution layer, as PyTorch's ``_ConvNd.extra_repr`` writes them."""
    s = f"{m.in_channels}, {m.out_channels}, kernel_size={m.kernel_size}, stride={m.stride}"
    if m.padding != (0,) * len(m.padding):
        s += f", padding={m.padding}"
    if m.dilation != (1,) * len(m.dilation):
        s += f", dilation={m.dilation}"
    if m.output_padding != (0,) * len(m.output_padding):
        s += f", output_padding={m.output_padding}"
    if m.groups != 1:
        s += f", groups={m.groups}"
    if m.bias is None:
        s += ", bias=False"
    if m.padding_mode != "zeros":
        s += f", padding_mode={m.padding_mode}"
    return s


class Conv2d(Module):
    """out = b + W ⋆ x with weight (out_channels, in_channels/groups, kH, kW), computed by im2col + one GEMM.

    Arguments as PyTorch: kernel_size, stride, padding (int, pair, 'valid' or 'same'), dilation, groups,
    bias; padding_mode 'zeros' only. Default init is PyTorch's: U(-1/√fan_in, 1/√fan_in) for both.
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, padding_mode="zeros", device=None, dtype=None):
        super().__init__()
        _check_groups(in_channels, out_channels, groups)
        if isinstance(padding, str):
            if padding not in ("valid", "same"):
                raise ValueError(f"Invalid padding string {padding!r}, should be one of {{'valid', 'same'}}")
            if padding == "same" and any(s != 1 for s in _pair(stride, "stride", "Conv2d")):
                raise ValueError("padding='same' is not supported for strided convolutions")
        if padding_mode not in ("zeros", "reflect", "replicate", "circular"):
            raise ValueError(
                f"padding_mode must be one of ['zeros', 'reflect', 'replicate', 'circular'], but got "
                f"padding_mode='{padding_mode}'"
            )
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = _pair(kernel_size, "kernel_size", "Conv2d")
        self.stride = _pair(stride, "stride", "Conv2d")
        self.padding = padding if isinstance(padding, str) else _pair(padding, "padding", "Conv2d")
        self.dilation = _pair(dilation, "dilation", "Conv2d")
        self.transposed = False
        self.output_padding = (0, 0)
        self.groups = groups
        self.padding_mode = padding_mode
        dtype = _dt.to_dtype(dtype) or _dt.get_default_dtype()
        self.weight = Parameter(empty((out_channels, in_channels // groups) + self.kernel_size, dtype=dtype))
        if bias:
            self.bias = Parameter(empty((out_channels,), dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def forward(self, input):
        if self.padding_mode != "zeros":
            # pad explicitly with the mode, then convolve without padding (what PyTorch does)
            (pt, pb), (pl, pr) = _conv_padding(self.padding, self.kernel_size, self.stride, self.dilation)
            input = F.pad(input, (pl, pr, pt, pb), mode=self.padding_mode)
            return F.conv2d(input, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)
        return F.conv2d(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)

    def extra_repr(self):
        return _conv_extra_repr(self)


class Conv1d(Module):
    """out = b + W ⋆ x over (N, C, L) or (C, L) input, weight (out_channels, in_channels/groups, k)
    (``torch.nn.Conv1d``); computed by the 2-D kernels with a unit height."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, padding_mode="zeros", device=None, dtype=None):
        super().__init__()
        _check_groups(in_channels, out_channels, groups)
        if padding_mode != "zeros":
            raise NotImplementedError(f"Conv1d: padding_mode={padding_mode!r} is not supported; use 'zeros'")

        def single(v):
            return (int(v[0]),) if isinstance(v, (tuple, list)) else (int(v),)

        if isinstance(padding, str) and padding == "same" and single(stride) != (1,):
            raise ValueError("padding='same' is not supported for strided convolutions")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride = single(kernel_size), single(stride)
        self.padding = padding if isinstance(padding, str) else single(padding)
        self.dilation, self.groups, self.padding_mode = single(dilation), groups, padding_mode
        self.transposed, self.output_padding = False, (0,)
        dtype = _dt.to_dtype(dtype) or _dt.get_default_dtype()
        self.weight = Parameter(empty((out_channels, in_channels // groups) + self.kernel_size, dtype=dtype))
        if bias:
            self.bias = Parameter(empty((out_channels,), dtype=dtype))
        else:
            self.register_parameter("bias", None)
        Conv2d.reset_parameters(self)

    def forward(self, input):
        return F.conv1d(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)

    def extra_repr(self):
        return _conv_extra_repr(self)


class ConvTranspose2d(Module):
    """Transposed convolution (``torch.nn.ConvTranspose2d``), weight (in_channels, out_channels/groups, kH, kW);
    the gradient of a convolution with respect to its input, used to upsample (decoders, GANs)."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
                 bias=True, dilation=1, padding_mode="zeros", device=None, dtype=None):
        super().__init__()
        _check_groups(in_channels, out_channels, groups)
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {type(self).__name__}')
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = _pair(kernel_size, "kernel_size", "ConvTranspose2d")
        self.stride = _pair(stride, "stride", "ConvTranspose2d")
        self.padding = _pair(padding, "padding", "ConvTranspose2d")
        self.output_padding = _pair(output_padding, "output_padding", "ConvTranspose2d")
        self.dilation = _pair(dilation, "dilation", "ConvTranspose2d")
        self.transposed, self.groups, self.padding_mode = True, groups, padding_mode
        dtype = _dt.to_dtype(dtype) or _dt.get_default_dtype()
        self.weight = Parameter(empty((in_channels, out_channels // groups) + self.kernel_size, dtype=dtype))
        if bias:
            self.bias = Parameter(empty((out_channels,), dtype=dtype))
        else:
            self.register_parameter("bias", None)
        Conv2d.reset_parameters(self)  # fan_in from weight.shape[1]·kH·kW, as PyTorch computes it

    def forward(self, input, output_size=None):
        if output_size is not None:
            raise NotImplementedError("ConvTranspose2d: output_size is not supported; set output_padding")
        return F.conv_transpose2d(input, self.weight, self.bias, self.stride, self.padding, self.output_padding,
                                  self.groups, self.dilation)

    def extra_repr(self):
        return _conv_extra_repr(self)
