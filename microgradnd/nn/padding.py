"""Padding layers (``torch.nn.ZeroPad2d``, ``ConstantPad2d``, ``ReflectionPad2d``, ``ReplicationPad2d``,
``CircularPad2d`` and their 1-d / 3-d forms): thin modules over ``F.pad``.

``padding`` is an int (the same on every side) or a tuple in ``F.pad``'s order, last dim first:
(left, right) for 1-d, (left, right, top, bottom) for 2-d, (left, right, top, bottom, front, back) for 3-d.
"""
from __future__ import annotations

from . import functional as F
from .module import Module


def _sides(padding, n):
    if isinstance(padding, int):
        return (padding,) * n
    padding = tuple(padding)
    if len(padding) != n:
        raise ValueError(f"expected padding to be an int or a tuple of {n} ints, got {padding}")
    return padding


class _PadNd(Module):
    _mode = "constant"
    _sides_count = 2

    def __init__(self, padding):
        super().__init__()
        self.padding = _sides(padding, self._sides_count)

    def forward(self, input):
        if self._mode == "circular":  # PyTorch's CircularPadNd checks the rank itself
            n = self._sides_count // 2
            if input.ndim not in (n + 1, n + 2):
                raise ValueError(f"expected {n + 1}D or {n + 2}D input (got {input.ndim}D input)")
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self):
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    def __init__(self, padding, value):
        super().__init__(padding)
        self.value = value

    def forward(self, input):
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self):
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pad the last dim with ``value`` (``F.pad(x, (left, right), value=value)``)."""
    _sides_count = 2


class ConstantPad2d(_ConstantPadNd):
    """Pad the last two dims with ``value`` (``F.pad(x, (left, right, top, bottom), value=value)``)."""
    _sides_count = 4


class ConstantPad3d(_ConstantPadNd):
    """Pad the last three dims with ``value``."""
    _sides_count = 6


class _ZeroPadNd(_ConstantPadNd):
    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ZeroPad1d(_ZeroPadNd):
    """Pad the last dim with zeros."""
    _sides_count = 2


class ZeroPad2d(_ZeroPadNd):
    """Pad the last two dims with zeros (the border a 'same' convolution adds)."""
    _sides_count = 4


class ZeroPad3d(_ZeroPadNd):
    """Pad the last three dims with zeros."""
    _sides_count = 6


class ReflectionPad1d(_PadNd):
    """Mirror the last dim without repeating the edge ([1, 2, 3] padded by 2 -> [3, 2, 1, 2, 3, 2, 1])."""
    _mode, _sides_count = "reflect", 2


class ReflectionPad2d(_PadNd):
    """Mirror the last two dims without repeating the edge."""
    _mode, _sides_count = "reflect", 4


class ReflectionPad3d(_PadNd):
    """Mirror the last three dims without repeating the edge."""
    _mode, _sides_count = "reflect", 6


class ReplicationPad1d(_PadNd):
    """Repeat the edge value of the last dim ([1, 2, 3] padded by 2 -> [1, 1, 1, 2, 3, 3, 3])."""
    _mode, _sides_count = "replicate", 2


class ReplicationPad2d(_PadNd):
    """Repeat the edge values of the last two dims."""
    _mode, _sides_count = "replicate", 4


class ReplicationPad3d(_PadNd):
    """Repeat the edge values of the last three dims."""
    _mode, _sides_count = "replicate", 6


class CircularPad1d(_PadNd):
    """Wrap the last dim around ([1, 2, 3] padded by 2 -> [2, 3, 1, 2, 3, 1, 2])."""
    _mode, _sides_count = "circular", 2


class CircularPad2d(_PadNd):
    """Wrap the last two dims around."""
    _mode, _sides_count = "circular", 4


class CircularPad3d(_PadNd):
    """Wrap the last three dims around."""
    _mode, _sides_count = "circular", 6
