"""Layers: hand-computed values (CURRICULUM §9), shapes, train/eval behaviour, containers."""
from __future__ import annotations

import math

import numpy as np
import pytest

import microgradnd as mg
import microgradnd.nn as nn
import microgradnd.nn.functional as F


def test_curriculum_convolution_example():
    x = mg.tensor([[1, 2, 3, 0], [0, 1, 2, 3], [3, 0, 1, 2], [2, 3, 0, 1.0]]).reshape(1, 1, 4, 4)
    w = mg.tensor([[2, 0, 1], [0, 1, 2], [1, 0, 2.0]]).reshape(1, 1, 3, 3)
    assert F.conv2d(x, w).reshape(2, 2).tolist() == [[15.0, 16.0], [6.0, 15.0]]
    conv = nn.Conv2d(1, 1, 3, bias=False)
    with mg.no_grad():
        conv.weight.copy_(w)
    assert conv(x).reshape(2, 2).tolist() == [[15.0, 16.0], [6.0, 15.0]]
    assert conv(x[0]).shape == (1, 2, 2)  # unbatched (C, H, W)


@pytest.mark.parametrize("h, w, pad, stride, k, expected", [
    (4, 4, 1, 1, 3, (4, 4)),
    (7, 7, 0, 2, 3, (3, 3)),
    (31, 28, 2, 3, 5, (11, 10)),
])
def test_curriculum_output_sizes(h, w, pad, stride, k, expected):
    conv = nn.Conv2d(1, 2, k, stride=stride, padding=pad)
    assert conv(mg.zeros(1, 1, h, w)).shape == (1, 2) + expected


def test_conv2d_hand_gradient():
    # d(sum of outputs)/dx counts how many windows cover each pixel (times the weight sum for ones)
    x = mg.ones(1, 1, 3, 3, requires_grad=True)
    w = mg.ones(1, 1, 2, 2, requires_grad=True)
    F.conv2d(x, w).sum().backward()
    assert x.grad.reshape(3, 3).tolist() == [[1, 2, 1], [2, 4, 2], [1, 2, 1]]
    assert w.grad.reshape(2, 2).tolist() == [[4, 4], [4, 4]]


def test_conv2d_padding_same_and_valid():
    x = mg.randn(2, 3, 6, 5)
    assert nn.Conv2d(3, 4, 4, padding="same")(x).shape == (2, 4, 6, 5)
    assert nn.Conv2d(3, 4, (3, 2), padding="valid")(x).shape == (2, 4, 4, 4)
    with pytest.raises(ValueError, match="strided"):
        nn.Conv2d(3, 4, 3, padding="same", stride=2)


def test_conv2d_errors():
    conv = nn.Conv2d(3, 2, 3)
    with pytest.raises(RuntimeError, match="expected input\\[1, 4, 5, 5\\] to have 3 channels, but got 4"):
        conv(mg.randn(1, 4, 5, 5))
    with pytest.raises(RuntimeError, match="Expected 3D \\(unbatched\\) or 4D \\(batched\\) input to conv2d"):
        conv(mg.randn(4, 5))
    with pytest.raises(RuntimeError, match="Kernel size can't be greater than actual input size"):
        conv(mg.randn(1, 3, 2, 5))
    with pytest.raises(ValueError, match="divisible by groups"):
        nn.Conv2d(3, 2, 3, groups=2)
    with pytest.raises(ValueError, match="padding_mode must be one of"):
        nn.Conv2d(3, 2, 3, padding_mode="mirror")


def test_pooling_values_and_sizes():
    x = mg.arange(16.0).reshape(1, 1, 4, 4)
    assert nn.MaxPool2d(2)(x).reshape(2, 2).tolist() == [[5, 7], [13, 15]]
    assert nn.AvgPool2d(2)(x).reshape(2, 2).tolist() == [[2.5, 4.5], [10.5, 12.5]]
    assert nn.MaxPool2d(3, stride=1)(x).shape == (1, 1, 2, 2)
    assert nn.MaxPool2d(2, stride=1, padding=1)(x).shape == (1, 1, 5, 5)
    assert nn.MaxPool2d(2)(x[0]).shape == (1, 2, 2)  # unbatched
    mp = nn.MaxPool2d(2)
    assert mp.stride == 2 and mp(mg.randn(2, 3, 5, 7)).shape == (2, 3, 2, 3)  # floor mode
    assert nn.MaxPool2d(2, ceil_mode=True)(mg.randn(2, 3, 5, 7)).shape == (2, 3, 3, 4)


def test_max_pool_gradient_goes_to_the_maximum():
    x = mg.tensor([[[[1.0, 3.0], [2.0, 0.0]]]], requires_grad=True)
    F.max_pool2d(x, 2).sum().backward()
    assert x.grad.reshape(2, 2).tolist() == [[0, 1], [0, 0]]
    x = mg.tensor([[[[1.0, 1.0], [1.0, 1.0]]]], requires_grad=True)  # ties: the first one, like PyTorch
    F.max_pool2d(x, 2).sum().backward()
    assert x.grad.reshape(2, 2).tolist() == [[1, 0], [0, 0]]


def test_avg_pool_gradient_spreads_evenly():
    x = mg.ones(1, 1, 4, 4, requires_grad=True)
    F.avg_pool2d(x, 2).sum().backward()
    assert np.all(x.grad.numpy() == 0.25)


def test_pool_errors():
    with pytest.raises(RuntimeError, match="Output size is too small"):
        F.max_pool2d(mg.randn(1, 1, 1, 1), 2)
    with pytest.raises(RuntimeError, match="pad should be at most half of effective kernel size"):
        F.max_pool2d(mg.randn(1, 1, 5, 5), 2, padding=2)


def test_adaptive_avg_pool_global_average():
    x = mg.randn(2, 3, 5, 4)
    out = nn.AdaptiveAvgPool2d(1)(x)
    assert out.shape == (2, 3, 1, 1)
    np.testing.assert_allclose(out.numpy()[..., 0, 0], x.numpy().mean(axis=(2, 3)), rtol=1e-5, atol=1e-6)


def test_linear_shapes_and_formula():
    lin = nn.Linear(3, 2)
    assert lin.weight.shape == (2, 3) and lin.bias.shape == (2,)
    x = mg.randn(5, 3)
    expected = x.numpy() @ lin.weight.detach().numpy().T + lin.bias.detach().numpy()
    np.testing.assert_allclose(lin(x).detach().numpy(), expected, rtol=1e-5, atol=1e-6)
    assert lin(mg.randn(4, 7, 3)).shape == (4, 7, 2)  # any leading dims
    assert lin(mg.randn(3)).shape == (2,)
    assert nn.Linear(3, 2, bias=False).bias is None
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(5x4 and 3x2\)"):
        lin(mg.randn(5, 4))


def test_default_init_bounds():
    mg.manual_seed(0)
    lin = nn.Linear(50, 40)
    bound = 1 / math.sqrt(50)
    for p in (lin.weight, lin.bias):
        a = p.detach().numpy()
        assert a.min() >= -bound and a.max() <= bound and a.max() > 0.8 * bound and a.min() < -0.8 * bound
    conv = nn.Conv2d(3, 8, 5)
    bound = 1 / math.sqrt(3 * 25)
    for p in (conv.weight, conv.bias):
        a = p.detach().numpy()
        assert a.min() >= -bound and a.max() <= bound
    assert conv.weight.shape == (8, 3, 5, 5) and conv.weight.dtype == mg.float32


def test_seeded_init_is_reproducible():
    mg.manual_seed(3)
    a = nn.Linear(4, 4).weight.detach().numpy().copy()
    mg.manual_seed(3)
    b = nn.Linear(4, 4).weight.detach().numpy()
    assert np.array_equal(a, b)


def test_flatten_and_unflatten():
    x = mg.randn(2, 3, 4, 5)
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(0, 2)(x).shape == (24, 5)
    assert nn.Unflatten(1, (3, 20))(nn.Flatten()(x)).shape == (2, 3, 20)


def test_dropout_train_and_eval():
    mg.manual_seed(0)
    drop = nn.Dropout(0.25)
    x = mg.ones(200, 100)
    y = drop(x).detach().numpy()
    assert set(np.unique(y).tolist()) <= {0.0, float(np.float32(1 / 0.75))}
    assert abs((y == 0).mean() - 0.25) < 0.02  # about p of the units are dropped
    drop.eval()
    assert drop(x) is x
    assert F.dropout(x, 0.5, training=False) is x
    assert np.all(F.dropout(x, 1.0).detach().numpy() == 0)
    assert (F.dropout(x).detach().numpy() == 0).any()  # F.dropout trains by default, like PyTorch's
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got 1.5"):
        nn.Dropout(1.5)


def test_dropout_gradient_uses_the_same_mask():
    x = mg.ones(50, requires_grad=True)
    y = F.dropout(x, 0.5)
    y.sum().backward()
    assert np.array_equal(x.grad.numpy(), y.detach().numpy())


def test_dropout2d_drops_whole_channels():
    mg.manual_seed(1)
    y = nn.Dropout2d(0.5)(mg.ones(4, 6, 3, 3)).detach().numpy()
    per_channel = y.reshape(4, 6, 9)
    assert np.all((per_channel == 0).all(-1) | (per_channel == 2).all(-1))


def test_batchnorm1d_training_statistics_by_hand():
    bn = nn.BatchNorm1d(2)
    x = mg.tensor([[1.0, 2.0], [3.0, 6.0], [5.0, 10.0]])
    y = bn(x).detach().numpy()
    mean, var = np.array([3.0, 6.0]), np.array([8 / 3, 32 / 3])  # biased for normalising
    np.testing.assert_allclose(y, (x.numpy() - mean) / np.sqrt(var + 1e-5), rtol=1e-5)
    # running stats use the UNBIASED variance (4 and 16) with momentum 0.1
    np.testing.assert_allclose(bn.running_mean.numpy(), 0.1 * mean, rtol=1e-6)
    np.testing.assert_allclose(bn.running_var.numpy(), 0.9 + 0.1 * np.array([4.0, 16.0]), rtol=1e-6)
    assert bn.num_batches_tracked.item() == 1
    bn.eval()
    out = bn(x).detach().numpy()
    np.testing.assert_allclose(out, (x.numpy() - bn.running_mean.numpy()) / np.sqrt(bn.running_var.numpy() + 1e-5),
                               rtol=1e-5)
    assert bn.num_batches_tracked.item() == 1  # eval does not count


def test_batchnorm_momentum_none_is_cumulative_average():
    bn = nn.BatchNorm1d(1, momentum=None)
    bn(mg.tensor([[0.0], [2.0]]))
    bn(mg.tensor([[4.0], [6.0]]))
    assert bn.running_mean.item() == pytest.approx(3.0)  # (1 + 5) / 2


def test_batchnorm_without_running_stats_uses_batch_stats_in_eval():
    bn = nn.BatchNorm2d(3, track_running_stats=False).eval()
    x = mg.randn(4, 3, 2, 2) * 5 + 2
    y = bn(x).detach().numpy()
    np.testing.assert_allclose(y.mean(axis=(0, 2, 3)), 0, atol=1e-5)
    assert bn.running_mean is None and "running_mean" not in bn.state_dict()


def test_batchnorm_errors():
    with pytest.raises(ValueError, match=r"Expected more than 1 value per channel when training, got input size "
                                         r"torch.Size\(\[1, 3\]\)"):
        nn.BatchNorm1d(3)(mg.randn(1, 3))
    with pytest.raises(ValueError, match="expected 4D input \\(got 2D input\\)"):
        nn.BatchNorm2d(3)(mg.randn(2, 3))
    with pytest.raises(ValueError, match="expected 2D or 3D input \\(got 4D input\\)"):
        nn.BatchNorm1d(3)(mg.randn(2, 3, 4, 5))
    with pytest.raises(RuntimeError, match="running_mean should contain 4 elements not 3"):
        nn.BatchNorm1d(3)(mg.randn(2, 4))


def test_batchnorm1d_on_3d_input():
    bn = nn.BatchNorm1d(3)
    x = mg.randn(4, 3, 5)
    y = bn(x).detach().numpy()
    np.testing.assert_allclose(y.mean(axis=(0, 2)), 0, atol=1e-5)
    np.testing.assert_allclose(bn.running_mean.numpy(), 0.1 * x.numpy().mean(axis=(0, 2)), rtol=1e-5, atol=1e-7)


def test_sequential_indexing_slicing_and_append():
    seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    assert len(seq) == 3 and isinstance(seq[0], nn.Linear) and isinstance(seq[-1], nn.Linear)
    head = seq[:2]
    assert isinstance(head, nn.Sequential) and len(head) == 2 and head[0] is seq[0]
    assert [type(m).__name__ for m in seq] == ["Linear", "ReLU", "Linear"]
    seq.append(nn.Sigmoid())
    assert len(seq) == 4 and list(seq.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    out = seq(mg.randn(5, 2)).detach().numpy()
    assert out.shape == (5, 1) and np.all((out > 0) & (out < 1))
    with pytest.raises(IndexError):
        seq[4]
    del seq[1]
    assert [type(m).__name__ for m in seq] == ["Linear", "Linear", "Sigmoid"] and list(seq._modules) == ["0", "1", "2"]


def test_sequential_from_ordered_dict():
    from collections import OrderedDict

    seq = nn.Sequential(OrderedDict([("fc1", nn.Linear(2, 3)), ("act", nn.Tanh())]))
    assert list(seq.state_dict()) == ["fc1.weight", "fc1.bias"] and seq.fc1 is seq[0]


def test_module_list_and_dict():
    layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    assert len(layers) == 3 and len(list(layers.parameters())) == 6
    layers.append(nn.ReLU())
    assert isinstance(layers[-1], nn.ReLU) and isinstance(layers[1:], nn.ModuleList)
    layers.extend([nn.Tanh()])
    assert len(layers) == 5
    d = nn.ModuleDict({"a": nn.Linear(1, 1), "b": nn.ReLU()})
    assert list(d.keys()) == ["a", "b"] and "a" in d and len(d) == 2
    assert list(d.state_dict()) == ["a.weight", "a.bias"]

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.blocks = nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2)])

        def forward(self, x):
            for b in self.blocks:
                x = b(x)
            return x

    assert list(Net().state_dict()) == ["blocks.0.weight", "blocks.0.bias", "blocks.1.weight", "blocks.1.bias"]


def test_identity():
    x = mg.randn(3)
    assert nn.Identity(54, unused="x")(x) is x


@pytest.mark.parametrize("module, fn", [
    (nn.ReLU(), lambda a: np.maximum(a, 0)),
    (nn.LeakyReLU(0.1), lambda a: np.where(a > 0, a, 0.1 * a)),
    (nn.ELU(0.5), lambda a: np.where(a > 0, a, 0.5 * np.expm1(a))),
    (nn.Sigmoid(), lambda a: 1 / (1 + np.exp(-a))),
    (nn.Tanh(), np.tanh),
    (nn.SiLU(), lambda a: a / (1 + np.exp(-a))),
    (nn.Softplus(), lambda a: np.log1p(np.exp(a))),
    (nn.PReLU(), lambda a: np.where(a > 0, a, 0.25 * a)),
    (nn.SELU(), lambda a: 1.0507009873554805 * np.where(a > 0, a, 1.6732632423543772 * np.expm1(a))),
    (nn.Softmax(dim=1), lambda a: np.exp(a) / np.exp(a).sum(1, keepdims=True)),
    (nn.LogSoftmax(dim=1), lambda a: a - np.log(np.exp(a).sum(1, keepdims=True))),
    (nn.GELU(), lambda a: 0.5 * a * (1 + np.vectorize(math.erf)(a / math.sqrt(2)))),
])
def test_activation_modules(module, fn):
    a = np.linspace(-3, 3, 12).reshape(3, 4)
    np.testing.assert_allclose(module(mg.tensor(a)).detach().numpy(), fn(a), rtol=1e-10, atol=1e-12)


def test_prelu_learns_a_slope_per_channel():
    prelu = nn.PReLU(3)
    x = mg.tensor(-np.ones((2, 3, 4)))
    prelu(x).sum().backward()
    assert prelu.weight.grad.tolist() == [-8.0, -8.0, -8.0]
    with pytest.raises(RuntimeError, match="Mismatch of parameter numbers and input channel size"):
        prelu(mg.randn(2, 4))


def test_one_hot():
    out = F.one_hot(mg.tensor([0, 2, 1]))
    assert out.dtype == mg.int64 and out.tolist() == [[1, 0, 0], [0, 0, 1], [0, 1, 0]]
    assert F.one_hot(mg.tensor([1]), num_classes=4).tolist() == [[0, 1, 0, 0]]
    with pytest.raises(RuntimeError, match="LongTensor"):
        F.one_hot(mg.tensor([1.0]))
    with pytest.raises(RuntimeError, match="smaller than num_classes"):
        F.one_hot(mg.tensor([3]), 2)


def test_pad():
    x = mg.ones(1, 2, 2)
    assert F.pad(x, (1, 0)).shape == (1, 2, 3)
    assert F.pad(x, (1, 1, 2, 0), value=5.0).detach().numpy()[0, 0].tolist() == [5, 5, 5, 5]
    # a negative amount crops that side (PyTorch's F.pad / ZeroPad2d((-1, ...)))
    y = mg.tensor([[1.0, 2.0, 3.0]])
    assert F.pad(y, (-1, 2), value=9.0).tolist() == [[2.0, 3.0, 9.0, 9.0]]
    assert nn.ZeroPad2d((-1, 1, 0, -1))(mg.ones(1, 2, 3)).tolist() == [[[1.0, 1.0, 0.0]]]


def test_padding_layers():
    row = mg.tensor([[[1.0, 2.0, 3.0]]])
    assert nn.ReflectionPad1d(2)(row).tolist() == [[[3.0, 2.0, 1.0, 2.0, 3.0, 2.0, 1.0]]]
    assert nn.ReplicationPad1d(2)(row).tolist() == [[[1.0, 1.0, 1.0, 2.0, 3.0, 3.0, 3.0]]]
    assert nn.CircularPad1d(2)(row).tolist() == [[[2.0, 3.0, 1.0, 2.0, 3.0, 1.0, 2.0]]]
    assert nn.ConstantPad1d((1, 0), -1.0)(row).tolist() == [[[-1.0, 1.0, 2.0, 3.0]]]
    x = mg.tensor([[[1.0, 2.0], [3.0, 4.0]]], requires_grad=True)
    y = nn.ZeroPad2d((1, 0, 0, 1))(x)
    assert y.tolist() == [[[0.0, 1.0, 2.0], [0.0, 3.0, 4.0], [0.0, 0.0, 0.0]]]
    nn.ReflectionPad2d(1)(x).sum().backward()  # each pixel appears 4 times in a 4x4 reflection of 2x2
    assert x.grad.tolist() == [[[4.0, 4.0], [4.0, 4.0]]]
    assert nn.ZeroPad2d(1).padding == (1, 1, 1, 1) and nn.ConstantPad2d(2, 0.5).value == 0.5
    with pytest.raises(ValueError, match="expected 3D or 4D input"):
        nn.CircularPad2d(1)(mg.ones(3, 4))


def test_unfold_fold_modules_and_unbatched_input():
    x = mg.arange(16.0).reshape(1, 1, 4, 4)
    cols = nn.Unfold(2, stride=2)(x)
    assert cols.shape == (1, 4, 4) and cols[0, :, 0].tolist() == [0.0, 1.0, 4.0, 5.0]
    assert nn.Fold((4, 4), 2, stride=2)(cols).tolist() == x.tolist()
    assert F.unfold(x[0], 2, stride=2).tolist() == cols[0].tolist()  # (C, H, W) -> (C·kH·kW, L)
    assert F.fold(cols[0], (4, 4), 2, stride=2).shape == (1, 4, 4)
    with pytest.raises(RuntimeError, match="3D or 4D"):
        F.unfold(mg.ones(1, 1, 1, 4, 4), 2)
    with pytest.raises(RuntimeError, match="sliding blocks"):
        F.fold(mg.ones(1, 4, 5), (4, 4), 2, stride=2)


def test_bilinear_interpolation_by_hand():
    x = mg.tensor([[[[0.0, 1.0], [2.0, 3.0]]]], requires_grad=True)
    # align_corners=True: output pixel i sits at i·(2 - 1)/(3 - 1) of the input
    y = nn.UpsamplingBilinear2d(size=(3, 3))(x)
    np.testing.assert_allclose(y.detach().numpy()[0, 0], [[0.0, 0.5, 1.0], [1.0, 1.5, 2.0], [2.0, 2.5, 3.0]])
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy()[0, 0], [[2.25, 2.25], [2.25, 2.25]])
    # align_corners=False: src = (i + 0.5)/2 - 0.5, clamped at the edges -> 0, 0.25, 0.75, 1
    z = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
    np.testing.assert_allclose(z.detach().numpy()[0, 0, 0], [0.0, 0.25, 0.75, 1.0])
    line = F.interpolate(mg.tensor([[[0.0, 4.0]]]), size=3, mode="linear", align_corners=True)
    assert line.tolist() == [[[0.0, 2.0, 4.0]]]
    with pytest.raises(ValueError, match="same number of spatial dimensions"):
        F.interpolate(mg.ones(1, 1, 3), size=(5, 7))
    with pytest.raises(NotImplementedError, match="bilinear mode needs 4D input"):
        F.interpolate(mg.ones(1, 1, 3), scale_factor=2, mode="bilinear")


def test_layer_norm_and_embedding():
    ln = nn.LayerNorm(4)
    y = ln(mg.randn(3, 4) * 3 + 1).detach().numpy()
    np.testing.assert_allclose(y.mean(-1), 0, atol=1e-5)
    np.testing.assert_allclose(y.var(-1), 1, rtol=1e-3)
    emb = nn.Embedding(5, 2, padding_idx=0)
    assert emb.weight.detach().numpy()[0].tolist() == [0, 0]
    out = emb(mg.tensor([[0, 3], [3, 4]]))
    assert out.shape == (2, 2, 2)
    out.sum().backward()
    assert emb.weight.grad.tolist() == [[0, 0], [0, 0], [0, 0], [2, 2], [1, 1]]


def test_pad_modes_by_hand():
    x = mg.arange(6.0).reshape(1, 2, 3)
    assert F.pad(x, (2, 1), mode="reflect").tolist()[0][0] == [2, 1, 0, 1, 2, 1]
    assert F.pad(x, (2, 1), mode="replicate").tolist()[0][0] == [0, 0, 0, 1, 2, 2]
    assert F.pad(x, (2, 1), mode="circular").tolist()[0][0] == [1, 2, 0, 1, 2, 0]
    with pytest.raises(RuntimeError, match="Padding size should be less than the corresponding input dimension"):
        F.pad(x, (3, 3), mode="reflect")
    with pytest.raises(NotImplementedError, match="Padding size 2 is not supported for 1D input tensor"):
        F.pad(mg.ones(3), (1, 1), mode="reflect")
    x = mg.ones(1, 1, 3, requires_grad=True)
    F.pad(x, (2, 0), mode="replicate").sum().backward()
    assert x.grad.tolist() == [[[3.0, 1.0, 1.0]]]  # the edge value was used three times


def test_max_pool_nan_rule_is_pytorchs():
    nan = float("nan")
    for window, expected in (([[nan, 1.0], [nan, 2.0]], [[0, 0], [1, 0]]),   # the last NaN takes the gradient
                             ([[1.0, nan], [3.0, 2.0]], [[0, 1], [0, 0]])):
        x = mg.tensor([[window]], requires_grad=True)
        y = F.max_pool2d(x, 2)
        assert np.isnan(y.item())
        y.sum().backward()
        assert x.grad.reshape(2, 2).tolist() == expected


def test_max_pool_plain_and_create_graph_backward_agree_on_ties():
    x = mg.relu(mg.randn(2, 3, 6, 6)).detach().requires_grad_()  # many tied zeros
    g = mg.randn(2, 3, 3, 3)
    for kwargs in (dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1)):
        (plain,) = mg.autograd.grad(F.max_pool2d(x, **kwargs), [x], g)
        (graphed,) = mg.autograd.grad(F.max_pool2d(x, **kwargs), [x], g, create_graph=True)
        np.testing.assert_array_equal(plain.numpy(), graphed.detach().numpy())


def test_max_pool_output_may_be_changed_in_place_before_backward():
    # PyTorch's max pooling backward reads its input and the winners, never its output, so a
    # ReLU(inplace=True) after the pool is allowed; the winners here are -3, -1, 5 and 7
    x = mg.tensor(np.arange(16.0).reshape(1, 1, 4, 4) - 8, requires_grad=True)
    y = F.max_pool2d(x, 2)
    y.relu_()
    y.sum().backward()
    expected = np.zeros((4, 4))
    expected[3, 1] = expected[3, 3] = 1.0
    np.testing.assert_array_equal(x.grad.numpy()[0, 0], expected)


def test_inplace_activations_write_into_their_input():
    x = mg.tensor([-2.0, -0.5, 0.5, 2.0])
    assert nn.ReLU(inplace=True)(x) is x and x.tolist() == [0.0, 0.0, 0.5, 2.0]
    x = mg.tensor([-2.0, 0.5])
    assert F.leaky_relu_(x, 0.1) is x and x.tolist() == pytest.approx([-0.2, 0.5])
    x = mg.tensor([-2.0, 0.5])
    F.hardtanh(x, -1.0, 0.25, inplace=True)
    assert x.tolist() == [-1.0, 0.25]
    x = mg.tensor([-2.0, 0.5])
    nn.Threshold(0.0, 9.0, inplace=True)(x)
    assert x.tolist() == [9.0, 0.5]
    x = mg.tensor([-2.0, 0.5])
    assert nn.ReLU()(x) is not x and x.tolist() == [-2.0, 0.5]  # without inplace the input is kept
    # recorded like relu_(): a residual that reads the changed tensor twice, and a leaf refused
    w = mg.tensor([-1.0, 2.0], requires_grad=True)
    h = w * 3.0
    (F.relu(h, inplace=True) + h).sum().backward()
    assert w.grad.tolist() == [0.0, 6.0]
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        nn.ELU(inplace=True)(w)


def test_inplace_dropout_writes_its_mask_into_the_input():
    mg.manual_seed(0)
    x = mg.ones(2, 40, 3, 3)
    assert nn.Dropout2d(0.5, inplace=True)(x) is x
    a = x.numpy()
    assert set(np.unique(a)) == {0.0, 2.0} and np.all(a == a[:, :, :1, :1])  # whole channels
    x = mg.ones(100)
    assert F.dropout(x, 0.5, training=True, inplace=True) is x and set(np.unique(x.numpy())) == {0.0, 2.0}


def test_group_instance_and_local_response_norm_by_hand():
    x = mg.tensor([[[1.0, 3.0], [2.0, 6.0]]])  # (N=1, C=2, L=2)
    # one group over all 4 values: mean 3, variance 3.5
    expected = (np.array([[1.0, 3.0], [2.0, 6.0]]) - 3.0) / np.sqrt(3.5 + 1e-5)
    np.testing.assert_allclose(nn.GroupNorm(1, 2)(x).detach().numpy()[0], expected, rtol=1e-6)
    # two groups = instance norm: each channel (1, 3) and (2, 6) becomes -1, +1 (up to eps)
    np.testing.assert_allclose(nn.GroupNorm(2, 2)(x).detach().numpy()[0], [[-1, 1], [-1, 1]], rtol=1e-4)
    np.testing.assert_allclose(nn.InstanceNorm1d(2)(x).detach().numpy()[0], [[-1, 1], [-1, 1]], rtol=1e-4)
    # running stats: the batch's mean instance mean (2, 4) and unbiased variance (2, 8) at momentum 0.1
    inorm = nn.InstanceNorm1d(2, track_running_stats=True)
    inorm(x)
    np.testing.assert_allclose(inorm.running_mean.numpy(), [0.2, 0.4], rtol=1e-6)
    np.testing.assert_allclose(inorm.running_var.numpy(), [0.9 + 0.2, 0.9 + 0.8], rtol=1e-6)
    assert inorm.num_batches_tracked.item() == 0  # PyTorch's instance norm does not count batches
    with pytest.raises(ValueError, match="more than 1 spatial element"):
        nn.InstanceNorm2d(2)(mg.ones(1, 2, 1, 1))
    with pytest.raises(ValueError, match="divisible"):
        nn.GroupNorm(3, 4)
    # LRN: b_c = a_c / (k + α/n Σ a²)^β over channels c-1..c (size 2); α = 1, β = 1, k = 0
    a = mg.tensor([[[1.0], [2.0], [3.0]]])
    np.testing.assert_allclose(F.local_response_norm(a, 2, alpha=1.0, beta=1.0, k=0.0).detach().numpy().ravel(),
                               [1 / 0.5, 2 / 2.5, 3 / 6.5], rtol=1e-6)
    assert nn.BatchNorm3d(2)(mg.randn(2, 2, 2, 2, 2)).shape == (2, 2, 2, 2, 2)


def test_lazy_linear_infers_in_features_and_becomes_linear():
    m = nn.LazyLinear(3)
    assert repr(m) == "LazyLinear(in_features=0, out_features=3, bias=True)" and m.has_uninitialized_params()
    assert isinstance(m.weight, nn.UninitializedParameter) and repr(m.weight) == "<UninitializedParameter>"
    weight = m.weight
    opt = mg.optim.SGD(m.parameters(), lr=0.1)  # built before the shapes are known, as in PyTorch
    x = mg.randn(4, 2, 5)
    y = m(x)
    assert type(m) is nn.Linear and repr(m) == "Linear(in_features=5, out_features=3, bias=True)"
    assert m.weight is weight and type(weight) is nn.Parameter and weight.shape == (3, 5) and m.bias.shape == (3,)
    assert np.abs(weight.detach().numpy()).max() <= 1 / np.sqrt(5)  # Linear's U(-1/√in, 1/√in)
    np.testing.assert_allclose(y.detach().numpy(), x.numpy() @ weight.detach().numpy().T + m.bias.detach().numpy(),
                               rtol=1e-6)
    y.sum().backward()
    before = weight.detach().numpy().copy()
    opt.step()
    assert not np.allclose(weight.detach().numpy(), before)
    # a checkpoint gives a lazy module its shapes; the first call then makes it a Linear
    m2 = nn.LazyLinear(3, bias=False, dtype=mg.float64)
    assert m2.weight.dtype == mg.float64 and m2.bias is None
    m3 = nn.LazyLinear(3)
    m3.load_state_dict(m.state_dict())
    np.testing.assert_array_equal(m3.weight.detach().numpy(), m.weight.detach().numpy())
    np.testing.assert_array_equal(m3(x).detach().numpy(), m(x).detach().numpy())
    assert type(m3) is nn.Linear and m3.in_features == 5
    net = nn.Sequential(nn.LazyLinear(4), nn.ReLU(), nn.LazyLinear(1))
    assert net(mg.randn(3, 7)).shape == (3, 1) and net[2].in_features == 4
