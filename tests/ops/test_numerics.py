"""Numerics: stable activations and reductions at |x| ~ 1000, and no NumPy warnings from any op."""
import math
import warnings

import numpy as np
import pytest

import importlib
import pkgutil

import microgradnd as mg
import microgradnd.nn.functional  # noqa: F401  (composite specs may resolve their call there)
import microgradnd.ops
from microgradnd.ops.registry import OPS

for _module in pkgutil.iter_modules(microgradnd.ops.__path__):  # every registration, conv and loss included
    importlib.import_module(f"microgradnd.ops.{_module.name}")


def values_and_grad(fn, values, dtype=mg.float64):
    x = mg.tensor(values, dtype=dtype, requires_grad=True)
    y = fn(x)
    y.sum().backward()
    return y._data, x.grad._data


@pytest.mark.parametrize("dtype", [mg.float32, mg.float64])
def test_sigmoid_is_stable_for_large_inputs(dtype):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y, g = values_and_grad(mg.sigmoid, [-1000.0, -30.0, 0.0, 30.0, 1000.0], dtype)
    assert y[0] == 0.0 and y[-1] == 1.0 and y[2] == 0.5
    assert np.all(np.isfinite(g)) and g[0] == 0.0 and g[-1] == 0.0 and g[2] == 0.25
    assert y.dtype == dtype


def test_softplus_and_logsigmoid_are_stable():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y, g = values_and_grad(mg.softplus, [-1000.0, -1.0, 0.0, 1.0, 1000.0])
        ls, lg = values_and_grad(mg.ops.logsigmoid, [-1000.0, 0.0, 1000.0])
    np.testing.assert_allclose(y, [0.0, math.log1p(math.exp(-1)), math.log(2), 1 + math.log1p(math.exp(-1)), 1000.0])
    np.testing.assert_allclose(g, [0.0, 1 / (1 + math.e), 0.5, 1 / (1 + math.exp(-1)), 1.0])
    np.testing.assert_allclose(ls, [-1000.0, -math.log(2), 0.0])
    np.testing.assert_allclose(lg, [1.0, 0.5, 0.0])


def test_logsumexp_log_softmax_softmax_are_stable():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y, g = values_and_grad(lambda x: mg.logsumexp(x, dim=0), [1000.0, 1000.0])
        np.testing.assert_allclose(y, 1000.0 + math.log(2))
        np.testing.assert_allclose(g, [0.5, 0.5])
        y, g = values_and_grad(lambda x: mg.logsumexp(x, dim=0), [-1000.0, -1000.0])
        np.testing.assert_allclose(y, -1000.0 + math.log(2))
        y, _ = values_and_grad(lambda x: mg.log_softmax(x, dim=0), [1000.0, 0.0])
        np.testing.assert_allclose(y, [0.0, -1000.0])
        y, g = values_and_grad(lambda x: mg.softmax(x, dim=0) * mg.tensor([1.0, 0.0], dtype=mg.float64),
                               [1000.0, -1000.0])
        np.testing.assert_allclose(y, [1.0, 0.0])
        assert np.all(np.isfinite(g))


def test_logsumexp_with_minus_infinity():
    x = mg.tensor([-math.inf, 0.0, math.log(3.0)], dtype=mg.float64, requires_grad=True)
    y = mg.logsumexp(x, dim=0)
    y.backward()
    np.testing.assert_allclose(y.item(), math.log(4.0))
    np.testing.assert_allclose(x.grad._data, [0.0, 0.25, 0.75])
    allneg = mg.logsumexp(mg.tensor([-math.inf, -math.inf]), dim=0)
    assert allneg.item() == -math.inf
    assert mg.logsumexp(mg.tensor([math.inf, 0.0]), dim=0).item() == math.inf
    assert mg.logsumexp(mg.zeros(2, 0), dim=1).tolist() == [-math.inf, -math.inf]


def test_values_at_zero_match_pytorch():
    x = mg.tensor([0.0, 0.0, 0.0], requires_grad=True)
    mg.relu(x).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]  # relu'(0) = 0
    x.grad = None
    mg.abs(x).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]  # sign(0) = 0
    x.grad = None
    mg.sqrt(x).sum().backward()
    assert x.grad.tolist() == [math.inf] * 3
    x.grad = None
    mg.log(x).sum().backward()
    assert x.grad.tolist() == [math.inf] * 3
    x.grad = None
    (x ** 2).sum().backward()
    assert x.grad.tolist() == [0.0] * 3
    x.grad = None
    mg.clamp(x, 0.0, 1.0).sum().backward()
    assert x.grad.tolist() == [1.0] * 3  # bounds included


def test_std_and_norm_at_zero_have_zero_gradient_like_pytorch():
    x = mg.zeros(4, requires_grad=True)
    mg.std(x).backward()
    assert x.grad.tolist() == [0.0] * 4
    x.grad = None
    mg.norm(x).backward()
    assert x.grad.tolist() == [0.0] * 4


SPECIAL = np.array([0.0, -0.0, 1e300, -1e300, np.inf, -np.inf, np.nan, 1e-300, 710.0, -710.0, 1.0])


@pytest.mark.parametrize("name", sorted(OPS))
def test_no_numpy_warning_leaks_from_any_op(name):
    spec = OPS[name]
    rng = np.random.default_rng(1)
    shapes, kwargs = spec.draw(rng)
    lo, hi = spec.domain
    edges = np.array([lo, hi, (lo + hi) / 2, 0.0 if lo <= 0 <= hi else lo])
    ran = 0
    for values in (SPECIAL, edges):  # anything at all, then the edges of the op's domain
        inputs = [mg.tensor(rng.choice(values, size=s), requires_grad=True) for s in shapes]
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)  # a leaked NumPy warning fails the test
            try:
                out = spec.function()(*inputs, **kwargs)
            except RuntimeError as error:
                if values is edges and not isinstance(error, mg.linalg.LinAlgError):
                    raise  # (a matrix of equal entries is singular: inv and solve refuse it, like PyTorch)
                continue  # an op may refuse values outside its domain (BCE wants [0, 1]), like PyTorch
            out.backward(mg.tensor(rng.choice(values, size=out.shape)))
        ran += 1
        assert all(x.grad is None or x.grad.shape == x.shape for x in inputs)
    assert ran >= 1


@pytest.mark.parametrize("name", sorted(OPS))
def test_float32_inputs_give_float32_outputs_and_gradients(name):
    spec = OPS[name]
    rng = np.random.default_rng(2)
    shapes, kwargs = spec.draw(rng)
    lo, hi = spec.domain
    inputs = [mg.tensor(rng.uniform(lo, hi, size=s).astype(np.float32), requires_grad=True) for s in shapes]
    out = spec.function()(*inputs, **kwargs)
    if name not in ("cast", "float_power"):  # these two convert to float64 on purpose
        assert out.dtype == mg.float32, f"{name} gave {out.dtype}"
    out.backward(mg.ones_like(out))
    for x in inputs:
        assert x.grad is None or x.grad.dtype == mg.float32


def test_relu_backward_with_non_finite_values_follows_threshold_backward():
    # PyTorch's rule: 0 where the output is <= 0 (even for an inf/NaN gradient), else the gradient
    # (also for a NaN output, since NaN <= 0 is false)
    x = mg.tensor([-1.0, 0.0, 2.0, float("nan"), float("-inf"), float("inf")], requires_grad=True)
    g = mg.tensor([1.0, 2.0, 3.0, 4.0, float("inf"), float("nan")])
    y = mg.relu(x)
    y.backward(g)
    np.testing.assert_array_equal(y.detach().numpy(), [0.0, 0.0, 2.0, np.nan, 0.0, np.inf])
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0, 3.0, 4.0, 0.0, np.nan])
    big = mg.tensor(np.where(np.arange(1000) % 2 == 0, -1.0, 1.0).astype(np.float32), requires_grad=True)
    mg.relu(big).backward(mg.full((1000,), float("inf")))  # the fast path must not turn inf·0 into NaN
    np.testing.assert_array_equal(big.grad.numpy(), np.where(np.arange(1000) % 2 == 0, 0.0, np.inf))
