"""Grad mode: whether ops record the graph (``torch.no_grad`` and friends).

The only global state of the engine besides the RNG, kept per thread as PyTorch does. ``no_grad``,
``enable_grad`` and ``set_grad_enabled`` work as context managers and as decorators, like PyTorch's.
"""
from __future__ import annotations

import functools
import threading


class _GradMode(threading.local):
    """Per thread, as in PyTorch: ``no_grad`` in one thread (or a backward pass running there) leaves
    the others recording. Every thread starts with recording on."""

    def __init__(self):
        self.enabled = True


_state = _GradMode()


def is_grad_enabled() -> bool:
    """True when ops record the computational graph (``torch.is_grad_enabled``)."""
    return _state.enabled


class _GradModeContext:
    """Base for the context managers: sets the mode on enter, restores it on exit, usable as a decorator."""

    _target: bool = True

    def __enter__(self):
        self._previous = _state.enabled
        _state.enabled = self._target
        return self

    def __exit__(self, *exc):
        _state.enabled = self._previous
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self._fresh():
                return fn(*args, **kwargs)

        return wrapper

    def _fresh(self):
        return self.__class__()


class no_grad(_GradModeContext):
    """Context manager / decorator that turns graph recording off (``torch.no_grad``)."""

    _target = False


class enable_grad(_GradModeContext):
    """Context manager / decorator that turns graph recording on (``torch.enable_grad``)."""

    _target = True


class set_grad_enabled(_GradModeContext):
    """``set_grad_enabled(mode)``: sets grad mode immediately, and restores the old mode when used with ``with``."""

    def __init__(self, mode: bool):
        self._target = bool(mode)
        self._previous = _state.enabled
        _state.enabled = self._target

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _state.enabled = self._previous
        return False

    def __call__(self, fn):
        # used as a decorator: undo the immediate switch made by __init__, apply it per call instead
        _state.enabled = self._previous
        return super().__call__(fn)

    def _fresh(self):
        return set_grad_enabled(self._target)


class inference_mode(_GradModeContext):
    """``inference_mode(mode=True)``: like ``no_grad`` when mode is True (``torch.inference_mode``)."""

    def __init__(self, mode: bool = True):
        self._target = not mode

    def _fresh(self):
        return inference_mode(not self._target)
