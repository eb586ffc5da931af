"""Reusable output arrays for the large, short-lived arrays of a training step.

A training step allocates the same large arrays every time (activations, their gradients, im2col
buffers: a few MB each). glibc serves such sizes with fresh pages, mapped by ``mmap`` or freshly
grown heap that it returns to the kernel when the step frees them, so each step pays for page faults
and zeroing again: for ``conv_train`` that was more time than the arithmetic (docs/performance.md).
``empty(shape, dtype)`` hands out an array this module already holds when nothing else references
it any more, and a new one otherwise (PyTorch's caching allocators do the same for their memory).

Whether an array is free is read off its reference count: the module's list and the loop variable
are the only holders of a free array; any Tensor, view (a view holds its base), or caller that still
has it adds one, so an array in use is never handed out twice. The module keeps at most
``MAX_BYTES`` in all (free arrays of other shapes are let go to make room for a new working set);
only arrays of at least ``MIN_BYTES`` come from it.
"""
from __future__ import annotations

import sys
import threading

import numpy as np

# reference counts say "free" only on CPython; elsewhere every array is new
_REUSE = sys.implementation.name == "cpython"
getrefcount = sys.getrefcount if _REUSE else None

MIN_BYTES = 1 << 18  # smaller arrays come from glibc's heap without page faults
MAX_BYTES = 1 << 26  # what the module may hold in all (64 MB)

_held = {}  # (shape, dtype) -> [arrays]
_held_bytes = 0
_lock = threading.Lock()  # two threads must not take the same free array


def empty(shape, dtype):
    """An uninitialised C-contiguous array of ``shape`` and ``dtype`` (``np.empty``), reused when free."""
    dtype = np.dtype(dtype)
    nbytes = dtype.itemsize
    for n in shape:
        nbytes *= n
    if nbytes < MIN_BYTES or not _REUSE:
        return np.empty(shape, dtype)
    global _held_bytes
    key = (tuple(shape), dtype)
    with _lock:
        arrays = _held.get(key)
        if arrays is None:
            arrays = _held[key] = []
        for array in arrays:
            if getrefcount(array) == 3:  # held by `arrays`, by `array` and by getrefcount's argument
                return array
        array = np.empty(shape, dtype)
        if _held_bytes + nbytes > MAX_BYTES:
            _drop_free(_held_bytes + nbytes - MAX_BYTES)
        if _held_bytes + nbytes <= MAX_BYTES:
            arrays.append(array)
            _held_bytes += nbytes
        return array


def _drop_free(needed):
    """Let go of free arrays (of other shapes: a new working set) until ``needed`` bytes are released."""
    global _held_bytes
    for key in list(_held):
        arrays = _held[key]
        keep = []
        for array in arrays:
            if needed > 0 and getrefcount(array) == 3:  # held by `arrays`, `array` and the argument
                needed -= array.nbytes
                _held_bytes -= array.nbytes
            else:
                keep.append(array)
        if keep:
            _held[key] = keep
        else:
            del _held[key]
        if needed <= 0:
            return


def zeros(shape, dtype):
    """``np.zeros`` through ``empty``: a fill of reused memory costs less than faulting in new pages."""
    array = empty(shape, dtype)
    array.fill(0)
    return array
