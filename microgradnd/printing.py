"""How tensors print: PyTorch's layout, number formats and options (``mg.set_printoptions``).

The rules, as PyTorch applies them:

- A tensor with more than ``threshold`` elements is summarised: along every dimension longer than
  ``2·edgeitems``, only the first and last ``edgeitems`` entries are shown, with ``...`` between.
- The number format is chosen from the values that are shown (the summary, not the whole tensor):
  floats whose non-zero finite values are all integers print as ``1.``; otherwise with ``precision``
  decimals; in scientific notation when the largest non-zero magnitude is over 1000x the smallest,
  over 1e8, or (non-integers only) under 1e-4. ``sci_mode`` forces it on or off.
- Every entry is padded to the width of the widest shown finite non-zero one, rows wrap at
  ``linewidth`` characters, and nested rows are indented under the opening bracket.
"""
from __future__ import annotations

import math

import numpy as np

_DEFAULTS = {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80, "sci_mode": None}
_PROFILES = {
    "default": {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80},
    "short": {"precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": 80},
    "full": {"precision": 4, "threshold": math.inf, "edgeitems": 3, "linewidth": 80},
}
_options = dict(_DEFAULTS)


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None,
                     sci_mode=None):
    """Printing options for tensors (``torch.set_printoptions``): ``precision`` decimals (4),
    summarise above ``threshold`` elements (1000) showing ``edgeitems`` per end (3), wrap at
    ``linewidth`` (80), ``profile`` 'default' / 'short' / 'full', ``sci_mode`` True / False / None
    (automatic). NumPy's own print options are left alone."""
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(f"set_printoptions: unknown profile {profile!r}; use one of {sorted(_PROFILES)}")
        _options.update(_PROFILES[profile])
    for key, value in (("precision", precision), ("threshold", threshold), ("edgeitems", edgeitems),
                       ("linewidth", linewidth)):
        if value is not None:
            _options[key] = value
    _options["sci_mode"] = sci_mode


def get_printoptions():
    """The current printing options (``torch._tensor_str.PRINT_OPTS`` as a dict)."""
    return dict(_options)


def format_array(array, indent=len("tensor(")):
    """The body of ``tensor(...)`` for ``array``: ``[...]`` rows, or the single number of a 0-d array."""
    if array.size == 0:
        return "[]"
    summarize = array.size > _options["threshold"]
    shown = _summary(array) if summarize else array
    fmt = _Format(shown, _options["precision"], _options["sci_mode"])
    if array.ndim == 0:
        return fmt(array.item())
    return _rows(array, indent, summarize, fmt)


def with_suffixes(text, suffixes, indent=len("tensor(")):
    """``text`` (``tensor([...]``) closed with its ``, dtype=..., grad_fn=...`` suffixes; a suffix that
    would pass ``linewidth`` goes on a line of its own, indented under the first bracket."""
    line = len(text) - text.rfind("\n") + 1  # (PyTorch counts the last line this way)
    for suffix in suffixes:
        if line + len(suffix) + 2 > _options["linewidth"]:
            text += ",\n" + " " * indent + suffix
            line = indent + len(suffix)
        else:
            text += ", " + suffix
            line += len(suffix) + 2
    return text + ")"


def _summary(array):
    """The shown entries of a summarised array, flattened (what the number format is chosen from)."""
    e = _options["edgeitems"]
    for dim, n in enumerate(array.shape):
        if n > 2 * e:
            array = np.take(array, np.r_[0:e, n - e:n], axis=dim)
    return array.reshape(-1)


class _Format:
    """Formats one entry padded to the common width (PyTorch's ``_Formatter``)."""

    def __init__(self, shown, precision, sci_mode):
        self.precision = precision
        self.kind = shown.dtype.kind
        self.sci = False
        self.integral = True
        self.width = 1
        values = shown.reshape(-1)
        if self.kind != "f":
            self.width = max((len(str(v)) for v in values.tolist()), default=1)
            return
        finite = values[np.isfinite(values)]
        nonzero = finite[finite != 0].astype(np.float64)
        if nonzero.size:
            magnitude = np.abs(nonzero)
            lo, hi = magnitude.min(), magnitude.max()
            self.integral = bool(np.all(nonzero == np.ceil(nonzero)))
            self.sci = hi / lo > 1000.0 or hi > 1e8 or (not self.integral and lo < 1e-4)
        if sci_mode is not None:
            self.sci = bool(sci_mode)
        if nonzero.size:
            self.width = max(len(self._number(v)) for v in nonzero.tolist())

    def _number(self, value):
        if self.sci:
            return f"{value:.{self.precision}e}"
        if self.integral:
            text = f"{value:.0f}"
            return text if math.isinf(value) or math.isnan(value) else text + "."
        return f"{value:.{self.precision}f}"

    def __call__(self, value):
        text = self._number(value) if self.kind == "f" else str(value)
        return text.rjust(self.width)


def _rows(array, indent, summarize, fmt):
    e = _options["edgeitems"]
    if array.ndim == 1:
        values = array.tolist()
        if summarize and len(values) > 2 * e:
            items = [fmt(v) for v in values[:e]] + [" ..."] + [fmt(v) for v in values[-e:]]
        else:
            items = [fmt(v) for v in values]
        per_line = max(1, int((_options["linewidth"] - indent) // (fmt.width + 2)))
        lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"
    n = array.shape[0]
    if summarize and n > 2 * e:
        rows = ([_rows(array[i], indent + 1, summarize, fmt) for i in range(e)] + ["..."]
                + [_rows(array[i], indent + 1, summarize, fmt) for i in range(n - e, n)])
    else:
        rows = [_rows(array[i], indent + 1, summarize, fmt) for i in range(n)]
    return "[" + ("," + "\n" * (array.ndim - 1) + " " * (indent + 1)).join(rows) + "]"
