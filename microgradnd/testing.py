"""Property-testing helpers: hypothesis strategies for tensors and a gradient assertion.

Write your own op and check it the way microgradnd checks its own::

    from hypothesis import given
    from microgradnd.testing import assert_grads_match, broadcastable_tensors

    @given(broadcastable_tensors(2, bounds=(-3, 3), requires_grad=True))
    def test_my_op(xs):
        assert_grads_match(my_op, xs)

This is the only module of microgradnd that imports hypothesis (a test-time dependency:
``pip install hypothesis``, or ``pip install microgradnd[test]``); ``import microgradnd`` never loads it.
"""
from __future__ import annotations

import numpy as np

try:
    import hypothesis.strategies as st
    from hypothesis.extra import numpy as hnp
except ImportError as e:  # pragma: no cover - depends on the environment
    raise ImportError(
        "microgradnd.testing needs hypothesis: pip install hypothesis (or pip install microgradnd[test])"
    ) from e

from . import dtypes as _dt
from .autograd.gradcheck import GradcheckError, gradcheck, gradgradcheck
from .tensor import Tensor

__all__ = [
    "arrays", "assert_grads_match", "broadcastable_shapes", "broadcastable_tensors", "push_away",
    "shapes", "spread_distinct", "tensors",
]


# ---------------------------------------------------------------------------------------------------
# strategies


def shapes(min_dims=0, max_dims=3, min_side=1, max_side=4):
    """Shapes (tuples) with ``min_dims..max_dims`` axes of ``min_side..max_side`` elements."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)


def broadcastable_shapes(n, min_dims=0, max_dims=3, min_side=1, max_side=4):
    """Lists of ``n`` mutually broadcastable shapes (NumPy / PyTorch broadcasting rules)."""
    return hnp.mutually_broadcastable_shapes(
        num_shapes=n, min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side
    ).map(lambda b: [tuple(s) for s in b.input_shapes])


def _elements(dtype, bounds):
    lo, hi = bounds
    if dtype.kind == "f":
        return st.floats(float(lo), float(hi), allow_nan=False, allow_infinity=False, width=dtype.itemsize * 8)
    if dtype.kind in "iu":
        return st.integers(int(np.ceil(lo)), int(np.floor(hi)))
    if dtype.kind == "b":
        return st.booleans()
    raise TypeError(f"testing: unsupported dtype {dtype}")


def arrays(dtype=np.float64, shape=None, bounds=(-2.0, 2.0), avoid=()):
    """NumPy arrays of ``dtype`` with values in ``bounds`` (inclusive), kept at least ``radius`` away
    from each ``(value, radius)`` in ``avoid``. ``shape`` is a tuple, a strategy, or None (any small shape)."""
    dtype = np.dtype(_dt.to_dtype(dtype))
    shape = shapes() if shape is None else shape
    strategy = hnp.arrays(dtype, shape, elements=_elements(dtype, bounds))
    if avoid:
        strategy = strategy.map(lambda a: push_away(a, avoid))
    return strategy


def tensors(dtype=np.float64, shape=None, bounds=(-2.0, 2.0), requires_grad=False, avoid=()):
    """microgradnd Tensors (see ``arrays``); ``requires_grad`` applies to floating dtypes."""
    dtype = np.dtype(_dt.to_dtype(dtype))
    return arrays(dtype, shape, bounds, avoid).map(
        lambda a: _tensor(a, requires_grad and dtype.kind == "f"))


def broadcastable_tensors(n, dtype=np.float64, bounds=(-2.0, 2.0), requires_grad=False, min_dims=0,
                          max_dims=3, max_side=4):
    """Tuples of ``n`` tensors whose shapes broadcast together."""
    return broadcastable_shapes(n, min_dims, max_dims, 1, max_side).flatmap(
        lambda ss: st.tuples(*[tensors(dtype, s, bounds, requires_grad) for s in ss]))


def _tensor(array, requires_grad):
    t = Tensor._make(np.array(array, copy=True), None)
    if requires_grad:
        t.requires_grad = True
    return t


# ---------------------------------------------------------------------------------------------------
# value adjustments (plain NumPy: usable on drawn arrays)


def push_away(array, avoid):
    """Move values closer than ``radius`` to ``value`` out to ``value ± radius``, for each ``(value, radius)``."""
    a = np.array(array, dtype=np.float64, copy=True)
    for value, radius in avoid:
        d = a - value
        near = np.abs(d) < radius
        a[near] = value + np.where(d[near] >= 0, radius, -radius)
    return a.astype(np.asarray(array).dtype, copy=False)


def spread_distinct(arrays_, bounds, avoid=()):
    """Replace the values of all ``arrays_`` together by well-separated ones of the same order: no two
    elements tie, nor have equal absolute values, and none lies within ``avoid`` (value, radius)
    pairs. For ops whose derivative jumps at ties (max, maximum, clamp with tensor bounds)."""
    arrays_ = [np.asarray(a, dtype=np.float64) for a in arrays_]
    flat = np.concatenate([a.reshape(-1) for a in arrays_]) if arrays_ else np.zeros(0)
    n = flat.size
    if n == 0:
        return arrays_
    lo, hi = bounds
    m = 4 * n + 8
    grid = lo + (np.arange(m) + 0.37) * (hi - lo) / m  # the 0.37 offset avoids ±x pairs
    for value, radius in avoid:
        grid = grid[np.abs(grid - value) >= radius]
    chosen = grid[np.linspace(0, len(grid) - 1, n).round().astype(int)]
    ranks = np.argsort(np.argsort(flat, kind="stable"), kind="stable")
    values = chosen[ranks]
    out, start = [], 0
    for a in arrays_:
        out.append(values[start:start + a.size].reshape(a.shape))
        start += a.size
    return out


# ---------------------------------------------------------------------------------------------------
# assertions


def assert_grads_match(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, second_order=False, seed=0,
                       max_elements=2000):
    """Assert that ``fn``'s analytic gradients match float64 central differences.

    ``inputs`` are Tensors (those with ``requires_grad`` are checked) or constants. Checks, with a
    random (not all-ones) upstream gradient: every element for small inputs, one random direction
    always, that ``fn`` leaves its inputs unchanged, that each gradient has its input's shape and dtype,
    and with ``second_order=True`` the second derivatives (``gradgradcheck``). Raises AssertionError
    naming the input and the worst element.
    """
    inputs = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
    diff = [x for x in inputs if isinstance(x, Tensor) and x.requires_grad]
    if not diff:
        raise ValueError("assert_grads_match: no input has requires_grad=True")
    before = [x._data.copy() for x in diff]
    out = fn(*inputs)
    outs = [o for o in (out if isinstance(out, (tuple, list)) else [out]) if isinstance(o, Tensor)]
    for x, b in zip(diff, before):
        if x._data.shape != b.shape or not np.array_equal(x._data, b, equal_nan=True):
            raise AssertionError("assert_grads_match: the function modified one of its inputs in place")
    rng = np.random.default_rng(seed)
    graded = [o for o in outs if o.requires_grad]
    if graded:
        from .autograd import grad as autograd_grad

        vs = [Tensor._make(rng.standard_normal(o.shape).astype(o.dtype), None) for o in graded]
        grads = autograd_grad(graded, diff, grad_outputs=vs, allow_unused=True)
        for k, (x, g) in enumerate(zip(diff, grads)):
            if g is not None and (g.shape != x.shape or g.dtype != x.dtype):
                raise AssertionError(
                    f"assert_grads_match: gradient of input {k} has shape {tuple(g.shape)} / {g.dtype}, "
                    f"the input has {tuple(x.shape)} / {x.dtype}")
        for x, b in zip(diff, before):
            if not np.array_equal(x._data, b, equal_nan=True):
                raise AssertionError("assert_grads_match: backward modified one of the inputs in place")
    try:
        gradcheck(fn, inputs, eps=eps, atol=atol, rtol=rtol, seed=seed, max_elements=max_elements)
    except GradcheckError as e:
        raise AssertionError(str(e)) from None
    if second_order:
        try:
            gradgradcheck(fn, inputs, eps=eps, atol=atol, rtol=rtol, seed=seed, max_elements=max_elements)
        except GradcheckError as e:
            raise AssertionError(f"second derivatives: {e}") from None
