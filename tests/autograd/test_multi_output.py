"""Custom Functions whose forward returns several outputs (``autograd/multi_output.py``)."""
import numpy as np
import pytest

import microgradnd as mg


class SinCos(mg.autograd.Function):
    """(sin(x)·y, Σ_rows (cos(x) + y), 7): two differentiable outputs of different shapes and a
    non-Tensor one."""

    calls = []

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return x.sin() * y, (x.cos() + y).sum(dim=0), 7

    @staticmethod
    def backward(ctx, ga, gb, gc):
        SinCos.calls.append((ga, gb, gc))
        x, y = ctx.saved_tensors
        return ga * x.cos() * y - gb * x.sin(), ga * x.sin() + gb


def _inputs():
    x = mg.tensor([[1.0, 5.0, 2.0], [4.0, 0.0, -1.0]], dtype=mg.float64, requires_grad=True)
    y = mg.tensor([[0.5, 1.0, 2.0], [3.0, -1.0, 0.25]], dtype=mg.float64, requires_grad=True)
    return x, y


def test_outputs_values_names_and_non_tensor_output():
    x, y = _inputs()
    a, b, c = SinCos.apply(x, y)
    xn, yn = x.detach().numpy(), y.detach().numpy()
    np.testing.assert_allclose(a.detach().numpy(), np.sin(xn) * yn)
    np.testing.assert_allclose(b.detach().numpy(), (np.cos(xn) + yn).sum(axis=0))
    assert c == 7 and a.shape == (2, 3) and b.shape == (3,)
    assert a.grad_fn.name() == b.grad_fn.name() == "SinCosBackward"
    assert a.requires_grad and b.requires_grad


def test_gradients_of_both_outputs_and_of_one():
    x, y = _inputs()
    xn, yn = x.detach().numpy(), y.detach().numpy()
    a, b, _ = SinCos.apply(x, y)
    (2 * a.sum() + (b * b).sum()).backward()
    gb = 2 * (np.cos(xn) + yn).sum(axis=0)  # d/db of Σ b², broadcast over the rows
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.cos(xn) * yn - gb * np.sin(xn))
    np.testing.assert_allclose(y.grad.numpy(), 2 * np.sin(xn) + gb)

    x, y = _inputs()
    SinCos.calls.clear()
    _, b, _ = SinCos.apply(x, y)
    b.sum().backward()  # a gets no gradient: backward receives zeros for it, None for the int
    ga, gb_seen, gc = SinCos.calls[-1]
    assert gc is None and ga.shape == (2, 3) and not ga.numpy().any()
    assert gb_seen.tolist() == [1.0, 1.0, 1.0]
    np.testing.assert_allclose(x.grad.numpy(), -np.sin(xn))
    np.testing.assert_allclose(y.grad.numpy(), np.ones((2, 3)))


def test_gradcheck_and_second_derivatives_through_several_outputs():
    x, y = _inputs()

    def both(p, q):
        a, b, _ = SinCos.apply(p, q)
        return a.sum() * 0.5 + (b * b.exp()).sum()

    assert mg.autograd.gradcheck(both, (x, y))
    assert mg.autograd.gradgradcheck(both, (x, y))


def test_marked_and_integer_outputs_get_no_gradient_and_zeros_in_backward():
    seen = []

    class MaxWithIndex(mg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            values, index = x.max(dim=1)
            doubled = values * 2
            ctx.save_for_backward(x, index)
            ctx.mark_non_differentiable(doubled)
            return values, index, doubled

        @staticmethod
        def backward(ctx, g_values, g_index, g_doubled):
            seen.append((g_index, g_doubled))
            x, index = ctx.saved_tensors
            g = mg.zeros_like(x)
            g[mg.arange(x.shape[0]), index] = g_values
            return g

    x = mg.tensor([[1.0, 5.0, 2.0], [4.0, 0.0, -1.0]], requires_grad=True)
    values, index, doubled = MaxWithIndex.apply(x)
    assert values.requires_grad and not index.requires_grad and not doubled.requires_grad
    assert index.dtype == mg.int64 and index.tolist() == [1, 0] and doubled.tolist() == [10.0, 8.0]
    values.sum().backward()
    assert x.grad.tolist() == [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]
    g_index, g_doubled = seen[-1]
    assert g_index.tolist() == [0, 0] and g_doubled.tolist() == [0.0, 0.0]


def test_single_output_marked_non_differentiable_is_not_recorded():
    class Round(mg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            out = x.round()
            ctx.mark_non_differentiable(out)
            return out

        @staticmethod
        def backward(ctx, g):
            return g

    out = Round.apply(mg.tensor([1.4, 2.6], requires_grad=True))
    assert out.tolist() == [1.0, 3.0] and not out.requires_grad and out.grad_fn is None


def test_outputs_are_separate_tensors_and_nothing_is_recorded_without_grad():
    x, y = _inputs()
    a, b, _ = SinCos.apply(x, y)
    before = b.detach().numpy().copy()
    with mg.no_grad():
        a.zero_()  # an output's memory is its own: the other output is untouched
    np.testing.assert_array_equal(b.detach().numpy(), before)
    with mg.no_grad():
        out = SinCos.apply(x, y)
    assert isinstance(out, tuple) and len(out) == 3 and out[0].grad_fn is None


def test_several_outputs_match_pytorch():
    torch = pytest.importorskip("torch")
    grads = {}
    for lib in (mg, torch):
        class Split(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x.exp(), x * x

            @staticmethod
            def backward(ctx, g_exp, g_square):
                (x,) = ctx.saved_tensors
                return g_exp * x.exp() + g_square * 2 * x

        x = lib.tensor([0.5, -1.0, 2.0], dtype=lib.float64, requires_grad=True)
        e, s = Split.apply(x)
        (e * s).sum().backward()
        grads[lib.__name__] = (x.grad.tolist(), e.grad_fn.name())
    assert grads["microgradnd"][1] == grads["torch"][1] == "SplitBackward"
    np.testing.assert_allclose(grads["microgradnd"][0], grads["torch"][0], rtol=1e-12)


def test_a_multi_output_graph_can_be_drawn_stepped_and_explained():
    x, y = _inputs()
    a, b, _ = SinCos.apply(x, y)
    loss = a.sum() + b.sum()
    loss.backward(retain_graph=True)
    assert "SinCos" in mg.draw_graph(loss).source
    steps = list(mg.autograd.backward_steps(loss))
    assert len(steps) == len(mg.autograd.topological_order([loss]))
    text = mg.explain(loss, x, index=(0, 1))
    xn, yn = x.detach().numpy(), y.detach().numpy()
    expected = np.cos(xn[0, 1]) * yn[0, 1] - np.sin(xn[0, 1])  # via a, plus via b
    assert f"{expected:.8f}" in text and f"{x.grad.numpy()[0, 1]:.8f}" == f"{expected:.8f}"
