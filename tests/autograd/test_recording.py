"""How ops are recorded (``autograd.function``): the node fields every path sets, the floating-point
context forwards run in, the scratch ctx of unrecorded ops, and which inputs an op's backward reads;
and how the engine finds the node that made an input when an in-place op or ``detach_`` replaced it.

Values are what PyTorch 2.13 gives for the same lines."""
import threading
import warnings

import numpy as np
import pytest

import microgradnd as mg
from microgradnd.autograd import function as F
from microgradnd.autograd.function import Node, Op


def _initialised_slots(node):
    names = [n for n in Node.__slots__ if n not in ("__dict__", "__weakref__")]
    return {n for n in names if hasattr(node, n)}


def test_nodes_from_every_apply_path_have_the_same_fields():
    x = mg.tensor([1.0, -2.0], requires_grad=True)
    one_input = x.exp().grad_fn  # Op.apply with one input
    two_inputs = (x * x).grad_fn  # the binary operators' path
    keywords = mg.nn.functional.leaky_relu(x, 0.2).grad_fn  # Op.apply with keyword arguments
    three_inputs = mg.where(x > 0, x, x * 3).grad_fn  # more than two inputs
    by_init = Node(Op, (x,), {})
    by_init.needs_input_grad = (True,)
    expected = _initialised_slots(by_init)
    assert "needs_input_grad" in expected and "seq" in expected
    for node in (one_input, two_inputs, keywords, three_inputs):
        assert _initialised_slots(node) == expected, node.name()
    assert two_inputs.kwargs == {} and one_input.kwargs == {}
    assert keywords.kwargs == {"negative_slope": 0.2}


def test_nodes_are_numbered_in_creation_order():
    x = mg.tensor([1.0], requires_grad=True)
    a = x * 2
    b = a.exp()
    c = b + a
    assert a.grad_fn.seq < b.grad_fn.seq < c.grad_fn.seq


class _Overflow(Op):
    """exp of float32 input: inf past ~88.7 (NumPy would warn outside an ignoring context)."""

    saves_inputs = False

    @staticmethod
    def forward(ctx, x):
        return np.exp(x)

    @staticmethod
    def backward(ctx, grad):
        return grad


class _Nested(Op):
    """A forward that applies another op while it runs (the shared context is then busy)."""

    saves_inputs = False

    @staticmethod
    def forward(ctx, x):
        inner = _Overflow.apply(mg.tensor(x))
        return inner.numpy() * 2

    @staticmethod
    def backward(ctx, grad):
        return grad * 2


def test_forwards_ignore_floating_point_errors_also_when_nested():
    x = mg.tensor([100.0, 1.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = _Nested.apply(x)
        z = _Overflow.apply(x)
    assert np.isinf(y.detach().numpy()[0]) and y.detach().numpy()[1] == pytest.approx(2 * np.e)
    assert np.isinf(z.detach().numpy()[0])
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]
    assert np.geterr()["over"] == "warn"  # the caller's NumPy settings are untouched


def test_forwards_ignore_floating_point_errors_in_several_threads():
    # several threads in forwards at once: one runs in the shared context, the others fall back
    errors = []
    t = mg.tensor([1e30, -1e30, 2.0], requires_grad=True)

    def work():
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                for _ in range(300):
                    out = (t * t) * t
                    assert out.detach().numpy().tolist()[:2] == [np.inf, -np.inf]
                    assert out.detach().numpy()[2] == 8.0
        except BaseException as e:  # noqa: BLE001 (reported to the main thread)
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


class _Failing(Op):
    calls = 0

    @staticmethod
    def forward(ctx, x):
        _Failing.calls += 1
        raise RuntimeError("forward refused this input")

    @staticmethod
    def backward(ctx, grad):
        return grad


def test_a_runtime_error_of_a_forward_propagates_once():
    _Failing.calls = 0
    with pytest.raises(RuntimeError, match="forward refused this input"):
        _Failing.apply(mg.tensor([1.0], requires_grad=True))
    assert _Failing.calls == 1


def test_unrecorded_ops_keep_nothing_on_their_ctx():
    seen = []

    class Keeps(Op):
        saves_inputs = False

        @staticmethod
        def forward(ctx, x):
            ctx.mask = x > 0
            seen.append(ctx)
            return x * 1

        @staticmethod
        def backward(ctx, grad):
            return grad * ctx.mask

    x = mg.tensor([1.0, -1.0], requires_grad=True)
    with mg.no_grad():
        Keeps.apply(x)
    assert not hasattr(seen[-1], "mask")
    y = Keeps.apply(x)  # recorded: the node keeps it for backward
    assert seen[-1] is y.grad_fn and y.grad_fn.mask.tolist() == [True, False]
    y.sum().backward()
    assert x.grad.tolist() == [1.0, 0.0]


# -- which inputs a backward reads (an in-place change of an unread one is fine, as in PyTorch) ----
def test_mul_by_a_constant_does_not_read_the_changed_input():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    w = mg.tensor([3.0, 4.0])  # needs no gradient: d/dy (y·w) reads w only
    y = x * 1
    a = (y * w).sum()
    y.mul_(2)
    a.backward()
    assert x.grad.tolist() == [3.0, 4.0]


def test_mul_reads_the_changed_input_for_the_other_factor():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    w = mg.tensor([3.0, 4.0], requires_grad=True)  # d/dw (y·w) reads y
    y = x * 1
    a = (y * w).sum()
    y.mul_(2)
    with pytest.raises(RuntimeError, match="MulBackward0 needs input 0"):
        a.backward()


def test_matmul_with_a_constant_does_not_read_the_changed_input():
    x = mg.tensor([[1.0, 2.0]], requires_grad=True)
    w = mg.tensor([[3.0], [4.0]])
    y = x * 1
    a = (y @ w).sum()
    y.mul_(2)
    a.backward()
    assert x.grad.tolist() == [[3.0, 4.0]]
    w2 = mg.tensor([[3.0], [4.0]], requires_grad=True)
    y2 = x * 1
    b = (y2 @ w2).sum()
    y2.mul_(2)
    with pytest.raises(RuntimeError, match="MmBackward0 needs input 0"):
        b.backward()


# -- the node that made an input, as the consuming node saw it ---------------------------------------
def test_each_consumer_sees_the_tensor_as_it_was_when_recorded():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1
    a = y * 1
    y.mul_(2)
    b = y * 1
    y.mul_(3)
    c = y * 1
    (a + b + c).sum().backward()
    assert x.grad.tolist() == [9.0, 9.0]  # 1 + 2 + 6


def test_a_rebound_tensor_and_an_earlier_consumer_as_two_outputs():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1
    a = y.sum()
    y.mul_(2)
    mg.autograd.backward([a, y.sum()])
    assert x.grad.tolist() == [3.0, 3.0]


def test_detach_in_place_keeps_the_graph_of_earlier_consumers():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    z = (y * 3).sum()
    y.detach_()
    assert not y.requires_grad and y.grad_fn is None
    z.backward()
    assert x.grad.tolist() == [6.0, 6.0]
    assert y.grad is None  # y did not become a leaf of z's graph


def test_topological_order_follows_the_recorded_producers():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1
    z = y.exp()
    y.mul_(2)
    names = [n.name() for n in mg.autograd.topological_order([z])]
    assert names == ["MulBackward0", "ExpBackward0"]  # not the MulBackward that y.mul_ recorded


class _Float64Grad(mg.autograd.Function):
    """Returns its gradient as float64 whatever the input's dtype."""

    @staticmethod
    def forward(ctx, x):
        return x * 3

    @staticmethod
    def backward(ctx, grad):
        return mg.tensor(grad.numpy().astype(np.float64) * 3, dtype=mg.float64)


def test_a_leaf_used_twice_gets_gradients_cast_to_its_dtype():
    x = mg.tensor([1.0, 2.0], requires_grad=True)  # float32
    (_Float64Grad.apply(x) + _Float64Grad.apply(x) * 2).sum().backward()
    assert x.grad.dtype == mg.float32 and x.grad.tolist() == [9.0, 9.0]


def test_apply_of_an_op_follows_the_arity_of_its_forward():
    class Twice(Op):
        saves_inputs = False

        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad * 2

    class Scaled(Op):
        saves_inputs = False

        @staticmethod
        def forward(ctx, x, k=3.0):
            return x * k

        @staticmethod
        def backward(ctx, grad):
            return grad * ctx.kwargs.get("k", 3.0)

    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = Twice.apply(x) + Scaled.apply(x) + Scaled.apply(x, k=0.5)
    assert y.tolist() == [5.5, 11.0]
    y.sum().backward()
    assert x.grad.tolist() == [5.5, 5.5]
    with pytest.raises(TypeError):
        Twice.apply(x, x)  # forward takes one input


def test_an_in_place_op_that_reads_its_own_target():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1.0
    y.add_(y)  # y's new node reads y as it was: no cycle, one pass
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]
    x2 = mg.tensor([1.0, 2.0], requires_grad=True)
    y2 = x2 * 1.0
    y2.mul_(y2)  # mul reads its inputs: the second one changed under it (PyTorch raises too)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y2.sum().backward()


def test_detaching_a_value_that_backward_reads_raises_like_pytorch():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    t = x * 2
    u = (t * t).sum()  # mul reads t
    t.detach_()
    with pytest.raises(RuntimeError, match="detached in-place"):
        u.backward()
    x2 = mg.tensor([1.0, 2.0], requires_grad=True)
    e = (x2 * 2).exp()  # exp reads its output, not its input
    s = e.sum()
    e.detach_()
    s.backward()  # PyTorch allows it as well
    assert np.allclose(x2.grad.numpy(), 2 * np.exp([2.0, 4.0]))
