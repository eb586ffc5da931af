"""The backward engine's rules, as PyTorch has them: seeds, retain_graph, accumulation, retain_grad,
hooks, detach, grad modes, autograd.grad with higher derivatives, version counters."""
import numpy as np
import pytest

import microgradnd as mg


def test_non_scalar_backward_needs_gradient():
    x = mg.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        (x * 2).backward()
    (x * 2).backward(mg.tensor([1.0, 2.0, 3.0]))
    assert x.grad.tolist() == [2.0, 4.0, 6.0]


def test_single_element_non_scalar_output_backward_without_gradient():
    x = mg.tensor([3.0], requires_grad=True)
    (x * x).backward()
    assert x.grad.tolist() == [6.0]


def test_gradient_shape_must_match_output():
    x = mg.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="shape"):
        (x * 2).backward(mg.ones(3))


def test_backward_of_tensor_without_graph_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        (mg.ones(2) * 2).sum().backward()


def test_second_backward_through_freed_buffers_says_retain_graph():
    x = mg.ones(3, requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()


def test_second_backward_through_ops_that_saved_nothing_works():
    # PyTorch only complains when a node saved something; add and sum save nothing
    x = mg.ones(3, requires_grad=True)
    y = (x + x).sum()
    y.backward()
    y.backward()
    assert x.grad.tolist() == [4.0, 4.0, 4.0]


def test_retain_graph_allows_second_backward_and_accumulates():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.tolist() == [4.0, 8.0]


def test_leaf_grad_accumulates_until_zeroed():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    (x * x).sum().backward()
    assert x.grad.tolist() == [5.0, 7.0]
    x.grad.zero_()
    (x * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]
    x.grad = None
    (x * 2).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]


def test_grad_is_summed_over_every_use_of_a_tensor():
    x = mg.tensor(3.0, requires_grad=True)
    y = x * x + x * 2 + x
    y.backward()
    assert x.grad.item() == 9.0


def test_non_leaf_grad_only_with_retain_grad():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    k = x * 3
    k.retain_grad()
    y = (h * h).sum() + k.sum()
    y.backward()
    assert h.grad is None
    assert k.grad.tolist() == [1.0, 1.0]
    assert k.retains_grad and not h.retains_grad
    assert not h.is_leaf and x.is_leaf
    assert x.grad.tolist() == [11.0, 19.0]


def test_retain_grad_on_leaf_is_a_no_op_and_on_no_grad_tensor_raises():
    x = mg.ones(2, requires_grad=True)
    x.retain_grad()
    (x * 2).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]
    with pytest.raises(RuntimeError):
        mg.ones(2).retain_grad()


def test_hooks_on_leaf_and_non_leaf_can_replace_the_gradient():
    x = mg.ones(3, requires_grad=True)
    seen = []
    x.register_hook(lambda g: seen.append(g.tolist()) or g * 10)
    h = x * 2
    h.register_hook(lambda g: g + 1)
    (h * h).sum().backward()
    # dy/dh = 2h = 4, the hook adds 1 -> 5; dh/dx = 2 -> 10; the leaf hook sees 10 and returns 100
    assert seen == [[10.0, 10.0, 10.0]]
    assert x.grad.tolist() == [100.0, 100.0, 100.0]


def test_hook_handle_remove():
    x = mg.ones(2, requires_grad=True)
    handle = x.register_hook(lambda g: g * 10)
    handle.remove()
    handle.remove()
    (x * 2).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]


def test_hook_on_tensor_without_grad_raises():
    with pytest.raises(RuntimeError):
        mg.ones(2).register_hook(lambda g: g)


def test_detach_shares_data_and_leaves_the_graph():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    d = h.detach()
    assert not d.requires_grad and d.is_leaf and d.grad_fn is None
    assert np.shares_memory(d._data, h._data)
    y = (h * d).sum()  # d is a constant
    y.backward()
    assert x.grad.tolist() == [4.0, 8.0]


def test_requires_grad_flag_rules():
    x = mg.ones(3).requires_grad_()
    assert x.requires_grad and x.is_leaf
    assert x.requires_grad_(False).requires_grad is False
    with pytest.raises(RuntimeError, match="floating point"):
        mg.tensor([1, 2], requires_grad=True)
    with pytest.raises(RuntimeError, match="floating point"):
        mg.tensor([1, 2]).requires_grad_()
    y = mg.ones(2, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="leaf"):
        y.requires_grad_(False)


def test_no_grad_enable_grad_set_grad_enabled_as_context_and_decorator():
    x = mg.ones(3, requires_grad=True)
    with mg.no_grad():
        a = x * 2
        assert not mg.is_grad_enabled()
        with mg.enable_grad():
            b = x * 2
    assert mg.is_grad_enabled()

    @mg.no_grad()
    def f():
        return x * 2

    @mg.enable_grad()
    def g():
        return x * 2

    with mg.set_grad_enabled(False):
        c = x * 2
    mg.set_grad_enabled(False)
    d = x * 2
    mg.set_grad_enabled(True)
    with mg.no_grad():
        e = g()
    assert [a.requires_grad, b.requires_grad, f().requires_grad, c.requires_grad, d.requires_grad,
            e.requires_grad] == [False, True, False, False, False, True]
    assert mg.is_grad_enabled()


def test_no_grad_restores_mode_after_exception():
    with pytest.raises(ValueError):
        with mg.no_grad():
            raise ValueError("boom")
    assert mg.is_grad_enabled()


def test_autograd_grad_first_second_third_derivatives():
    x = mg.tensor([1.5, -0.5], dtype=mg.float64, requires_grad=True)
    y = (x ** 4).sum()
    (g1,) = mg.autograd.grad(y, x, create_graph=True)
    (g2,) = mg.autograd.grad(g1.sum(), x, create_graph=True)
    (g3,) = mg.autograd.grad(g2.sum(), x)
    xv = np.array([1.5, -0.5])
    np.testing.assert_allclose(g1._data, 4 * xv ** 3)
    np.testing.assert_allclose(g2._data, 12 * xv ** 2)
    np.testing.assert_allclose(g3._data, 24 * xv)
    assert x.grad is None  # autograd.grad leaves .grad alone


def test_autograd_grad_of_composite_functions_third_order():
    x = mg.tensor(0.7, dtype=mg.float64, requires_grad=True)
    y = mg.sin(x) * mg.exp(x)
    (d1,) = mg.autograd.grad(y, x, create_graph=True)
    (d2,) = mg.autograd.grad(d1, x, create_graph=True)
    (d3,) = mg.autograd.grad(d2, x)
    v = 0.7
    # (e^x sin x)' = e^x (sin + cos), '' = 2 e^x cos, ''' = 2 e^x (cos - sin)
    np.testing.assert_allclose(d1.item(), np.exp(v) * (np.sin(v) + np.cos(v)))
    np.testing.assert_allclose(d2.item(), 2 * np.exp(v) * np.cos(v))
    np.testing.assert_allclose(d3.item(), 2 * np.exp(v) * (np.cos(v) - np.sin(v)))


def test_backward_with_create_graph_gives_differentiable_grad():
    x = mg.tensor([2.0], requires_grad=True)
    (x ** 3).backward(create_graph=True)
    g = x.grad
    assert g.requires_grad and g.tolist() == [12.0]
    x.grad = None
    g.backward()
    assert x.grad.tolist() == [12.0]  # d(3x²)/dx = 6x


def test_autograd_grad_unused_inputs_and_grad_outputs():
    x = mg.ones(2, requires_grad=True)
    z = mg.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="allow_unused"):
        mg.autograd.grad((x * 2).sum(), [x, z])
    gx, gz = mg.autograd.grad((x * 2).sum(), [x, z], allow_unused=True)
    assert gx.tolist() == [2.0, 2.0] and gz is None
    (g,) = mg.autograd.grad(x * 3, x, grad_outputs=mg.tensor([1.0, 2.0]))
    assert g.tolist() == [3.0, 6.0]
    with pytest.raises(RuntimeError):
        mg.autograd.grad((x * 2).sum(), mg.ones(2))


def test_autograd_grad_wrt_non_leaf():
    x = mg.ones(2, requires_grad=True)
    h = x * 3
    (g,) = mg.autograd.grad((h * h).sum(), h)
    assert g.tolist() == [6.0, 6.0]


def test_autograd_backward_with_several_outputs_and_inputs_argument():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    z = mg.tensor([3.0, 4.0], requires_grad=True)
    mg.autograd.backward([(x * z).sum(), x.sum()])
    assert x.grad.tolist() == [4.0, 5.0]
    x.grad = None
    z.grad = None
    (x * z).sum().backward(inputs=[x])
    assert x.grad.tolist() == [3.0, 4.0] and z.grad is None


def test_in_place_change_of_saved_tensor_raises_with_its_name():
    x = mg.ones(3, requires_grad=True)
    w = mg.ones(3)
    y = (x * w).sum()
    w += 1  # w needs no grad: modified in place, version bumped
    with pytest.raises(RuntimeError, match=r"modified by an inplace operation.*MulBackward"):
        y.backward()


@pytest.mark.parametrize("modify", [
    lambda t: t.zero_(), lambda t: t.fill_(2.0), lambda t: t.copy_(mg.zeros(3)),
    lambda t: t.__setitem__(0, 5.0), lambda t: t.add_(1.0), lambda t: t.mul_(2.0),
])
def test_in_place_change_under_no_grad_of_needed_output_raises(modify):
    x = mg.ones(3, requires_grad=True)
    h = mg.exp(x)  # exp's backward reads its output
    y = h.sum()
    with mg.no_grad():
        modify(h)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


def test_in_place_change_of_tensor_not_needed_by_backward_is_fine():
    x = mg.ones(3, requires_grad=True)
    w = mg.ones(3)
    y = (x + w).sum()  # add saves nothing
    w.fill_(2.0)
    y.backward()
    assert x.grad.tolist() == [1.0, 1.0, 1.0]


def test_versions_bump_on_every_in_place_op():
    t = mg.zeros(3)
    v = t._version
    t.add_(1.0)
    t += 1
    t[0] = 3.0
    t.zero_()
    assert t._version == v + 4


def test_sgd_step_under_no_grad_on_leaf():
    p = mg.tensor([1.0, 2.0], requires_grad=True)
    for _ in range(3):
        loss = (p * p).sum()
        loss.backward()
        with mg.no_grad():
            p -= 0.1 * p.grad
        p.grad.zero_()
    np.testing.assert_allclose(p._data, np.array([1.0, 2.0]) * 0.8 ** 3, rtol=1e-6)
    assert p.is_leaf and p.requires_grad and p.grad_fn is None


def test_in_place_on_leaf_requiring_grad_outside_no_grad_raises():
    p = mg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place operation"):
        p += 1
    with pytest.raises(RuntimeError, match="leaf Variable"):
        p[0] = 1.0
    with pytest.raises(RuntimeError, match="leaf Variable"):
        p.zero_()


def test_in_place_on_non_leaf_is_recorded():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    h += 1
    h *= 3
    h.sum().backward()
    assert x.grad.tolist() == [6.0, 6.0]


def test_setitem_on_graph_tensor_routes_gradients():
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    v = mg.tensor(5.0, requires_grad=True)
    h = x * 2
    h[1:] = v
    (h * h).sum().backward()
    assert h.tolist() == [2.0, 5.0, 5.0]
    assert x.grad.tolist() == [8.0, 0.0, 0.0]
    assert v.grad.item() == 20.0


def test_setitem_constant_into_tensor_that_needs_no_grad():
    t = mg.zeros(2, 3)
    t[0, 1:] = mg.tensor([1.0, 2.0])
    t[t == 0] = -1.0
    assert t.tolist() == [[-1.0, 1.0, 2.0], [-1.0, -1.0, -1.0]]


def test_add_grad_tensor_into_constant_records():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    c = mg.zeros(2)
    c += x
    c.sum().backward()
    assert x.grad.tolist() == [1.0, 1.0] and c.requires_grad and not c.is_leaf


def test_in_place_dtype_rules():
    c = mg.zeros(2, dtype=mg.int64)
    with pytest.raises(RuntimeError, match="can't be cast"):
        c += 1.5
    with pytest.raises(RuntimeError, match="can't be cast"):
        c /= 2
    c += 2
    assert c.tolist() == [2, 2] and c.dtype == mg.int64
    f = mg.zeros(2)
    f += mg.ones(2, dtype=mg.float64)
    assert f.dtype == mg.float32


def test_deep_chain_of_100000_ops_at_default_recursion_limit():
    import sys

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)
    try:
        x = mg.tensor(1.0, dtype=mg.float64, requires_grad=True)
        y = x
        for _ in range(100_000):
            y = y + 0.0
        y = y * 2.0
        y.backward()
        assert x.grad.item() == 2.0
        del y
    finally:
        sys.setrecursionlimit(limit)


def test_saved_arrays_are_freed_after_backward():
    import gc
    import weakref

    x = mg.randn(4, 5, requires_grad=True)
    y = x.max()
    mask = weakref.ref(y.grad_fn.__dict__["mask"])
    y.backward()
    gc.collect()
    assert mask() is None
    assert y.grad_fn.inputs[0] is x  # the structure a drawing needs stays


def test_custom_function_saved_tensor_freed_after_backward_and_kept_with_retain_graph():
    import weakref

    class Triple(mg.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a * 3)
            return a * 2

        @staticmethod
        def backward(ctx, g):
            (saved,) = ctx.saved_tensors
            assert saved.shape == g.shape
            return g * 2

    x = mg.randn(3, requires_grad=True)
    y = Triple.apply(x)
    ref = weakref.ref(y.grad_fn._saved[0]._data)
    y.sum().backward(retain_graph=True)
    assert ref() is not None
    y.sum().backward()
    assert ref() is None
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.sum().backward()


def test_cuda_and_devices():
    assert mg.cuda.is_available() is False
    t = mg.ones(2)
    assert t.to("cpu") is t and t.cpu() is t
    assert str(t.device) == "cpu" and str(mg.device("cpu")) == "cpu"
    assert t.to(mg.device("cpu"), mg.float64).dtype == mg.float64
    device = mg.device("cuda" if mg.cuda.is_available() else "cpu")
    assert t.to(device).device == device
    with pytest.raises(RuntimeError, match="not available"):
        t.to("cuda")
    assert t.to(mg.float64).dtype == mg.float64
    assert t.double().dtype == mg.float64 and t.long().dtype == mg.int64
    assert t.double().float().dtype == mg.float32


def test_dtype_conversion_is_differentiable_between_floats_only():
    x = mg.ones(2, requires_grad=True)
    y = x.double() * 3
    y.sum().backward()
    assert x.grad.dtype == mg.float32 and x.grad.tolist() == [3.0, 3.0]
    assert not x.long().requires_grad


def test_comparisons_and_argmax_have_no_grad():
    x = mg.tensor([1.0, -2.0], requires_grad=True)
    for t in (x > 0, x == 1.0, x <= x, x != 0):
        assert t.dtype == mg.bool and not t.requires_grad
    assert not x.argmax().requires_grad


def test_numpy_refuses_tensor_requiring_grad():
    with pytest.raises(RuntimeError, match="detach"):
        mg.ones(2, requires_grad=True).numpy()
    assert mg.ones(2, requires_grad=True).detach().numpy().tolist() == [1.0, 1.0]


def test_inference_mode_and_legacy_variable():
    x = mg.ones(2, requires_grad=True)
    with mg.inference_mode():
        assert not mg.is_grad_enabled() and not (x * 2).requires_grad
    with mg.inference_mode(False):
        assert mg.is_grad_enabled()

    @mg.inference_mode()
    def predict():
        return x * 2

    assert not predict().requires_grad and mg.is_grad_enabled()
    v = mg.autograd.Variable(mg.ones(2), requires_grad=True)
    assert v.requires_grad and v.is_leaf


def test_leaf_grad_never_aliases_another_leaf_the_callers_gradient_or_a_hooks_copy():
    # a gradient array is handed to .grad without a copy only when nothing else holds it
    a = mg.randn(3, requires_grad=True)
    b = mg.randn(3, requires_grad=True)
    (a + b).backward(mg.ones(3))  # Add passes one gradient tensor to both leaves
    assert not np.shares_memory(a.grad.numpy(), b.grad.numpy())
    seed = mg.ones(3)
    c = mg.randn(3, requires_grad=True)
    c.backward(seed)  # the caller's gradient straight to the leaf
    (c + 0.0).backward(seed)  # and through an op that passes it on
    np.testing.assert_array_equal(seed.numpy(), np.ones(3, dtype=np.float32))  # untouched by accumulation
    np.testing.assert_array_equal(c.grad.numpy(), np.full(3, 2.0, dtype=np.float32))
    kept = []
    d = mg.randn(2, 3, requires_grad=True)
    d.register_hook(lambda g: kept.append(g))
    (d * 3.0).sum().backward()
    (d * 3.0).sum().backward()  # the second pass adds into d.grad in place
    np.testing.assert_array_equal(kept[0].numpy(), np.full((2, 3), 3.0, dtype=np.float32))
    np.testing.assert_array_equal(d.grad.numpy(), np.full((2, 3), 6.0, dtype=np.float32))


def test_fresh_gradient_becomes_grad_without_a_copy():
    ids = []

    class Twice(mg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2.0

        @staticmethod
        def backward(ctx, grad):
            g = grad * 2.0
            ids.append(id(g.numpy()))  # the id only: holding the array would force a copy
            return g

    w = mg.randn(4, 3, requires_grad=True)
    Twice.apply(w).backward(mg.ones(4, 3))
    assert id(w.grad.numpy()) == ids[0]  # the very array backward made, not a copy of it
    np.testing.assert_array_equal(w.grad.numpy(), np.full((4, 3), 2.0, dtype=np.float32))
    Twice.apply(w).backward(mg.ones(4, 3))  # accumulates in place into it
    assert id(w.grad.numpy()) == ids[0]
    np.testing.assert_array_equal(w.grad.numpy(), np.full((4, 3), 4.0, dtype=np.float32))


def test_grad_mode_is_per_thread_like_pytorch():
    import threading

    inside, release = threading.Event(), threading.Event()
    seen = {}

    def other():
        seen["start"] = mg.is_grad_enabled()  # a new thread starts with recording on
        with mg.no_grad():
            inside.set()
            release.wait(5)
            seen["inside"] = mg.is_grad_enabled()

    t = threading.Thread(target=other)
    t.start()
    assert inside.wait(5)
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3  # recorded here while the other thread is inside no_grad
    release.set()
    t.join()
    assert mg.is_grad_enabled() and y.requires_grad and y.grad_fn is not None
    assert seen == {"start": True, "inside": False}
    with mg.no_grad():
        t2 = threading.Thread(target=lambda: seen.update(fresh=mg.is_grad_enabled()))
        t2.start()
        t2.join()
    assert seen["fresh"] is True


def test_summing_infinite_gradients_of_a_leaf_warns_nothing():
    import warnings

    x = mg.tensor([1.0], requires_grad=True)
    y = x * mg.tensor([np.inf]) + x * mg.tensor([-np.inf])  # x used twice: +inf and -inf arrive
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y.sum().backward()
    assert np.isnan(x.grad.numpy()).all()
