"""How numbers and arrays are written on the drawings.

Scalars use the shortest form that reads back as the same number at display precision (8 significant
digits): ``2.2`` rather than ``2.2000000000000002`` or ``2.2000000``, ``220`` rather than ``220.0000``.
Small arrays are written out (``[1, 2.5, 3]``); large ones as shape, dtype and min/mean/max.
"""
from __future__ import annotations

import numpy as np

DIGITS = 7  # significant digits on drawings: float32 holds about 7 (FLT_DIG is 6), float64 noise hides
ARRAY_DIGITS = 5  # inside an array fewer digits keep the label readable
_F32_MAX = float(np.finfo(np.float32).max)
_F32_TINY = float(np.finfo(np.float32).tiny)


def format_number(value, digits=DIGITS) -> str:
    """Shortest faithful text for one number at single precision: the shortest decimal that rounds to
    the same value at ``digits`` (7) significant digits, which is what float32 holds. So
    ``np.float32(2.2)`` is ``'2.2'``, the float64 ``2.2000000000000002`` is ``'2.2'``,
    ``220.00000000000003`` is ``'220'`` and 3 × float32(1.1) = 3.3000002 is ``'3.3'``; ``1e-07`` and
    ``1.5e+10`` switch to scientific notation. Arrays and summaries use fewer ``digits``."""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, complex):
        return str(value)
    v = np.asarray(value)
    if v.dtype.kind in "iu":
        return str(int(v))
    if v.dtype.kind == "b":
        return str(bool(v))
    v = v.astype(np.float64) if v.dtype.kind != "f" else v
    v = v.reshape(())[()]
    if not np.isfinite(v):
        return "nan" if np.isnan(v) else ("inf" if v > 0 else "-inf")
    if v == 0:
        return "0"
    magnitude = abs(float(v))
    if _F32_TINY <= magnitude <= _F32_MAX and v.dtype.itemsize >= 4:
        v = np.float32(v)  # drawings are read at single precision: float64 noise is not shown
    if 1e-4 <= magnitude < 1e9:
        return np.format_float_positional(v, precision=digits, unique=True, fractional=False, trim="-")
    return np.format_float_scientific(v, precision=max(digits - 1, 0), unique=True, trim="-")


def format_short(value, digits: int = 4) -> str:
    """A number with ``digits`` significant digits (for summaries: min/mean/max)."""
    return format_number(value, digits)


def format_array(array, max_values: int = 6) -> str:
    """The values of a small array (``[[1, 2], [3, 4]]``) or a summary of a large one."""
    a = np.asarray(array)
    if a.ndim == 0:
        return format_number(a[()])
    if a.size <= max_values:
        return _nested(a)
    return summary(a)


def summary(a) -> str:
    """``(3, 4) float32 · min -1.2 · mean 0.31 · max 2`` (one line)."""
    a = np.asarray(a)
    head = f"{shape_text(a.shape)} {a.dtype}"
    stats = stats_text(a)
    return head + " · " + stats if stats else head


def stats_text(a) -> str:
    """``min -1.2 · mean 0.31 · max 2`` (4 significant digits); "" for empty or non-numeric arrays."""
    a = np.asarray(a)
    if a.size == 0 or a.dtype.kind not in "fiu":
        return ""
    with np.errstate(all="ignore"):
        stats = (a.min(), a.astype(np.float64).mean(), a.max())
    return "min {} · mean {} · max {}".format(*(format_short(s) for s in stats))


def shape_text(shape) -> str:
    """``(3, 4)``; a 1-D shape as ``(3,)`` like Python."""
    return "(" + ", ".join(str(n) for n in shape) + ("," if len(shape) == 1 else "") + ")"


def _nested(a) -> str:
    if a.ndim == 0:
        return format_number(a[()], ARRAY_DIGITS)
    if a.ndim == 1:
        return "[" + ", ".join(format_number(x, ARRAY_DIGITS) for x in a) + "]"
    return "[" + ", ".join(_nested(row) for row in a) + "]"


def format_fixed(value, decimals: int = 8) -> str:
    """Fixed decimals, the way the course writes a derivation (``0.20944600``)."""
    return f"{float(np.asarray(value).reshape(())):.{decimals}f}"


def axes_text(axes) -> str:
    """``sum over dim 0`` / ``sum over dims 0, 2``: the mark of a broadcast gradient summed back."""
    axes = tuple(axes)
    if len(axes) == 1:
        return f"sum over dim {axes[0]}"
    return "sum over dims " + ", ".join(str(a) for a in axes)
