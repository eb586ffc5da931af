"""Custom ops through ``mg.autograd.Function`` with PyTorch's API."""
import numpy as np
import pytest

import microgradnd as mg


class ScaledSquare(mg.autograd.Function):
    @staticmethod
    def forward(ctx, x, k):
        ctx.save_for_backward(x)
        ctx.k = k
        return x * x * k

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 2 * x * ctx.k, None


def test_custom_function_forward_backward_and_grad_fn_name():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = ScaledSquare.apply(x, 3.0)
    assert y.tolist() == [3.0, 12.0]
    assert y.grad_fn.name() == "ScaledSquareBackward"
    y.sum().backward()
    assert x.grad.tolist() == [6.0, 12.0]
    assert mg.autograd.gradcheck(lambda a: ScaledSquare.apply(a, 3.0), (x,))


def test_custom_function_without_grad_records_nothing():
    y = ScaledSquare.apply(mg.tensor([1.0]), 2.0)
    assert y.grad_fn is None and not y.requires_grad
    with mg.no_grad():
        y = ScaledSquare.apply(mg.tensor([1.0], requires_grad=True), 2.0)
    assert y.grad_fn is None


def test_needs_input_grad_and_forward_runs_without_recording():
    seen = []

    class Mul(mg.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            seen.append(mg.is_grad_enabled())
            ctx.save_for_backward(a, b)
            out = a * b
            assert out.grad_fn is None
            return out

        @staticmethod
        def backward(ctx, g):
            seen.append(tuple(ctx.needs_input_grad))
            a, b = ctx.saved_tensors
            return (g * b if ctx.needs_input_grad[0] else None), (g * a if ctx.needs_input_grad[1] else None)

    a = mg.ones(2, requires_grad=True)
    b = mg.full((2,), 3.0)
    Mul.apply(a, b).sum().backward()
    assert seen == [False, (True, False)]
    assert a.grad.tolist() == [3.0, 3.0]


def test_custom_function_saved_tensor_modified_in_place_raises():
    x = mg.ones(3, requires_grad=True)
    w = mg.ones(3)

    class UsesW(mg.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            ctx.save_for_backward(b)
            return a * b

        @staticmethod
        def backward(ctx, g):
            (b,) = ctx.saved_tensors
            return g * b, None

    y = UsesW.apply(x, w).sum()
    w.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


def test_custom_function_without_saved_tensors_can_backward_twice():
    class Double(mg.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

    x = mg.ones(2, requires_grad=True)
    y = Double.apply(x).sum()
    y.backward()
    y.backward()
    assert x.grad.tolist() == [4.0, 4.0]


def test_custom_function_wrong_number_of_gradients_raises():
    class Bad(mg.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, g):
            return g

    with pytest.raises(RuntimeError, match="incorrect number of gradients"):
        Bad.apply(mg.ones(2, requires_grad=True), mg.ones(2)).sum().backward()


def test_custom_function_gradient_of_broadcast_input_is_summed_back():
    class Add(mg.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a + b

        @staticmethod
        def backward(ctx, g):
            return g, g

    a = mg.ones(2, 3, requires_grad=True)
    b = mg.ones(3, requires_grad=True)
    Add.apply(a, b).sum().backward()
    assert b.grad.tolist() == [2.0, 2.0, 2.0]


def test_custom_function_backward_with_create_graph_gives_second_derivative():
    x = mg.tensor([1.5], dtype=mg.float64, requires_grad=True)
    y = ScaledSquare.apply(x, 2.0)  # 2x², second derivative 4
    (g,) = mg.autograd.grad(y.sum(), x, create_graph=True)
    (h,) = mg.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(g._data, [6.0])
    np.testing.assert_allclose(h._data, [4.0])


# -- grad_fn introspection: name() and next_functions, as PyTorch's ----------------------------------


def test_built_in_ops_are_named_as_in_pytorch():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    assert (x * 2).grad_fn.name() == "MulBackward0"
    assert x.exp().grad_fn.name() == "ExpBackward0"
    assert mg.relu(x).grad_fn.name() == "ReluBackward0"
    assert "grad_fn=<AddBackward0>" in repr(x + 1)
    assert repr((x * 2).grad_fn).startswith("<MulBackward0 object at 0x")


def test_next_functions_lists_producers_leaves_and_constants():
    a = mg.tensor(2.0, requires_grad=True)
    b = mg.tensor(3.0, requires_grad=True)
    k = mg.tensor(4.0)  # needs no gradient
    c = a * b
    d = c + a
    (first, n0), (second, n1) = d.grad_fn.next_functions
    assert first is c.grad_fn and n0 == n1 == 0
    assert type(second).__name__ == "AccumulateGrad" and second.variable is a
    assert second.name() == "torch::autograd::AccumulateGrad" and second.next_functions == ()
    # one AccumulateGrad per leaf, shared by every node that consumes it (PyTorch's identity)
    assert c.grad_fn.next_functions[0][0] is second
    assert c.grad_fn.next_functions[1][0].variable is b
    assert (a * k).grad_fn.next_functions[1][0] is None
    assert (a * 5).grad_fn.next_functions[1][0] is None


def test_next_functions_shows_the_producer_a_node_was_recorded_with():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1
    made_y = y.grad_fn
    z = y * 2
    y.mul_(3)  # y's grad_fn is now the in-place node; z was recorded with the old one
    assert y.grad_fn is not made_y
    assert z.grad_fn.next_functions[0][0] is made_y
    assert (y + 0).grad_fn.next_functions[0][0] is y.grad_fn


def _walk_names(fn, out):
    if fn is None:
        out.append(None)
        return out
    out.append(fn.name())
    for child, _ in fn.next_functions:
        _walk_names(child, out)
    return out


def test_graph_walk_matches_pytorch():
    torch = pytest.importorskip("torch")
    names = {}
    for lib in (mg, torch):
        a = lib.tensor([1.0, -2.0], requires_grad=True)
        b = lib.tensor([0.5, 3.0], requires_grad=True)
        out = ((a * b + a.exp()).tanh() - lib.sigmoid(b) / b).sum()
        names[lib.__name__] = _walk_names(out.grad_fn, [])
    assert names["microgradnd"] == names["torch"]


def test_grad_fn_names_of_common_layers_and_ops_match_pytorch():
    torch = pytest.importorskip("torch")

    def names(lib):
        nn, F = lib.nn, lib.nn.functional
        x = lib.ones(2, 3, requires_grad=True)
        v = lib.ones(3, requires_grad=True)
        lin, lin_nobias = nn.Linear(3, 2), nn.Linear(3, 2, bias=False)
        cases = [lin(x), lin_nobias(x), lin(x.unsqueeze(0)), x @ x.T, x @ v, v @ v, x.sum(), x.sum(1),
                 F.relu(x), F.log_softmax(x, 1), F.cross_entropy(x, lib.tensor([0, 1])), x.view(6),
                 x.reshape(3, 2), x.flatten(), x.unsqueeze(0), x[0], x[1:], x[x > 0], x ** 2, 2 ** x, x ** x,
                 x.clamp(0, 1), x.double(), x.logsumexp(1), x.permute(1, 0),
                 nn.Conv2d(1, 1, 2)(x.view(1, 1, 2, 3)), F.max_pool2d(x.view(1, 1, 2, 3), 2),
                 F.avg_pool2d(x.view(1, 1, 2, 3), 2), nn.BatchNorm1d(3)(x)]
        return [c.grad_fn.name() for c in cases]

    assert names(mg) == names(torch)
