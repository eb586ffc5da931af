"""nn.init: gains, fans, bounds and statistics of each initialiser; in place, no grad, seeded."""
from __future__ import annotations

import math

import numpy as np
import pytest

import microgradnd as mg
import microgradnd.nn as nn
from microgradnd.nn import init


def test_calculate_gain():
    assert init.calculate_gain("linear") == 1 and init.calculate_gain("sigmoid") == 1
    assert init.calculate_gain("conv2d") == 1
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("leaky_relu") == pytest.approx(math.sqrt(2 / (1 + 0.01 ** 2)))
    assert init.calculate_gain("leaky_relu", 0.2) == pytest.approx(math.sqrt(2 / 1.04))
    assert init.calculate_gain("selu") == 0.75
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        init.calculate_gain("swish")


def test_fills_in_place_and_returns_the_tensor():
    p = nn.Parameter(mg.empty(3, 4))
    assert init.ones_(p) is p and np.all(p.detach().numpy() == 1)
    assert init.zeros_(p) is p and not p.detach().numpy().any()
    assert init.constant_(p, 0.5) is p and np.all(p.detach().numpy() == 0.5)
    assert p.requires_grad and p.grad_fn is None and p.dtype == mg.float32
    assert init.eye_(p) is p and p.detach().numpy().tolist()[1] == [0, 1, 0, 0]


def test_uniform_and_normal_statistics():
    mg.manual_seed(0)
    t = init.uniform_(mg.empty(200, 200), -2.0, 3.0).numpy()
    assert t.min() >= -2 and t.max() <= 3 and abs(t.mean() - 0.5) < 0.05
    t = init.normal_(mg.empty(200, 200), 1.0, 2.0).numpy()
    assert abs(t.mean() - 1) < 0.05 and abs(t.std() - 2) < 0.05
    t = init.trunc_normal_(mg.empty(200, 200), std=1.0, a=-1.0, b=1.5).numpy()
    assert t.min() >= -1 and t.max() <= 1.5


def test_xavier_and_kaiming_bounds_and_std():
    mg.manual_seed(1)
    w = mg.empty(300, 200)
    a = math.sqrt(6 / 500)
    t = init.xavier_uniform_(w).numpy()
    assert t.max() <= a and t.min() >= -a and t.max() > 0.95 * a
    t = init.xavier_normal_(w, gain=2.0).numpy()
    assert t.std() == pytest.approx(2 * math.sqrt(2 / 500), rel=0.03)
    t = init.kaiming_uniform_(w, nonlinearity="relu").numpy()
    bound = math.sqrt(2) * math.sqrt(3 / 200)
    assert t.max() <= bound and t.max() > 0.95 * bound
    t = init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu").numpy()
    assert t.std() == pytest.approx(math.sqrt(2 / 300), rel=0.03)
    conv_w = mg.empty(16, 8, 3, 3)  # fan_in = 8·9
    t = init.kaiming_uniform_(conv_w, a=math.sqrt(5)).numpy()
    assert t.max() <= 1 / math.sqrt(72)
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(mg.empty(3))
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        init.kaiming_uniform_(w, mode="fan_avg")


def test_orthogonal():
    w = init.orthogonal_(mg.empty(4, 6)).numpy()
    np.testing.assert_allclose(w @ w.T, np.eye(4), atol=1e-5)
    w = init.orthogonal_(mg.empty(6, 4), gain=2.0).numpy()
    np.testing.assert_allclose(w.T @ w, 4 * np.eye(4), atol=1e-4)


def test_init_works_on_parameters_that_require_grad_and_uses_the_seed():
    lin = nn.Linear(3, 3)
    mg.manual_seed(5)
    a = init.normal_(lin.weight).detach().numpy().copy()
    mg.manual_seed(5)
    b = init.normal_(lin.weight).detach().numpy()
    assert np.array_equal(a, b)
    g = mg.Generator().manual_seed(5)
    c = init.normal_(mg.empty(3, 3), generator=g).numpy()
    assert c.shape == (3, 3)


def test_float64_tensors_get_float64_draws():
    t = init.uniform_(mg.empty(5, dtype=mg.float64))
    assert t.dtype == mg.float64 and len(set(t.tolist())) == 5


def test_init_fills_the_array_behind_param_data():
    # PyTorch code writes nn.init.xavier_uniform_(m.weight._data); ._data is the NumPy array here
    lin = nn.Linear(3, 4)
    nn.init.constant_(lin.bias._data, 0.1)
    assert lin.bias.detach().numpy().tolist() == pytest.approx([0.1] * 4)
    nn.init.xavier_uniform_(lin.weight._data)
    bound = math.sqrt(6 / 7)
    assert np.abs(lin.weight.detach().numpy()).max() <= bound
    nn.init.zeros_(lin.weight._data)
    assert not lin.weight.detach().numpy().any()


def test_sparse_zeroes_a_fraction_of_every_column():
    w = mg.empty(10, 400)
    assert nn.init.sparse_(w, sparsity=0.25, std=0.5) is w
    a = w.numpy()
    assert ((a == 0).sum(axis=0) == 3).all()  # ⌈0.25 · 10⌉ zeros in each column, the rest N(0, 0.5²)
    nonzero = a[a != 0]
    assert nonzero.size == 7 * 400 and abs(nonzero.std() - 0.5) < 0.03 and abs(nonzero.mean()) < 0.03
    # each row gets its share of the zeros (the rows are a fresh permutation per column)
    assert ((a == 0).sum(axis=1) > 60).all()
    assert (nn.init.sparse_(mg.empty(4, 3), sparsity=0.0).numpy() != 0).all()
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions are supported"):
        nn.init.sparse_(mg.empty(3), 0.1)
