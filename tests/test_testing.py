"""microgradnd.testing: the strategies produce what they promise, and assert_grads_match fails on
wrong gradients."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import microgradnd as mg
from microgradnd.testing import (arrays, assert_grads_match, broadcastable_shapes, broadcastable_tensors,
                                 push_away, spread_distinct, tensors)


@settings(max_examples=30, deadline=None)
@given(tensors(mg.float64, shape=(2, 3), bounds=(-1.0, 4.0), requires_grad=True))
def test_tensors_respect_dtype_shape_bounds(t):
    assert isinstance(t, mg.Tensor) and t.dtype == mg.float64 and t.shape == (2, 3)
    assert t.requires_grad and np.all((t._data >= -1.0) & (t._data <= 4.0))


@settings(max_examples=20, deadline=None)
@given(tensors(mg.int64, bounds=(0, 5)), tensors(mg.bool))
def test_integer_and_bool_tensors(i, b):
    assert i.dtype == mg.int64 and np.all((i._data >= 0) & (i._data <= 5)) and not i.requires_grad
    assert b.dtype == mg.bool


@settings(max_examples=30, deadline=None)
@given(broadcastable_shapes(3))
def test_broadcastable_shapes_broadcast(shapes):
    assert len(shapes) == 3
    np.broadcast_shapes(*shapes)


@settings(max_examples=20, deadline=None)
@given(broadcastable_tensors(2, requires_grad=True))
def test_broadcastable_tensors_and_gradients_of_add(xs):
    a, b = xs
    assert (a + b).shape == np.broadcast_shapes(a.shape, b.shape)
    assert_grads_match(lambda x, y: x * y + x, xs)


@settings(max_examples=20, deadline=None)
@given(arrays(np.float64, (10,), bounds=(-1.0, 1.0), avoid=((0.0, 0.1),)))
def test_arrays_avoid_values(a):
    assert np.all(np.abs(a) >= 0.1)


def test_push_away_and_spread_distinct():
    np.testing.assert_allclose(push_away(np.array([0.01, -0.02, 0.5]), ((0.0, 0.1),)), [0.1, -0.1, 0.5])
    a, b = spread_distinct([np.array([1.0, 1.0, -1.0]), np.array([[1.0], [0.0]])], (-2.0, 2.0), ((0.0, 0.2),))
    values = np.concatenate([a.ravel(), b.ravel()])
    assert len(set(np.abs(values).tolist())) == values.size  # no ties, not even in absolute value
    assert np.all(np.abs(values) >= 0.2) and np.all(np.abs(values) <= 2.0)
    assert np.argsort(values, kind="stable").tolist() == [2, 4, 0, 1, 3]  # order kept (ties by position)


def test_assert_grads_match_fails_on_a_wrong_backward():
    class WrongSin(mg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return mg.sin(x)

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * mg.cos(x) * 1.01

    x = mg.tensor([0.3, 1.2], dtype=mg.float64, requires_grad=True)
    with pytest.raises(AssertionError, match="Jacobian mismatch"):
        assert_grads_match(WrongSin.apply, [x])
    assert_grads_match(mg.sin, [x], second_order=True)


def test_assert_grads_match_checks_second_derivatives_and_mutation():
    class NoSecondDerivative(mg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * mg.tensor(2 * x._data)

    x = mg.tensor([0.3, 1.2], dtype=mg.float64, requires_grad=True)
    assert_grads_match(NoSecondDerivative.apply, [x])
    with pytest.raises(AssertionError, match="second derivatives"):
        assert_grads_match(NoSecondDerivative.apply, [x], second_order=True)

    def mutating(a):
        a._data[0] += 1.0
        return a * 2

    with pytest.raises(AssertionError, match="modified"):
        assert_grads_match(mutating, [mg.tensor([1.0, 2.0], dtype=mg.float64, requires_grad=True)])


@settings(max_examples=10, deadline=None)
@given(st.data())
def test_strategies_compose_with_draw(data):
    shape = data.draw(st.sampled_from([(2,), (3, 1)]))
    t = data.draw(tensors(mg.float32, shape))
    assert t.shape == shape and t.dtype == mg.float32
