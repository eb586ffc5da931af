"""nn.utils: gradient clipping and parameter vectors (numbers as PyTorch gives them)."""
from __future__ import annotations

import numpy as np
import pytest

import microgradnd as mg
import microgradnd.nn as nn


def _params_with_grads():
    p = [nn.Parameter(mg.ones(3)), nn.Parameter(mg.ones(2))]
    p[0].grad = mg.tensor([3.0, 4.0, 0.0])
    p[1].grad = mg.tensor([3.0, 4.0])
    return p


def test_clip_grad_norm_scales_all_gradients_together():
    p = _params_with_grads()
    total = nn.utils.clip_grad_norm_(p, 1.0)
    assert total.item() == pytest.approx(np.sqrt(50), rel=1e-6)
    scale = 1.0 / (np.sqrt(50) + 1e-6)
    np.testing.assert_allclose(p[0].grad.numpy(), np.array([3, 4, 0]) * scale, rtol=1e-6)
    np.testing.assert_allclose(p[1].grad.numpy(), np.array([3, 4]) * scale, rtol=1e-6)


def test_clip_grad_norm_leaves_small_gradients_and_supports_inf_norm():
    p = _params_with_grads()
    total = nn.utils.clip_grad_norm_(p, 100.0)
    assert total.item() == pytest.approx(np.sqrt(50), rel=1e-6) and p[0].grad.tolist() == [3, 4, 0]
    total = nn.utils.clip_grad_norm_(p, 2.0, norm_type="inf")
    assert total.item() == 4.0
    np.testing.assert_allclose(p[1].grad.numpy(), np.array([3, 4]) * 2 / (4 + 1e-6), rtol=1e-6)
    assert nn.utils.clip_grad_norm_([], 1.0).item() == 0.0
    single = nn.Parameter(mg.ones(2))
    single.grad = mg.tensor([0.0, 5.0])
    assert nn.utils.clip_grad_norm_(single, 1.0).item() == 5.0  # a lone tensor is accepted


def test_clip_grad_norm_nonfinite_error():
    p = _params_with_grads()
    p[0].grad = mg.tensor([float("inf"), 0.0, 0.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        nn.utils.clip_grad_norm_(p, 1.0, error_if_nonfinite=True)


def test_clip_grad_value():
    p = _params_with_grads()
    nn.utils.clip_grad_value_(p, 3.5)
    assert p[0].grad.tolist() == [3.0, 3.5, 0.0] and p[1].grad.tolist() == [3.0, 3.5]


def test_parameters_to_vector_and_back():
    lin = nn.Linear(2, 3)
    vec = nn.utils.parameters_to_vector(lin.parameters())
    assert vec.shape == (9,)
    np.testing.assert_allclose(vec.detach().numpy()[:6], lin.weight.detach().numpy().ravel())
    nn.utils.vector_to_parameters(mg.arange(9.0), lin.parameters())
    assert lin.bias.detach().numpy().tolist() == [6.0, 7.0, 8.0]


def test_clip_matches_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    grads = [rng.standard_normal((3, 4)), rng.standard_normal(5)]
    for norm_type in (2.0, 1.0, 3.0, float("inf")):
        ours = [nn.Parameter(mg.zeros(*g.shape, dtype=mg.float64)) for g in grads]
        theirs = [torch.nn.Parameter(torch.zeros(*g.shape, dtype=torch.float64)) for g in grads]
        for o, t, g in zip(ours, theirs, grads):
            o.grad, t.grad = mg.tensor(g.copy()), torch.tensor(g.copy())
        a = nn.utils.clip_grad_norm_(ours, 0.5, norm_type=norm_type)
        b = torch.nn.utils.clip_grad_norm_(theirs, 0.5, norm_type=norm_type)
        assert a.item() == pytest.approx(b.item(), rel=1e-10)
        for o, t in zip(ours, theirs):
            np.testing.assert_allclose(o.grad.numpy(), t.grad.numpy(), rtol=1e-10)


def test_batchnorm_checkpoint_without_num_batches_tracked_loads_like_pytorch():
    bn = nn.BatchNorm1d(3)
    plain = {k: v for k, v in bn.state_dict().items() if k != "num_batches_tracked"}
    assert bn.load_state_dict(plain).missing_keys == []  # an old-format (plain dict) checkpoint
    sd = bn.state_dict()
    del sd["num_batches_tracked"]  # a current-format checkpoint really misses it
    with pytest.raises(RuntimeError, match='Missing key\\(s\\) in state_dict: "num_batches_tracked"'):
        bn.load_state_dict(sd)


def test_pad_sequence():
    from microgradnd.nn.utils.rnn import pad_sequence

    a = mg.ones(2, 3, requires_grad=True)
    b = mg.ones(4, 3) * 2
    out = pad_sequence([a, b])
    assert out.shape == (4, 2, 3) and out.detach().numpy()[2:, 0].tolist() == [[0.0] * 3] * 2
    left = pad_sequence([a, b], batch_first=True, padding_value=-1.0, padding_side="left")
    assert left.shape == (2, 4, 3) and left.detach().numpy()[0, :, 0].tolist() == [-1.0, -1.0, 1.0, 1.0]
    left.sum().backward()
    assert a.grad.tolist() == [[1.0] * 3] * 2


def test_get_total_norm_and_clip_grads_with_norm_by_hand():
    a, b = mg.tensor([3.0, -4.0]), mg.tensor([[12.0]])
    assert nn.utils.get_total_norm([a, b]).item() == 13.0  # √(9 + 16 + 144)
    assert nn.utils.get_total_norm([a, b], norm_type=1).item() == 19.0
    assert nn.utils.get_total_norm([a, b], norm_type=float("inf")).item() == 12.0
    assert nn.utils.get_total_norm([a, b], norm_type=-float("inf")).item() == 3.0  # min |x| over all
    assert nn.utils.get_total_norm([a, mg.zeros(2)], norm_type=0).item() == 1.0  # tensors with a non-zero entry
    assert nn.utils.get_total_norm([]).item() == 0.0
    assert nn.utils.get_total_norm([a, mg.tensor([1.0], dtype=mg.float64)]).dtype == mg.float64
    with pytest.raises(RuntimeError, match="is non-finite, so it cannot be clipped"):
        nn.utils.get_total_norm([mg.tensor([float("inf")])], error_if_nonfinite=True)
    p, q = mg.zeros(2, requires_grad=True), mg.zeros(1, 1, requires_grad=True)
    p.grad, q.grad = a.clone(), b.clone()
    total = nn.utils.get_total_norm([p.grad, q.grad])
    nn.utils.clip_grads_with_norm_([p, q], 6.5, total)
    np.testing.assert_allclose(p.grad.numpy(), [1.5, -2.0], rtol=1e-6)  # scaled by 6.5 / (13 + 1e-6)
    np.testing.assert_allclose(q.grad.numpy(), [[6.0]], rtol=1e-6)
    nn.utils.clip_grads_with_norm_([p, q], 100.0, total)  # never scales up
    np.testing.assert_allclose(p.grad.numpy(), [1.5, -2.0], rtol=1e-6)


@pytest.mark.parametrize("norm_type", [2.0, 1, 3.5, float("inf"), 0])
def test_get_total_norm_and_clip_grads_with_norm_match_torch(norm_type):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    grads = [rng.standard_normal((3, 4)), rng.standard_normal(5)]
    ours = [mg.zeros(g.shape, dtype=mg.float64, requires_grad=True) for g in grads]
    theirs = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
    for o, t, g in zip(ours, theirs, grads):
        o.grad, t.grad = mg.tensor(g.copy()), torch.tensor(g.copy())
    a = nn.utils.get_total_norm([o.grad for o in ours], norm_type)
    b = torch.nn.utils.get_total_norm([t.grad for t in theirs], norm_type)
    assert a.item() == pytest.approx(b.item(), rel=1e-12) and a.dtype == mg.float64
    nn.utils.clip_grads_with_norm_(ours, 0.7, a)
    torch.nn.utils.clip_grads_with_norm_(theirs, 0.7, b)
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o.grad.numpy(), t.grad.numpy(), rtol=1e-12)
