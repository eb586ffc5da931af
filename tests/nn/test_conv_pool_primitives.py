"""The convolution primitives (Conv2d, Conv2dBackwardInput, Conv2dBackwardWeight) and max pooling's
backward primitive (MaxPool2dBackward): values, gradients and second derivatives against PyTorch and
against central differences, over the geometries the fast paths special-case (bias folded into the
GEMM, non-overlapping windows, padding crops, groups, dilation, output_padding >= stride)."""
from __future__ import annotations

import numpy as np
import pytest

import microgradnd as mg
import microgradnd.nn as nn
import microgradnd.nn.functional as F
from microgradnd.autograd import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")

CONV_CASES = [
    # (N, C, O, H, W, kernel, stride, padding, dilation, groups, bias)
    (2, 1, 8, 7, 6, 3, 1, 1, 1, 1, True),  # the benchmark's shape family: one input channel
    (2, 4, 6, 7, 9, (3, 2), (2, 1), (1, 2), (1, 2), 2, True),
    (3, 6, 6, 5, 5, 1, 1, 0, 1, 3, False),  # 1x1, depthwise-like groups
    (2, 3, 4, 8, 8, 2, 2, 0, 1, 1, True),  # non-overlapping windows
    (2, 2, 4, 6, 7, 4, 1, "same", 1, 1, True),  # even kernel: asymmetric padding
    (1, 2, 2, 6, 6, 3, 3, "valid", 2, 2, False),
]


def _np(t):
    return t.detach().numpy()


@pytest.mark.parametrize("case", CONV_CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_conv2d_values_and_gradients_match_pytorch(case, dtype):
    n, c, o, h, w, k, s, p, d, g, bias = case
    rng = np.random.default_rng(1)
    ks = (k, k) if isinstance(k, int) else k
    x = rng.standard_normal((n, c, h, w)).astype(dtype)
    wt = rng.standard_normal((o, c // g) + ks).astype(dtype)
    b = rng.standard_normal(o).astype(dtype) if bias else None
    ours = [mg.tensor(a, requires_grad=True) for a in (x, wt) + ((b,) if bias else ())]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, wt) + ((b,) if bias else ())]
    out = F.conv2d(ours[0], ours[1], ours[2] if bias else None, s, p, d, g)
    ref = torch.nn.functional.conv2d(theirs[0], theirs[1], theirs[2] if bias else None, s, p, d, g)
    assert out.dtype == dtype and out.shape == tuple(ref.shape)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(_np(out), ref.detach().numpy(), rtol=tol, atol=tol)
    up = rng.standard_normal(ref.shape).astype(dtype)
    (out * mg.tensor(up)).sum().backward()
    (ref * torch.tensor(up)).sum().backward()
    for a, t in zip(ours, theirs):
        assert a.grad.dtype == dtype
        np.testing.assert_allclose(_np(a.grad), t.grad.numpy(), rtol=10 * tol, atol=10 * tol)


def test_conv2d_output_is_c_contiguous_and_flatten_is_a_view():
    # the layout the fast path relies on: (N, O, OH, OW) straight from the GEMM, no transposes
    x = mg.randn(2, 1, 6, 6)
    y = nn.Conv2d(1, 3, 3, padding=1)(x)
    assert y._data.flags.c_contiguous
    assert np.shares_memory(nn.Flatten()(y)._data, y._data)


@pytest.mark.parametrize("case", CONV_CASES[:4])
def test_conv2d_second_derivatives(case):
    n, c, o, h, w, k, s, p, d, g, bias = case
    rng = np.random.default_rng(2)
    ks = (k, k) if isinstance(k, int) else k
    x = mg.tensor(rng.uniform(-1, 1, (1, c, min(h, 5), min(w, 5))), requires_grad=True)
    wt = mg.tensor(rng.uniform(-1, 1, (o, c // g) + ks), requires_grad=True)
    b = mg.tensor(rng.uniform(-1, 1, o), requires_grad=True)
    args = [x, wt, b] if bias else [x, wt]

    def fn(*a):
        return F.conv2d(a[0], a[1], a[2] if bias else None, s, p, d, g)

    assert gradcheck(fn, args)
    assert gradgradcheck(fn, args)


def test_conv2d_double_backward_matches_pytorch():
    # d/d(x, w) of |∂L/∂x|² + |∂L/∂w|²: runs the vjps of Conv2dBackwardInput and Conv2dBackwardWeight
    rng = np.random.default_rng(3)
    x, w, b = rng.standard_normal((2, 4, 6, 5)), rng.standard_normal((6, 2, 3, 2)), rng.standard_normal(6)
    kw = dict(stride=(2, 1), padding=(1, 0), dilation=(1, 2), groups=2)
    results = []
    for lib, F_ in ((mg, F), (torch, torch.nn.functional)):
        xs = [lib.tensor(a, requires_grad=True) for a in (x, w, b)]
        y = F_.conv2d(*xs, **kw)
        loss = (y * y).sum()
        gx, gw, gb = (mg.autograd.grad if lib is mg else torch.autograd.grad)(loss, xs, create_graph=True)
        second = (gx * gx).sum() + (gw * gw).sum() + (gb * gb).sum()
        results.append([_np(t) if lib is mg else t.detach().numpy()
                        for t in (mg.autograd.grad if lib is mg else torch.autograd.grad)(second, xs)])
    for a, t in zip(*results):
        np.testing.assert_allclose(a, t, rtol=1e-10, atol=1e-10)


def test_plain_backward_releases_the_saved_cols():
    x = mg.randn(2, 1, 5, 5)
    conv = nn.Conv2d(1, 2, 3)
    y = conv(x)
    node = y.grad_fn
    assert node.cols.shape == (2, 1, 10, 9)  # 9 kernel taps plus the ones row that carries the bias
    y.sum().backward()
    assert "cols" not in node.__dict__
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.sum().backward()


def test_big_cols_are_recomputed_not_kept(monkeypatch):
    from microgradnd.ops import conv as conv_ops

    rng = np.random.default_rng(10)
    x, w, b = rng.standard_normal((2, 3, 6, 5)), rng.standard_normal((4, 3, 3, 3)), rng.standard_normal(4)
    grads = []
    for limit in (conv_ops._KEEP_COLS_BYTES, 0):
        monkeypatch.setattr(conv_ops, "_KEEP_COLS_BYTES", limit)
        wm = mg.tensor(w, requires_grad=True)
        y = F.conv2d(mg.tensor(x), wm, mg.tensor(b), padding=1)
        assert ("cols" in y.grad_fn.__dict__) == (limit > 0)
        (y * y).sum().backward()
        grads.append(_np(wm.grad))
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("kwargs", [
    dict(stride=2, padding=1, output_padding=1),
    dict(stride=1, dilation=2, output_padding=1),  # output_padding >= stride: allowed when < dilation
    dict(stride=(2, 3), padding=(0, 1), output_padding=(1, 2), groups=2),
])
def test_conv_transpose2d_matches_pytorch(kwargs):
    rng = np.random.default_rng(4)
    x, w, b = rng.standard_normal((2, 4, 4, 3)), rng.standard_normal((4, 3, 3, 3)), rng.standard_normal(6)
    if kwargs.get("groups", 1) == 1:
        b = b[:3]
    ours = [mg.tensor(a, requires_grad=True) for a in (x, w, b)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    out = F.conv_transpose2d(*ours, **kwargs)
    ref = torch.nn.functional.conv_transpose2d(*theirs, **kwargs)
    np.testing.assert_allclose(_np(out), ref.detach().numpy(), rtol=1e-12, atol=1e-12)
    up = rng.standard_normal(ref.shape)
    (out * mg.tensor(up)).sum().backward()
    (ref * torch.tensor(up)).sum().backward()
    for a, t in zip(ours, theirs):
        np.testing.assert_allclose(_np(a.grad), t.grad.numpy(), rtol=1e-11, atol=1e-11)


def test_conv_transpose2d_second_derivatives_with_output_padding_past_the_stride():
    rng = np.random.default_rng(5)
    x = mg.tensor(rng.uniform(-1, 1, (1, 2, 3, 3)), requires_grad=True)
    w = mg.tensor(rng.uniform(-1, 1, (2, 1, 2, 2)), requires_grad=True)

    def fn(x, w):
        return F.conv_transpose2d(x, w, stride=1, dilation=2, output_padding=1)

    assert gradcheck(fn, [x, w])
    assert gradgradcheck(fn, [x, w])


POOL_CASES = [
    dict(kernel_size=2),
    dict(kernel_size=3, stride=2, padding=1),
    dict(kernel_size=(2, 3), stride=(1, 2), ceil_mode=True),
    dict(kernel_size=2, dilation=2),
    dict(kernel_size=(3, 1)),
    dict(kernel_size=1),
]


@pytest.mark.parametrize("kwargs", POOL_CASES)
@pytest.mark.parametrize("data", ["ties", "distinct", "relu"])
def test_max_pool_values_gradients_and_indices_match_pytorch(kwargs, data):
    rng = np.random.default_rng(6)
    if data == "ties":  # few distinct values: ties inside most windows, the first maximum wins
        x = rng.integers(0, 3, (2, 3, 7, 8)).astype(np.float32)
    elif data == "relu":
        x = np.maximum(rng.standard_normal((2, 3, 7, 8)), 0).astype(np.float32)
    else:
        x = rng.permutation(2 * 3 * 7 * 8).reshape(2, 3, 7, 8).astype(np.float32)
    xm, xt = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    om, im = F.max_pool2d(xm, return_indices=True, **kwargs)
    ot, it = torch.nn.functional.max_pool2d(xt, return_indices=True, **kwargs)
    np.testing.assert_array_equal(_np(om), ot.detach().numpy())
    np.testing.assert_array_equal(im.numpy(), it.numpy())
    up = rng.standard_normal(ot.shape).astype(np.float32)
    (om * mg.tensor(up)).sum().backward()
    (ot * torch.tensor(up)).sum().backward()
    np.testing.assert_allclose(_np(xm.grad), xt.grad.numpy(), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("kwargs", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1)])
def test_max_pool_backward_of_non_finite_gradients_matches_pytorch(kwargs):
    # PyTorch scatters g: an inf or NaN upstream gradient reaches only the winning pixel
    rng = np.random.default_rng(11)
    x = rng.standard_normal((1, 2, 6, 6))
    g = rng.standard_normal(tuple(torch.nn.functional.max_pool2d(torch.tensor(x), **kwargs).shape))
    g[0, 0, 0, 0], g[0, 1, 1, 1], g[0, 1, 2, 0] = np.inf, np.nan, -np.inf
    xm, xt = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    F.max_pool2d(xm, **kwargs).backward(mg.tensor(g))
    torch.nn.functional.max_pool2d(xt, **kwargs).backward(torch.tensor(g))
    np.testing.assert_array_equal(_np(xm.grad), xt.grad.numpy())


def test_max_pool_input_of_any_memory_layout():
    rng = np.random.default_rng(7)
    x = rng.integers(0, 4, (2, 6, 6, 3)).astype(np.float64).transpose(0, 3, 1, 2)  # channels-last memory
    xm, xt = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    F.max_pool2d(xm, 2).sum().backward()
    torch.nn.functional.max_pool2d(xt, 2).sum().backward()
    np.testing.assert_array_equal(_np(xm.grad), xt.grad.numpy())


def test_max_pool_output_changed_in_place_then_backward_matches_pytorch():
    rng = np.random.default_rng(10)
    x = rng.standard_normal((2, 3, 6, 6))
    grads = []
    for lib, F_ in ((mg, F), (torch, torch.nn.functional)):
        xs = lib.tensor(x, requires_grad=True)
        y = F_.max_pool2d(xs, 3, stride=2, padding=1)
        y.relu_()  # PyTorch's max pooling does not save its output: this is allowed
        (y * lib.tensor(np.arange(y.numel(), dtype=np.float64).reshape(tuple(y.shape)))).sum().backward()
        grads.append(_np(xs.grad) if lib is mg else xs.grad.numpy())
    np.testing.assert_array_equal(grads[0], grads[1])


@pytest.mark.parametrize("kwargs", POOL_CASES[:3])
def test_max_pool_double_backward_matches_pytorch(kwargs):
    # MaxPool2dBackward is linear in g; its vjp gathers the upstream gradient at the picked pixels
    rng = np.random.default_rng(8)
    x = rng.integers(0, 3, (2, 2, 7, 8)).astype(np.float64)
    g = rng.standard_normal(tuple(torch.nn.functional.max_pool2d(torch.tensor(x), **kwargs).shape))
    results = []
    for lib, F_ in ((mg, F), (torch, torch.nn.functional)):
        grad = mg.autograd.grad if lib is mg else torch.autograd.grad
        xs, up = lib.tensor(x, requires_grad=True), lib.tensor(g, requires_grad=True)
        (gx,) = grad(F_.max_pool2d(xs, **kwargs), [xs], up, create_graph=True)
        weight = lib.tensor(np.arange(x.size, dtype=np.float64).reshape(x.shape))
        (gup,) = grad((gx * weight).sum(), [up])
        results.append(_np(gup) if lib is mg else gup.numpy())
    np.testing.assert_array_equal(results[0], results[1])


def test_max_pool_backward_gradgradcheck():
    rng = np.random.default_rng(9)
    x = mg.tensor(rng.permutation(2 * 5 * 6).reshape(1, 2, 5, 6) / 10.0, requires_grad=True)
    assert gradgradcheck(lambda x: F.max_pool2d(x, 3, stride=2, padding=1), [x])
    assert gradgradcheck(lambda x: F.max_pool2d(x, 2), [x])
