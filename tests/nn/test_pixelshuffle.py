"""PixelShuffle / PixelUnshuffle: the index rule by hand, round trips, and PyTorch's values and errors."""
import numpy as np
import pytest

import microgradnd as mg
import microgradnd.nn as nn
import microgradnd.nn.functional as F


def test_pixel_shuffle_index_rule_by_hand():
    # out[c, h·r + i, w·r + j] = in[c·r² + i·r + j, h, w]
    x = np.arange(2 * 4 * 2 * 3, dtype=np.float64).reshape(2, 4, 2, 3)
    out = F.pixel_shuffle(mg.tensor(x), 2).numpy()
    assert out.shape == (2, 1, 4, 6)
    for i in range(2):
        for j in range(2):
            np.testing.assert_array_equal(out[:, 0, i::2, j::2], x[:, i * 2 + j])
    assert out[0, 0, 0].tolist() == [0, 6, 1, 7, 2, 8]
    back = F.pixel_unshuffle(mg.tensor(out), 2).numpy()
    np.testing.assert_array_equal(back, x)


def test_pixel_shuffle_modules_grads_and_batch_dims():
    x = mg.randn(2, 3, 9, 2, 2, requires_grad=True)  # two leading batch dims
    y = nn.PixelShuffle(3)(x)
    assert y.shape == (2, 3, 1, 6, 6) and repr(nn.PixelShuffle(3)) == "PixelShuffle(upscale_factor=3)"
    (y * mg.arange(36.0).reshape(6, 6)).sum().backward()
    # the gradient is the weight map unshuffled back onto the input
    want = F.pixel_unshuffle(mg.arange(36.0).reshape(1, 6, 6), 3).numpy()
    np.testing.assert_allclose(x.grad.numpy()[1, 2], want)
    assert nn.PixelUnshuffle(3)(y).shape == (2, 3, 9, 2, 2)
    assert repr(nn.PixelUnshuffle(2)) == "PixelUnshuffle(downscale_factor=2)"
    assert F.pixel_shuffle(mg.zeros(4, 2, 3, dtype=mg.int64), 2).dtype == mg.int64


def test_pixel_shuffle_errors():
    with pytest.raises(RuntimeError, match="at least 3 dimensions, but got input with 2"):
        F.pixel_shuffle(mg.zeros(4, 3), 2)
    with pytest.raises(RuntimeError, match=r"input.size\(-3\)=5 is not divisible by 4"):
        F.pixel_shuffle(mg.zeros(5, 2, 3), 2)
    with pytest.raises(RuntimeError, match="positive upscale_factor, but got 0"):
        F.pixel_shuffle(mg.zeros(4, 2, 3), 0)
    with pytest.raises(TypeError, match="must be int, not float"):
        F.pixel_shuffle(mg.zeros(4, 2, 3), 2.0)
    with pytest.raises(RuntimeError, match=r"height to be divisible by downscale_factor, but input.size\(-2\)=3"):
        F.pixel_unshuffle(mg.zeros(4, 3, 4), 2)
    with pytest.raises(RuntimeError, match=r"width to be divisible by downscale_factor, but input.size\(-1\)=3"):
        F.pixel_unshuffle(mg.zeros(4, 4, 3), 2)


def test_pixel_shuffle_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 8, 3, 5))
    g = rng.standard_normal((2, 2, 6, 10))
    a, b = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ya, yb = F.pixel_shuffle(a, 2), torch.nn.functional.pixel_shuffle(b, 2)
    np.testing.assert_array_equal(ya.detach().numpy(), yb.detach().numpy())
    ya.backward(mg.tensor(g))
    yb.backward(torch.tensor(g))
    np.testing.assert_array_equal(a.grad.numpy(), b.grad.numpy())
    z = rng.standard_normal((3, 2, 6, 4))
    np.testing.assert_array_equal(F.pixel_unshuffle(mg.tensor(z), 2).numpy(),
                                  torch.nn.functional.pixel_unshuffle(torch.tensor(z), 2).numpy())
