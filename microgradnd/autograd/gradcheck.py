"""Gradient checking: compare analytic gradients (backward) with float64 central differences.

``gradcheck`` checks a random upstream gradient, element by element for small inputs, and always
in one random direction (a directional derivative costs two function calls however big the input),
so it stays cheap for large tensors. ``gradgradcheck`` applies the same test to the backward pass
itself, which checks second derivatives.
"""
from __future__ import annotations

import numpy as np


class GradcheckError(RuntimeError):
    """Raised by ``gradcheck`` when analytic and numerical gradients disagree."""


def _as_tuple(x):
    from ..tensor import Tensor

    return (x,) if isinstance(x, Tensor) or not isinstance(x, (tuple, list)) else tuple(x)


def _outputs(fn, inputs):
    from ..tensor import Tensor

    out = fn(*inputs)
    outs = _as_tuple(out)
    return [o for o in outs if isinstance(o, Tensor) and o.dtype.kind == "f"]


def _float64_inputs(inputs):
    from ..tensor import Tensor

    result = []
    for x in inputs:
        if isinstance(x, Tensor) and x.dtype.kind == "f":
            t = Tensor._make(x._data.astype(np.float64), None)
            t.requires_grad = x.requires_grad
            result.append(t)
        else:
            result.append(x)
    return result


def _scalar_objective(fn, inputs, vs):
    """Σ_k <out_k, v_k> as a Python float (grad mode left on: ``fn`` may itself differentiate)."""
    outs = _outputs(fn, inputs)
    return float(sum(np.sum(o._data.astype(np.float64) * v) for o, v in zip(outs, vs)))


def numerical_grad(fn, inputs, eps=1e-6, grad_outputs=None):
    """Central-difference gradients of ``Σ <fn(*inputs), grad_outputs>`` wrt each floating input.

    ``grad_outputs`` defaults to ones (so for a scalar function this is its gradient). Works on
    float64 copies; returns a list of arrays (None for inputs that are not floating tensors).
    """
    from ..tensor import Tensor

    inputs = _float64_inputs(_as_tuple(inputs))
    outs = _outputs(fn, inputs)
    vs = [np.ones(o.shape) for o in outs] if grad_outputs is None else \
        [np.asarray(v._data if isinstance(v, Tensor) else v, dtype=np.float64) for v in _as_tuple(grad_outputs)]
    grads = []
    for x in inputs:
        if not (isinstance(x, Tensor) and x.dtype.kind == "f"):
            grads.append(None)
            continue
        g = np.zeros(x.shape)
        flat = x._data.reshape(-1)
        gflat = g.reshape(-1)
        for i in range(flat.size):
            orig = flat[i]
            flat[i] = orig + eps
            plus = _scalar_objective(fn, inputs, vs)
            flat[i] = orig - eps
            minus = _scalar_objective(fn, inputs, vs)
            flat[i] = orig
            gflat[i] = (plus - minus) / (2 * eps)
        grads.append(g)
    return grads


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, max_elements=2000,
              seed=0, check_undefined_grad=True):
    """Check ``fn``'s backward against central differences (``torch.autograd.gradcheck``).

    The inputs that require grad are copied to float64. A random upstream gradient ``v`` is used, so
    reductions and broadcasts are exercised beyond all-ones. When the inputs have at most
    ``max_elements`` elements in total every element is compared; a random-direction check (two
    function calls) is always run. Returns True, or raises ``GradcheckError`` naming the input, the
    worst element and both values (returns False instead when ``raise_exception=False``).
    """
    from ..tensor import Tensor
    from . import grad as autograd_grad

    inputs = _float64_inputs(_as_tuple(inputs))
    diff_inputs = [x for x in inputs if isinstance(x, Tensor) and x.requires_grad]
    if not diff_inputs:
        raise ValueError("gradcheck: at least one input tensor must have requires_grad=True")
    rng = np.random.default_rng(seed)
    before = [x._data.copy() for x in diff_inputs]
    outs = _outputs(fn, inputs)
    if not outs:
        raise ValueError("gradcheck: the function returned no floating-point tensor")
    vs = [rng.standard_normal(o.shape) for o in outs]
    objective = sum((o * Tensor._make(v, None)).sum() for o, v in zip(outs, vs) if o.requires_grad)
    if isinstance(objective, Tensor) and objective.requires_grad:
        analytic = autograd_grad([objective], diff_inputs, allow_unused=True)
    else:
        analytic = [None] * len(diff_inputs)
    analytic = [np.zeros(x.shape) if g is None else np.asarray(g._data, dtype=np.float64)
                for x, g in zip(diff_inputs, analytic)]
    for x, b in zip(diff_inputs, before):
        if not np.array_equal(x._data, b, equal_nan=True):
            return _fail(raise_exception, "gradcheck: the function modified one of its inputs in place")

    total = sum(x.numel() for x in diff_inputs)
    if total <= max_elements:
        for k, (x, a) in enumerate(zip(diff_inputs, analytic)):
            numeric = numerical_grad(lambda *xs: fn(*_merge(inputs, diff_inputs, xs)), diff_inputs, eps, vs)[k]
            err = np.abs(a - numeric)
            bound = atol + rtol * np.abs(numeric)
            bad = ~(err <= bound)
            if bad.any():
                worst = np.unravel_index(np.argmax(np.where(bad, err - bound, -np.inf)), a.shape) if a.ndim else ()
                index = inputs.index(x) if any(x is y for y in inputs) else k
                return _fail(
                    raise_exception,
                    f"gradcheck: Jacobian mismatch for input {index} (shape {tuple(x.shape)}) at element "
                    f"{tuple(int(i) for i in worst)}: analytic {a[worst]!r} vs numerical {numeric[worst]!r} "
                    f"(|diff| {err[worst]:.3g} > atol {atol} + rtol {rtol} x |numerical|); "
                    f"{int(bad.sum())} of {a.size} elements differ",
                )
    # a random direction u: d/dε <f(x + εu), v> at 0 must equal Σ <analytic, u>
    us = [rng.standard_normal(x.shape) for x in diff_inputs]
    originals = [x._data.copy() for x in diff_inputs]
    for x, u, o in zip(diff_inputs, us, originals):
        x._data = o + eps * u
    plus = _scalar_objective(fn, inputs, vs)
    for x, u, o in zip(diff_inputs, us, originals):
        x._data = o - eps * u
    minus = _scalar_objective(fn, inputs, vs)
    for x, o in zip(diff_inputs, originals):
        x._data = o
    numeric_dir = (plus - minus) / (2 * eps)
    analytic_dir = float(sum(np.sum(a * u) for a, u in zip(analytic, us)))
    if not abs(analytic_dir - numeric_dir) <= atol + rtol * abs(numeric_dir):
        return _fail(
            raise_exception,
            f"gradcheck: directional derivative mismatch along a random direction: analytic "
            f"{analytic_dir!r} vs numerical {numeric_dir!r}",
        )
    return True


def _merge(inputs, diff_inputs, new_values):
    ids = {id(x): i for i, x in enumerate(diff_inputs)}
    return [new_values[ids[id(x)]] if id(x) in ids else x for x in inputs]


def _fail(raise_exception, message):
    if raise_exception:
        raise GradcheckError(message)
    return False


def gradgradcheck(fn, inputs, grad_outputs=None, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
                  max_elements=2000, seed=0):
    """Check second derivatives (``torch.autograd.gradgradcheck``): gradcheck the function
    ``(inputs, v) -> vjp(fn, inputs, v)`` whose backward is the double-backward of ``fn``."""
    from ..tensor import Tensor
    from . import grad as autograd_grad

    inputs = _float64_inputs(_as_tuple(inputs))
    diff_idx = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    rng = np.random.default_rng(seed + 1)
    outs = _outputs(fn, inputs)
    if grad_outputs is None:
        vs = [Tensor._make(rng.standard_normal(o.shape), None) for o in outs]
    else:
        vs = [Tensor._make(np.asarray(v._data if isinstance(v, Tensor) else v, dtype=np.float64), None)
              for v in _as_tuple(grad_outputs)]
    for v in vs:
        v.requires_grad = True
    n = len(inputs)

    def first_derivative(*args):
        xs, v = list(args[:n]), args[n:]
        out = [o for o in _outputs(fn, xs)]
        total = sum((o * vv).sum() for o, vv in zip(out, v) if o.requires_grad)
        grads = autograd_grad([total], [xs[i] for i in diff_idx], create_graph=True, allow_unused=True)
        from ..creation import zeros_like

        return tuple(zeros_like(xs[i]) if g is None else g for i, g in zip(diff_idx, grads))

    return gradcheck(first_derivative, list(inputs) + vs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, max_elements=max_elements, seed=seed)
