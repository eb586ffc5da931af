"""gradcheck (float64 central differences) of every layer and loss, first and second derivatives."""
from __future__ import annotations

import numpy as np
import pytest

import microgradnd as mg
import microgradnd.nn as nn
import microgradnd.nn.functional as F
from microgradnd.autograd import gradcheck, gradgradcheck

rng = np.random.default_rng(0)


def _t(*shape, low=-1.0, high=1.0):
    return mg.tensor(rng.uniform(low, high, shape), requires_grad=True)


def _module_check(module, *shape, second=True):
    """gradcheck wrt the input and every parameter of ``module`` (made float64)."""
    module.double()
    params = list(module.parameters())
    x = _t(*shape)

    # parameters enter the graph as themselves, so check through the module directly
    def through_module(x):
        return module(x)

    assert gradcheck(through_module, [x])
    if params:
        def wrt_params(*ps):
            return _call_with(module, params, ps, x.detach())

        assert gradcheck(wrt_params, [mg.tensor(p.detach().numpy().copy(), requires_grad=True) for p in params])
    if second:
        assert gradgradcheck(through_module, [x])


def _call_with(module, params, values, x):
    """module(x) with each parameter temporarily replaced by the given tensors (in the graph)."""
    owners = []
    for m in module.modules():
        for name, p in m._parameters.items():
            for i, q in enumerate(params):
                if p is q:
                    owners.append((m, name, p, values[i]))
    try:
        for m, name, _, v in owners:
            m._parameters[name] = v
        return module(x)
    finally:
        for m, name, p, _ in owners:
            m._parameters[name] = p


LAYERS = [
    (lambda: nn.Linear(3, 2), (4, 3)),
    (lambda: nn.Linear(3, 2), (2, 2, 3)),
    (lambda: nn.Conv2d(2, 3, 3, padding=1), (2, 2, 4, 4)),
    (lambda: nn.Conv2d(2, 2, (2, 3), stride=(2, 1), padding=(1, 0), bias=False), (1, 2, 5, 4)),
    (lambda: nn.Conv2d(4, 2, 2, groups=2, dilation=(1, 2)), (2, 4, 4, 5)),
    (lambda: nn.AvgPool2d(2), (2, 2, 4, 4)),
    (lambda: nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False), (1, 2, 5, 5)),
    (lambda: nn.AdaptiveAvgPool2d((2, 3)), (1, 2, 5, 4)),
    (lambda: nn.Flatten(), (2, 3, 2)),
    (lambda: nn.BatchNorm1d(3), (5, 3)),
    (lambda: nn.BatchNorm1d(3).eval(), (5, 3, 2)),
    (lambda: nn.BatchNorm2d(2), (3, 2, 2, 2)),
    (lambda: nn.LayerNorm(4), (3, 4)),
    (lambda: nn.Sigmoid(), (3, 4)),
    (lambda: nn.Tanh(), (3, 4)),
    (lambda: nn.Softplus(beta=2.0), (3, 4)),
    (lambda: nn.GELU(), (3, 4)),
    (lambda: nn.GELU("tanh"), (3, 4)),
    (lambda: nn.SiLU(), (3, 4)),
    (lambda: nn.Softmax(dim=1), (3, 4)),
    (lambda: nn.LogSoftmax(dim=0), (3, 4)),
    (lambda: nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)), (5, 3)),
]


@pytest.mark.parametrize("make, shape", LAYERS)
def test_smooth_layers(make, shape):
    mg.manual_seed(0)
    _module_check(make(), *shape)


# piecewise-linear layers: first derivatives only, inputs kept away from the kinks
@pytest.mark.parametrize("make", [nn.ReLU, lambda: nn.LeakyReLU(0.2), nn.PReLU, nn.ELU, nn.SELU, nn.Hardtanh])
def test_kinked_activations(make):
    x = mg.tensor(rng.choice([-1, 1], (3, 4)) * rng.uniform(0.2, 0.9, (3, 4)), requires_grad=True)
    module = make().double()
    assert gradcheck(module, [x])


def test_max_pool_layer():
    x = mg.tensor(rng.permutation(48).reshape(1, 3, 4, 4) / 10.0, requires_grad=True)  # no ties
    assert gradcheck(nn.MaxPool2d(2), [x])
    assert gradcheck(nn.MaxPool2d(3, stride=1, padding=1), [x])
    assert gradgradcheck(nn.MaxPool2d(2), [x])


def test_dropout_with_a_fixed_mask():
    x = _t(4, 5)

    def fn(x):
        mg.manual_seed(7)  # the same mask at every evaluation
        return F.dropout(x, 0.3)

    assert gradcheck(fn, [x])


def test_conv2d_second_derivatives_wrt_weight_and_input():
    x, w, b = _t(1, 2, 4, 4), _t(3, 2, 2, 2), _t(3)
    assert gradcheck(lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1), [x, w, b])
    assert gradgradcheck(lambda x, w: F.conv2d(x, w, padding=1), [x, w])


LOSSES = [
    ("mse", lambda x, t: F.mse_loss(x, t), None),
    ("mse_sum", lambda x, t: F.mse_loss(x, t, reduction="sum"), None),
    ("l1", lambda x, t: F.l1_loss(x, t, reduction="none"), None),
    ("smooth_l1", lambda x, t: F.smooth_l1_loss(x, t, beta=0.5), None),
    ("huber", lambda x, t: F.huber_loss(x, t, delta=0.7), None),
    ("bce", lambda x, t: F.binary_cross_entropy(mg.sigmoid(x), mg.sigmoid(t)), None),
    ("bce_logits", lambda x, t: F.binary_cross_entropy_with_logits(x, mg.sigmoid(t),
                                                                   pos_weight=mg.tensor([2.0, 0.5, 1.0, 3.0],
                                                                                        dtype=mg.float64)), None),
    ("kl", lambda x, t: F.kl_div(F.log_softmax(x, 1), F.softmax(t, 1), reduction="batchmean"), None),
    ("ce_probs", lambda x, t: F.cross_entropy(x, F.softmax(t, 1), label_smoothing=0.1), None),
]


@pytest.mark.parametrize("name, fn, _", LOSSES)
def test_losses_gradcheck(name, fn, _):
    x, t = _t(3, 4), _t(3, 4)
    if name in ("l1", "smooth_l1", "huber"):  # keep |x - t| away from the kinks
        t = mg.tensor(x.detach().numpy() + rng.choice([-1, 1], (3, 4)) * rng.uniform(0.1, 0.3, (3, 4))
                      + (name != "l1") * rng.choice([-1, 1], (3, 4)), requires_grad=True)
    assert gradcheck(fn, [x, t])
    if name not in ("l1", "smooth_l1", "huber"):
        assert gradgradcheck(fn, [x, t])


@pytest.mark.parametrize("kwargs", [
    {}, {"reduction": "sum"}, {"reduction": "none"}, {"label_smoothing": 0.2},
    {"weight": mg.tensor([1.0, 2.0, 0.5, 1.5], dtype=mg.float64), "ignore_index": 1},
])
def test_cross_entropy_and_nll_gradcheck(kwargs):
    x = _t(5, 4)
    target = mg.tensor([0, 1, 3, 2, 1])
    assert gradcheck(lambda x: F.cross_entropy(x, target, **kwargs), [x])
    assert gradgradcheck(lambda x: F.cross_entropy(x, target, **kwargs), [x])
    nll_kwargs = {k: v for k, v in kwargs.items() if k != "label_smoothing"}
    assert gradcheck(lambda x: F.nll_loss(F.log_softmax(x, 1), target, **nll_kwargs), [x])


def test_cross_entropy_spatial_gradcheck():
    x = _t(2, 3, 2, 2)
    target = mg.tensor(rng.integers(0, 3, (2, 2, 2)))
    assert gradcheck(lambda x: F.cross_entropy(x, target), [x])


def test_loss_modules_call_the_functions():
    x = _t(3, 4)
    t = mg.tensor(rng.uniform(0, 1, (3, 4)))
    assert nn.MSELoss()(x, t).item() == pytest.approx(F.mse_loss(x, t).item())
    assert nn.L1Loss(reduction="sum")(x, t).item() == pytest.approx(F.l1_loss(x, t, reduction="sum").item())
    p = mg.sigmoid(x)
    assert nn.BCELoss()(p, t).item() == pytest.approx(F.binary_cross_entropy(p, t).item())
    assert nn.BCEWithLogitsLoss()(x, t).item() == pytest.approx(F.binary_cross_entropy_with_logits(x, t).item())
    target = mg.tensor([0, 3, 1])
    assert nn.CrossEntropyLoss()(x, target).item() == pytest.approx(F.cross_entropy(x, target).item())
    assert nn.NLLLoss()(x, target).item() == pytest.approx(F.nll_loss(x, target).item())
    assert nn.CrossEntropyLoss(reduction="none")(x, target).shape == (3,)
    with pytest.raises(ValueError, match="avg is not a valid value for reduction"):
        nn.MSELoss(reduction="avg")


def test_conv_transpose2d_gradcheck_and_second_order():
    x, w, b = _t(1, 2, 3, 3), _t(2, 3, 2, 2), _t(3)
    assert gradcheck(lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1), [x, w, b])
    assert gradgradcheck(lambda x, w: F.conv_transpose2d(x, w, stride=2), [x, w])


def test_conv_transpose_is_the_adjoint_of_conv():
    # <conv(x), y> = <x, conv_transpose(y)> for the same weight
    x, y, w = (mg.randn(*shape, dtype=mg.float64) for shape in ((2, 3, 7, 6), (2, 4, 4, 4), (4, 3, 3, 2)))
    lhs = (F.conv2d(x, w, stride=2, padding=1) * y).sum().item()
    rhs = (x * F.conv_transpose2d(y, w, stride=2, padding=1)).sum().item()
    assert lhs == pytest.approx(rhs, rel=1e-10, abs=1e-10)
