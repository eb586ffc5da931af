"""Loss functions: values and gradients against PyTorch on random inputs (optional: needs torch)."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import microgradnd as mg
import microgradnd.nn as nn
import microgradnd.nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def _pair(array, requires_grad=True):
    """The same float64 data as a microgradnd tensor and a torch tensor."""
    return (mg.tensor(array, requires_grad=requires_grad),
            torch.tensor(array, requires_grad=requires_grad))


def _compare(ours, theirs, inputs, tol=1e-10):
    """Values equal; gradients of a random projection equal for every (ours, theirs) input pair."""
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=tol, atol=tol)
    g = np.random.default_rng(1).standard_normal(ours.shape)
    ours.backward(mg.tensor(g))
    theirs.backward(torch.tensor(g))
    for a, b in inputs:
        if b.grad is None:
            assert a.grad is None or np.allclose(a.grad.numpy(), 0)
            continue
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-8, atol=1e-10)


REDUCTIONS = ["mean", "sum", "none"]
rng = np.random.default_rng(0)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss"])
def test_regression_losses(name, reduction):
    x, tx = _pair(rng.standard_normal((4, 3)) * 2)
    y, ty = _pair(rng.standard_normal((4, 3)) * 2)
    _compare(getattr(F, name)(x, y, reduction=reduction), getattr(TF, name)(tx, ty, reduction=reduction),
             [(x, tx), (y, ty)])


@pytest.mark.parametrize("beta", [0.0, 0.5, 2.0])
def test_smooth_l1_beta_and_huber_delta(beta):
    x, tx = _pair(rng.standard_normal(10) * 2)
    y, ty = _pair(rng.standard_normal(10) * 2)
    _compare(F.smooth_l1_loss(x, y, beta=beta), TF.smooth_l1_loss(tx, ty, beta=beta), [(x, tx), (y, ty)])
    if beta > 0:
        x, tx = _pair(rng.standard_normal(10) * 2)
        _compare(F.huber_loss(x, y.detach(), delta=beta), TF.huber_loss(tx, ty.detach(), delta=beta), [(x, tx)])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_binary_cross_entropy(reduction, weighted):
    p, tp = _pair(rng.uniform(0.01, 0.99, (5, 2)))
    t, tt = _pair(rng.uniform(0, 1, (5, 2)))
    w = rng.uniform(0.5, 2, (2,)) if weighted else None
    ours = F.binary_cross_entropy(p, t, weight=None if w is None else mg.tensor(w), reduction=reduction)
    theirs = TF.binary_cross_entropy(tp, tt, weight=None if w is None else torch.tensor(w), reduction=reduction)
    _compare(ours, theirs, [(p, tp), (t, tt)])


def test_binary_cross_entropy_at_exact_zero_and_one_is_finite_like_pytorch():
    p, tp = _pair(np.array([0.0, 1.0, 0.0, 1.0, 0.5]))
    t, tt = _pair(np.array([0.0, 1.0, 1.0, 0.0, 1.0]), requires_grad=False)
    _compare(F.binary_cross_entropy(p, t, reduction="none"), TF.binary_cross_entropy(tp, tt, reduction="none"),
             [(p, tp)])
    assert F.binary_cross_entropy(mg.tensor([0.0]), mg.tensor([1.0])).item() == pytest.approx(100.0)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("pos_weight", [None, [0.5, 3.0]])
@pytest.mark.parametrize("weighted", [False, True])
def test_bce_with_logits(reduction, pos_weight, weighted):
    x, tx = _pair(rng.standard_normal((6, 2)) * 5)
    t, tt = _pair(rng.uniform(0, 1, (6, 2)))
    kw_ours, kw_theirs = {}, {}
    if pos_weight is not None:
        kw_ours["pos_weight"] = mg.tensor(np.array(pos_weight))
        kw_theirs["pos_weight"] = torch.tensor(np.array(pos_weight))
    if weighted:
        w = rng.uniform(0.5, 2, (6, 1))
        kw_ours["weight"], kw_theirs["weight"] = mg.tensor(w), torch.tensor(w)
    _compare(F.binary_cross_entropy_with_logits(x, t, reduction=reduction, **kw_ours),
             TF.binary_cross_entropy_with_logits(tx, tt, reduction=reduction, **kw_theirs), [(x, tx), (t, tt)])


def test_bce_with_logits_is_stable_for_huge_logits():
    x, tx = _pair(np.array([1000.0, -1000.0, 50.0, -50.0]))
    t, tt = _pair(np.array([0.0, 1.0, 1.0, 0.0]), requires_grad=False)
    _compare(F.binary_cross_entropy_with_logits(x, t, reduction="none"),
             TF.binary_cross_entropy_with_logits(tx, tt, reduction="none"), [(x, tx)], tol=1e-8)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("ignore", [-100, 1])
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
@pytest.mark.parametrize("shape", [(5, 4), (3, 4, 2, 3), (4,)])
def test_cross_entropy_class_indices(reduction, weighted, ignore, smoothing, shape):
    x, tx = _pair(rng.standard_normal(shape) * 3)
    c = shape[1] if len(shape) > 1 else shape[0]
    tshape = (shape[0],) + shape[2:] if len(shape) > 1 else ()
    target = rng.integers(0, c, tshape)
    if len(shape) > 1:
        target.flat[0] = ignore if ignore >= 0 else -100
    w = rng.uniform(0.5, 2, c) if weighted else None
    kw = dict(reduction=reduction, ignore_index=ignore, label_smoothing=smoothing)
    ours = F.cross_entropy(x, mg.tensor(target), weight=None if w is None else mg.tensor(w), **kw)
    theirs = TF.cross_entropy(tx, torch.tensor(target), weight=None if w is None else torch.tensor(w), **kw)
    _compare(ours, theirs, [(x, tx)])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("smoothing", [0.0, 0.3])
def test_cross_entropy_probability_targets(reduction, weighted, smoothing):
    x, tx = _pair(rng.standard_normal((4, 3, 2)))
    p = rng.dirichlet(np.ones(3), (4, 2)).transpose(0, 2, 1).copy()
    t, tt = _pair(p)
    w = rng.uniform(0.5, 2, 3) if weighted else None
    ours = F.cross_entropy(x, t, weight=None if w is None else mg.tensor(w), reduction=reduction,
                           label_smoothing=smoothing)
    theirs = TF.cross_entropy(tx, tt, weight=None if w is None else torch.tensor(w), reduction=reduction,
                              label_smoothing=smoothing)
    _compare(ours, theirs, [(x, tx), (t, tt)])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_nll_loss(reduction, weighted):
    x, tx = _pair(rng.standard_normal((6, 5)))
    target = rng.integers(0, 5, 6)
    target[2] = -100
    w = rng.uniform(0.5, 2, 5) if weighted else None
    ours = F.nll_loss(x, mg.tensor(target), weight=None if w is None else mg.tensor(w), reduction=reduction)
    theirs = TF.nll_loss(tx, torch.tensor(target), weight=None if w is None else torch.tensor(w),
                         reduction=reduction)
    _compare(ours, theirs, [(x, tx)])


def test_cross_entropy_all_ignored_mean_is_nan_like_pytorch():
    x = mg.randn(3, 4)
    t = mg.tensor([-100, -100, -100])
    ours = F.cross_entropy(x, t).item()
    theirs = TF.cross_entropy(torch.tensor(x.numpy()), torch.tensor(t.numpy())).item()
    assert np.isnan(ours) and np.isnan(theirs)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none", "batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div(reduction, log_target):
    x, tx = _pair(np.log(rng.dirichlet(np.ones(4), 3)))
    target = rng.dirichlet(np.ones(4), 3)
    target[0, 1] = 0.0 if not log_target else target[0, 1]
    if log_target:
        target = np.log(target)
    t, tt = _pair(target, requires_grad=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _compare(F.kl_div(x, t, reduction=reduction, log_target=log_target),
                 TF.kl_div(tx, tt, reduction=reduction, log_target=log_target), [(x, tx)])


def test_float32_losses_stay_float32_and_match():
    x = rng.standard_normal((8, 3)).astype(np.float32)
    t = rng.integers(0, 3, 8)
    ours = F.cross_entropy(mg.tensor(x), mg.tensor(t))
    assert ours.dtype == mg.float32
    assert ours.item() == pytest.approx(TF.cross_entropy(torch.tensor(x), torch.tensor(t)).item(), rel=1e-6)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_embedding_and_ranking_losses(reduction):
    a, ta = _pair(rng.standard_normal((5, 4)))
    b, tb = _pair(rng.standard_normal((5, 4)))
    c, tc = _pair(rng.standard_normal((5, 4)))
    y = np.array([1, -1, 1, -1, -1])
    _compare(F.cosine_embedding_loss(a, b, mg.tensor(y), margin=0.2, reduction=reduction),
             TF.cosine_embedding_loss(ta, tb, torch.tensor(y), margin=0.2, reduction=reduction), [(a, ta), (b, tb)])
    a.grad = b.grad = ta.grad = tb.grad = None
    _compare(F.triplet_margin_loss(a, b, c, margin=1.5, swap=True, reduction=reduction),
             TF.triplet_margin_loss(ta, tb, tc, margin=1.5, swap=True, reduction=reduction), [(a, ta), (b, tb), (c, tc)])
    x, tx = _pair(rng.standard_normal((5, 4)))
    yy = rng.choice([-1, 1], (5, 4))
    _compare(F.hinge_embedding_loss(x, mg.tensor(yy), margin=0.7, reduction=reduction),
             TF.hinge_embedding_loss(tx, torch.tensor(yy), margin=0.7, reduction=reduction), [(x, tx)])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("log_input, full", [(True, False), (False, True), (True, True)])
def test_poisson_nll_loss(reduction, log_input, full):
    x, tx = _pair(rng.uniform(0.1, 2.0, (4, 3)))
    t = rng.integers(0, 5, (4, 3)).astype(np.float64)
    _compare(F.poisson_nll_loss(x, mg.tensor(t), log_input=log_input, full=full, reduction=reduction),
             TF.poisson_nll_loss(tx, torch.tensor(t), log_input=log_input, full=full, reduction=reduction), [(x, tx)])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_multilabel_soft_margin_loss(reduction):
    x, tx = _pair(rng.standard_normal((4, 3)) * 3)
    t = rng.integers(0, 2, (4, 3)).astype(np.float64)
    w = rng.uniform(0.5, 2, 3)
    _compare(F.multilabel_soft_margin_loss(x, mg.tensor(t), weight=mg.tensor(w), reduction=reduction),
             TF.multilabel_soft_margin_loss(tx, torch.tensor(t), weight=torch.tensor(w), reduction=reduction),
             [(x, tx)])


def test_distance_modules():
    a, b = rng.standard_normal((3, 5)), rng.standard_normal((3, 5))
    ours = nn.CosineSimilarity(dim=1)(mg.tensor(a), mg.tensor(b)).numpy()
    theirs = torch.nn.CosineSimilarity(dim=1)(torch.tensor(a), torch.tensor(b)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-10)
    ours = nn.PairwiseDistance(p=1.0)(mg.tensor(a), mg.tensor(b)).numpy()
    theirs = torch.nn.PairwiseDistance(p=1.0)(torch.tensor(a), torch.tensor(b)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-10)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_margin_soft_margin_and_gaussian_nll(reduction):
    a, ta = _pair(rng.standard_normal(5))
    b, tb = _pair(rng.standard_normal(5))
    y = rng.choice([-1.0, 1.0], 5)
    v = rng.uniform(0.1, 2, 5)
    _compare(F.margin_ranking_loss(a, b, mg.tensor(y), margin=0.3, reduction=reduction),
             TF.margin_ranking_loss(ta, tb, torch.tensor(y), margin=0.3, reduction=reduction), [(a, ta), (b, tb)])
    a.grad = ta.grad = None
    _compare(F.soft_margin_loss(a, mg.tensor(y), reduction=reduction),
             TF.soft_margin_loss(ta, torch.tensor(y), reduction=reduction), [(a, ta)])
    a.grad = ta.grad = None
    _compare(F.gaussian_nll_loss(a, mg.tensor(b.detach().numpy()), mg.tensor(v), full=True, reduction=reduction),
             TF.gaussian_nll_loss(ta, torch.tensor(b.detach().numpy()), torch.tensor(v), full=True,
                                  reduction=reduction), [(a, ta)])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p,margin,weighted,batched", [(1, 1.0, False, True), (2, 0.7, True, True),
                                                       (1, 2.0, True, False), (2, 1.0, False, False)])
def test_multi_margin_loss(reduction, p, margin, weighted, batched):
    shape = (5, 4) if batched else (4,)
    x, tx = _pair(rng.standard_normal(shape))
    t = rng.integers(0, 4, size=shape[:-1])
    w = rng.uniform(0.2, 2.0, 4) if weighted else None
    ours = F.multi_margin_loss(x, mg.tensor(t), p=p, margin=margin, weight=None if w is None else mg.tensor(w),
                               reduction=reduction)
    theirs = TF.multi_margin_loss(tx, torch.tensor(t), p=p, margin=margin,
                                  weight=None if w is None else torch.tensor(w), reduction=reduction)
    assert ours.shape == tuple(theirs.shape)
    _compare(ours, theirs, [(x, tx)])
    module = nn.MultiMarginLoss(p=p, margin=margin, weight=None if w is None else mg.tensor(w), reduction=reduction)
    np.testing.assert_allclose(module(x, mg.tensor(t)).detach().numpy(), theirs.detach().numpy(), rtol=1e-12)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_multilabel_margin_loss(reduction):
    x, tx = _pair(rng.standard_normal((4, 5)))
    # listed classes stop at the first -1 (what follows it is ignored); a repeated class counts twice
    t = np.array([[3, 0, -1, 1, 1], [4, -1, 0, 0, 0], [0, 1, 2, 3, 4], [2, 2, -1, -1, 4]])
    ours = F.multilabel_margin_loss(x, mg.tensor(t), reduction=reduction)
    theirs = TF.multilabel_margin_loss(tx, torch.tensor(t), reduction=reduction)
    _compare(ours, theirs, [(x, tx)])
    x1, tx1 = _pair(rng.standard_normal(5))
    _compare(nn.MultiLabelMarginLoss(reduction=reduction)(x1, mg.tensor(t[0])),
             torch.nn.MultiLabelMarginLoss(reduction=reduction)(tx1, torch.tensor(t[0])), [(x1, tx1)])


def test_margin_loss_errors_match_torch():
    cases = [
        lambda lib, f: f.multi_margin_loss(lib.zeros(2, 3), lib.tensor([0, 1]), p=3),
        lambda lib, f: f.multi_margin_loss(lib.zeros(2, 3), lib.tensor([0, 3])),
        lambda lib, f: f.multi_margin_loss(lib.zeros(2, 3), lib.tensor([0])),
        lambda lib, f: f.multi_margin_loss(lib.zeros(2, 3, 2), lib.tensor([0, 1])),
        lambda lib, f: f.multi_margin_loss(lib.zeros(2, 3), lib.tensor([0, 1]), weight=lib.ones(2)),
        lambda lib, f: f.multi_margin_loss(lib.zeros(2, 3), lib.tensor([0.0, 1.0])),
        lambda lib, f: f.multilabel_margin_loss(lib.zeros(2, 3), lib.tensor([[0, 1], [2, -1]])),
        lambda lib, f: f.multilabel_margin_loss(lib.zeros(2, 3), lib.tensor([[0, 1, 3], [2, -1, 0]])),
        lambda lib, f: f.multilabel_margin_loss(lib.zeros(2, 3), lib.tensor([[0, 1, -1], [-2, -1, 0]])),
        lambda lib, f: lib.nn.MultiMarginLoss(weight=lib.ones(2, 2)),
    ]
    for case in cases:
        with pytest.raises(Exception) as theirs:
            case(torch, TF)
        with pytest.raises(type(theirs.value)) as ours:
            case(mg, F)
        assert str(ours.value) == str(theirs.value)
    with pytest.raises(RuntimeError, match="out of range"):  # checked even after the first -1, as PyTorch
        F.multilabel_margin_loss(mg.zeros(1, 3), mg.tensor([[2, -1, 3]]))
