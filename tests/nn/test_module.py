"""nn.Module: registration, traversal, modes, gradients, dtype, state dicts, hooks and reprs."""
from __future__ import annotations

import copy
from collections import OrderedDict

import numpy as np
import pytest

import microgradnd as mg
import microgradnd.nn as nn


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()  # the old spelling must work too
        self.fc1 = nn.Linear(3, 4)
        self.bn = nn.BatchNorm1d(4)
        self.fc2 = nn.Linear(4, 2)
        self.scale = mg.tensor([2.0])  # a plain tensor attribute stays plain

    def forward(self, x):
        return self.fc2(mg.relu(self.bn(self.fc1(x)))) * self.scale


class Modern(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(mg.ones(2))
        self.register_buffer("count", mg.zeros(1))
        self.register_buffer("tmp", mg.zeros(1), persistent=False)
        self.inner = nn.Sequential(nn.Linear(2, 2), nn.Tanh())

    def forward(self, x):
        return self.inner(x * self.w)


def test_registration_of_parameters_modules_and_buffers():
    net = Net()
    assert [n for n, _ in net.named_parameters()] == ["fc1.weight", "fc1.bias", "bn.weight", "bn.bias",
                                                      "fc2.weight", "fc2.bias"]
    assert [n for n, _ in net.named_buffers()] == ["bn.running_mean", "bn.running_var",
                                                   "bn.num_batches_tracked"]
    assert [n for n, _ in net.named_children()] == ["fc1", "bn", "fc2"]
    assert [n for n, _ in net.named_modules()] == ["", "fc1", "bn", "fc2"]
    assert len(list(net.modules())) == 4 and len(list(net.children())) == 3
    assert "scale" not in dict(net.named_parameters()) and not isinstance(net.scale, nn.Parameter)
    assert isinstance(net.fc1.weight, nn.Parameter) and isinstance(net.fc1.weight, mg.Tensor)
    assert sum(p.numel() for p in net.parameters()) == 3 * 4 + 4 + 4 + 4 + 4 * 2 + 2


def test_register_buffer_and_parameter_and_add_module():
    m = Modern()
    assert [n for n, _ in m.named_buffers()] == ["count", "tmp"]
    assert list(m.state_dict()) == ["w", "count", "inner.0.weight", "inner.0.bias"]  # tmp is not persistent
    m.add_module("extra", nn.ReLU())
    m.register_parameter("b", nn.Parameter(mg.zeros(1)))
    assert m.extra is m._modules["extra"] and "b" in dict(m.named_parameters())
    m.register_parameter("nothing", None)
    assert m.nothing is None and "nothing" not in dict(m.named_parameters())


def test_registration_errors_match_pytorch():
    m = Modern()
    with pytest.raises(TypeError, match="cannot assign 'torch.FloatTensor' as parameter 'w'"):
        m.w = mg.ones(2)
    with pytest.raises(TypeError, match="not a Module subclass"):
        m.add_module("x", 3)
    with pytest.raises(KeyError, match="contain"):
        m.add_module("a.b", nn.ReLU())
    with pytest.raises(KeyError, match="already exists"):
        m.register_buffer("w", mg.zeros(1))
    with pytest.raises(TypeError, match="torch.nn.Parameter or None required"):
        m.register_parameter("q", mg.zeros(1))
    with pytest.raises(TypeError, match="buffer"):
        m.register_buffer("z", 3.0)
    with pytest.raises(AttributeError, match="'Modern' object has no attribute 'nope'"):
        m.nope

    class Early(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(1, 1)

    with pytest.raises(AttributeError, match="before Module.__init__"):
        Early()


def test_reassigning_and_deleting_attributes():
    m = Modern()
    m.w = nn.Parameter(mg.zeros(3))
    assert m.w.shape == (3,)
    m.inner = nn.Identity()
    assert isinstance(m.inner, nn.Identity) and "inner.0.weight" not in m.state_dict()
    m.count = mg.ones(1)  # a buffer takes a new tensor
    assert m.count.item() == 1.0 and "count" in m._buffers
    del m.w
    assert "w" not in dict(m.named_parameters())


def test_shared_modules_and_parameters_are_listed_once():
    shared = nn.Linear(2, 2)
    seq = nn.Sequential(shared, nn.ReLU(), shared)
    assert len(list(seq.parameters())) == 2
    assert list(seq.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert [n for n, _ in seq.named_modules()] == ["", "0", "1"]


def test_train_eval_recursive():
    net = Net()
    assert net.training and net.bn.training
    assert net.eval() is net
    assert not net.training and not net.fc1.training and not net.bn.training
    net.train()
    assert all(m.training for m in net.modules())
    with pytest.raises(ValueError, match="boolean"):
        net.train("yes")


def test_zero_grad_defaults_to_none_and_can_zero():
    net = Net()
    net(mg.randn(5, 3)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.numpy().any() for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_requires_grad_and_apply():
    net = Net()
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())
    seen = []
    assert net.apply(lambda m: seen.append(type(m).__name__)) is net
    assert seen == ["Linear", "BatchNorm1d", "Linear", "Net"]  # children first

    def init(m):
        if isinstance(m, nn.Linear):
            nn.init.zeros_(m.weight)

    net.apply(init)
    assert not net.fc1.weight.detach().numpy().any()


def test_to_double_and_float_keep_parameter_identity_and_int_buffers():
    net = Net()
    w = net.fc1.weight
    assert net.double() is net
    assert net.fc1.weight is w and w.dtype == mg.float64 and net.bn.running_mean.dtype == mg.float64
    assert net.bn.num_batches_tracked.dtype == mg.int64
    net.to(mg.float32)
    assert w.dtype == mg.float32
    assert net.to("cpu") is net and net.to(mg.device("cpu"), mg.float64) is net and w.dtype == mg.float64
    net.float()
    out = net(mg.randn(4, 3))
    assert out.dtype == mg.float32


def test_state_dict_names_values_and_detached():
    net = Net()
    sd = net.state_dict()
    assert isinstance(sd, OrderedDict)
    assert list(sd) == ["fc1.weight", "fc1.bias", "bn.weight", "bn.bias", "bn.running_mean", "bn.running_var",
                        "bn.num_batches_tracked", "fc2.weight", "fc2.bias"]
    assert not sd["fc1.weight"].requires_grad and sd["fc1.weight"].grad_fn is None
    assert np.shares_memory(sd["fc1.weight"].numpy(), net.fc1.weight.detach().numpy())
    assert net.state_dict(keep_vars=True)["fc1.weight"] is net.fc1.weight
    seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    assert list(seq.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_state_dict_round_trip():
    a, b = Net(), Net()
    a.train()
    a(mg.randn(6, 3))  # moves the running stats
    result = b.load_state_dict(a.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert repr(result) == "<All keys matched successfully>"
    for (ka, va), (kb, vb) in zip(a.state_dict().items(), b.state_dict().items()):
        assert ka == kb and np.array_equal(va.numpy(), vb.numpy())
    assert b.bn.num_batches_tracked.item() == 1
    x = mg.randn(4, 3)
    a.eval(), b.eval()
    assert np.array_equal(a(x).detach().numpy(), b(x).detach().numpy())
    # the copy is a copy: changing a afterwards leaves b alone
    with mg.no_grad():
        a.fc1.weight.fill_(0.0)
    assert b.fc1.weight.detach().numpy().any()


def _snapshot(m):
    return {k: v.numpy().copy() for k, v in m.state_dict().items()}


def test_load_state_dict_reports_everything_and_changes_nothing():
    net = Net()
    before = _snapshot(net)
    sd = Net().state_dict()
    del sd["fc1.bias"]
    sd["fc3.weight"] = mg.zeros(1)
    sd["fc2.weight"] = mg.zeros(3, 4)
    with pytest.raises(RuntimeError) as err:
        net.load_state_dict(sd)
    msg = str(err.value)
    assert msg.startswith("Error(s) in loading state_dict for Net:\n\t")
    assert 'Missing key(s) in state_dict: "fc1.bias". ' in msg
    assert 'Unexpected key(s) in state_dict: "fc3.weight". ' in msg
    assert ("size mismatch for fc2.weight: copying a param with shape torch.Size([3, 4]) from checkpoint, "
            "the shape in current model is torch.Size([2, 4]).") in msg
    assert msg.index("Missing") < msg.index("Unexpected") < msg.index("size mismatch")
    after = _snapshot(net)
    assert all(np.array_equal(before[k], after[k]) for k in before)


def test_load_state_dict_non_strict():
    net = Net()
    sd = Net().state_dict()
    del sd["fc2.bias"]
    sd["extra"] = mg.zeros(2)
    missing, unexpected = net.load_state_dict(sd, strict=False)
    assert missing == ["fc2.bias"] and unexpected == ["extra"]
    assert np.array_equal(net.fc1.weight.detach().numpy(), sd["fc1.weight"].numpy())
    # a size mismatch is an error even when not strict, and nothing changes
    sd["fc1.weight"] = mg.zeros(9, 9)
    before = _snapshot(net)
    with pytest.raises(RuntimeError, match="size mismatch for fc1.weight"):
        net.load_state_dict(sd, strict=False)
    assert all(np.array_equal(before[k], v) for k, v in _snapshot(net).items())


def test_load_state_dict_rejects_non_tensors():
    lin = nn.Linear(2, 3)
    with pytest.raises(RuntimeError, match='While copying the parameter named "bias", expected torch.Tensor'):
        lin.load_state_dict({"weight": mg.zeros(3, 2), "bias": 5})


def test_load_state_dict_into_float64_model_casts():
    a = nn.Linear(2, 2)
    b = nn.Linear(2, 2).double()
    b.load_state_dict(a.state_dict())
    assert b.weight.dtype == mg.float64
    np.testing.assert_allclose(b.weight.detach().numpy(), a.weight.detach().numpy())


def test_parameter_basics():
    p = nn.Parameter(mg.tensor([1.0, 2.0]))
    assert p.requires_grad and p.is_leaf and isinstance(p, mg.Tensor)
    assert repr(p) == "Parameter containing:\ntensor([1., 2.], requires_grad=True)"
    q = nn.Parameter(mg.zeros(2), requires_grad=False)
    assert not q.requires_grad
    t = mg.zeros(3)
    assert np.shares_memory(nn.Parameter(t).detach().numpy(), t.numpy())
    y = (p * 3).sum()
    assert type(p * 3) is mg.Tensor
    y.backward()
    assert p.grad.tolist() == [3.0, 3.0]
    c = copy.deepcopy(p)
    assert isinstance(c, nn.Parameter) and c.requires_grad and not np.shares_memory(c.numpy() if not c.requires_grad
                                                                                    else c.detach().numpy(),
                                                                                    p.detach().numpy())


def test_deepcopy_of_a_model():
    net = Net()
    other = copy.deepcopy(net)
    assert isinstance(other.fc1.weight, nn.Parameter)
    with mg.no_grad():
        other.fc1.weight.fill_(1.0)
    assert not np.all(net.fc1.weight.detach().numpy() == 1.0)


def test_forward_hooks():
    lin = nn.Linear(2, 2)
    calls = []
    h = lin.register_forward_hook(lambda m, args, out: calls.append(out.shape))
    pre = lin.register_forward_pre_hook(lambda m, args: (args[0] * 0,))
    out = lin(mg.ones(3, 2))
    assert calls == [(3, 2)]
    np.testing.assert_allclose(out.detach().numpy(), np.broadcast_to(lin.bias.detach().numpy(), (3, 2)))
    h.remove(), pre.remove()
    lin(mg.ones(3, 2))
    assert calls == [(3, 2)]


def test_missing_forward():
    class NoForward(nn.Module):
        pass

    with pytest.raises(NotImplementedError, match='missing the required "forward" function'):
        NoForward()(mg.ones(1))


def test_get_submodule_and_parameter():
    net = Modern()
    assert net.get_submodule("inner.0") is net.inner[0]
    assert net.get_parameter("inner.0.bias") is net.inner[0].bias
    with pytest.raises(AttributeError):
        net.get_submodule("inner.7")


def test_reprs():
    seq = nn.Sequential(nn.Linear(2, 10), nn.Sigmoid(), nn.Sequential(nn.Linear(10, 1), nn.ReLU(inplace=True)))
    assert repr(seq) == (
        "Sequential(\n"
        "  (0): Linear(in_features=2, out_features=10, bias=True)\n"
        "  (1): Sigmoid()\n"
        "  (2): Sequential(\n"
        "    (0): Linear(in_features=10, out_features=1, bias=True)\n"
        "    (1): ReLU(inplace=True)\n"
        "  )\n"
        ")"
    )
    assert repr(Net()) == (
        "Net(\n"
        "  (fc1): Linear(in_features=3, out_features=4, bias=True)\n"
        "  (bn): BatchNorm1d(4, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)\n"
        "  (fc2): Linear(in_features=4, out_features=2, bias=True)\n"
        ")"
    )
    assert repr(nn.ModuleList([nn.Linear(1, 1), nn.Linear(1, 1), nn.ReLU()])) == (
        "ModuleList(\n  (0-1): 2 x Linear(in_features=1, out_features=1, bias=True)\n  (2): ReLU()\n)"
    )
    assert repr(nn.Sequential()) == "Sequential()"
    assert repr(nn.Conv2d(1, 2, 3)) == "Conv2d(1, 2, kernel_size=(3, 3), stride=(1, 1))"


REPR_CASES = [
    "Linear(3, 2, bias=False)", "Conv2d(1, 2, 3, padding='same')", "Conv2d(1, 2, (3, 2), stride=2, padding=1, bias=False)",
    "Conv2d(4, 4, 3, groups=2, dilation=2)", "MaxPool2d(2)", "MaxPool2d(3, stride=1, padding=1)", "AvgPool2d(2)",
    "BatchNorm1d(3)", "BatchNorm2d(3, affine=False, track_running_stats=False)", "BatchNorm2d(5, momentum=None)",
    "Dropout()", "Dropout(0.2)", "Dropout2d()", "Flatten()", "Flatten(0, 2)", "Unflatten(1, (2, 2))",
    "Softmax(dim=1)", "LogSoftmax()", "Softmin(1)", "GELU()", "GELU(approximate='tanh')", "PReLU()", "PReLU(3)",
    "ELU()", "ELU(alpha=0.5, inplace=True)", "Softplus()", "Softplus(beta=2, threshold=10)", "LeakyReLU()",
    "LeakyReLU(0.2, inplace=True)", "ReLU()", "ReLU(inplace=True)", "Identity()", "SELU()", "SiLU()", "Tanh()",
    "Sigmoid()", "Hardtanh()", "ReLU6()", "CELU()", "Mish()", "GLU()", "Threshold(0.1, 2.0)", "Softsign()",
    "Hardswish()", "Hardsigmoid()", "LogSigmoid()", "Tanhshrink()", "LayerNorm(3)", "LayerNorm((2, 3), bias=False)",
    "Embedding(3, 4)", "Embedding(3, 4, padding_idx=0)", "AdaptiveAvgPool2d(1)", "AdaptiveAvgPool2d((2, 3))",
    "CrossEntropyLoss()", "CrossEntropyLoss(label_smoothing=0.1)", "BCELoss()", "BCEWithLogitsLoss()", "MSELoss()",
    "L1Loss()", "NLLLoss()", "HuberLoss()", "SmoothL1Loss()", "KLDivLoss()",
    "Sequential(Linear(2, 2), ReLU(), Sequential(Linear(2, 2)))", "ModuleList([Linear(2, 2) for _ in range(3)])",
    "ModuleList()", "ModuleDict({'a': ReLU(), 'b': Linear(1, 1)})", "Hardshrink()", "Softshrink(0.3)", "Softmax2d()",
    "Conv1d(3, 4, 3)", "ConvTranspose2d(3, 4, 3, stride=2, output_padding=1)", "Upsample(scale_factor=2)",
    "MaxPool1d(3)", "AvgPool1d(2)", "Bilinear(2, 3, 4)", "Dropout1d()", "AdaptiveMaxPool2d(2)",
    "CosineEmbeddingLoss()", "TripletMarginLoss()", "HingeEmbeddingLoss()", "PoissonNLLLoss()",
    "MultiLabelSoftMarginLoss()", "CosineSimilarity()", "PairwiseDistance()", "MarginRankingLoss()",
    "SoftMarginLoss()", "GaussianNLLLoss()", "AdaptiveMaxPool1d(3)", "AdaptiveMaxPool1d(2, return_indices=True)",
    "PixelShuffle(2)", "PixelUnshuffle(3)", "MultiMarginLoss()", "MultiMarginLoss(p=2, margin=0.5)",
    "MultiLabelMarginLoss()", "LazyLinear(3)", "LazyLinear(2, bias=False)",
    "ZeroPad2d(1)", "ZeroPad2d((1, 0, 2, 1))", "ZeroPad1d(2)", "ConstantPad2d(1, 3.5)", "ConstantPad1d((1, 2), 0)",
    "ReflectionPad2d(1)", "ReflectionPad1d((1, 2))", "ReplicationPad2d((1, 0, 1, 2))", "CircularPad2d(1)",
    "ZeroPad3d(1)", "Unfold(2, stride=2)", "Fold((4, 4), 2)", "UpsamplingNearest2d(scale_factor=2)",
    "UpsamplingNearest2d(size=(3, 4))", "UpsamplingBilinear2d(scale_factor=2)",
    "Upsample(size=(4, 5), mode='bilinear', align_corners=False)",
    "BatchNorm3d(2)", "InstanceNorm2d(3)", "InstanceNorm1d(3, affine=True, track_running_stats=True)",
    "InstanceNorm3d(2, eps=1e-3, momentum=None)", "GroupNorm(2, 4)", "GroupNorm(2, 4, affine=False, eps=1e-3)",
    "GroupNorm(1, 3, bias=False)", "LocalResponseNorm(2)", "LocalResponseNorm(5, alpha=1e-3, beta=0.5, k=2.0)",
]


def test_every_public_name_exists():
    for name in nn.__all__:
        assert getattr(nn, name) is not None, name
    for name in nn.functional.__all__:
        assert callable(getattr(nn.functional, name)), name


@pytest.mark.parametrize("expr", REPR_CASES)
def test_reprs_match_pytorch(expr):
    torch = pytest.importorskip("torch")
    ours = eval(expr, {**vars(nn)})
    theirs = eval(expr, {**vars(torch.nn)})
    assert repr(ours) == repr(theirs)


def test_state_dict_keys_match_pytorch():
    torch = pytest.importorskip("torch")

    def build(lib):
        return lib.Sequential(lib.Conv2d(1, 2, 3), lib.BatchNorm2d(2), lib.ReLU(), lib.Flatten(),
                              lib.Linear(8, 3), lib.Dropout(), lib.BatchNorm1d(3, affine=False))

    ours, theirs = build(nn).state_dict(), build(torch.nn).state_dict()
    assert list(ours) == list(theirs)
    for expr in ("InstanceNorm2d(3, affine=True, track_running_stats=True)", "InstanceNorm1d(3)", "GroupNorm(2, 4)",
                 "BatchNorm3d(2)", "LocalResponseNorm(3)"):
        assert list(eval("nn." + expr).state_dict()) == list(eval("torch.nn." + expr).state_dict()), expr
    for k in ours:
        assert tuple(ours[k].shape) == tuple(theirs[k].shape), k
        assert str(ours[k].dtype) == str(theirs[k].dtype).replace("torch.", ""), k
