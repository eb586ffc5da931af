"""Regression tests for op discrepancies with PyTorch found by a parity sweep; expected values are
computed by hand (no torch needed). The same cases against torch itself are in test_parity_vs_torch.py."""
import numpy as np
import pytest

import microgradnd as mg


def test_scatter_with_an_index_smaller_than_the_input_writes_only_the_indexed_positions():
    x = mg.arange(12.0).reshape(3, 4).requires_grad_()
    out = x.scatter(0, mg.tensor([[2, 0]]), -1.0)  # writes out[2, 0] and out[0, 1], nothing else
    expected = np.arange(12.0).reshape(3, 4)
    expected[2, 0] = expected[0, 1] = -1.0
    np.testing.assert_array_equal(out.detach().numpy(), expected)
    out.sum().backward()
    grad = np.ones((3, 4))
    grad[2, 0] = grad[0, 1] = 0.0
    np.testing.assert_array_equal(x.grad.numpy(), grad)
    y = mg.zeros(2, 3)
    assert y.scatter_(1, mg.tensor([[1]]), 5.0) is y
    np.testing.assert_array_equal(y.numpy(), [[0, 5, 0], [0, 0, 0]])


@pytest.mark.parametrize("equation, expected_grad", [
    ("ii->", np.eye(3)),  # trace
    ("ii->i", np.diag([1.0, 2.0, 3.0])),  # diagonal, upstream gradient [1, 2, 3]
])
def test_einsum_with_a_repeated_subscript_differentiates_onto_the_diagonal(equation, expected_grad):
    x = mg.arange(9.0, dtype=mg.float64).reshape(3, 3).requires_grad_()
    out = mg.einsum(equation, x)
    np.testing.assert_allclose(out.detach().numpy(), np.einsum(equation, np.arange(9.0).reshape(3, 3)))
    out.backward(mg.tensor([1.0, 2.0, 3.0], dtype=mg.float64) if out.ndim else None)
    np.testing.assert_array_equal(x.grad.numpy(), expected_grad)


def test_einsum_diagonal_times_a_matrix_gradient():
    a = mg.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=mg.float64, requires_grad=True)
    b = mg.tensor([[5.0, 6.0], [7.0, 8.0]], dtype=mg.float64, requires_grad=True)
    mg.einsum("ii,ij->j", a, b).sum().backward()  # out_j = Σ_i a_ii b_ij
    np.testing.assert_array_equal(a.grad.numpy(), [[11.0, 0.0], [0.0, 15.0]])
    np.testing.assert_array_equal(b.grad.numpy(), [[1.0, 1.0], [4.0, 4.0]])


def test_remainder_and_fmod_values_signs_and_gradients():
    a = mg.tensor([5.5, -5.5, 5.5, -5.5], dtype=mg.float64, requires_grad=True)
    b = mg.tensor([2.0, 2.0, -2.0, -2.0], dtype=mg.float64, requires_grad=True)
    r = a % b  # the sign of b, like Python
    np.testing.assert_allclose(r.detach().numpy(), [1.5, 0.5, -0.5, -1.5])
    r.sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [1, 1, 1, 1])
    np.testing.assert_array_equal(b.grad.numpy(), [-2.0, 3.0, 3.0, -2.0])  # -floor(a / b)
    a.grad = b.grad = None
    f = mg.fmod(a, b)  # the sign of a, like C
    np.testing.assert_allclose(f.detach().numpy(), [1.5, -1.5, 1.5, -1.5])
    f.sum().backward()
    np.testing.assert_array_equal(b.grad.numpy(), [-2.0, 2.0, 2.0, -2.0])  # -trunc(a / b)
    np.testing.assert_allclose(a.detach().remainder(-2.0).numpy(), [-0.5, -1.5, -0.5, -1.5])
    np.testing.assert_allclose(a.detach().fmod(2.0).numpy(), [1.5, -1.5, 1.5, -1.5])


def test_integer_remainder_fmod_floor_divide():
    a, b = mg.tensor([5, -5, 7]), mg.tensor([3, 3, -2])
    assert (a % b).tolist() == [2, 1, -1] and (a % b).dtype == mg.int64
    assert mg.fmod(a, b).tolist() == [2, -2, 1]
    assert mg.floor_divide(a, b).tolist() == [1, -2, -4] and mg.remainder(a, 3).tolist() == [2, 1, 1]
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        a % 0


def test_cumprod_values_and_gradient_with_zeros():
    x = mg.tensor([[2.0, 0.0, 3.0], [1.0, 4.0, 0.5]], dtype=mg.float64, requires_grad=True)
    out = mg.cumprod(x, dim=1)
    np.testing.assert_array_equal(out.detach().numpy(), [[2.0, 0.0, 0.0], [1.0, 4.0, 2.0]])
    out.sum().backward()
    # row 0: d/dx0 = 1 + x1 + x1·x2 = 1, d/dx1 = x0 + x0·x2 = 8, d/dx2 = x0·x1 = 0
    np.testing.assert_array_equal(x.grad.numpy(), [[1.0, 8.0, 0.0], [1 + 4 + 2, 1 + 0.5, 4.0]])
    assert x.detach().cumprod(0).tolist() == [[2.0, 0.0, 3.0], [2.0, 0.0, 1.5]]
    assert mg.tensor([True, True, False]).cumprod(0).dtype == mg.int64


def test_cumsum_of_bools_and_small_ints_is_int64():
    out = mg.tensor([True, False, True]).cumsum(0)
    assert out.dtype == mg.int64 and out.tolist() == [1, 1, 2]
    assert mg.tensor([1, 2], dtype=mg.int32).cumsum(0).dtype == mg.int64


def test_median_is_the_lower_median_and_its_gradient_picks_one_element():
    x = mg.tensor([[4.0, 1.0, 3.0, 2.0], [0.0, 5.0, 5.0, -1.0]], requires_grad=True)
    m = x.median()
    assert m.item() == 2.0  # sorted 8 values: -1 0 1 2 | 3 4 5 5 -> the 4th, not an average
    m.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0, 0, 0, 1], [0, 0, 0, 0]])
    x.grad = None
    values, indices = mg.median(x, dim=1, keepdim=True)
    assert values.tolist() == [[2.0], [0.0]] and indices.tolist() == [[3], [0]]
    values.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0, 0, 0, 1], [1, 0, 0, 0]])
    assert x.median(0).indices.tolist() == [1, 0, 0, 1]


def test_kthvalue_aminmax_nansum_nanmean():
    x = mg.tensor([[3.0, 1.0, 2.0], [float("nan"), 4.0, 2.0]])
    assert x[:1].kthvalue(2, dim=1).values.tolist() == [2.0]
    lo, hi = mg.aminmax(x[:, 1:])
    assert lo.item() == 1.0 and hi.item() == 4.0
    assert mg.aminmax(x[:, 1:], dim=0).max.tolist() == [4.0, 2.0]
    assert x.nansum().item() == 12.0 and x.nansum(1).tolist() == [6.0, 6.0]
    assert mg.nanmean(x, 1).tolist() == [2.0, 3.0]


def test_norm_special_orders_and_the_gradient_of_a_zero_norm():
    x = mg.tensor([[3.0, -4.0, 0.0], [0.0, 0.0, 0.0]], dtype=mg.float64, requires_grad=True)
    assert x.norm(float("-inf")).item() == 0.0 and x[:1].norm(float("-inf")).item() == 0.0
    assert x.detach()[0, :2].norm(float("-inf")).item() == 3.0
    assert x.norm(0).item() == 2.0 and x.norm(p=0, dim=1).tolist() == [2.0, 0.0]
    out = x.norm(p=3, dim=1)
    np.testing.assert_allclose(out.detach().numpy(), [91.0 ** (1 / 3), 0.0])
    out.sum().backward()
    g = x.grad.numpy()
    assert np.all(np.isfinite(g)) and np.all(g[1] == 0)  # PyTorch: a zero norm has zero gradient
    np.testing.assert_allclose(g[0], [9 / 91.0 ** (2 / 3), -16 / 91.0 ** (2 / 3), 0.0])


def test_hardtanh_gradient_is_zero_at_the_bounds_like_pytorch():
    x = mg.tensor([-2.0, -1.0, 0.0, 1.0, 2.0], requires_grad=True)
    out = mg.nn.functional.hardtanh(x)
    assert out.tolist() == [-1.0, -1.0, 0.0, 1.0, 1.0]
    out.sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 1.0, 0.0, 0.0]
    y = mg.tensor([0.0, 3.0, 6.0], requires_grad=True)
    mg.nn.functional.relu6(y).sum().backward()
    assert y.grad.tolist() == [0.0, 1.0, 0.0]


@pytest.mark.parametrize("index", [slice(None, None, -1), (slice(None), slice(None, None, -2)), slice(2, 0, -1)])
def test_a_negative_slice_step_raises_valueerror_like_pytorch(index):
    x = mg.arange(6.0).reshape(2, 3)
    with pytest.raises(ValueError, match="step must be greater than zero"):
        x[index]
    with pytest.raises(ValueError, match="step must be greater than zero"):
        x[index] = 0.0
    assert x[:, ::2].tolist() == [[0.0, 2.0], [3.0, 5.0]]  # positive steps still work


def test_index_add_copy_fill_put_and_their_inplace_forms():
    x = mg.zeros(3, 2, dtype=mg.float64, requires_grad=True)
    src = mg.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], dtype=mg.float64, requires_grad=True)
    out = x.index_add(0, mg.tensor([0, 0, 2]), src, alpha=2)
    assert out.tolist() == [[8.0, 12.0], [0.0, 0.0], [10.0, 12.0]]  # repeated index 0 adds up
    out.backward(mg.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], dtype=mg.float64))
    assert src.grad.tolist() == [[2.0, 4.0], [2.0, 4.0], [10.0, 12.0]]
    assert x.grad.tolist() == [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]
    y = mg.zeros(2, 3)
    assert y.index_add_(1, mg.tensor([2, 2]), mg.ones(2, 2)) is y and y.tolist() == [[0, 0, 2], [0, 0, 2]]
    assert y.index_fill_(1, mg.tensor([0]), -1.0).tolist() == [[-1, 0, 2], [-1, 0, 2]]
    assert mg.index_copy(mg.zeros(3), 0, mg.tensor([2, 0]), mg.tensor([5.0, 6.0])).tolist() == [6.0, 0.0, 5.0]
    z = mg.zeros(3)
    z.index_put_((mg.tensor([0, 0, 1]),), mg.tensor(1.0), accumulate=True)
    assert z.tolist() == [2.0, 1.0, 0.0]
    assert z.index_put((mg.tensor([0, 2]),), mg.tensor([7.0, 8.0])).tolist() == [7.0, 1.0, 8.0]


def test_inplace_rounding_and_modulus_methods_return_self_and_bump_the_version():
    x = mg.tensor([1.25, -1.75, 2.5])
    for name, args, expected in [("floor_", (), [1.0, -2.0, 2.0]), ("ceil_", (), [2.0, -1.0, 3.0]),
                                 ("round_", (), [1.0, -2.0, 2.0]), ("trunc_", (), [1.0, -1.0, 2.0]),
                                 ("sign_", (), [1.0, -1.0, 1.0]), ("fmod_", (1.0,), [0.25, -0.75, 0.5]),
                                 ("remainder_", (1.0,), [0.25, 0.25, 0.5]), ("square_", (), [1.5625, 3.0625, 6.25]),
                                 ("reciprocal_", (), [0.8, -1 / 1.75, 0.4])]:
        y = x.clone()
        v = y._version
        assert getattr(y, name)(*args) is y, name
        np.testing.assert_allclose(y.numpy(), expected, rtol=1e-6, err_msg=name)
        assert y._version > v, name
    y = mg.tensor([7.0, -7.0])
    assert y.div_(2, rounding_mode="floor").tolist() == [3.0, -4.0]
    assert mg.tensor([1.0, 2.0]).round_(decimals=1).tolist() == [1.0, 2.0]


def test_random_inplace_fills():
    mg.manual_seed(0)
    b = mg.empty(1000).bernoulli_(0.25)
    assert set(b.tolist()) <= {0.0, 1.0} and 150 < b.sum().item() < 350
    r = mg.empty(100, dtype=mg.int64).random_(3, 6)
    assert r.dtype == mg.int64 and r.min().item() >= 3 and r.max().item() <= 5
    assert mg.empty(50).exponential_().min().item() >= 0


def test_aliases_and_small_functions():
    x = mg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert mg.greater(x, 2).tolist() == (x > 2).tolist() and x.less_equal(2).tolist() == (x <= 2).tolist()
    assert mg.not_equal(x, 2).tolist() == (x != 2).tolist() and x.greater_equal(5).sum().item() == 2
    assert mg.swapdims(x, 0, 1).shape == (3, 2) and mg.moveaxis(x, 0, 1).shape == (3, 2)
    assert mg.fliplr(x).tolist() == [[3.0, 2.0, 1.0], [6.0, 5.0, 4.0]] and x.flipud()[0].tolist() == [4.0, 5.0, 6.0]
    assert x.mH.shape == (3, 2) and x.H.shape == (3, 2) and x.adjoint().shape == (3, 2)
    assert mg.inner(x, x).tolist() == [[14.0, 32.0], [32.0, 77.0]] and mg.vdot(x[0], x[1]).item() == 32.0
    assert mg.ger(x[0, :2], x[1, :2]).tolist() == [[4.0, 5.0], [8.0, 10.0]]
    rows, cols = mg.where(x > 4)
    assert rows.tolist() == [1, 1] and cols.tolist() == [1, 2]
    assert [p.shape for p in x.split(split_size=2, dim=1)] == [(2, 2), (2, 1)]
    idx = mg.tensor([[2], [0]])
    assert mg.take_along_dim(x, idx, dim=1).tolist() == [[3.0], [4.0]]
    assert mg.take_along_dim(x, mg.tensor([5, 0])).tolist() == [6.0, 1.0]
    assert x.take_along_dim(mg.tensor([[1, 0, 1]]), 0).tolist() == [[4.0, 2.0, 6.0]]


def test_subtraction_with_a_bool_tensor_raises_sign_of_bool_and_bincount_dtype():
    b = mg.tensor([True, False])
    for make in (lambda: b - 1, lambda: 1 - b, lambda: b - mg.tensor([1, 2]), lambda: mg.sub(b, 1.5),
                 lambda: mg.ones(2) - True):  # a Python bool counts as a bool tensor, as in PyTorch
        with pytest.raises(RuntimeError, match="bool tensor is not supported"):
            make()
    assert (b.long() - 1).tolist() == [0, -1] and (~b).tolist() == [False, True]
    s = b.sign()
    assert s.dtype == mg.bool and s.tolist() == [True, False]
    w32 = mg.bincount(mg.tensor([0, 1, 1]), weights=mg.tensor([0.5, 1.0, 2.0]))
    assert w32.dtype == mg.float32 and w32.tolist() == [0.5, 3.0]
    assert mg.bincount(mg.tensor([0, 1, 1]), weights=mg.tensor([1, 2, 3])).dtype == mg.float64


def test_division_with_rounding_records_a_zero_gradient_as_in_pytorch():
    x = mg.tensor([1.5, -2.5], requires_grad=True)
    b = mg.tensor([2.0, 0.0], requires_grad=True)
    y = mg.div(x, b, rounding_mode="trunc")
    assert y.requires_grad and y.tolist()[0] == 0.0 and y.tolist()[1] == float("-inf")
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 0.0] and b.grad.tolist() == [0.0, 0.0]
    assert mg.div(mg.tensor(1.0), mg.tensor(0.1), rounding_mode="floor").item() == 9.0  # exact floor_divide
    assert mg.div(mg.tensor([7, -7]), 2, rounding_mode="floor").tolist() == [3, -4]
    h = mg.tensor([3.0, -3.0], requires_grad=True) * 1
    h.div_(2.0, rounding_mode="floor")  # in place on a recorded tensor
    assert h.tolist() == [1.0, -2.0] and h.requires_grad


def test_quantile_and_nanquantile():
    a = mg.tensor([[1.0, 2.0, float("nan")], [3.0, 4.0, 5.0]])
    assert np.isnan(mg.quantile(a, 0.5, dim=1).tolist()[0]) and mg.quantile(a, 0.5, dim=1).tolist()[1] == 4.0
    assert mg.nanquantile(a, 0.5, dim=1).tolist() == [1.5, 4.0]
    b = mg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype=mg.float64, requires_grad=True)
    q = mg.quantile(b, mg.tensor([0.25, 0.5]), dim=0, keepdim=True)
    assert q.shape == (2, 1, 3) and q[0, 0].tolist() == [1.75, 2.75, 3.75]
    q.sum().backward()  # each rank splits its gradient between its two neighbours
    assert b.grad.tolist() == [[1.25, 1.25, 1.25], [0.75, 0.75, 0.75]]
    r = mg.arange(5.0)
    assert [mg.quantile(r, v, interpolation="nearest").item() for v in (0.3, 0.375, 0.625)] == [1.0, 2.0, 2.0]
    assert mg.quantile(r, 0.3, interpolation="midpoint").item() == 1.5
    assert b.quantile(0.3).item() == 2.5 and mg.quantile(b, 0.4, dim=1, keepdim=True).shape == (2, 1)
    with pytest.raises(RuntimeError, match=r"q must be in the range \[0, 1\] but got 1.5"):
        mg.quantile(b, 1.5)
    with pytest.raises(RuntimeError, match="float or double"):
        mg.quantile(mg.tensor([1, 2]), 0.5)


def test_mode_picks_the_smallest_most_frequent_value_and_its_last_position():
    values, indices = mg.mode(mg.tensor([1, 2, 2, 3, 3, 1, 1]))
    assert values.item() == 1 and indices.item() == 6
    x = mg.tensor([[3.0, 1.0, 3.0, 1.0], [2.0, 2.0, 5.0, 5.0]], requires_grad=True)
    values, indices = x.mode(1)
    assert values.tolist() == [1.0, 2.0] and indices.tolist() == [3, 1]
    values.sum().backward()
    assert x.grad.tolist() == [[0.0, 0.0, 0.0, 1.0], [0.0, 1.0, 0.0, 0.0]]
    assert x.mode(0, keepdim=True).indices.shape == (1, 4)


def test_binary_ops_take_pytorchs_keyword_names():
    x, y = mg.tensor([1.0, 2.0]), mg.tensor([3.0, 1.0])
    assert mg.add(input=x, other=y, alpha=2).tolist() == [7.0, 4.0] and x.add(other=y).tolist() == [4.0, 3.0]
    assert mg.sub(x, other=y).tolist() == [-2.0, 1.0] and mg.mul(x, other=y).tolist() == [3.0, 2.0]
    assert mg.div(x, other=y, rounding_mode="floor").tolist() == [0.0, 2.0]
    assert mg.pow(x, exponent=2).tolist() == [1.0, 4.0] and mg.matmul(input=x, other=y).item() == 5.0
    assert mg.maximum(x, other=y).tolist() == [3.0, 2.0] and mg.minimum(input=x, other=y).tolist() == [1.0, 1.0]
    assert mg.where(x > 1, input=x, other=y).tolist() == [3.0, 2.0]
