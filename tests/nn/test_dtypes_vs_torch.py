"""Result dtypes and error types of nn.functional on mixed dtypes, compared with PyTorch's."""
from __future__ import annotations

import numpy as np
import pytest

import microgradnd as mg
import microgradnd.nn.functional as mF

torch = pytest.importorskip("torch")
tF = torch.nn.functional

_rng = np.random.default_rng(0)
A32, A64 = _rng.random((3, 4)).astype(np.float32), _rng.random((3, 4))
I64 = _rng.integers(0, 2, (3, 4))

CASES = {
    "mse 32/64": lambda L, F: F.mse_loss(L.tensor(A32), L.tensor(A64)),
    "mse 64/32": lambda L, F: F.mse_loss(L.tensor(A64), L.tensor(A32)),
    "mse 32/int": lambda L, F: F.mse_loss(L.tensor(A32), L.tensor(I64)),
    "l1 32/64": lambda L, F: F.l1_loss(L.tensor(A32), L.tensor(A64)),
    "huber 32/64": lambda L, F: F.huber_loss(L.tensor(A32), L.tensor(A64)),
    "huber 64/32": lambda L, F: F.huber_loss(L.tensor(A64), L.tensor(A32)),
    "smooth_l1 32/64": lambda L, F: F.smooth_l1_loss(L.tensor(A32), L.tensor(A64)),
    "bce_logits 32/64": lambda L, F: F.binary_cross_entropy_with_logits(L.tensor(A32), L.tensor(A64)),
    "bce_logits 64/32": lambda L, F: F.binary_cross_entropy_with_logits(L.tensor(A64), L.tensor(A32)),
    "bce_logits pos_weight64": lambda L, F: F.binary_cross_entropy_with_logits(
        L.tensor(A32), L.tensor(A32), pos_weight=L.ones(4, dtype=L.float64)),
    "bce weight64": lambda L, F: F.binary_cross_entropy(L.tensor(A32), L.tensor(A32), weight=L.ones(4, dtype=L.float64)),
    "bce weight32 input64": lambda L, F: F.binary_cross_entropy(L.tensor(A64), L.tensor(A64), weight=L.ones(4)),
    "bce int target": lambda L, F: F.binary_cross_entropy(L.tensor(A32), L.tensor(I64)),
    "kl 32/64": lambda L, F: F.kl_div(L.tensor(A32), L.tensor(A64), reduction="batchmean"),
    "ce probs 32/64": lambda L, F: F.cross_entropy(L.tensor(A32), L.tensor(A64)),
    "ce 64": lambda L, F: F.cross_entropy(L.tensor(A64), L.tensor([0, 1, 2])),
    "ce weight32 input64": lambda L, F: F.cross_entropy(L.tensor(A64), L.tensor([0, 1, 2]), weight=L.ones(4)),
    "mse weight wrong size": lambda L, F: F.mse_loss(L.tensor(A32), L.tensor(A32), weight=L.ones(4)),
    "linear 32/int": lambda L, F: F.linear(L.tensor(A32), L.ones(2, 4, dtype=L.int64)),
    "linear 64/32": lambda L, F: F.linear(L.tensor(A64), L.ones(2, 4)),
    "batch_norm mixed": lambda L, F: F.batch_norm(L.tensor(A64), L.zeros(4), L.ones(4), training=True),
    "conv 64/32": lambda L, F: F.conv2d(L.ones(1, 1, 4, 4, dtype=L.float64), L.ones(1, 1, 2, 2)),
    "conv bias64": lambda L, F: F.conv2d(L.ones(1, 1, 4, 4), L.ones(1, 1, 2, 2), L.ones(1, dtype=L.float64)),
    "max_pool int": lambda L, F: F.max_pool2d(L.tensor(np.arange(16).reshape(1, 1, 4, 4)), 2),
    "avg_pool int": lambda L, F: F.avg_pool2d(L.tensor(np.array([[[[-1, -2], [-2, -2]]]])), 2),
    "dropout 64": lambda L, F: F.dropout(L.tensor(A64)),
    "one_hot": lambda L, F: F.one_hot(L.tensor([0, 2])),
}


def _outcome(lib, F, fn):
    try:
        r = fn(lib, F)
    except Exception as e:  # the error TYPE must be PyTorch's
        return type(e).__name__, None, None
    values = r.detach().numpy()
    return "ok", str(r.dtype).replace("torch.", ""), np.asarray(values, dtype=np.float64)


@pytest.mark.parametrize("name", sorted(CASES))
def test_dtype_and_error_types_match_pytorch(name):
    ours = _outcome(mg, mF, CASES[name])
    theirs = _outcome(torch, tF, CASES[name])
    assert ours[:2] == theirs[:2]
    if ours[0] == "ok" and name != "dropout 64":
        np.testing.assert_allclose(ours[2], theirs[2], rtol=1e-6, atol=1e-7)
