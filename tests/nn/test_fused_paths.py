"""The fast paths of a training step: the fused class-index cross-entropy and NLL ops, Linear's array
backward, and plain SGD. Each is checked against the composite formula it replaces (built here from
primitives), against central differences (first and second derivatives), and against PyTorch when it
is installed; and each backward's two branches (arrays when not recorded, Tensor ops under
``create_graph=True``) must give the same numbers."""
from __future__ import annotations

import numpy as np
import pytest

import microgradnd as mg
import microgradnd.nn as nn
import microgradnd.nn.functional as F
from microgradnd.autograd import gradcheck, gradgradcheck
from microgradnd.ops.loss import CrossEntropy, NLLLoss

rng = np.random.default_rng(7)

SHAPES = [(5, 4), (4,), (3, 4, 2), (2, 3, 2, 2)]


def _target(shape, c_dim, ignore=None):
    t_shape = shape[:c_dim] + shape[c_dim + 1:]
    t = rng.integers(0, shape[c_dim], size=t_shape)
    if ignore is not None and t.ndim:
        t.flat[0] = ignore
    return t


def _composite_ce(x, t, weight=None, ignore_index=-100, reduction="mean"):
    """-w[t]·log_softmax(x)[t] with a one-hot mask, reduced like PyTorch: the unfused formula."""
    dim = 1 if x.ndim >= 2 else 0
    return _composite_nll(mg.log_softmax(x, dim=dim), t, weight, ignore_index, reduction)


def _composite_nll(logp, t, weight=None, ignore_index=-100, reduction="mean"):
    dim = 1 if logp.ndim >= 2 else 0
    c = logp.shape[dim]
    valid = t != ignore_index
    safe = np.where(valid, t, 0)
    w = (weight[safe] if weight is not None else np.ones(t.shape)) * valid
    onehot = np.moveaxis(np.eye(c)[safe], -1, dim) if logp.ndim else np.eye(c)[safe]
    picked = (logp * mg.tensor(onehot.astype(logp.dtype))).sum(dim=dim)
    losses = picked * mg.tensor(-w.astype(logp.dtype))
    if reduction == "none":
        return losses
    if reduction == "sum":
        return losses.sum()
    return losses.sum() / float(w.sum())


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted, ignore", [(False, None), (True, None), (False, 1), (True, 2)])
def test_fused_cross_entropy_and_nll_match_the_composite(shape, reduction, weighted, ignore):
    c_dim = 1 if len(shape) >= 2 else 0
    if ignore is not None and len(shape) == 1:
        ignore = None  # one unbatched sample: ignoring it leaves nothing
    x_np = rng.standard_normal(shape)
    t = _target(shape, c_dim, ignore)
    w = rng.uniform(0.5, 2.0, shape[c_dim]) if weighted else None
    kwargs = dict(weight=mg.tensor(w) if weighted else None, reduction=reduction,
                  ignore_index=ignore if ignore is not None else -100)
    g = rng.standard_normal(t.shape) if reduction == "none" else np.asarray(rng.standard_normal())
    for fused, composite in ((lambda x: F.cross_entropy(x, mg.tensor(t), **kwargs),
                              lambda x: _composite_ce(x, t, w, kwargs["ignore_index"], reduction)),
                             (lambda x: F.nll_loss(x, mg.tensor(t), **kwargs),
                              lambda x: _composite_nll(x, t, w, kwargs["ignore_index"], reduction))):
        xa = mg.tensor(x_np, requires_grad=True)
        xb = mg.tensor(x_np, requires_grad=True)
        a, b = fused(xa), composite(xb)
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-12, atol=1e-12)
        a.backward(mg.tensor(g))
        b.backward(mg.tensor(g))
        np.testing.assert_allclose(xa.grad.numpy(), xb.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_cross_entropy_and_nll_are_one_node_each():
    x = mg.tensor(rng.standard_normal((4, 3)), requires_grad=True)
    t = mg.tensor([0, 2, 1, 2])
    assert F.cross_entropy(x, t).grad_fn.fn is CrossEntropy
    assert F.nll_loss(x, t).grad_fn.fn is NLLLoss
    assert nn.CrossEntropyLoss(reduction="none")(x, t).grad_fn.fn is CrossEntropy


@pytest.mark.parametrize("shape", [(5, 4), (4,), (2, 3, 2)])
@pytest.mark.parametrize("kwargs", [{}, {"reduction": "sum"}, {"reduction": "none"},
                                    {"weight": [1.0, 2.0, 0.5, 1.5], "ignore_index": 1}])
def test_fused_losses_first_and_second_derivatives(shape, kwargs):
    c_dim = 1 if len(shape) >= 2 else 0
    if "weight" in kwargs:
        kwargs = dict(kwargs, weight=mg.tensor(np.array(kwargs["weight"][:shape[c_dim]])))
    t_np = _target(shape, c_dim)
    if "ignore_index" in kwargs:  # ignore one sample, never all of them (a mean of nothing is nan)
        t_np = np.where(t_np == 1, 0, t_np)
        if t_np.ndim:
            t_np.flat[0] = 1
    t = mg.tensor(t_np)
    x = mg.tensor(rng.standard_normal(shape), requires_grad=True)
    for fn in (lambda x: F.cross_entropy(x, t, **kwargs), lambda x: F.nll_loss(x, t, **kwargs)):
        assert gradcheck(fn, [x])
        assert gradgradcheck(fn, [x])


def test_backward_on_arrays_equals_backward_with_tensor_ops():
    """The plain backward (arrays) and the create_graph one (recorded ops) give the same gradient."""
    x_np = rng.standard_normal((6, 5)).astype(np.float32)
    t = mg.tensor([0, 4, 1, 1, 3, 2])
    w = mg.tensor(rng.uniform(0.5, 2, 5).astype(np.float32))
    for fn in (lambda x: F.cross_entropy(x, t, weight=w, ignore_index=1),
               lambda x: F.nll_loss(x, t, reduction="sum"),
               lambda x: F.cross_entropy(x, t, reduction="none").sum()):
        x = mg.tensor(x_np, requires_grad=True)
        (plain,) = mg.autograd.grad(fn(x), [x])
        (graphed,) = mg.autograd.grad(fn(x), [x], create_graph=True)
        assert plain.dtype == graphed.dtype == np.float32
        np.testing.assert_allclose(plain.numpy(), graphed.detach().numpy(), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("shape, dim", [((4, 5), 1), ((3, 2, 4), 0), ((5,), 0), ((), 0)])
def test_log_softmax_backward_paths_agree(shape, dim):
    x_np = rng.standard_normal(shape).astype(np.float32)
    g = mg.tensor(rng.standard_normal(shape).astype(np.float32))
    x = mg.tensor(x_np, requires_grad=True)
    (plain,) = mg.autograd.grad(F.log_softmax(x, dim), [x], g)
    (graphed,) = mg.autograd.grad(F.log_softmax(x, dim), [x], g, create_graph=True)
    assert plain.dtype == np.float32 and graphed.requires_grad
    np.testing.assert_allclose(plain.numpy(), graphed.detach().numpy(), rtol=1e-6, atol=1e-6)
    # second derivatives go through the recorded (create_graph) path
    x64 = mg.tensor(x_np.astype(np.float64), requires_grad=True)
    assert gradgradcheck(lambda x: F.log_softmax(x, dim), [x64])


def test_float32_stays_float32():
    x = mg.tensor(rng.standard_normal((8, 10)).astype(np.float32), requires_grad=True)
    t = mg.tensor(rng.integers(0, 10, 8))
    for reduction in ("mean", "sum", "none"):
        loss = F.cross_entropy(x, t, reduction=reduction)
        assert loss.dtype == np.float32
        loss.sum().backward()
        assert x.grad.dtype == np.float32
        x.grad = None


def test_ignored_samples_with_inf_logits_stay_out_of_the_loss():
    x_np = np.array([[1.0, 2.0, 0.5], [np.inf, 0.0, 1.0], [0.3, -1.0, 2.0]])
    t = mg.tensor([0, 1, 2])
    x = mg.tensor(x_np, requires_grad=True)
    loss = F.cross_entropy(x, t, ignore_index=1)
    kept = mg.tensor(x_np[[0, 2]], requires_grad=True)
    expected = F.cross_entropy(kept, mg.tensor([0, 2]))
    np.testing.assert_allclose(loss.item(), expected.item(), rtol=1e-12)
    loss.backward()
    expected.backward()
    # the ignored row's softmax is nan, and so is its gradient, as in PyTorch (log_softmax's backward)
    assert np.isnan(x.grad.numpy()[1]).all()
    np.testing.assert_allclose(x.grad.numpy()[[0, 2]], kept.grad.numpy(), rtol=1e-12)


def test_all_ignored_mean_is_nan_with_zero_gradient():
    x = mg.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    loss = F.cross_entropy(x, mg.tensor([2, 2, 2]), ignore_index=2)
    assert np.isnan(loss.item())
    loss.backward()
    np.testing.assert_array_equal(x.grad.numpy(), 0.0)


def test_rows_of_infinities_match_log_softmax():
    x_np = np.array([[np.inf, 0.0, 1.0], [-np.inf, -np.inf, -np.inf], [1.0, -np.inf, 0.0]])
    t = mg.tensor([1, 0, 0])
    for reduction in ("none", "sum"):
        fused = F.cross_entropy(mg.tensor(x_np), t, reduction=reduction).numpy()
        composite = F.nll_loss(F.log_softmax(mg.tensor(x_np), 1), t, reduction=reduction).numpy()
        np.testing.assert_array_equal(fused, composite)
    np.testing.assert_allclose(F.cross_entropy(mg.tensor(x_np), t, reduction="none").numpy(),
                               [np.inf, np.nan, np.log(1 + np.e) - 1], rtol=1e-15)


def test_out_of_range_target_raises():
    x = mg.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    with pytest.raises(IndexError, match="Target 4 is out of bounds"):
        F.cross_entropy(x, mg.tensor([0, 4, 1]))
    with pytest.raises(IndexError, match="Target -3 is out of bounds"):
        F.nll_loss(x, mg.tensor([0, -3, 1]))
    # an ignored index may be out of range
    assert np.isfinite(F.cross_entropy(x, mg.tensor([0, -100, 1])).item())
    assert np.isfinite(F.cross_entropy(x, mg.tensor([0, 7, 1]), ignore_index=7).item())


def test_retain_graph_and_second_backward_error():
    x = mg.tensor(rng.standard_normal((4, 3)), requires_grad=True)
    loss = F.cross_entropy(x, mg.tensor([0, 1, 2, 0]))
    loss.backward(retain_graph=True)
    first = x.grad.numpy().copy()
    loss.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * first, rtol=1e-12)
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        loss.backward()


def test_in_place_change_of_the_logits_is_detected():
    x = mg.tensor(rng.standard_normal((4, 3)), requires_grad=True)
    h = x * 1.0
    loss = F.cross_entropy(h, mg.tensor([0, 1, 2, 0]))
    with mg.no_grad():
        h += 1.0
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


# ---------------------------------------------------------------------------------------------------
# nn.Linear


@pytest.mark.parametrize("x_shape", [(3,), (4, 3), (2, 4, 3)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_backward_paths_agree_and_gradcheck(x_shape, bias):
    x = mg.tensor(rng.standard_normal(x_shape), requires_grad=True)
    w = mg.tensor(rng.standard_normal((2, 3)), requires_grad=True)
    b = mg.tensor(rng.standard_normal(2), requires_grad=True) if bias else None
    inputs = [x, w] + ([b] if bias else [])

    def fn(x, w, *b):
        return F.linear(x, w, b[0] if b else None)

    assert gradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs)
    g = mg.tensor(rng.standard_normal(x_shape[:-1] + (2,)))
    plain = mg.autograd.grad(fn(*inputs), inputs, g)
    graphed = mg.autograd.grad(fn(*inputs), inputs, g, create_graph=True)
    for p, q in zip(plain, graphed):
        np.testing.assert_allclose(p.numpy(), q.detach().numpy(), rtol=1e-12, atol=1e-12)


def test_linear_float32_gradients_stay_float32_and_contiguous():
    lin = nn.Linear(5, 3)
    x = mg.tensor(rng.standard_normal((4, 5)).astype(np.float32), requires_grad=True)
    lin(x).sum().backward()
    for t in (x, lin.weight, lin.bias):
        assert t.grad.dtype == np.float32
        assert t.grad.numpy().flags.c_contiguous
    np.testing.assert_allclose(lin.weight.grad.numpy(), np.ones((4, 3), np.float32).T @ x.detach().numpy(),
                               rtol=1e-6)
    np.testing.assert_allclose(lin.bias.grad.numpy(), np.full(3, 4.0), rtol=1e-6)


# ---------------------------------------------------------------------------------------------------
# SGD


def test_plain_sgd_updates_in_place_and_bumps_the_version():
    p = mg.tensor(rng.standard_normal((3, 2)).astype(np.float32), requires_grad=True)
    buffer = p.detach().numpy()
    start = buffer.copy()
    opt = mg.optim.SGD([p], lr=0.1)
    (p * p).sum().backward()
    z = p * p  # its backward reads p: it must see that the step changed p
    opt.step()
    assert p.detach().numpy() is buffer and p.dtype == np.float32
    np.testing.assert_allclose(buffer, start - np.float32(0.1) * (2 * start), rtol=1e-6)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()
    opt.zero_grad()
    assert p.grad is None


# ---------------------------------------------------------------------------------------------------
# against PyTorch: values, first and second derivatives


@pytest.mark.parametrize("shape", [(6, 5), (5,), (3, 5, 2)])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted, ignore", [(False, -100), (True, 3)])
def test_cross_entropy_and_nll_double_backward_match_pytorch(shape, reduction, weighted, ignore):
    torch = pytest.importorskip("torch")
    c_dim = 1 if len(shape) >= 2 else 0
    x_np = rng.standard_normal(shape)
    t_np = _target(shape, c_dim, ignore if len(shape) > 1 and ignore >= 0 else None)
    w_np = rng.uniform(0.5, 2.0, shape[c_dim]) if weighted else None
    out_shape = t_np.shape if reduction == "none" else ()
    g_np = rng.standard_normal(out_shape)
    v_np = rng.standard_normal(shape)
    for ours_fn, theirs_fn in ((F.cross_entropy, torch.nn.functional.cross_entropy),
                               (F.nll_loss, torch.nn.functional.nll_loss)):
        x = mg.tensor(x_np, requires_grad=True)
        xt = torch.tensor(x_np, requires_grad=True)
        ours = ours_fn(x, mg.tensor(t_np), weight=mg.tensor(w_np) if weighted else None,
                       ignore_index=ignore, reduction=reduction)
        theirs = theirs_fn(xt, torch.tensor(t_np), weight=torch.tensor(w_np) if weighted else None,
                           ignore_index=ignore, reduction=reduction)
        np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-10, atol=1e-12)
        (gx,) = mg.autograd.grad(ours, [x], mg.tensor(g_np), create_graph=True)
        (gxt,) = torch.autograd.grad(theirs, [xt], torch.tensor(g_np), create_graph=True)
        np.testing.assert_allclose(gx.detach().numpy(), gxt.detach().numpy(), rtol=1e-10, atol=1e-12)
        if ours_fn is F.nll_loss:
            continue  # linear in x: torch's gradient does not require grad again
        (hv,) = mg.autograd.grad((gx * mg.tensor(v_np)).sum(), [x])
        (hvt,) = torch.autograd.grad((gxt * torch.tensor(v_np)).sum(), [xt])
        np.testing.assert_allclose(hv.numpy(), hvt.numpy(), rtol=1e-9, atol=1e-12)


def test_float32_training_step_matches_pytorch():
    torch = pytest.importorskip("torch")
    x_np = rng.random((16, 12)).astype(np.float32)
    y_np = rng.integers(0, 4, 16)
    models = []
    for lib in (mg, torch):
        torch_like = lib.nn.Sequential(lib.nn.Linear(12, 8), lib.nn.ReLU(), lib.nn.Linear(8, 4))
        models.append(torch_like)
    with torch.no_grad():
        for (_, p), (_, q) in zip(models[0].named_parameters(), models[1].named_parameters()):
            q.copy_(torch.tensor(p.detach().numpy()))
    losses = []
    for lib, model in zip((mg, torch), models):
        opt = lib.optim.SGD(model.parameters(), lr=0.5)
        loss_fn = lib.nn.CrossEntropyLoss()
        x, y = lib.tensor(x_np), lib.tensor(y_np)
        run = []
        for _ in range(5):
            opt.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            opt.step()
            run.append(loss.item())
        losses.append(run)
    np.testing.assert_allclose(losses[0], losses[1], rtol=1e-5)
    for (_, p), (_, q) in zip(models[0].named_parameters(), models[1].named_parameters()):
        assert p.dtype == np.float32
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------------------------------------------
# batch norm: the backward primitives (reduce + elemt) against PyTorch, plain and create_graph


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("affine", [True, False])
def test_batch_norm_backward_primitives_match_pytorch(dtype, affine):
    torch = pytest.importorskip("torch")
    x_np = (rng.standard_normal((6, 3, 4, 2)) * 2 + 3).astype(dtype)  # an offset mean: x̂ must be centred
    w_np, b_np = rng.standard_normal(3).astype(dtype), rng.standard_normal(3).astype(dtype)
    g_np = rng.standard_normal(x_np.shape).astype(dtype)
    tol = {"rtol": 1e-4, "atol": 1e-5} if dtype == np.float32 else {"rtol": 1e-10, "atol": 1e-12}
    results = []
    for lib, fn in ((mg, F.batch_norm), (torch, torch.nn.functional.batch_norm)):
        x = lib.tensor(x_np, requires_grad=True)
        params = [lib.tensor(w_np, requires_grad=True), lib.tensor(b_np, requires_grad=True)] if affine else []
        inputs = [x] + params

        def bn(x, *p):
            return fn(x, None, None, *(p or (None, None)), training=True)

        plain = lib.autograd.grad(bn(*inputs), inputs, lib.tensor(g_np))
        graphed = lib.autograd.grad(bn(*inputs), inputs, lib.tensor(g_np), create_graph=True)
        second = (graphed[0] * graphed[0]).sum() + (sum((p * p).sum() for p in graphed[1:]) if affine else 0)
        hess = lib.autograd.grad(second, inputs[:2])  # β's gradient Σg does not depend on β
        results.append([t.detach().numpy() for t in (*plain, *graphed, *hess)])
    for ours, theirs in zip(*results):
        assert ours.dtype == dtype
        np.testing.assert_allclose(ours, theirs, **tol)
