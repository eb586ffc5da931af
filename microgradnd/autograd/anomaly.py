"""``detect_anomaly``: raise at the first op whose backward produces NaN or inf, naming it."""
from __future__ import annotations

from .engine import anomaly_state


class detect_anomaly:
    """Context manager (``torch.autograd.detect_anomaly``): while active, every backward result is
    checked and the first op whose backward returned NaN/inf raises a RuntimeError that names it."""

    def __init__(self, check_nan=True):
        self.check_nan = check_nan

    def __enter__(self):
        self._previous = anomaly_state.enabled
        anomaly_state.enabled = self.check_nan
        return self

    def __exit__(self, *exc):
        anomaly_state.enabled = self._previous
        return False


class set_detect_anomaly(detect_anomaly):
    """``set_detect_anomaly(mode)``: switch anomaly detection on/off (also a context manager)."""

    def __init__(self, mode):
        super().__init__(mode)
        self._previous = anomaly_state.enabled
        anomaly_state.enabled = bool(mode)

    def __enter__(self):
        return self
