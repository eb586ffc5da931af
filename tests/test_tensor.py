"""Tensor: attributes, conversions, operators, indexing, in-place writes, repr (PyTorch's behaviour)."""
import copy
import subprocess
import sys

import numpy as np
import pytest

import microgradnd as mg


def test_attributes():
    t = mg.ones(2, 3)
    assert t.shape == (2, 3) and t.ndim == 2 and t.dim() == 2 and t.numel() == 6
    assert t.size() == (2, 3) and t.size(-1) == 3 and t.size(0) == 2
    assert str(t.device) == "cpu" and not t.is_cuda and t.is_leaf and t.grad is None and t.grad_fn is None
    assert len(t) == 2 and t.is_floating_point() and not mg.tensor([1]).is_floating_point()
    with pytest.raises(IndexError):
        t.size(2)
    with pytest.raises(TypeError):
        len(mg.tensor(1.0))
    assert mg.tensor(1.0, name="w").name == "w"


def test_conversions():
    assert mg.tensor([2.5]).item() == 2.5 and float(mg.tensor(1.5)) == 1.5 and int(mg.tensor(3)) == 3
    assert mg.tensor([[1, 2]]).tolist() == [[1, 2]]
    with pytest.raises(RuntimeError, match="cannot be converted to Scalar"):
        mg.ones(2).item()
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(mg.ones(2))
    assert bool(mg.tensor([1.0])) and not bool(mg.tensor(0))
    assert np.asarray(mg.ones(2)).tolist() == [1.0, 1.0]
    assert [1, 2, 3][mg.tensor(1)] == 2  # __index__
    assert [x.item() for x in mg.tensor([4, 5])] == [4, 5]
    t = mg.ones(2)
    assert t.numpy() is t._data


def test_clone_stays_in_graph_detach_does_not():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    c = x.clone()
    assert c.requires_grad and not c.is_leaf and not np.shares_memory(c._data, x._data)
    (c * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_deepcopy_copies_data_flag_and_grad():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    (x * 2).sum().backward()
    y = copy.deepcopy(x)
    assert y.requires_grad and y.grad.tolist() == [2.0, 2.0] and not np.shares_memory(x._data, y._data)


def test_operators_and_reflected_operators():
    a = mg.tensor([1.0, 2.0, 4.0])
    assert (a + 1).tolist() == [2.0, 3.0, 5.0] and (1 + a).tolist() == [2.0, 3.0, 5.0]
    assert (10 - a).tolist() == [9.0, 8.0, 6.0] and (a - 1).tolist() == [0.0, 1.0, 3.0]
    assert (2 * a).tolist() == [2.0, 4.0, 8.0] and (a / 2).tolist() == [0.5, 1.0, 2.0]
    assert (4 / a).tolist() == [4.0, 2.0, 1.0] and (2 ** a).tolist() == [2.0, 4.0, 16.0]
    assert (-a).tolist() == [-1.0, -2.0, -4.0] and abs(-a).tolist() == [1.0, 2.0, 4.0]
    assert (a // 3).tolist() == [0.0, 0.0, 1.0] and (mg.tensor([5, -6]) % 4).tolist() == [1, 2]
    assert (np.float64(2.0) * a).dtype == mg.float32  # ndarray scalars defer to Tensor
    assert (mg.ones(2, 3) @ mg.ones(3)).tolist() == [3.0, 3.0]
    assert ((a > 1) & (a < 4)).tolist() == [False, True, False]
    assert (~(a > 1)).tolist() == [True, False, False]
    with pytest.raises(RuntimeError, match="must match"):
        mg.ones(3) + mg.ones(4)


def test_matmul_error_names_the_shapes():
    with pytest.raises(RuntimeError, match=r"matmul: shapes \(3, 4\) and \(5, 2\) do not line up: 4 != 5"):
        mg.ones(3, 4) @ mg.ones(5, 2)
    with pytest.raises(RuntimeError):
        mg.ones(3) @ mg.tensor(2.0)


def test_indexing_values_like_numpy_and_pytorch():
    x = mg.arange(24).reshape(2, 3, 4)
    a = np.arange(24).reshape(2, 3, 4)
    for index in [1, -1, (0, -2), (slice(None), slice(None, None, 2)), (None, Ellipsis, 1),
                  ([0, 0, 1],), ([0, 1], [2, 2]), (Ellipsis, [3, 0])]:
        assert x[index].tolist() == a[index].tolist()
    assert x[mg.tensor([1, 1, 0])].tolist() == a[[1, 1, 0]].tolist()
    assert x[x > 20].tolist() == [21, 22, 23]
    assert x[mg.tensor(1)].shape == (3, 4)
    assert mg.arange(3)[mg.tensor([1, 0, 1], dtype=mg.uint8)].tolist() == [0, 2]
    assert mg.ones(3)[[]].shape == (0,)
    with pytest.raises(IndexError):
        x[2]
    with pytest.raises(IndexError):
        mg.ones(3)[mg.tensor([1.0])]


def test_repeated_advanced_index_gradient_scatter_adds():
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[[0, 0, 2, 0]].sum().backward()
    assert x.grad.tolist() == [3.0, 0.0, 1.0]


def test_boolean_mask_gradient():
    x = mg.tensor([[1.0, -2.0], [-3.0, 4.0]], requires_grad=True)
    (x[x > 0] * mg.tensor([10.0, 20.0])).sum().backward()
    assert x.grad.tolist() == [[10.0, 0.0], [0.0, 20.0]]


def test_setitem_writes_and_errors():
    t = mg.zeros(3, 2)
    t[:, 0] = mg.tensor([1.0, 2.0, 3.0])
    t[-1] = 7
    assert t.tolist() == [[1.0, 0.0], [2.0, 0.0], [7.0, 7.0]]
    with pytest.raises(RuntimeError):
        t[:, 0] = mg.ones(4)
    with pytest.raises(IndexError):
        t[5] = 1.0


def test_in_place_methods_under_no_grad_return_self():
    t = mg.ones(3)
    assert t.add_(1.0) is t and t.mul_(2.0) is t and t.sub_(1.0, alpha=2) is t and t.div_(2.0) is t
    assert t.tolist() == [1.0, 1.0, 1.0]
    assert t.fill_(5.0).tolist() == [5.0] * 3 and t.zero_().tolist() == [0.0] * 3
    assert t.copy_(mg.tensor([1.0, 2.0, 3.0])).tolist() == [1.0, 2.0, 3.0]
    assert t.clamp_(min=1.5, max=2.5).tolist() == [1.5, 2.0, 2.5]
    mg.manual_seed(0)
    assert 0 <= t.uniform_().min().item() and t.normal_().shape == (3,)


def test_repr_like_pytorch():
    assert repr(mg.tensor([1.5, 2.0])) == "tensor([1.5000, 2.0000])"
    assert repr(mg.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert repr(mg.tensor(1.5)) == "tensor(1.5000)"
    assert repr(mg.tensor([1, 2])) == "tensor([1, 2])"
    assert repr(mg.tensor([1e-5, 1.0])) == "tensor([1.0000e-05, 1.0000e+00])"
    assert repr(mg.tensor([1.5], requires_grad=True)) == "tensor([1.5000], requires_grad=True)"
    assert repr(mg.tensor([1.5], dtype=mg.float64)) == "tensor([1.5000], dtype=mg.float64)"
    assert repr(mg.tensor([[1.5, 2.0], [3.0, 4.0]])) == "tensor([[1.5000, 2.0000],\n        [3.0000, 4.0000]])"
    assert "grad_fn=<MulBackward0>" in repr(mg.tensor([1.0], requires_grad=True) * 2)
    assert f"{mg.tensor(1.23456):.2f}" == "1.23"


def test_reductions_with_axis_keepdims_spellings_and_namedtuple():
    x = mg.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]])
    assert x.sum(axis=1).tolist() == [8.0, 10.0]
    assert x.sum(1, keepdims=True).shape == (2, 1)
    values, indices = x.max(dim=1)
    assert values.tolist() == [5.0, 7.0] and indices.tolist() == [1, 0]
    r = mg.max(x, 0, keepdim=True)
    assert r.values.shape == (1, 3) and r.indices.tolist() == [[1, 0, 1]]
    assert x.min().item() == 0.0 and x.max().item() == 7.0
    assert x.argmax().item() == 3 and x.argmin(dim=1).tolist() == [0, 1]
    assert mg.max(x, mg.full((2, 3), 4.0)).tolist() == [[4.0, 5.0, 4.0], [7.0, 4.0, 4.0]]


def test_var_std_corrections():
    x = mg.tensor([[1.0, 2.0, 4.0], [3.0, 3.0, 9.0]], dtype=mg.float64)
    a = x._data
    np.testing.assert_allclose(x.var().item(), a.var(ddof=1))
    np.testing.assert_allclose(x.var(1, unbiased=False)._data, a.var(1))
    np.testing.assert_allclose(x.var(1, correction=2)._data, a.var(1, ddof=2))
    np.testing.assert_allclose(mg.std(x, 0, True, True)._data, a.std(0, ddof=1, keepdims=True))
    np.testing.assert_allclose(x.std(correction=0).item(), a.std())
    with pytest.warns(UserWarning, match="degrees of freedom"):
        assert np.isnan(mg.tensor([1.0]).var().item())


def test_shape_functions():
    x = mg.arange(24.0).reshape(2, 3, 4)
    assert x.view(-1).shape == (24,) and x.view(6, 4).shape == (6, 4) and x.reshape((4, -1)).shape == (4, 6)
    assert x.flatten().shape == (24,) and x.flatten(1).shape == (2, 12) and mg.flatten(x, 0, 1).shape == (6, 4)
    assert x.permute(2, 0, 1).shape == (4, 2, 3) and x.transpose(0, -1).shape == (4, 3, 2)
    assert x.unsqueeze(-1).shape == (2, 3, 4, 1) and x.unsqueeze(1).squeeze(1).shape == (2, 3, 4)
    assert x.squeeze(0).shape == (2, 3, 4) and mg.ones(1, 3, 1).squeeze().shape == (3,)
    assert x[:, :1].expand(-1, 5, -1).shape == (2, 5, 4)
    assert [p.shape for p in x.split(3, dim=-1)] == [(2, 3, 3), (2, 3, 1)]
    assert [p.shape for p in x.split([1, 2], dim=1)] == [(2, 1, 4), (2, 2, 4)]
    assert [p.shape for p in x.chunk(3, 2)] == [(2, 3, 2), (2, 3, 2)]
    assert len(x.unbind(1)) == 3 and mg.stack([x, x], -1).shape == (2, 3, 4, 2)
    assert mg.cat([x, x[:1]], 0).shape == (3, 3, 4) and mg.cat([x, x], dim=-1).shape == (2, 3, 8)
    assert x.T.shape == (4, 3, 2) and x[0].t().shape == (4, 3) and x.mT.shape == (2, 4, 3)
    with pytest.raises(RuntimeError, match="invalid for input of size"):
        x.view(5, -1)
    with pytest.raises(RuntimeError):
        mg.cat([mg.ones(2, 3), mg.ones(2, 4)])
    with pytest.raises(RuntimeError):
        mg.stack([mg.ones(2), mg.ones(3)])
    with pytest.raises(RuntimeError):
        mg.tensor(1.0).split(1)


def test_where_and_clamp():
    x = mg.tensor([-1.0, 0.5, 3.0])
    assert mg.where(x > 0, x, 0.0).tolist() == [0.0, 0.5, 3.0]
    assert mg.where(x > 0, 1.0, -1.0).tolist() == [-1.0, 1.0, 1.0]
    assert x.where(x > 0, mg.zeros(3)).tolist() == [0.0, 0.5, 3.0]
    with pytest.raises(RuntimeError, match="boolean"):
        mg.where(mg.tensor([1.0, 0.0, 1.0]), x, x)
    assert x.clamp(0, 1).tolist() == [0.0, 0.5, 1.0] and x.clip(min=0).tolist() == [0.0, 0.5, 3.0]
    assert mg.clamp(x, min=mg.tensor([0.0, 1.0, 0.0])).tolist() == [0.0, 1.0, 3.0]
    with pytest.raises(RuntimeError):
        mg.clamp(x)


def test_clamp_with_tensor_bounds_sends_gradients_to_the_bounds():
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    lo = mg.tensor([2.0, 2.0, 2.0], requires_grad=True)
    hi = mg.tensor([2.5, 1.0, 2.5], requires_grad=True)
    y = mg.clamp(x, lo, hi)
    y.sum().backward()
    assert y.tolist() == [2.0, 1.0, 2.5]
    assert x.grad.tolist() == [0.0, 0.0, 0.0] and lo.grad.tolist() == [1.0, 0.0, 0.0]
    assert hi.grad.tolist() == [0.0, 1.0, 1.0]


def test_max_without_dim_splits_ties_evenly_like_pytorch():
    x = mg.tensor([[1.0, 3.0], [3.0, 0.0]], requires_grad=True)
    x.max().backward()
    assert x.grad.tolist() == [[0.0, 0.5], [0.5, 0.0]]
    x.grad = None
    x.max(dim=1).values.sum().backward()  # with a dim: the first maximum only
    assert x.grad.tolist() == [[0.0, 1.0], [1.0, 0.0]]


def test_prod_gradient_with_zeros():
    x = mg.tensor([2.0, 0.0, 3.0], requires_grad=True)
    x.prod().backward()
    assert x.grad.tolist() == [0.0, 6.0, 0.0]
    y = mg.tensor([0.0, 0.0, 3.0], requires_grad=True)
    y.prod().backward()
    assert y.grad.tolist() == [0.0, 0.0, 0.0]


def test_pow_with_tensor_or_scalar_on_either_side_and_at_zero():
    x = mg.tensor([0.0, 2.0], requires_grad=True)
    e = mg.tensor([3.0, 0.5], requires_grad=True)
    (x ** e).sum().backward()
    np.testing.assert_allclose(x.grad._data, [0.0, 0.5 * 2.0 ** -0.5], rtol=1e-6)
    np.testing.assert_allclose(e.grad._data, [0.0, 2.0 ** 0.5 * np.log(2.0)], rtol=1e-6)
    z = mg.tensor([0.0, 1.0], requires_grad=True)
    (2.0 ** z).sum().backward()
    np.testing.assert_allclose(z.grad._data, np.log(2.0) * np.array([1.0, 2.0]), rtol=1e-6)
    w = mg.tensor([0.0, 1.0], requires_grad=True)
    (w ** 0).sum().backward()
    assert w.grad.tolist() == [0.0, 0.0]


def test_softmax_dims():
    x = mg.tensor([[1.0, 2.0], [3.0, 5.0]], dtype=mg.float64)
    np.testing.assert_allclose(mg.softmax(x, dim=0).sum(0)._data, [1.0, 1.0])
    np.testing.assert_allclose(mg.softmax(x, dim=-1).sum(-1)._data, [1.0, 1.0])
    np.testing.assert_allclose(mg.log_softmax(x, 1)._data, np.log(mg.softmax(x, 1)._data))
    np.testing.assert_allclose(x.logsumexp(1)._data, np.log(np.exp(x._data).sum(1)))


def test_import_does_not_load_hypothesis_or_upper_layers():
    code = ("import sys, microgradnd as mg; mg.ones(2) * 2; "
            "print(sorted(m for m in ('hypothesis', 'microgradnd.nn', 'microgradnd.viz', 'graphviz') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_basic_indexing_and_reshape_are_views_like_pytorch():
    x = mg.zeros(2, 3)
    row = x[0]
    row += 1
    x[1, 2].fill_(5.0)
    flat = x.view(-1)
    flat[0] = 9.0
    assert x.tolist() == [[9.0, 1.0, 1.0], [0.0, 0.0, 5.0]]
    assert x._version == row._version == flat._version == 3
    picked = x[[0, 1]]  # advanced indexing copies
    picked.zero_()
    assert x[0, 0].item() == 9.0


def test_in_place_write_through_a_view_of_a_saved_tensor_raises():
    w = mg.ones(3, requires_grad=True)
    h = mg.exp(w)
    part = h[0:2]
    with mg.no_grad():
        part.mul_(2.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        h.sum().backward()


def test_more_in_place_methods_match_pytorch():
    x = mg.tensor([1.0, -2.0, 3.0], requires_grad=True)
    h = x * 2
    h.add_(1)
    h.mul_(3)
    h.relu_()  # recorded on a non-leaf, like PyTorch
    h.sum().backward()
    assert h.tolist() == [9.0, 0.0, 21.0] and x.grad.tolist() == [6.0, 0.0, 6.0]
    b = mg.zeros(3)
    b.addcmul_(mg.ones(3), mg.full((3,), 2.0), value=0.5)
    assert b.tolist() == [1.0, 1.0, 1.0]
    b.addcdiv_(mg.ones(3), mg.full((3,), 4.0), value=-2.0)
    b.lerp_(mg.zeros(3), 0.5)
    assert b.tolist() == [0.25, 0.25, 0.25]
    b.masked_fill_(mg.tensor([True, False, True]), -1.0)
    assert b.tolist() == [-1.0, 0.25, -1.0]
    with mg.no_grad():
        x.abs_().sqrt_()
    np.testing.assert_allclose(x._data, np.sqrt([1.0, 2.0, 3.0]), rtol=1e-6)
    with pytest.raises(RuntimeError, match="can't be cast"):
        mg.tensor([1, 2]).sqrt_()
    with pytest.raises(RuntimeError, match="leaf Variable"):
        mg.ones(2, requires_grad=True).exp_()


def test_masked_fill_is_differentiable():
    m = mg.ones(2, 2, requires_grad=True)
    y = m.masked_fill(mg.tensor([[True, False], [False, True]]), 0.0)
    (y * 3).sum().backward()
    assert y.tolist() == [[0.0, 1.0], [1.0, 0.0]] and m.grad.tolist() == [[0.0, 3.0], [3.0, 0.0]]
    with pytest.raises(RuntimeError, match="boolean"):
        m.masked_fill(mg.ones(2, 2), 0.0)


def test_new_constructors_keep_dtype():
    x = mg.ones(2, dtype=mg.float64)
    assert x.new_zeros(3).dtype == mg.float64 and x.new_zeros(3).tolist() == [0.0] * 3
    assert x.new_ones((2, 2)).shape == (2, 2) and x.new_empty(1, 2).shape == (1, 2)
    assert x.new_full((2,), 7.0).tolist() == [7.0, 7.0] and x.new_tensor([1, 2]).dtype == mg.float64
    assert x.new_zeros(2, dtype=mg.int64).dtype == mg.int64 and x.new_ones(2, requires_grad=True).requires_grad


def test_small_utilities_match_pytorch_semantics():
    x = mg.tensor([[1.0, 0.0, 3.0], [0.0, 0.0, 6.0]])
    var, mean = mg.var_mean(x, dim=1)
    std, mean2 = mg.std_mean(x, dim=1, keepdim=True)
    np.testing.assert_allclose(var._data, x._data.var(1, ddof=1))
    np.testing.assert_allclose(std._data, x._data.std(1, ddof=1, keepdims=True))
    np.testing.assert_allclose(mean._data, [4.0 / 3.0, 2.0], rtol=1e-6)
    assert mean2.shape == (2, 1)
    assert mg.count_nonzero(x).item() == 3 and mg.count_nonzero(x, dim=0).tolist() == [1, 0, 2]
    values, counts = mg.unique(mg.tensor([3, 1, 3, 2]), return_counts=True)
    assert values.tolist() == [1, 2, 3] and counts.tolist() == [1, 1, 2]
    assert mg.bincount(mg.tensor([0, 2, 2])).tolist() == [1, 0, 2]
    assert mg.roll(mg.arange(5), 2).tolist() == [3, 4, 0, 1, 2]
    assert mg.roll(mg.arange(6).reshape(2, 3), 1, 1).tolist() == [[2, 0, 1], [5, 3, 4]]
    assert mg.logical_xor(mg.tensor([True, False]), mg.tensor([True, True])).tolist() == [False, True]
    np.testing.assert_allclose(mg.erf(mg.tensor([0.5], dtype=mg.float64))._data, [0.5204998778130465])
    assert mg.lerp(mg.zeros(2), mg.ones(2), 0.25).tolist() == [0.25, 0.25]
    assert mg.addcmul(mg.ones(2), mg.ones(2), mg.full((2,), 3.0), value=2).tolist() == [7.0, 7.0]


def test_gather_with_an_index_smaller_than_the_input():
    x = mg.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], requires_grad=True)
    out = mg.gather(x, 1, mg.tensor([[1], [0]]))  # rows beyond the index's are not read, as in PyTorch
    assert out.tolist() == [[2.0], [3.0]]
    out.sum().backward()
    assert x.grad.tolist() == [[0.0, 1.0], [1.0, 0.0], [0.0, 0.0]]


# -- in-place changes through views and of tensors that have views (Tensor._rebind) ------------------
# Expected numbers are PyTorch 2.13's for the same lines.


def _xy():
    x = mg.tensor([[1.0, -2.0], [3.0, -4.0]], requires_grad=True)
    return x, mg.tensor([[1.0, 2.0], [3.0, 4.0]])


def test_in_place_through_a_reshaped_view_reaches_the_base_and_its_gradient():
    x, k = _xy()
    h = x * 2
    h.view(-1).relu_()
    assert h.tolist() == [[2.0, 0.0], [6.0, 0.0]]
    (h * k).sum().backward()
    assert x.grad.tolist() == [[2.0, 0.0], [6.0, 0.0]]


def test_in_place_through_an_indexed_view_keeps_the_rest_of_the_base():
    x, _ = _xy()
    h = x * 2
    h[0].relu_()
    (h * h).sum().backward()
    assert h.tolist() == [[2.0, 0.0], [6.0, -8.0]]
    assert x.grad.tolist() == [[8.0, 0.0], [24.0, -32.0]]


def test_in_place_through_a_transposed_view():
    x, k = _xy()
    h = x * 2
    h.t().mul_(k)
    h.sum().backward()
    assert h.tolist() == [[2.0, -12.0], [12.0, -32.0]]
    assert x.grad.tolist() == [[2.0, 6.0], [4.0, 8.0]]


def test_views_of_a_tensor_changed_in_place_see_the_new_value_and_graph():
    x, _ = _xy()
    h = x * 1
    v = h.view(-1)
    h.mul_(2)
    assert v.tolist() == [2.0, -4.0, 6.0, -8.0]
    (v * v).sum().backward()  # v = 2x: d/dx Σ v² = 8x
    assert x.grad.tolist() == [[8.0, -16.0], [24.0, -32.0]]


def test_a_view_of_a_view_changed_in_place_reaches_the_first_base():
    x, _ = _xy()
    h = x * 1
    b = h.view(-1).view(2, 2)
    b.mul_(3)
    (h * x).sum().backward()  # h = 3x: d/dx Σ 3x·x = 6x
    assert h.tolist() == [[3.0, -6.0], [9.0, -12.0]]
    assert x.grad.tolist() == [[6.0, -12.0], [18.0, -24.0]]


def test_a_gradient_flows_to_what_is_written_through_a_view():
    x, _ = _xy()
    w = mg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    h = x * 1
    h.view(-1).mul_(w.view(-1))
    h.sum().backward()
    assert x.grad.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert w.grad.tolist() == [[1.0, -2.0], [3.0, -4.0]]


def test_a_buffer_written_through_its_view_joins_the_graph():
    w = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    buf = mg.zeros(2, 3)
    buf[0].add_(w)
    assert buf.requires_grad and buf.tolist() == [[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]]
    (buf * 2).sum().backward()
    assert w.grad.tolist() == [2.0, 2.0, 2.0]


def test_in_place_on_a_view_of_a_leaf_that_requires_grad_raises():
    x, _ = _xy()
    with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad"):
        x.view(-1).relu_()
    with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad"):
        x[0].mul_(2)
    with mg.no_grad():
        x.view(-1).mul_(2)  # what an optimizer does: allowed, and x sees it
    assert x.tolist() == [[2.0, -4.0], [6.0, -8.0]]


def test_detach_in_place_of_a_view_raises():
    h = mg.ones(2, 2, requires_grad=True) * 1
    with pytest.raises(RuntimeError, match="Can't detach views in-place"):
        h[0].detach_()
    with pytest.raises(RuntimeError, match="Can't detach views in-place"):
        mg.zeros(3).view(3, 1).detach_()


def test_partly_overlapping_in_place_operand_raises():
    a = mg.ones(2, 3)
    with pytest.raises(RuntimeError, match="refer to a single memory location"):
        a.mul_(a[0:1])
    a.mul_(a)  # the very same memory is fine, as in PyTorch


def test_in_place_result_must_keep_the_shape():
    h = mg.ones(3, requires_grad=True) * 1
    with pytest.raises(RuntimeError, match=r"output with shape \[3\] doesn't match the broadcast shape \[2, 3\]"):
        h.add_(mg.ones(2, 3))


def test_fill_and_zero_of_a_tensor_in_the_graph_are_recorded():
    x, k = _xy()
    h = x * 2
    h[1].zero_()
    g = x * 1
    g.fill_(5.0)  # the old value of g gets no gradient
    (h * k).sum().backward()
    assert h.tolist() == [[2.0, -4.0], [0.0, 0.0]]
    assert x.grad.tolist() == [[2.0, 4.0], [0.0, 0.0]]
    assert g.tolist() == [[5.0, 5.0], [5.0, 5.0]] and g.requires_grad


def test_changing_the_output_of_pow_in_place_keeps_its_gradient():
    x, _ = _xy()
    y = x ** 2
    y.relu_()
    y.sum().backward()
    assert x.grad.tolist() == [[2.0, -4.0], [6.0, -8.0]]


def test_an_op_that_reads_the_old_value_still_gets_it():
    x, _ = _xy()
    w = mg.tensor([[2.0, 2.0], [2.0, 2.0]], requires_grad=True)
    h = x * 1
    v = h.view(-1)  # a view keeps h's memory shared, so the new value is written into it
    h.mul_(w)  # d/dw reads h's old value
    h.sum().backward()
    assert w.grad.tolist() == [[1.0, -2.0], [3.0, -4.0]] and v.tolist() == [2.0, -4.0, 6.0, -8.0]


def test_contiguity_and_view_of_a_transposed_tensor_as_in_pytorch():
    x = mg.ones(2, 3)
    assert x.is_contiguous() and not x.t().is_contiguous() and not x[:, :2].is_contiguous()
    with pytest.raises(RuntimeError, match=r"view size is not compatible .* Use \.reshape"):
        x.t().view(-1)
    assert x.t().reshape(-1).shape == (6,)  # reshape copies when it must
    assert x.t().view(1, 3, 2).shape == (1, 3, 2)  # a view that needs no copy is fine
    y = mg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    flat = y.t().contiguous()
    assert flat.is_contiguous() and flat.view(-1).tolist() == [1.0, 4.0, 2.0, 5.0, 3.0, 6.0]
    (flat.view(-1) * mg.arange(6.0)).sum().backward()
    assert y.grad.tolist() == [[0.0, 2.0, 4.0], [1.0, 3.0, 5.0]]
    assert x.contiguous() is x


def test_numpy_conversion_of_a_tensor_that_requires_grad_is_refused_as_in_pytorch():
    w = mg.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"Use tensor.detach\(\).numpy\(\)"):
        np.asarray(w)
    assert np.asarray(w.detach()).tolist() == [1.0, 1.0, 1.0]
    assert np.asarray(mg.ones(2), dtype=np.float64).dtype == np.float64


def test_type_takes_the_legacy_tensor_types():
    x = mg.tensor([1, 2])
    assert x.type(mg.FloatTensor).dtype == mg.float32
    assert x.type("torch.DoubleTensor").dtype == mg.float64
    assert mg.tensor([1.5]).type(mg.LongTensor).tolist() == [1]


def test_shape_is_a_size_like_torch_size():
    x = mg.ones(2, 3)
    assert isinstance(x.shape, mg.Size) and isinstance(x.size(), tuple)
    assert repr(x.shape) == "mg.Size([2, 3])" and str(x.size()) == "mg.Size([2, 3])"
    assert x.shape == (2, 3) == mg.Size([2, 3]) and x.size(1) == 3
    assert x.shape[1:] == mg.Size([3]) and isinstance(x.shape[1:], mg.Size) and x.shape[0] == 2
    assert x.shape.numel() == 6 and mg.Size().numel() == 1 and x.shape + (4,) == (2, 3, 4)
    assert mg.zeros(x.shape).shape == (2, 3) and np.zeros(x.shape).shape == (2, 3)


def test_in_place_view_ops_change_the_tensor_itself():
    img = mg.ones(3, 4, 4)
    same = img.unsqueeze_(0)  # the inference idiom: add a batch dim in place
    assert same is img and img.shape == (1, 3, 4, 4)
    y = mg.ones(2, 1, 3)
    y.squeeze_()
    assert y.shape == (2, 3)
    y.t_()
    assert y.shape == (3, 2)
    y.transpose_(0, 1)
    assert y.shape == (2, 3)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        mg.ones(2, requires_grad=True).unsqueeze_(0)
    a = mg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    b = a * 1
    b.t_()  # recorded: the gradient comes back transposed (PyTorch's numbers)
    (b * mg.arange(6.0).view(3, 2)).sum().backward()
    assert a.grad.tolist() == [[0.0, 2.0, 4.0], [1.0, 3.0, 5.0]]
