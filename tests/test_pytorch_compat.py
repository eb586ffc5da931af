"""PyTorch-compatibility regressions found by running course-style PyTorch scripts under microgradnd.

Each test asserts hand-known values (what PyTorch 2.13 prints for the same lines)."""
import warnings

import numpy as np
import pytest

import microgradnd as mg
from microgradnd.ops.loss import binary_cross_entropy_elementwise


# -- in-place ops on a non-leaf that was already consumed ------------------------------------------
def test_inplace_after_use_keeps_earlier_consumers_gradient():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    z = y.sum()  # recorded before the in-place change: its edge goes to MulBackward, as in PyTorch
    y.mul_(3)
    z.backward()
    assert x.grad.tolist() == [2.0, 2.0]


def test_setitem_after_use_keeps_earlier_consumers_gradient():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    w = y[0] + y[1]
    y[0] = 5.0
    w.backward()
    assert x.grad.tolist() == [2.0, 2.0]


def test_iadd_after_use_sums_both_paths():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    z = y.sum()
    y += 1
    (z + y.sum()).backward()
    assert x.grad.tolist() == [4.0, 4.0]


def test_inplace_on_a_saved_input_or_output_raises_like_pytorch():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    z = (y * y).sum()  # mul saved y
    y.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.backward()
    s = x.exp()  # exp saved its output
    s2 = s.sum()
    s.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        s2.backward()


def test_inplace_bumps_version_and_later_backward_is_right():
    x = mg.tensor([1.0, 2.0], dtype=mg.float64, requires_grad=True)
    y = x * 2
    v = y._version
    y.mul_(3)
    assert y._version == v + 1
    y.sigmoid_()  # saves its output: the new version must not trip its own check
    y.sum().backward()
    s = 1 / (1 + np.exp(-6 * np.array([1.0, 2.0])))
    np.testing.assert_allclose(x.grad.data, 6 * s * (1 - s))


# -- binary_cross_entropy: no NumPy warning for any value ------------------------------------------
@pytest.mark.parametrize("dtype", [mg.float32, mg.float64])
def test_bce_elementwise_has_no_numpy_warning_at_special_values(dtype):
    special = [0.0, -0.0, 1.0, 0.5, 1e-300, 1e300, -1e300, np.inf, -np.inf, np.nan, 710.0]
    p, t = np.meshgrid(special, special)
    P = mg.tensor(p.ravel(), dtype=dtype, requires_grad=True)
    T = mg.tensor(t.ravel(), dtype=dtype, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = binary_cross_entropy_elementwise(P, T)
        out.backward(mg.ones_like(out))
    assert P.grad.shape == P.shape and T.grad.shape == T.shape
    at = mg.tensor([0.0, 1.0, 0.5], dtype=dtype, requires_grad=True)
    loss = binary_cross_entropy_elementwise(at, mg.tensor([1.0, 0.0, 1.0], dtype=dtype))
    loss.sum().backward()
    np.testing.assert_allclose(loss.data, [100.0, 100.0, np.log(2)], rtol=1e-6)
    assert np.all(np.isfinite(at.grad.data))


# -- selection ops common in PyTorch scripts (values from PyTorch 2.13) -----------------------------
def test_gather_and_its_gradient():
    a = mg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype=mg.float64, requires_grad=True)
    g = a.gather(1, mg.tensor([[2, 2], [0, 1]]))
    assert g.tolist() == [[3.0, 3.0], [4.0, 5.0]]
    g.sum().backward()
    assert a.grad.tolist() == [[0.0, 0.0, 2.0], [1.0, 1.0, 0.0]]
    x = mg.tensor([0.5, -1.0], dtype=mg.float64, requires_grad=True)
    y = mg.gather(x, 0, mg.tensor([1, 1, 0]))
    (gx,) = mg.autograd.grad((y ** 2).sum(), x, create_graph=True)
    assert gx.tolist() == [1.0, -4.0]
    gx.sum().backward()  # double backward through scatter-add
    assert x.grad.tolist() == [2.0, 4.0]
    with pytest.raises(RuntimeError):
        a.gather(1, mg.tensor([[3, 0], [0, 0]]))


def test_sort_argsort_topk_as_in_an_accuracy_function():
    a = mg.tensor([[0.1, 0.7, 0.2], [0.5, 0.3, 0.9]], requires_grad=True)
    v, i = mg.sort(a, dim=1, descending=True)
    assert i.tolist() == [[1, 2, 0], [2, 0, 1]]
    np.testing.assert_allclose(v.data, [[0.7, 0.2, 0.1], [0.9, 0.5, 0.3]])
    assert a.argsort(dim=0).tolist() == [[0, 1, 0], [1, 0, 1]]
    top = a.topk(2, 1, True, True)
    assert top.indices.tolist() == [[1, 2], [2, 0]]
    top.values.sum().backward()
    assert a.grad.tolist() == [[0.0, 1.0, 1.0], [1.0, 0.0, 1.0]]
    _, pred = a.topk(1, 1)
    assert (pred.t() == mg.tensor([[1, 0]])).sum().item() == 1
    assert mg.topk(a, 1, dim=0, largest=False).indices.tolist() == [[0, 1, 0]]


def test_tril_triu_attention_mask():
    t = 3
    tril = mg.tril(mg.ones(t, t))
    assert tril.tolist() == [[1, 0, 0], [1, 1, 0], [1, 1, 1]]
    assert mg.triu(mg.ones(2, 3), diagonal=1).tolist() == [[0, 1, 1], [0, 0, 1]]
    wei = mg.zeros(t, t).masked_fill(tril == 0, float("-inf")).softmax(dim=-1)
    np.testing.assert_allclose(wei.data, [[1, 0, 0], [0.5, 0.5, 0], [1 / 3, 1 / 3, 1 / 3]], rtol=1e-6)
    x = mg.ones(2, 2, requires_grad=True)
    x.triu().sum().backward()
    assert x.grad.tolist() == [[1.0, 1.0], [0.0, 1.0]]


def test_index_select_masked_select_nonzero():
    a = mg.tensor([[1.0, -2.0], [-3.0, 4.0]])
    assert mg.index_select(a, 1, mg.tensor([1, 1, 0])).tolist() == [[-2.0, -2.0, 1.0], [4.0, 4.0, -3.0]]
    assert a.masked_select(a > 0).tolist() == [1.0, 4.0]
    assert mg.nonzero(a > 0).tolist() == [[0, 0], [1, 1]]
    assert [t.tolist() for t in (a < 0).nonzero(as_tuple=True)] == [[0, 1], [1, 0]]


def test_log1p_expm1_log2_log10_tan_values_and_gradients():
    x = mg.tensor([1e-10, 0.5], dtype=mg.float64, requires_grad=True)
    np.testing.assert_allclose(mg.log1p(x).data, [1e-10 - 5e-21, np.log(1.5)], rtol=1e-15)
    np.testing.assert_allclose(mg.expm1(x).data, [1e-10 + 5e-21, np.exp(0.5) - 1], rtol=1e-15)
    assert mg.log2(mg.tensor([8])).tolist() == [3.0]
    np.testing.assert_allclose(mg.log10(mg.tensor([1000.0], dtype=mg.float64)).data, [3.0], rtol=1e-15)
    (mg.log1p(x) + mg.tan(x)).sum().backward()
    np.testing.assert_allclose(x.grad.data, 1 / (1 + x.data) + 1 / np.cos(x.data) ** 2, rtol=1e-12)
    assert mg.tensor([1, 2]).type_as(x).dtype == mg.float64 and x.ndimension() == 1


def test_flip_takes_dims_as_varargs_list_or_keyword():
    x = mg.arange(6).view(2, 3)
    assert x.flip(0, 1).tolist() == [[5, 4, 3], [2, 1, 0]]
    assert x.flip([1]).tolist() == [[2, 1, 0], [5, 4, 3]]
    assert mg.flip(x, dims=[0]).tolist() == [[3, 4, 5], [0, 1, 2]]
    assert mg.flip(x, (0,)).tolist() == x.flip(0).tolist()


# -- p.data += -lr * p.grad (makemore / micrograd style) -------------------------------------------
def test_data_inplace_update_with_a_tensor_keeps_the_buffer():
    p = mg.tensor([1.0, 2.0], requires_grad=True)
    buffer = p.numpy() if not p.requires_grad else p.detach().numpy()
    (p * p).sum().backward()
    p.data += -0.1 * p.grad  # PyTorch: .data is a detached Tensor sharing the buffer
    assert isinstance(p.data, mg.Tensor) and not p.data.requires_grad
    assert np.shares_memory(p.detach().numpy(), buffer)
    np.testing.assert_allclose(p.data, [0.8, 1.6])
    p.data *= 0.5
    np.testing.assert_allclose(p.detach().numpy(), [0.4, 0.8])
    assert p.requires_grad and p.is_leaf


def test_array_op_tensor_still_gives_a_tensor():
    t = mg.tensor([1.0, 2.0])
    for r in (np.ones(2) + t, np.ones(2) - t, np.float32(2) * t, np.ones(2) / t):
        assert isinstance(r, mg.Tensor)
    assert (np.ones(2) - t).tolist() == [0.0, -1.0]
    assert (np.array([1.0, 3.0]) > t).tolist() == [False, True]
    np.testing.assert_allclose(np.exp(t), np.exp([1.0, 2.0]), rtol=1e-6)  # other ufuncs run on the array


def test_parameter_data_has_pytorchs_inplace_init_methods():
    import microgradnd.nn as nn

    lin = nn.Linear(3, 2)
    lin.weight.data.normal_(0.0, 0.02)
    lin.bias.data.fill_(0.5)
    assert lin.bias.tolist() == [0.5, 0.5]
    lin.bias.data.add_(mg.ones(2), alpha=-0.25)
    assert lin.bias.tolist() == [0.25, 0.25]
    lin.weight.data.copy_(mg.ones(2, 3))
    lin.bias.data.zero_()
    out = lin(mg.ones(1, 3))
    assert out.tolist() == [[3.0, 3.0]]
    assert type(out.data) is mg.Tensor and not out.data.requires_grad and out.requires_grad
    t = mg.ones(2)
    nn.Parameter(t).data.fill_(3.0)  # Parameter(t) shares t's memory
    assert t.tolist() == [3.0, 3.0]
    opt = mg.optim.SGD(lin.parameters(), lr=0.1, momentum=0.9)
    out.sum().backward()
    opt.step()
    lin.weight.data.mul_(0.0)
    assert lin.weight.abs().sum().item() == 0.0


def test_einsum_values_and_gradients():
    a = mg.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=mg.float64, requires_grad=True)
    b = mg.tensor([[0.5, -1.0], [2.0, 0.0]], dtype=mg.float64, requires_grad=True)
    out = mg.einsum("ij,jk->ik", a, b)
    assert out.tolist() == (a.detach() @ b.detach()).tolist()
    out.sum().backward()
    assert a.grad.tolist() == [[-0.5, 2.0], [-0.5, 2.0]] and b.grad.tolist() == [[4.0, 4.0], [6.0, 6.0]]
    assert mg.einsum("ii->i", mg.eye(2)).tolist() == [1.0, 1.0]
    assert mg.einsum("ij->", [a]).item() == 10.0  # operands as one list
    assert mg.einsum("...d,...d->...", a, a).tolist() == [5.0, 25.0]
    assert mg.einsum("b i d, b j d -> b i j", a[None], a[None]).shape == (1, 2, 2)
    x = mg.tensor([1.0, 2.0], dtype=mg.float64, requires_grad=True)
    mg.einsum("i,j->ij", x, mg.tensor([1.0, 1.0, 1.0], dtype=mg.float64)).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]
    y = mg.tensor([[1.0, 2.0, 3.0]], dtype=mg.float64, requires_grad=True)
    mg.einsum("ij->j", y).sum().backward()  # a letter summed inside one operand: broadcast back
    assert y.grad.tolist() == [[1.0, 1.0, 1.0]]


def test_scatter_one_hot_and_gradients():
    y = mg.tensor([2, 0, 1])
    assert mg.zeros(3, 3).scatter_(1, y.unsqueeze(1), 1).tolist() == [[0, 0, 1], [1, 0, 0], [0, 1, 0]]
    a = mg.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=mg.float64, requires_grad=True)
    out = a.scatter(1, mg.tensor([[1], [0]]), 9.0)
    assert out.tolist() == [[1.0, 9.0], [9.0, 4.0]]
    out.sum().backward()
    assert a.grad.tolist() == [[1.0, 0.0], [0.0, 1.0]]  # overwritten elements get no gradient
    src = mg.tensor([[5.0, 6.0]], dtype=mg.float64, requires_grad=True)
    s = mg.scatter_add(mg.ones(2, 2, dtype=mg.float64), 0, mg.tensor([[1, 1]]), src)
    assert s.tolist() == [[1.0, 1.0], [6.0, 7.0]]
    (s * mg.tensor([[0.0, 0.0], [2.0, 3.0]], dtype=mg.float64)).sum().backward()
    assert src.grad.tolist() == [[2.0, 3.0]]


def test_diag_diagonal_trace_movedim_repeat_interleave_tile():
    a = mg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype=mg.float64, requires_grad=True)
    assert a.diagonal().tolist() == [1.0, 5.0] and mg.diagonal(a, 1).tolist() == [2.0, 6.0]
    assert mg.diag(a, -1).tolist() == [4.0] and mg.trace(a).item() == 6.0
    assert mg.diag(mg.tensor([1.0, 2.0]), 1).tolist() == [[0, 1, 0], [0, 0, 2], [0, 0, 0]]
    mg.trace(a).backward()
    assert a.grad.tolist() == [[1, 0, 0], [0, 1, 0]]
    assert mg.movedim(mg.zeros(2, 3, 4), 0, -1).shape == (3, 4, 2) and a.swapaxes(0, 1).shape == (3, 2)
    assert mg.tensor([1, 2]).repeat_interleave(2).tolist() == [1, 1, 2, 2]
    assert mg.repeat_interleave(mg.tensor([[1, 2], [3, 4]]), mg.tensor([1, 2]), dim=0).tolist() == [[1, 2], [3, 4], [3, 4]]
    assert mg.tensor([1, 2]).tile((2,)).tolist() == [1, 2, 1, 2]
    assert mg.hstack([mg.tensor([1]), mg.tensor([2])]).tolist() == [1, 2]
    assert mg.vstack([mg.tensor([1, 2]), mg.tensor([3, 4])]).tolist() == [[1, 2], [3, 4]]
    gx, gy = mg.meshgrid(mg.arange(3), mg.arange(2), indexing="xy")
    assert gx.tolist() == [[0, 1, 2], [0, 1, 2]] and gy.tolist() == [[0, 0, 0], [1, 1, 1]]
    np.testing.assert_allclose(mg.cdist(mg.tensor([[0.0, 0.0]]), mg.tensor([[3.0, 4.0], [0.0, 1.0]])).data, [[5.0, 1.0]])
    assert mg.argwhere(mg.tensor([0, 3, 0, 1])).tolist() == [[1], [3]]


def test_size_finfo_iinfo_is_floating_point_clamp_min_max():
    x = mg.ones(2, 3)
    assert x.shape == mg.Size([2, 3]) and mg.Size([2, 3]).numel() == 6
    assert float(mg.finfo(mg.float32).eps) == 2.0 ** -23 and float(mg.finfo(mg.float64).eps) == 2.0 ** -52
    assert mg.iinfo(mg.int64).max == 2 ** 63 - 1
    assert mg.is_floating_point(x) and not mg.is_floating_point(mg.tensor([1]))
    assert mg.clamp_min(mg.tensor([-1.0, 2.0]), 0).tolist() == [0.0, 2.0]
    assert mg.clamp_max(mg.tensor([-1.0, 2.0]), 0).tolist() == [-1.0, 0.0]


def test_copy_from_a_tensor_that_requires_grad_is_recorded():
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    buf = mg.empty(3)
    buf.copy_(x)
    (buf * buf).sum().backward()
    assert x.grad.tolist() == [2.0, 4.0, 6.0]
    rows = mg.zeros(2, 3, dtype=mg.float64)
    rows.copy_(x)  # broadcast and cast, still recorded
    x.grad = None
    rows.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0, 2.0] and rows.dtype == mg.float64
    with mg.no_grad():
        plain = mg.zeros(3).copy_(x)
    assert not plain.requires_grad and plain.tolist() == [1.0, 2.0, 3.0]


def test_inplace_on_a_view_updates_its_base_like_pytorch():
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    h = x * 1
    view = h[:2]
    view.mul_(10)
    assert h.tolist() == [10.0, 20.0, 3.0]
    h.sum().backward()
    assert x.grad.tolist() == [10.0, 10.0, 1.0]
    x.grad = None
    h = x * 2
    inner = h[1:][0:1]  # a view of a view
    inner.mul_(3)
    h.sum().backward()
    assert h.tolist() == [2.0, 12.0, 6.0] and x.grad.tolist() == [2.0, 6.0, 2.0]
    with pytest.raises(RuntimeError, match="view of a leaf"):
        x[:2].mul_(2)


def test_parameter_grad_data_zero_():
    import microgradnd.nn as nn

    lin = nn.Linear(2, 1)
    lin(mg.ones(1, 2)).sum().backward()
    assert lin.weight.grad.tolist() == [[1.0, 1.0]]
    lin.weight.grad.data.zero_()  # the pre-0.4 idiom
    assert lin.weight.grad.tolist() == [[0.0, 0.0]]
    lin(mg.ones(1, 2)).sum().backward()  # accumulates into the zeroed buffer
    assert lin.weight.grad.tolist() == [[1.0, 1.0]] and type(lin.weight.grad._data) is np.ndarray


# -- .data is a detached Tensor sharing memory, as in PyTorch -----------------------------------------
def test_data_is_a_detached_tensor_sharing_memory():
    w = mg.tensor([1.0, -2.0, 3.0], requires_grad=True)
    (w * w).sum().backward()
    w.grad.data.zero_()  # the old-tutorial idiom on a plain tensor's gradient
    assert w.grad.tolist() == [0.0, 0.0, 0.0]
    w.data.mul_(2.0)
    assert w.tolist() == [2.0, -4.0, 6.0] and w.requires_grad and w.is_leaf
    assert w.data.numpy().tolist() == [2.0, -4.0, 6.0]
    w.data = w.data - 1.0  # rebinding the values keeps w a leaf that requires grad
    assert w.tolist() == [1.0, -5.0, 5.0] and w.requires_grad
    (w * 3).sum().backward()
    assert w.grad.tolist() == [3.0, 3.0, 3.0]


def test_max_of_outputs_data_gives_values_and_indices():
    outputs = mg.tensor([[0.1, 0.7, 0.2], [0.9, 0.05, 0.05]], requires_grad=True)
    _, predicted = mg.max(outputs.data, 1)
    assert predicted.tolist() == [1, 0]
    values, idx = outputs.data.max(1)
    assert idx.tolist() == [1, 0] and np.allclose(values.numpy(), [0.7, 0.9])


def test_changes_through_data_are_not_version_checked():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    x.data.add_(1.0)  # PyTorch does not notice changes through .data; the saved x is the new value
    y.backward()
    assert x.grad.tolist() == [4.0, 6.0]
