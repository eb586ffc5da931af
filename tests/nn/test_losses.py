"""Losses with hand-computed numbers (no torch needed), reductions and PyTorch's errors."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import microgradnd as mg
import microgradnd.nn as nn
import microgradnd.nn.functional as F


def test_curriculum_cross_entropy_minus_ln_0_7():
    # prediction 0.7 on the true class -> -ln 0.7 = 0.35667
    probs = mg.tensor([[0.1, 0.7, 0.2]])
    assert F.nll_loss(mg.log(probs), mg.tensor([1])).item() == pytest.approx(0.35667, abs=1e-5)
    logits = mg.log(probs)  # softmax(log p) = p
    assert nn.CrossEntropyLoss()(logits, mg.tensor([1])).item() == pytest.approx(-math.log(0.7), rel=1e-6)
    # a one-hot probability target gives the same number
    assert F.cross_entropy(logits, mg.tensor([[0.0, 1.0, 0.0]])).item() == pytest.approx(0.35667, abs=1e-5)


def test_cross_entropy_gradient_is_softmax_minus_one_hot():
    x = mg.tensor([[1.0, 2.0, 3.0]], requires_grad=True)
    F.cross_entropy(x, mg.tensor([0])).backward()
    p = np.exp([1.0, 2.0, 3.0]) / np.exp([1.0, 2.0, 3.0]).sum()
    np.testing.assert_allclose(x.grad.numpy()[0], p - [1, 0, 0], rtol=1e-6)


def test_cross_entropy_is_stable_for_huge_logits():
    x = mg.tensor([[1000.0, 0.0], [0.0, -1000.0]], requires_grad=True)
    loss = F.cross_entropy(x, mg.tensor([1, 1]))
    assert loss.item() == pytest.approx(1000.0)
    loss.backward()
    assert np.all(np.isfinite(x.grad.numpy()))


def test_cross_entropy_ignore_index_and_weights_by_hand():
    x = mg.zeros(3, 2)  # log-probabilities are all ln 1/2
    t = mg.tensor([0, 1, -100])
    assert F.cross_entropy(x, t).item() == pytest.approx(math.log(2))
    w = mg.tensor([1.0, 3.0])
    # weighted mean divides by the weights of the kept targets: (1 + 3)·ln2 / 4
    assert F.cross_entropy(x, t, weight=w).item() == pytest.approx(math.log(2))
    assert F.cross_entropy(x, t, weight=w, reduction="sum").item() == pytest.approx(4 * math.log(2))
    assert F.cross_entropy(x, t, reduction="none").tolist() == pytest.approx([math.log(2), math.log(2), 0.0])


def test_label_smoothing_by_hand():
    logits = mg.tensor([[0.0, math.log(3.0)]])  # p = (1/4, 3/4)
    eps = 0.1
    expected = (1 - eps) * -math.log(0.75) + eps * (-(math.log(0.25) + math.log(0.75)) / 2)
    assert F.cross_entropy(logits, mg.tensor([1]), label_smoothing=eps).item() == pytest.approx(expected, rel=1e-6)


def test_mse_l1_by_hand():
    x, t = mg.tensor([1.0, 2.0, 4.0]), mg.tensor([1.0, 0.0, 1.0])
    assert F.mse_loss(x, t).item() == pytest.approx(13 / 3)
    assert F.mse_loss(x, t, reduction="sum").item() == pytest.approx(13.0)
    assert F.mse_loss(x, t, reduction="none").tolist() == [0.0, 4.0, 9.0]
    assert F.l1_loss(x, t).item() == pytest.approx(5 / 3)
    assert nn.L1Loss(reduction="none")(x, t).tolist() == [0.0, 2.0, 3.0]


def test_bce_by_hand_and_clamp():
    p, t = mg.tensor([0.8, 0.4]), mg.tensor([1.0, 0.0])
    assert F.binary_cross_entropy(p, t).item() == pytest.approx(-(math.log(0.8) + math.log(0.6)) / 2, rel=1e-6)
    assert F.binary_cross_entropy(mg.tensor([0.0, 1.0]), mg.tensor([1.0, 0.0]), reduction="none").tolist() == \
        [100.0, 100.0]
    x = mg.tensor([0.0, 1.0], requires_grad=True)
    F.binary_cross_entropy(x, mg.tensor([0.0, 1.0])).backward()
    assert np.all(np.isfinite(x.grad.numpy()))


def test_bce_with_logits_equals_bce_of_sigmoid_and_pos_weight():
    x = mg.tensor([0.3, -1.2, 2.0])
    t = mg.tensor([1.0, 0.0, 1.0])
    assert F.binary_cross_entropy_with_logits(x, t).item() == pytest.approx(
        F.binary_cross_entropy(mg.sigmoid(x), t).item(), rel=1e-6)
    pw = mg.tensor([3.0])
    expected = np.mean([-3 * math.log(1 / (1 + math.exp(-0.3))), -math.log(1 - 1 / (1 + math.exp(1.2))),
                        -3 * math.log(1 / (1 + math.exp(-2.0)))])
    assert F.binary_cross_entropy_with_logits(x, t, pos_weight=pw).item() == pytest.approx(expected, rel=1e-6)


def test_loss_errors_match_pytorch():
    with pytest.raises(ValueError, match=r"Using a target size \(torch.Size\(\[3, 1\]\)\) that is different to "
                                         r"the input size \(torch.Size\(\[3\]\)\) is deprecated"):
        nn.BCELoss()(mg.rand(3), mg.rand(3, 1))
    with pytest.raises(RuntimeError, match="all elements of input should be between 0 and 1"):
        F.binary_cross_entropy(mg.tensor([1.5]), mg.tensor([1.0]))
    with pytest.raises(RuntimeError, match="Found dtype Long but expected Float"):
        F.binary_cross_entropy(mg.rand(3), mg.tensor([0, 1, 1]))
    with pytest.raises(ValueError, match=r"Target size \(torch.Size\(\[3, 1\]\)\) must be the same as input size"):
        F.binary_cross_entropy_with_logits(mg.rand(3), mg.rand(3, 1))
    x = mg.randn(3, 4)
    with pytest.raises(RuntimeError, match="expected target dtype to be Long or Byte, but got Float"):
        F.cross_entropy(x, mg.rand(3))
    with pytest.raises(RuntimeError, match="Expected floating point type for target with class probabilities"):
        F.cross_entropy(x, mg.zeros(3, 4, dtype=mg.int64))
    with pytest.raises(ValueError, match=r"Expected input batch_size \(3\) to match target batch_size \(2\)"):
        F.cross_entropy(x, mg.tensor([0, 1]))
    with pytest.raises(IndexError, match="Target 7 is out of bounds."):
        F.cross_entropy(x, mg.tensor([0, 1, 7]))
    with pytest.raises(RuntimeError, match="label_smoothing must be between 0.0 and 1.0. Got: 1.5"):
        F.cross_entropy(x, mg.tensor([0, 1, 2]), label_smoothing=1.5)
    with pytest.raises(RuntimeError, match=r"Expected target size \[2, 4\], got \[2, 5\]"):
        F.cross_entropy(mg.randn(2, 3, 4), mg.zeros(2, 5, dtype=mg.int64))
    with pytest.raises(RuntimeError, match="weight tensor should be defined either for all 4 classes"):
        F.nll_loss(x, mg.tensor([0, 1, 2]), weight=mg.ones(3))
    with pytest.raises(ValueError, match="avg is not a valid value for reduction"):
        F.mse_loss(x, x, reduction="avg")


def test_mse_warns_on_broadcasting_targets():
    with pytest.warns(UserWarning, match=r"Using a target size \(torch.Size\(\[3, 1\]\)\) that is different"):
        F.mse_loss(mg.rand(3), mg.rand(3, 1))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.mse_loss(mg.rand(3), mg.rand(3))  # same shapes: silent
    with pytest.raises(RuntimeError, match="must match the size of tensor b"), pytest.warns(UserWarning):
        F.mse_loss(mg.rand(3), mg.rand(2))


def test_legacy_size_average_and_reduce():
    x, t = mg.tensor([1.0, 3.0]), mg.tensor([0.0, 0.0])
    assert F.mse_loss(x, t, size_average=False).item() == 10.0
    assert F.mse_loss(x, t, reduce=False).tolist() == [1.0, 9.0]
    assert nn.MSELoss(size_average=False)(x, t).item() == 10.0


def test_multi_margin_and_multilabel_margin_by_hand():
    x = mg.tensor([[0.1, 0.2, 0.4, 0.8]], requires_grad=True)
    # class 3: (max(0, 1 - 0.8 + 0.1) + max(0, 1 - 0.8 + 0.2) + max(0, 1 - 0.8 + 0.4)) / 4 = 0.325
    loss = nn.MultiMarginLoss()(x, mg.tensor([3]))
    assert loss.item() == pytest.approx(0.325)
    loss.backward()
    np.testing.assert_allclose(x.grad.numpy(), [[0.25, 0.25, 0.25, -0.75]])
    # p = 2 and a class weight: (0.3² + 0.4² + 0.6²) · 2 / 4
    w = mg.tensor([1.0, 1.0, 1.0, 2.0])
    assert F.multi_margin_loss(x, mg.tensor([3]), p=2, weight=w).item() == pytest.approx(0.305)
    # classes {3, 0} (the -1 ends the list): pairs (3,1) (3,2) (0,1) (0,2)
    # [(1-(0.8-0.2)) + (1-(0.8-0.4)) + (1-(0.1-0.2)) + (1-(0.1-0.4))] / 4 = 0.85
    y = mg.tensor([[3, 0, -1, 1]])
    assert nn.MultiLabelMarginLoss()(x, y).item() == pytest.approx(0.85)
    assert F.multilabel_margin_loss(x, y, reduction="none").shape == (1,)
