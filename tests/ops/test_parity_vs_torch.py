"""Cases from a parity sweep against PyTorch: values, dtypes, shapes and gradients of ops where
microgradnd used to differ. Torch-free versions with hand-computed values are in test_parity_ops.py."""
import numpy as np
import pytest

import microgradnd as mg

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(7)
X = RNG.standard_normal((3, 4, 5))
Z = np.array([[1.0, 0.0, 3.0], [0.0, 0.0, 2.0], [5.0, 2.0, 5.0]])
T = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0], [5.0, 0.0, 5.0]])


def _results(lib, fn, arrays):
    inputs = [lib.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    out = fn(lib, *inputs)
    first = out[0] if isinstance(out, tuple) else out
    outs = out if isinstance(out, tuple) else (out,)
    values = [(str(o.dtype).split(".")[-1], tuple(o.shape), o.detach().numpy().copy()) for o in outs]
    grads = None
    if first.requires_grad:
        upstream = np.random.default_rng(0).standard_normal(tuple(first.shape))
        first.backward(lib.tensor(upstream, dtype=first.dtype))
        grads = [None if t.grad is None else t.grad.numpy().copy() for t in inputs]
    return values, grads


def compare(fn, *arrays):
    arrays = [np.asarray(a) for a in arrays]
    t_values, t_grads = _results(torch, fn, arrays)
    m_values, m_grads = _results(mg, fn, arrays)
    assert len(m_values) == len(t_values)
    for (m_dtype, m_shape, m_v), (t_dtype, t_shape, t_v) in zip(m_values, t_values):
        assert (m_dtype, m_shape) == (t_dtype, t_shape)
        np.testing.assert_allclose(m_v, t_v, rtol=1e-7, atol=1e-10, equal_nan=True)
    assert (m_grads is None) == (t_grads is None)
    for m_g, t_g in zip(m_grads or [], t_grads or []):
        if t_g is None:
            assert m_g is None or not np.any(m_g)
        else:
            np.testing.assert_allclose(m_g, t_g, rtol=1e-7, atol=1e-10)


CASES = {
    "scatter_small_index_value": (lambda t, x: x.scatter(0, t.tensor([[[1, 2, 0]]]), -1.0), X),
    "scatter_small_index_src": (lambda t, x: x.scatter(2, t.tensor([[[1], [0]]]), x[1:2, :2, :1] * 3), X),
    "einsum_trace": (lambda t, x: t.einsum("ii->", x), Z),
    "einsum_diag": (lambda t, x: t.einsum("ii->i", x), Z),
    "einsum_batched_diag": (lambda t, x: t.einsum("bii->bi", x[:, :3, :3]), X),
    "einsum_diag_times": (lambda t, x: t.einsum("ii,ij->j", x, x * 2), Z),
    "mod_tensor": (lambda t, x: x % x.flip(0), X),
    "mod_scalar_negative": (lambda t, x: x % -0.7, X),
    "remainder": (lambda t, x: t.remainder(x, 0.3), X),
    "fmod": (lambda t, x: t.fmod(x, x.flip(1)), X),
    "fmod_method": (lambda t, x: x.fmod(-0.7), X),
    "int_remainder": (lambda t: t.tensor([5, -5, 7, -7]) % t.tensor([3, 3, -2, -2]),),
    "int_fmod": (lambda t: t.fmod(t.tensor([5, -5, 7, -7]), 3),),
    "floor_divide": (lambda t: t.floor_divide(t.tensor([5, -5, 7]), 2),),
    "cumprod": (lambda t, x: x.cumprod(1), X),
    "cumprod_zeros": (lambda t, x: t.cumprod(x, dim=1), Z),
    "cumprod_zeros_dim0": (lambda t, x: t.cumprod(x, 0), Z),
    "cumsum_bool": (lambda t, x: (x > 0).cumsum(1), X),
    "median": (lambda t, x: x.median(), X),
    "median_even": (lambda t, x: x[:, :4].median(), X),
    "median_dim": (lambda t, x: x.median(1), X),
    "median_dim_keep": (lambda t, x: t.median(x, dim=-1, keepdim=True), X),
    "median_ties": (lambda t, x: x.median(1), T),
    "kthvalue_values": (lambda t, x: x.kthvalue(2, 1).values, X),
    "aminmax": (lambda t, x: tuple(t.aminmax(x)), X),
    "aminmax_dim": (lambda t, x: tuple(t.aminmax(x, dim=1, keepdim=True)), X),
    "nansum": (lambda t, x: t.log(x).nansum(1), X),
    "nanmean": (lambda t, x: t.log(x).nanmean(), X),
    "norm_p3_zero": (lambda t, x: (x * 0).norm(3), Z),
    "norm_p3_zero_rows": (lambda t, x: x.norm(p=3, dim=0), Z),
    "norm_neg_inf": (lambda t, x: x.norm(float("-inf")), X),
    "norm_neg_inf_dim": (lambda t, x: x.norm(float("-inf"), dim=1), X),
    "norm_p0": (lambda t, x: x.norm(0).detach(), Z),
    "hardtanh_at_bounds": (lambda t, x: t.nn.functional.hardtanh(x - 2), T),
    "relu6_at_bounds": (lambda t, x: t.nn.functional.relu6(x * 3 - 3), T),
    "index_add": (lambda t, x: x.index_add(1, t.tensor([0, 0, 3]), x[:, :3] * 2, alpha=-1.5), X),
    "index_add_inplace": (lambda t, x: (x * 1).index_add_(0, t.tensor([2, 2]), x[:2]), X),
    "index_copy": (lambda t, x: x.index_copy(0, t.tensor([1, 0]), x[1:] * 3), X),
    "index_fill": (lambda t, x: x.index_fill(2, t.tensor([0, 4]), -1.0), X),
    "index_fill_tensor_value": (lambda t, x: x.index_fill(0, t.tensor([1]), x[0, 0, 0] * 2), X),
    "index_put_accumulate": (lambda t, x: x.index_put((t.tensor([0, 0]), t.tensor([1, 1])), x[2, 3],
                                                      accumulate=True), X),
    "index_put_": (lambda t, x: (x * 1).index_put_((t.tensor([0, 2]),), x[1] * 0.5), X),
    "take_along_dim": (lambda t, x: t.take_along_dim(x, x.argsort(1), 1), X),
    "take_along_dim_broadcast": (lambda t, x: t.take_along_dim(x, t.tensor([[[1], [0], [4], [4]]]), dim=2), X),
    "take_along_dim_flat": (lambda t, x: t.take_along_dim(x, t.tensor([0, 59, 7])), X),
    "where_condition_only": (lambda t, x: t.where(x > 1),  X),
    "inner": (lambda t, x: t.inner(x, x[0]), X),
    "floor_inplace": (lambda t, x: (x * 3).floor_(), X),
    "round_inplace_decimals": (lambda t, x: (x * 1).round_(decimals=2), X),
    "remainder_inplace": (lambda t, x: (x * 1).remainder_(0.3), X),
    "div_inplace_floor": (lambda t, x: x.detach().clone().div_(0.3, rounding_mode="floor"), X),
    "split_size_keyword": (lambda t, x: x.split(split_size=2, dim=2), X),
    "mH": (lambda t, x: x.mH * 2, X),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_torch(name):
    fn, *arrays = CASES[name]
    compare(fn, *arrays)


def test_quantile_and_nanquantile_match_pytorch_with_gradients():
    rng = np.random.default_rng(11)
    for trial in range(60):
        shape = tuple(int(s) for s in rng.integers(1, 6, size=rng.integers(1, 4)))
        x = rng.standard_normal(shape)
        if trial % 3 == 0:
            x[rng.random(shape) < 0.25] = np.nan
        dim = None if trial % 4 == 0 else int(rng.integers(-len(shape), len(shape)))
        q = float(rng.random()) if trial % 2 else rng.random(int(rng.integers(1, 4)))
        interpolation = ["linear", "lower", "higher", "midpoint", "nearest"][trial % 5]
        keepdim = bool(trial % 7 == 0)
        for name in ("quantile", "nanquantile"):
            results = []
            for lib in (mg, torch):
                t = lib.tensor(x, requires_grad=True)
                qq = q if isinstance(q, float) else lib.tensor(q)
                out = getattr(lib, name)(t, qq, dim=dim, keepdim=keepdim, interpolation=interpolation)
                weights = lib.tensor(np.linspace(0.5, 1.5, out.numel()).reshape(tuple(out.shape)))
                (lib.nan_to_num(out) * weights).sum().backward()
                results.append((out.detach().numpy(), t.grad.numpy()))
            (mv, mg_grad), (tv, t_grad) = results
            assert mv.shape == tv.shape, (name, shape, dim, q, keepdim)
            np.testing.assert_allclose(mv, tv, rtol=1e-12, equal_nan=True, err_msg=f"{name} {interpolation}")
            np.testing.assert_allclose(mg_grad, t_grad, rtol=1e-12, atol=1e-15, err_msg=f"{name} grad")


def test_mode_matches_pytorch_values_indices_and_gradient():
    rng = np.random.default_rng(5)
    for trial in range(40):
        shape = tuple(int(s) for s in rng.integers(1, 6, size=rng.integers(1, 4)))
        a = rng.integers(0, 3, size=shape).astype(np.float64)
        dim = int(rng.integers(-len(shape), len(shape)))
        keepdim = bool(trial % 3 == 0)
        results = []
        for lib in (mg, torch):
            t = lib.tensor(a, requires_grad=True)
            values, indices = lib.mode(t, dim, keepdim)
            values.sum().backward()
            results.append((values.detach().numpy(), indices.numpy(), t.grad.numpy()))
        for ours, theirs in zip(*results):
            np.testing.assert_array_equal(ours, theirs, err_msg=f"{shape} dim={dim} keepdim={keepdim}")
