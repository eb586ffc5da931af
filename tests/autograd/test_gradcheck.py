"""gradcheck / gradgradcheck / numerical_grad, functional (jacobian, hessian, vjp, jvp, hvp) and
detect_anomaly: each checked against analytic derivatives, and shown to reject wrong backwards."""
import numpy as np
import pytest

import microgradnd as mg
from microgradnd.autograd import functional as AF
from microgradnd.autograd.gradcheck import GradcheckError
from microgradnd.ops.shape import permute


class TransposeWithWrongBackward(mg.autograd.Function):
    """A transpose whose backward reshapes instead of transposing: right shape, wrong values."""

    @staticmethod
    def forward(ctx, x):
        ctx.shape = x.shape
        return permute(x, (1, 0))

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.shape)


class TransposeWithRightBackward(mg.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return permute(x, (1, 0))

    @staticmethod
    def backward(ctx, grad):
        return permute(grad, (1, 0))


def test_gradcheck_rejects_a_transpose_whose_backward_reshapes():
    x = mg.randn(3, 4, dtype=mg.float64, requires_grad=True)
    with pytest.raises(GradcheckError, match=r"Jacobian mismatch for input 0 \(shape \(3, 4\)\) at element"):
        mg.autograd.gradcheck(TransposeWithWrongBackward.apply, (x,))
    assert mg.autograd.gradcheck(TransposeWithWrongBackward.apply, (x,), raise_exception=False) is False
    assert mg.autograd.gradcheck(TransposeWithRightBackward.apply, (x,)) is True


def test_gradcheck_reports_the_worst_element_and_both_values():
    class Off(mg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            wrong = mg.tensor(np.where(np.arange(x.numel()).reshape(x.shape) == 4, 5.0, 0.0))
            return g * (x * 2 + wrong)

    x = mg.tensor(np.linspace(-1, 1, 6).reshape(2, 3), requires_grad=True)
    with pytest.raises(GradcheckError) as info:
        mg.autograd.gradcheck(Off.apply, (x,))
    message = str(info.value)
    assert "element (1, 1)" in message and "analytic" in message and "numerical" in message
    assert "1 of 6 elements differ" in message


def test_gradcheck_passes_on_composites_and_uses_a_random_upstream_gradient():
    # sum's gradient is all ones under an all-ones upstream: a backward that ignores its upstream
    # gradient passes that check but not a random one
    class IgnoresUpstream(mg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1.0

        @staticmethod
        def backward(ctx, g):
            return mg.ones_like(g)

    x = mg.randn(5, dtype=mg.float64, requires_grad=True)
    with pytest.raises(GradcheckError):
        mg.autograd.gradcheck(IgnoresUpstream.apply, (x,))
    y = mg.randn(5, 1, dtype=mg.float64, requires_grad=True)
    assert mg.autograd.gradcheck(lambda a, b: mg.softmax(a * b, dim=0).log() @ a, (x, y))


def test_gradcheck_random_direction_check_catches_errors_in_large_inputs():
    class ScaledBackward(mg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1.0

        @staticmethod
        def backward(ctx, g):
            return g * 1.1

    big = mg.randn(200, 200, dtype=mg.float64, requires_grad=True)  # 40,000 elements
    with pytest.raises(GradcheckError, match="random direction"):
        mg.autograd.gradcheck(ScaledBackward.apply, (big,), max_elements=100)
    assert mg.autograd.gradcheck(lambda a: (a * a).sum(1), (big,), max_elements=100)


def test_gradcheck_needs_an_input_requiring_grad():
    with pytest.raises(ValueError):
        mg.autograd.gradcheck(lambda a: a * 2, (mg.ones(2, dtype=mg.float64),))


def test_gradcheck_detects_a_function_that_mutates_its_input():
    def mutating(a):
        with mg.no_grad():
            a._data[...] += 1.0
        return a * 2

    x = mg.ones(3, dtype=mg.float64, requires_grad=True)
    with pytest.raises(GradcheckError, match="modified"):
        mg.autograd.gradcheck(mutating, (x,))


def test_gradcheck_float32_inputs_are_checked_in_float64():
    x = mg.randn(3, requires_grad=True)
    assert mg.autograd.gradcheck(lambda a: mg.tanh(a) * a, (x,))
    assert x.dtype == mg.float32


def test_numerical_grad_matches_analytic():
    x = mg.tensor([0.3, -1.2, 2.0], dtype=mg.float64)
    (g,) = mg.autograd.numerical_grad(lambda a: (a ** 3).sum(), (x,))
    np.testing.assert_allclose(g, 3 * x._data ** 2, rtol=1e-7)


def test_gradgradcheck_accepts_correct_and_rejects_wrong_second_derivative():
    x = mg.randn(4, dtype=mg.float64, requires_grad=True)
    assert mg.autograd.gradgradcheck(lambda a: mg.sin(a) * a ** 2, (x,))

    class CubeWithConstantBackward(mg.autograd.Function):
        """x³ whose backward is right in value but built from a detached 3x² (no second derivative)."""

        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a ** 3

        @staticmethod
        def backward(ctx, g):
            (a,) = ctx.saved_tensors
            return g * mg.tensor(3 * a._data ** 2)

    assert mg.autograd.gradcheck(CubeWithConstantBackward.apply, (x,))
    with pytest.raises(GradcheckError):
        mg.autograd.gradgradcheck(CubeWithConstantBackward.apply, (x,))


def test_jacobian_matches_analytic():
    x = mg.tensor([0.5, -1.0, 2.0], dtype=mg.float64)
    J = AF.jacobian(lambda a: a.exp() * a.sum(), x)
    xv = x._data
    expected = np.diag(np.exp(xv)) * xv.sum() + np.exp(xv)[:, None] * np.ones((1, 3))
    np.testing.assert_allclose(J._data, expected)
    assert not J.requires_grad
    Ja, Jb = AF.jacobian(lambda a, b: a * b, (x, x * 2))
    np.testing.assert_allclose(Ja._data, np.diag(2 * xv))
    np.testing.assert_allclose(Jb._data, np.diag(xv))


def test_hessian_matches_analytic():
    x = mg.tensor([0.5, -1.2, 2.0], dtype=mg.float64)
    H = AF.hessian(lambda a: (a ** 3).sum() + a[0] * a[1], x)
    expected = np.diag(6 * x._data)
    expected[0, 1] = expected[1, 0] = 1.0
    np.testing.assert_allclose(H._data, expected)


def test_vjp_jvp_hvp_match_analytic():
    x = mg.tensor([0.5, -1.2, 2.0], dtype=mg.float64)
    v = mg.tensor([1.5, 0.3, -0.7], dtype=mg.float64)

    def f(a):
        return a.exp() * a.sum()

    J = AF.jacobian(f, x)._data
    out, vj = AF.vjp(f, x, v)
    np.testing.assert_allclose(out._data, f(x)._data)
    np.testing.assert_allclose(vj._data, v._data @ J)
    _, jv = AF.jvp(f, x, v)
    np.testing.assert_allclose(jv._data, J @ v._data)
    _, hv = AF.hvp(lambda a: (a ** 3).sum(), x, v)
    np.testing.assert_allclose(hv._data, 6 * x._data * v._data)


def test_detect_anomaly_names_the_op_whose_backward_produced_nan():
    x = mg.tensor([0.0, 1.0], requires_grad=True)
    with mg.autograd.detect_anomaly():
        y = mg.sqrt(x) * 0.0  # sqrt's backward at 0: 0 / 0 -> nan ... via the mul by 0 upstream
        with pytest.raises(RuntimeError, match="SqrtBackward"):
            y.sum().backward()
    # outside the context the same backward just produces nan, like PyTorch
    x.grad = None
    (mg.sqrt(x) * 0.0).sum().backward()
    assert np.isnan(x.grad._data[0])


def test_detect_anomaly_inf_and_restores_state():
    x = mg.tensor([0.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="LogBackward"):
        with mg.autograd.detect_anomaly():
            mg.log(x).sum().backward()
    x.grad = None
    mg.log(x).sum().backward()
    assert np.isinf(x.grad._data[0])
