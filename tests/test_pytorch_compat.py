"""PyTorch-compatibility regressions found by running course-style PyTorch scripts under microgradnd.

Each test asserts hand-known values (what PyTorch 2.13 prints for the same lines)."""
import warnings

import numpy as np
import pytest

import microgradnd as mg
from microgradnd.ops.loss import binary_cross_entropy_elementwise


# -- in-place ops on a non-leaf that was already consumed ------------------------------------------
def test_inplace_after_use_keeps_earlier_consumers_gradient():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    z = y.sum()  # recorded before the in-place change: its edge goes to MulBackward, as in PyTorch
    y.mul_(3)
    z.backward()
    assert x.grad.tolist() == [2.0, 2.0]


def test_setitem_after_use_keeps_earlier_consumers_gradient():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    w = y[0] + y[1]
    y[0] = 5.0
    w.backward()
    assert x.grad.tolist() == [2.0, 2.0]


def test_iadd_after_use_sums_both_paths():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    z = y.sum()
    y += 1
    (z + y.sum()).backward()
    assert x.grad.tolist() == [4.0, 4.0]


def test_inplace_on_a_saved_input_or_output_raises_like_pytorch():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    z = (y * y).sum()  # mul saved y
    y.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.backward()
    s = x.exp()  # exp saved its output
    s2 = s.sum()
    s.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        s2.backward()


def test_inplace_bumps_version_and_later_backward_is_right():
    x = mg.tensor([1.0, 2.0], dtype=mg.float64, requires_grad=True)
    y = x * 2
    v = y._version
    y.mul_(3)
    assert y._version == v + 1
    y.sigmoid_()  # saves its output: the new version must not trip its own check
    y.sum().backward()
    s = 1 / (1 + np.exp(-6 * np.array([1.0, 2.0])))
    np.testing.assert_allclose(x.grad.data, 6 * s * (1 - s))


# -- binary_cross_entropy: no NumPy warning for any value ------------------------------------------
@pytest.mark.parametrize("dtype", [mg.float32, mg.float64])
def test_bce_elementwise_has_no_numpy_warning_at_special_values(dtype):
    special = [0.0, -0.0, 1.0, 0.5, 1e-300, 1e300, -1e300, np.inf, -np.inf, np.nan, 710.0]
    p, t = np.meshgrid(special, special)
    P = mg.tensor(p.ravel(), dtype=dtype, requires_grad=True)
    T = mg.tensor(t.ravel(), dtype=dtype, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = binary_cross_entropy_elementwise(P, T)
        out.backward(mg.ones_like(out))
    assert P.grad.shape == P.shape and T.grad.shape == T.shape
    at = mg.tensor([0.0, 1.0, 0.5], dtype=dtype, requires_grad=True)
    loss = binary_cross_entropy_elementwise(at, mg.tensor([1.0, 0.0, 1.0], dtype=dtype))
    loss.sum().backward()
    np.testing.assert_allclose(loss.data, [100.0, 100.0, np.log(2)], rtol=1e-6)
    assert np.all(np.isfinite(at.grad.data))
