"""Small models with weights copied from PyTorch: forward, loss, backward and a training step agree."""
from __future__ import annotations

import numpy as np
import pytest

import microgradnd as mg
import microgradnd.nn as nn
import microgradnd.nn.functional as F

torch = pytest.importorskip("torch")


def _copy_weights(ours, theirs):
    sd = {k: mg.tensor(v.detach().numpy().copy()) for k, v in theirs.state_dict().items()}
    ours.load_state_dict(sd)


def _grads_match(ours, theirs, rtol=1e-4, atol=1e-6):
    mine = dict(ours.named_parameters())
    for name, p in theirs.named_parameters():
        np.testing.assert_allclose(mine[name].grad.numpy(), p.grad.numpy(), rtol=rtol, atol=atol, err_msg=name)


def _build_cnn(lib):
    return lib.Sequential(
        lib.Conv2d(1, 4, 3, padding=1), lib.BatchNorm2d(4), lib.ReLU(), lib.MaxPool2d(2),
        lib.Conv2d(4, 6, 3, stride=1), lib.ReLU(), lib.AvgPool2d(2, stride=1),
        lib.Flatten(), lib.Dropout(0.0), lib.Linear(6 * 1 * 1, 10),
    )


def _build_mlp(lib):
    return lib.Sequential(lib.Linear(8, 16), lib.Tanh(), lib.Linear(16, 16), lib.LeakyReLU(0.1),
                          lib.BatchNorm1d(16), lib.Linear(16, 3))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_cnn_forward_backward_matches_pytorch(dtype):
    torch.manual_seed(0)
    theirs = _build_cnn(torch.nn).to(getattr(torch, dtype))
    ours = _build_cnn(nn).to(getattr(mg, dtype))
    _copy_weights(ours, theirs)
    x = np.random.default_rng(0).standard_normal((5, 1, 8, 8)).astype(dtype)
    y = np.array([1, 0, 3, 9, 2])
    out_t = theirs(torch.tensor(x))
    out_m = ours(mg.tensor(x))
    tol = 1e-4 if dtype == "float32" else 1e-10
    np.testing.assert_allclose(out_m.detach().numpy(), out_t.detach().numpy(), rtol=tol, atol=tol)
    loss_t = torch.nn.functional.cross_entropy(out_t, torch.tensor(y))
    loss_m = F.cross_entropy(out_m, mg.tensor(y))
    assert loss_m.item() == pytest.approx(loss_t.item(), rel=tol)
    loss_t.backward()
    loss_m.backward()
    _grads_match(ours, theirs, rtol=tol * 10, atol=tol)
    # running stats moved the same way
    for (k, a), b in zip(ours.state_dict().items(), theirs.state_dict().values()):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=tol, atol=tol, err_msg=k)
    # eval mode agrees too
    ours.eval(), theirs.eval()
    np.testing.assert_allclose(ours(mg.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy(),
                               rtol=tol, atol=tol)


def test_mlp_training_steps_match_pytorch():
    torch.manual_seed(1)
    theirs = _build_mlp(torch.nn).double()
    ours = _build_mlp(nn).double()
    _copy_weights(ours, theirs)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((12, 8))
    y = rng.integers(0, 3, 12)
    lr = 0.1
    for _ in range(3):
        loss_t = torch.nn.CrossEntropyLoss(label_smoothing=0.05)(theirs(torch.tensor(x)), torch.tensor(y))
        loss_m = nn.CrossEntropyLoss(label_smoothing=0.05)(ours(mg.tensor(x)), mg.tensor(y))
        assert loss_m.item() == pytest.approx(loss_t.item(), rel=1e-10)
        theirs.zero_grad(), ours.zero_grad()
        loss_t.backward(), loss_m.backward()
        _grads_match(ours, theirs, rtol=1e-8, atol=1e-12)
        with torch.no_grad():
            for p in theirs.parameters():
                p -= lr * p.grad
        with mg.no_grad():
            for p in ours.parameters():
                p -= lr * p.grad
    for k, v in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[k].numpy(), v.numpy(), rtol=1e-9, atol=1e-12, err_msg=k)


def test_xor_network_with_bce_matches_pytorch():
    torch.manual_seed(2)
    theirs = torch.nn.Sequential(torch.nn.Linear(2, 10), torch.nn.Sigmoid(), torch.nn.Linear(10, 1),
                                 torch.nn.Sigmoid())
    ours = nn.Sequential(nn.Linear(2, 10), nn.Sigmoid(), nn.Linear(10, 1), nn.Sigmoid())
    _copy_weights(ours, theirs)
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    y = np.array([[0], [1], [1], [0]], dtype=np.float32)
    loss_t = torch.nn.BCELoss()(theirs(torch.tensor(x)), torch.tensor(y))
    loss_m = nn.BCELoss()(ours(mg.tensor(x)), mg.tensor(y))
    assert loss_m.item() == pytest.approx(loss_t.item(), rel=1e-6)
    loss_t.backward(), loss_m.backward()
    _grads_match(ours, theirs, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("kwargs", [
    dict(kernel_size=3), dict(kernel_size=(2, 3), stride=(2, 1), padding=(1, 0)), dict(kernel_size=4, padding="same"),
    dict(kernel_size=3, dilation=2, padding=2), dict(kernel_size=3, groups=2, stride=2, bias=False),
])
def test_conv2d_layer_matches_pytorch(kwargs):
    torch.manual_seed(3)
    theirs = torch.nn.Conv2d(4, 6, **kwargs).double()
    ours = nn.Conv2d(4, 6, **kwargs).double()
    _copy_weights(ours, theirs)
    x = np.random.default_rng(3).standard_normal((2, 4, 9, 7))
    xm, xt = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    om, ot = ours(xm), theirs(xt)
    np.testing.assert_allclose(om.detach().numpy(), ot.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = np.random.default_rng(4).standard_normal(om.shape)
    om.backward(mg.tensor(g)), ot.backward(torch.tensor(g))
    np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), rtol=1e-10, atol=1e-12)
    _grads_match(ours, theirs, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("fn, kwargs", [
    ("max_pool2d", dict(kernel_size=2)), ("max_pool2d", dict(kernel_size=3, stride=2, padding=1)),
    ("max_pool2d", dict(kernel_size=(2, 3), stride=(1, 2), ceil_mode=True)),
    ("max_pool2d", dict(kernel_size=2, dilation=2)),
    ("avg_pool2d", dict(kernel_size=2)), ("avg_pool2d", dict(kernel_size=3, stride=2, padding=1)),
    ("avg_pool2d", dict(kernel_size=3, stride=2, padding=1, count_include_pad=False, ceil_mode=True)),
    ("avg_pool2d", dict(kernel_size=2, divisor_override=3)),
    ("adaptive_avg_pool2d", dict(output_size=(3, 2))), ("adaptive_max_pool2d", dict(output_size=(3, 2))),
])
def test_pooling_matches_pytorch(fn, kwargs):
    x = np.random.default_rng(5).standard_normal((2, 3, 6, 8))
    xm, xt = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    om, ot = getattr(F, fn)(xm, **kwargs), getattr(torch.nn.functional, fn)(xt, **kwargs)
    np.testing.assert_allclose(om.detach().numpy(), ot.detach().numpy(), rtol=1e-12, atol=1e-12)
    g = np.random.default_rng(6).standard_normal(om.shape)
    om.backward(mg.tensor(g)), ot.backward(torch.tensor(g))
    np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name, args", [
    ("relu", ()), ("leaky_relu", (0.2,)), ("elu", (0.7,)), ("selu", ()), ("celu", (1.3,)), ("gelu", ()),
    ("silu", ()), ("mish", ()), ("softplus", (2.0, 5.0)), ("hardtanh", (-0.5, 0.8)), ("relu6", ()),
    ("logsigmoid", ()), ("softsign", ()), ("tanhshrink", ()), ("hardsigmoid", ()), ("hardswish", ()),
    ("softmax", (1,)), ("log_softmax", (0,)), ("softmin", (1,)), ("glu", (1,)), ("sigmoid", ()), ("tanh", ()),
    ("hardshrink", (0.7,)), ("softshrink", (0.4,)), ("threshold", (0.2, -1.0)),
])
def test_functional_activations_match_pytorch(name, args):
    x = np.random.default_rng(7).standard_normal((3, 4)) * 4
    xm, xt = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    om, ot = getattr(F, name)(xm, *args), getattr(torch.nn.functional, name)(xt, *args)
    np.testing.assert_allclose(om.detach().numpy(), ot.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = np.random.default_rng(8).standard_normal(om.shape)
    om.backward(mg.tensor(g)), ot.backward(torch.tensor(g))
    # some PyTorch backward kernels use float constants even in float64 (hardsigmoid's 1/6, celu's scale):
    # they are accurate to ~1e-7 only, ours are exact (celu checked against e^(x/α) by hand)
    np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("name, args", [
    ("relu_", ()), ("elu_", (0.7,)), ("selu_", ()), ("celu_", (1.3,)), ("leaky_relu_", (0.2,)),
    ("hardtanh_", (-0.5, 0.8)), ("threshold_", (0.2, -1.0)),
])
def test_functional_inplace_activations_match_pytorch(name, args):
    # the input itself changes; recorded, so a residual that reads it twice has PyTorch's gradient
    x = np.random.default_rng(7).standard_normal((3, 4)) * 2
    results = []
    for lib, F_ in ((mg, F), (torch, torch.nn.functional)):
        w = lib.tensor(x, requires_grad=True)
        h = w * 1.5
        out = getattr(F_, name)(h, *args)
        assert out is h
        (out * lib.tensor(np.arange(12.0).reshape(3, 4)) + h).sum().backward()
        results.append((h.detach().numpy(), w.grad.numpy()))
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("module", ["ReLU(inplace=True)", "LeakyReLU(0.1, inplace=True)", "ELU(inplace=True)",
                                    "Hardtanh(-0.5, 0.5, inplace=True)", "ReLU6(inplace=True)", "SiLU(inplace=True)",
                                    "Hardswish(inplace=True)", "Threshold(0.1, 20.0, inplace=True)"])
def test_inplace_activation_modules_change_their_input_like_pytorch(module):
    x = np.linspace(-3, 3, 8)
    xm, xt = mg.tensor(x), torch.tensor(x)
    assert eval("nn." + module)(xm) is xm and eval("torch.nn." + module)(xt) is xt
    np.testing.assert_allclose(xm.numpy(), xt.numpy(), rtol=1e-7)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        eval("nn." + module)(mg.tensor(x, requires_grad=True))


def test_batch_norm_and_layer_norm_functional_match_pytorch():
    x = np.random.default_rng(9).standard_normal((4, 3, 5))
    w, b = np.array([1.0, 2.0, 0.5]), np.array([0.0, -1.0, 1.0])
    rm, rv = np.zeros(3), np.ones(3)
    rm_t, rv_t = torch.tensor(rm), torch.tensor(rv)
    rm_m, rv_m = mg.tensor(rm), mg.tensor(rv)
    om = F.batch_norm(mg.tensor(x), rm_m, rv_m, mg.tensor(w), mg.tensor(b), training=True, momentum=0.3)
    ot = torch.nn.functional.batch_norm(torch.tensor(x), rm_t, rv_t, torch.tensor(w), torch.tensor(b),
                                        training=True, momentum=0.3)
    np.testing.assert_allclose(om.numpy(), ot.numpy(), rtol=1e-10)
    np.testing.assert_allclose(rm_m.numpy(), rm_t.numpy(), rtol=1e-12)
    np.testing.assert_allclose(rv_m.numpy(), rv_t.numpy(), rtol=1e-12)
    om = F.layer_norm(mg.tensor(x), (3, 5))
    ot = torch.nn.functional.layer_norm(torch.tensor(x), (3, 5))
    np.testing.assert_allclose(om.numpy(), ot.numpy(), rtol=1e-10, atol=1e-12)


def test_unfold_fold_match_pytorch():
    x = np.random.default_rng(10).standard_normal((2, 3, 6, 5))
    om = F.unfold(mg.tensor(x), (2, 3), padding=1, stride=(2, 1))
    ot = torch.nn.functional.unfold(torch.tensor(x), (2, 3), padding=1, stride=(2, 1))
    np.testing.assert_allclose(om.numpy(), ot.numpy())
    back_m = F.fold(om, (6, 5), (2, 3), padding=1, stride=(2, 1))
    back_t = torch.nn.functional.fold(ot, (6, 5), (2, 3), padding=1, stride=(2, 1))
    np.testing.assert_allclose(back_m.numpy(), back_t.numpy(), rtol=1e-12)


@pytest.mark.parametrize("expr, channels", [
    ("Conv1d(3, 4, 3)", 3), ("Conv1d(3, 4, 3, stride=2, padding=1, bias=False)", 3),
    ("Conv1d(4, 4, 3, padding='same', groups=2, dilation=2)", 4), ("MaxPool1d(2)", 3),
    ("MaxPool1d(3, stride=2, padding=1)", 3), ("AvgPool1d(3, stride=2)", 3), ("AdaptiveAvgPool1d(4)", 3),
])
def test_1d_layers_match_pytorch(expr, channels):
    ours, theirs = eval(expr, vars(nn)).double(), eval(expr, vars(torch.nn)).double()
    assert repr(ours) == repr(theirs)
    if theirs.state_dict():
        _copy_weights(ours, theirs)
    x = np.random.default_rng(11).standard_normal((2, channels, 11))
    xm, xt = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    om, ot = ours(xm), theirs(xt)
    np.testing.assert_allclose(om.detach().numpy(), ot.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = np.random.default_rng(12).standard_normal(om.shape)
    om.backward(mg.tensor(g)), ot.backward(torch.tensor(g))
    np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("kwargs", [
    dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1), dict(kernel_size=2, dilation=2, ceil_mode=True),
    dict(kernel_size=(2, 3), stride=(1, 2), padding=(1, 1)),
])
def test_max_pool_return_indices_match_pytorch(kwargs):
    x = np.random.default_rng(13).standard_normal((2, 3, 7, 6))
    om, im = F.max_pool2d(mg.tensor(x), return_indices=True, **kwargs)
    ot, it = torch.nn.functional.max_pool2d(torch.tensor(x), return_indices=True, **kwargs)
    assert im.dtype == mg.int64 and np.array_equal(im.numpy(), it.numpy())
    np.testing.assert_array_equal(om.numpy(), ot.numpy())


def test_parameter_containers_match_pytorch():
    def build(lib):
        class M(lib.Module):
            def __init__(self):
                super().__init__()
                self.plist = lib.ParameterList([lib.Parameter(lib_ones(lib, 3)), lib.Parameter(lib_ones(lib, 2, 2))])
                self.pdict = lib.ParameterDict({"a": lib.Parameter(lib_ones(lib, 1))})
                self.single = lib.ParameterList([lib.Parameter(lib_ones(lib, 1))])

        return M()

    def lib_ones(lib, *shape):
        return (torch if lib is torch.nn else mg).ones(*shape)

    ours, theirs = build(nn), build(torch.nn)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.plist.append(mg.zeros(4))
    assert isinstance(ours.plist[2], nn.Parameter) and len(ours.plist) == 3
    assert [n for n, _ in ours.named_parameters()][:3] == ["plist.0", "plist.1", "plist.2"]


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("shape, pad", [((2, 5, 4), (2, 1)), ((2, 3, 5, 4), (1, 2, 3, 0)), ((3, 5, 4), (0, 1, 1, 0))])
def test_pad_modes_match_pytorch(mode, shape, pad):
    x = np.random.default_rng(14).standard_normal(shape)
    xm, xt = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    om, ot = F.pad(xm, pad, mode=mode), torch.nn.functional.pad(xt, pad, mode=mode)
    np.testing.assert_array_equal(om.detach().numpy(), ot.detach().numpy())
    g = np.random.default_rng(15).standard_normal(om.shape)
    om.backward(mg.tensor(g)), ot.backward(torch.tensor(g))
    np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("shape, kwargs", [
    ((2, 2, 3, 4), dict(scale_factor=2, mode="bilinear")),
    ((2, 2, 3, 4), dict(scale_factor=2, mode="bilinear", align_corners=True)),
    ((1, 1, 5, 5), dict(size=(3, 7), mode="bilinear")),
    ((1, 1, 5, 5), dict(scale_factor=(1.7, 0.6), mode="bilinear")),
    ((1, 1, 5, 5), dict(scale_factor=1.7, mode="bilinear", recompute_scale_factor=True)),
    ((2, 3, 6), dict(scale_factor=3, mode="linear")),
    ((2, 3, 6), dict(size=4, mode="linear", align_corners=True)),
    ((1, 2, 2, 3, 3), dict(size=(3, 4, 5), mode="trilinear")),
])
def test_interpolate_linear_modes_match_pytorch(shape, kwargs):
    x = np.random.default_rng(17).standard_normal(shape)
    xm, xt = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    om, ot = F.interpolate(xm, **kwargs), torch.nn.functional.interpolate(xt, **kwargs)
    np.testing.assert_allclose(om.detach().numpy(), ot.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = np.random.default_rng(18).standard_normal(om.shape)
    om.backward(mg.tensor(g)), ot.backward(torch.tensor(g))
    np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("expr, shape", [
    ("ZeroPad2d((1, 0, 2, 1))", (2, 3, 4, 5)), ("ZeroPad2d((-1, 1, 0, -2))", (2, 3, 4, 5)),
    ("ConstantPad1d((2, 1), 3.5)", (2, 3, 5)), ("ConstantPad3d((1, 0, 0, 1, 1, 1), 2.0)", (1, 2, 3, 4, 4)),
    ("ReflectionPad1d(2)", (2, 3, 5)), ("ReflectionPad2d((1, 2, 3, 0))", (2, 3, 4, 5)),
    ("ReplicationPad2d(2)", (3, 4, 5)), ("ReplicationPad3d((1, 2, 0, 1, 2, 0))", (1, 2, 3, 4, 4)),
    ("CircularPad2d((1, 0, 2, 1))", (2, 3, 4, 5)), ("Unfold((2, 3), padding=1, stride=(1, 2))", (2, 3, 4, 5)),
    ("Unfold(2)", (3, 4, 5)), ("Fold((4, 5), 2)", (2, 12, 12)), ("Fold((4, 5), 2)", (12, 12)),
    ("UpsamplingNearest2d(size=(5, 7))", (2, 3, 4, 5)), ("UpsamplingBilinear2d(scale_factor=2)", (2, 3, 4, 5)),
])
def test_padding_fold_and_upsampling_layers_match_pytorch(expr, shape):
    x = np.random.default_rng(19).standard_normal(shape)
    ours, theirs = eval("nn." + expr), eval("torch.nn." + expr)
    assert repr(ours) == repr(theirs)
    xm, xt = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    om, ot = ours(xm), theirs(xt)
    np.testing.assert_allclose(om.detach().numpy(), ot.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = np.random.default_rng(20).standard_normal(om.shape)
    om.backward(mg.tensor(g)), ot.backward(torch.tensor(g))
    np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("expr, shape", [
    ("BatchNorm3d(2)", (2, 2, 3, 2, 2)), ("BatchNorm3d(2, momentum=None, affine=False)", (2, 2, 3, 2, 2)),
    ("InstanceNorm1d(3)", (2, 3, 5)), ("InstanceNorm1d(3, affine=True)", (3, 5)),
    ("InstanceNorm2d(3, affine=True, track_running_stats=True, momentum=0.3)", (2, 3, 4, 4)),
    ("InstanceNorm2d(3, track_running_stats=True, momentum=None)", (2, 3, 4, 4)),
    ("InstanceNorm3d(2, affine=True)", (2, 2, 2, 3, 3)), ("GroupNorm(2, 4)", (2, 4, 3, 3)),
    ("GroupNorm(1, 4, eps=1e-3)", (2, 4, 5)), ("GroupNorm(4, 4, affine=False)", (2, 4, 3, 3)),
    ("GroupNorm(2, 4)", (3, 4)), ("LocalResponseNorm(2)", (2, 5, 3, 3)),
    ("LocalResponseNorm(3, alpha=0.1, beta=0.5, k=2.0)", (2, 6, 4)), ("LocalResponseNorm(5, alpha=1.0)", (1, 3, 2, 2, 2)),
])
def test_group_instance_and_response_norms_match_pytorch(expr, shape):
    ours, theirs = eval("nn." + expr).double(), eval("torch.nn." + expr).double()
    rng = np.random.default_rng(21)
    for p in theirs.parameters():
        with torch.no_grad():
            p.copy_(torch.tensor(rng.standard_normal(tuple(p.shape))))
    ours.load_state_dict({k: mg.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    for step in range(3):
        if step == 2:
            ours.eval(), theirs.eval()
        x = rng.standard_normal(shape) * 2 + 1
        xm, xt = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        om, ot = ours(xm), theirs(xt)
        np.testing.assert_allclose(om.detach().numpy(), ot.detach().numpy(), rtol=1e-9, atol=1e-12)
        g = rng.standard_normal(om.shape)
        om.backward(mg.tensor(g)), ot.backward(torch.tensor(g))
        np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), rtol=1e-9, atol=1e-12)
    for (name, a), b in zip(ours.state_dict().items(), theirs.state_dict().values()):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12, err_msg=name)
    for a, b in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_conv2d_padding_modes_match_pytorch(mode):
    theirs = torch.nn.Conv2d(3, 2, 3, padding=1, padding_mode=mode).double()
    ours = nn.Conv2d(3, 2, 3, padding=1, padding_mode=mode).double()
    assert repr(ours) == repr(theirs)
    _copy_weights(ours, theirs)
    x = np.random.default_rng(16).standard_normal((2, 3, 5, 4))
    np.testing.assert_allclose(ours(mg.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy(),
                               rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("expr, channels", [
    ("ConvTranspose2d(3, 4, 3, stride=2, padding=1, output_padding=1)", 3),
    ("ConvTranspose2d(4, 4, 2, stride=2, groups=2, bias=False)", 4),
    ("ConvTranspose2d(3, 2, (3, 2), stride=(2, 1), padding=(1, 0), dilation=(1, 2))", 3),
    ("Upsample(scale_factor=2)", 3), ("Upsample(size=(7, 5))", 3), ("Upsample(scale_factor=1.5)", 3),
])
def test_upsampling_layers_match_pytorch(expr, channels):
    ours, theirs = eval(expr, vars(nn)).double(), eval(expr, vars(torch.nn)).double()
    assert repr(ours) == repr(theirs)
    if theirs.state_dict():
        _copy_weights(ours, theirs)
    x = np.random.default_rng(17).standard_normal((2, channels, 5, 4))
    xm, xt = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    om, ot = ours(xm), theirs(xt)
    np.testing.assert_allclose(om.detach().numpy(), ot.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = np.random.default_rng(18).standard_normal(om.shape)
    om.backward(mg.tensor(g)), ot.backward(torch.tensor(g))
    np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), rtol=1e-10, atol=1e-12)
    if theirs.state_dict():
        _grads_match(ours, theirs, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("kwargs", [dict(size=10), dict(scale_factor=0.5), dict(scale_factor=2.5), dict(size=3),
                                    dict(scale_factor=1.7, recompute_scale_factor=True)])
def test_interpolate_nearest_matches_pytorch(kwargs):
    x = np.random.default_rng(19).standard_normal((1, 2, 7))
    np.testing.assert_array_equal(F.interpolate(mg.tensor(x), **kwargs).numpy(),
                                  torch.nn.functional.interpolate(torch.tensor(x), **kwargs).numpy())


def test_pooling_fuzz_against_pytorch():
    """Random kernel/stride/padding/dilation/ceil_mode/count_include_pad: same shapes, values, gradients,
    and the same error type where PyTorch refuses. Windows lying wholly in the padding (max = -inf) are
    left out: PyTorch sends their gradient to an out-of-range index there."""
    rng = np.random.default_rng(20)
    for _ in range(60):
        h, w = (int(v) for v in rng.integers(1, 9, 2))
        k = tuple(int(v) for v in rng.integers(1, 4, 2))
        s = tuple(int(v) for v in rng.integers(1, 4, 2))
        p = tuple(int(rng.integers(0, kk // 2 + 1)) for kk in k)
        d = tuple(int(v) for v in rng.integers(1, 3, 2))
        ceil, cip = bool(rng.integers(0, 2)), bool(rng.integers(0, 2))
        x = rng.standard_normal((2, 3, h, w))
        for fn, kwargs in (("max_pool2d", dict(kernel_size=k, stride=s, padding=p, dilation=d, ceil_mode=ceil)),
                           ("avg_pool2d", dict(kernel_size=k, stride=s, padding=p, ceil_mode=ceil,
                                               count_include_pad=cip))):
            xm = mg.tensor(x, requires_grad=True)
            try:
                om = getattr(F, fn)(xm, **kwargs)
            except RuntimeError:
                with pytest.raises(RuntimeError):
                    getattr(torch.nn.functional, fn)(torch.tensor(x), **kwargs)
                continue
            if np.isinf(om.detach().numpy()).any():
                continue
            xt = torch.tensor(x, requires_grad=True)
            ot = getattr(torch.nn.functional, fn)(xt, **kwargs)
            np.testing.assert_allclose(om.detach().numpy(), ot.detach().numpy(), rtol=1e-12, atol=1e-12)
            g = rng.standard_normal(om.shape)
            om.backward(mg.tensor(g)), ot.backward(torch.tensor(g))
            np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), rtol=1e-12, atol=1e-12,
                                       err_msg=f"{fn} {kwargs} {(h, w)}")


def test_conv2d_fuzz_against_pytorch():
    """Random geometry (kernel, stride, padding incl. 'same'/'valid', dilation, groups, bias, unbatched)."""
    rng = np.random.default_rng(21)
    for _ in range(40):
        groups = int(rng.choice([1, 1, 2]))
        cin, cout = groups * int(rng.integers(1, 3)), groups * int(rng.integers(1, 3))
        k = tuple(int(v) for v in rng.integers(1, 4, 2))
        s = tuple(int(v) for v in rng.integers(1, 3, 2))
        d = tuple(int(v) for v in rng.integers(1, 3, 2))
        padding = rng.choice(["int", "pair", "same", "valid"])
        pad = {"int": int(rng.integers(0, 3)), "pair": tuple(int(v) for v in rng.integers(0, 3, 2)),
               "same": "same", "valid": "valid"}[padding]
        if pad == "same":
            s = (1, 1)
        h, w = (int(v) for v in rng.integers(3, 9, 2))
        shape = (cin, h, w) if rng.random() < 0.2 else (2, cin, h, w)
        x, wt = rng.standard_normal(shape), rng.standard_normal((cout, cin // groups) + k)
        b = rng.standard_normal(cout) if rng.random() < 0.7 else None
        kwargs = dict(stride=s, padding=pad, dilation=d, groups=groups)
        xm, wm = mg.tensor(x, requires_grad=True), mg.tensor(wt, requires_grad=True)
        xt, wtt = torch.tensor(x, requires_grad=True), torch.tensor(wt, requires_grad=True)
        try:
            ot = torch.nn.functional.conv2d(xt, wtt, None if b is None else torch.tensor(b), **kwargs)
        except RuntimeError:
            with pytest.raises(RuntimeError):
                F.conv2d(xm, wm, None if b is None else mg.tensor(b), **kwargs)
            continue
        om = F.conv2d(xm, wm, None if b is None else mg.tensor(b), **kwargs)
        np.testing.assert_allclose(om.detach().numpy(), ot.detach().numpy(), rtol=1e-10, atol=1e-12,
                                   err_msg=str(kwargs))
        g = rng.standard_normal(om.shape)
        om.backward(mg.tensor(g)), ot.backward(torch.tensor(g))
        np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), rtol=1e-10, atol=1e-12, err_msg=str(kwargs))
        np.testing.assert_allclose(wm.grad.numpy(), wtt.grad.numpy(), rtol=1e-10, atol=1e-12, err_msg=str(kwargs))


@pytest.mark.parametrize("output_size", [(3, 2), (4, 5), 2, (None, 3), (5, 7), 1])
@pytest.mark.parametrize("shape", [(2, 3, 7, 6), (3, 5, 9)])
def test_adaptive_pools_match_pytorch(output_size, shape):
    x = np.maximum(np.random.default_rng(22).standard_normal(shape), 0)  # ties: first maximum wins
    xm, xt = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    om, im = F.adaptive_max_pool2d(xm, output_size, return_indices=True)
    ot, it = torch.nn.functional.adaptive_max_pool2d(xt, output_size, return_indices=True)
    np.testing.assert_array_equal(om.detach().numpy(), ot.detach().numpy())
    np.testing.assert_array_equal(im.numpy(), it.numpy())
    g = np.random.default_rng(23).standard_normal(om.shape)
    om.backward(mg.tensor(g)), ot.backward(torch.tensor(g))
    np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), rtol=1e-12, atol=1e-12)
    am = F.adaptive_avg_pool2d(mg.tensor(x), output_size)
    at = torch.nn.functional.adaptive_avg_pool2d(torch.tensor(x), output_size)
    np.testing.assert_allclose(am.numpy(), at.numpy(), rtol=1e-12, atol=1e-12)



@pytest.mark.parametrize("output_size", [3, (4,), 5, 7, 1])
@pytest.mark.parametrize("shape", [(2, 3, 10), (3, 5)])
def test_adaptive_max_pool1d_matches_pytorch(output_size, shape):
    x = np.maximum(np.random.default_rng(24).standard_normal(shape), 0)  # ties: first maximum wins
    xm, xt = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    om, im = nn.AdaptiveMaxPool1d(output_size, return_indices=True)(xm)
    ot, it = torch.nn.AdaptiveMaxPool1d(output_size, return_indices=True)(xt)
    np.testing.assert_array_equal(om.detach().numpy(), ot.detach().numpy())
    np.testing.assert_array_equal(im.numpy(), it.numpy())
    assert im.dtype == mg.int64
    g = np.random.default_rng(25).standard_normal(om.shape)
    om.backward(mg.tensor(g)), ot.backward(torch.tensor(g))
    np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(F.adaptive_max_pool1d(mg.tensor(x), output_size).numpy(),
                                  torch.nn.functional.adaptive_max_pool1d(torch.tensor(x), output_size).numpy())
    for bad in (np.zeros((2, 3, 4, 5)), np.zeros(4)):
        for fn in ("adaptive_max_pool1d", "adaptive_avg_pool1d"):
            with pytest.raises(RuntimeError) as theirs:
                getattr(torch.nn.functional, fn)(torch.tensor(bad), 2)
            with pytest.raises(RuntimeError) as ours:
                getattr(F, fn)(mg.tensor(bad), 2)
            assert str(ours.value) == str(theirs.value)
