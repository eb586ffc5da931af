"""The generated per-op gradient suite: one hypothesis test per entry of ``microgradnd.ops.registry.OPS``.

Each example draws shapes and arguments from the entry (mutually broadcastable shapes where the op
broadcasts), float64 values from its domain (away from its kinks and poles; well separated for ops
that jump at ties), then checks with ``microgradnd.testing.assert_grads_match``: analytic gradients
against central differences under a random upstream gradient, every element and a random direction,
inputs not mutated, gradients in each input's shape and dtype, and second derivatives for smooth ops.
A meta-test fails when an ``Op`` subclass anywhere in ``microgradnd.ops`` is covered by no entry.
"""
from __future__ import annotations

import importlib
import pkgutil

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import microgradnd as mg
import microgradnd.ops
from microgradnd.autograd.function import Op
from microgradnd.ops.registry import OPS
from microgradnd.testing import arrays, assert_grads_match, spread_distinct

# import every ops module (including ones added later, e.g. conv) so all registrations are present
for _module in pkgutil.iter_modules(microgradnd.ops.__path__):
    importlib.import_module(f"microgradnd.ops.{_module.name}")
import microgradnd.nn.functional  # noqa: E402,F401  (composite specs may resolve their call there)

SPECS = sorted(OPS)


def draw_example(spec, data):
    """Shapes, kwargs and float64 input arrays for one example of ``spec``."""
    rng = np.random.default_rng(data.draw(st.integers(0, 2 ** 32 - 1), label="seed"))
    shapes, kwargs = spec.draw(rng)
    values = []
    for k, shape in enumerate(shapes):
        avoid = tuple((v, r) for (i, v, r) in spec.avoid if i == k)
        values.append(data.draw(arrays(np.float64, shape, spec.domain, avoid), label=f"input {k}"))
    if spec.distinct:
        avoid = tuple((v, r) for (_, v, r) in spec.avoid)
        values = spread_distinct(values, spec.domain, avoid)
    if spec.values is not None:
        values = spec.values(rng, values)
    return shapes, kwargs, values


@pytest.mark.parametrize("name", SPECS)
@settings(max_examples=10, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_op_gradients(name, data):
    spec = OPS[name]
    fn = spec.function()
    shapes, kwargs, values = draw_example(spec, data)
    inputs = [mg.tensor(v, requires_grad=True) for v in values]

    def call(*xs):
        return fn(*xs, **kwargs)

    out = call(*inputs)
    assert out.dtype == np.float64, f"{name}: float64 inputs gave {out.dtype}"
    assert out.requires_grad
    # small examples keep the element-by-element check cheap; second derivatives for smooth ops
    second = spec.smooth and sum(v.size for v in values) <= 40
    assert_grads_match(call, inputs, atol=spec.atol, rtol=spec.rtol, second_order=second,
                       seed=data.draw(st.integers(0, 1000), label="upstream seed"))


def _op_subclasses():
    found, stack = set(), [Op]
    while stack:
        for sub in stack.pop().__subclasses__():
            if sub not in found:
                found.add(sub)
                stack.append(sub)
    return {c for c in found if c.__module__.startswith("microgradnd.ops")}


def test_every_op_is_covered_by_a_registry_entry():
    covered = {c for spec in OPS.values() for c in spec.covers}
    missing = sorted(f"{c.__module__}.{c.__name__}" for c in _op_subclasses() - covered)
    assert not missing, (
        f"Op subclasses without a gradient-test entry: {missing}; register them with "
        f"@register(name, ...) or add_spec(OpSpec(..., covers=(TheOp,))) in microgradnd.ops.registry"
    )


def test_meta_test_sees_ops_defined_later():
    # an Op subclass created now (as a later module would) is found, and counts as missing
    class Unregistered(Op):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, grad):
            return grad

    Unregistered.__module__ = "microgradnd.ops.future"
    try:
        assert Unregistered in _op_subclasses()
        assert Unregistered not in {c for spec in OPS.values() for c in spec.covers}
    finally:
        del Unregistered


def test_every_spec_draws_valid_examples():
    rng = np.random.default_rng(0)
    for name in SPECS:
        spec = OPS[name]
        for _ in range(5):
            shapes, kwargs = spec.draw(rng)
            assert len(shapes) == spec.arity, name
            assert all(isinstance(s, tuple) for s in shapes), name
            assert isinstance(kwargs, dict), name
