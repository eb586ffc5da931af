"""RNN / LSTM / GRU and cells: parameters, init, shapes, gradcheck, and agreement with PyTorch."""
from __future__ import annotations

import math

import numpy as np
import pytest

import microgradnd as mg
import microgradnd.nn as nn
from microgradnd.autograd import gradcheck


def test_parameter_names_shapes_and_init():
    lstm = nn.LSTM(3, 4, num_layers=2, bidirectional=True)
    shapes = {k: tuple(v.shape) for k, v in lstm.state_dict().items()}
    assert shapes["weight_ih_l0"] == (16, 3) and shapes["weight_hh_l0"] == (16, 4)
    assert shapes["weight_ih_l1"] == (16, 8) and shapes["bias_hh_l1_reverse"] == (16,)
    assert len(shapes) == 16
    bound = 1 / math.sqrt(4)
    assert all(np.abs(p.detach().numpy()).max() <= bound for p in lstm.parameters())
    assert list(nn.GRU(2, 3, bias=False).state_dict()) == ["weight_ih_l0", "weight_hh_l0"]


def test_output_shapes():
    x = mg.randn(7, 2, 3)
    out, h = nn.RNN(3, 5, num_layers=2)(x)
    assert out.shape == (7, 2, 5) and h.shape == (2, 2, 5)
    out, (h, c) = nn.LSTM(3, 5, batch_first=True, bidirectional=True)(x)
    assert out.shape == (7, 2, 10) and h.shape == (2, 7, 5) and c.shape == (2, 7, 5)
    out, h = nn.GRU(3, 5)(mg.randn(7, 3))  # unbatched
    assert out.shape == (7, 5) and h.shape == (1, 5)
    h, c = nn.LSTMCell(3, 5)(mg.randn(2, 3))
    assert h.shape == (2, 5) and c.shape == (2, 5)


def test_last_output_is_the_final_hidden_state():
    rnn = nn.GRU(3, 4)
    out, h = rnn(mg.randn(5, 2, 3))
    np.testing.assert_allclose(out.detach().numpy()[-1], h.detach().numpy()[0])


@pytest.mark.parametrize("cls", [nn.RNN, nn.LSTM, nn.GRU])
def test_gradcheck(cls):
    mg.manual_seed(0)
    layer = cls(2, 3, bidirectional=True).double()
    x = mg.randn(4, 2, 2, dtype=mg.float64, requires_grad=True)

    def fn(x):
        out, h = layer(x)
        return out

    assert gradcheck(fn, [x])


def test_errors():
    with pytest.raises(RuntimeError, match="input.size\\(-1\\) must be equal to input_size"):
        nn.RNN(3, 4)(mg.randn(5, 2, 2))
    with pytest.raises(ValueError, match="Unknown nonlinearity"):
        nn.RNN(3, 4, nonlinearity="gelu")
    with pytest.raises(RuntimeError, match="Expected hidden size"):
        nn.GRU(3, 4)(mg.randn(5, 2, 3), mg.zeros(1, 3, 4))


torch_cases = [
    "RNN(4, 5)", "RNN(4, 5, num_layers=2, nonlinearity='relu', batch_first=True)", "LSTM(4, 5)",
    "LSTM(4, 5, num_layers=2, bidirectional=True)", "GRU(4, 5, batch_first=True, bidirectional=True)",
    "GRU(4, 5, num_layers=3, bias=False)", "RNN(4, 5, num_layers=2, dropout=0.5)",
]


@pytest.mark.parametrize("expr", torch_cases)
@pytest.mark.parametrize("shape", [(6, 3, 4), (6, 4)])
@pytest.mark.parametrize("with_state", [False, True])
def test_matches_pytorch(expr, shape, with_state):
    torch = pytest.importorskip("torch")
    theirs, ours = eval("torch.nn." + expr).double().eval(), eval("nn." + expr).double().eval()
    assert repr(ours) == repr(theirs) and list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({k: mg.tensor(v.detach().numpy().copy()) for k, v in theirs.state_dict().items()})
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape)
    xm, xt = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    args_m, args_t = [xm], [xt]
    if with_state:
        dirs = 2 if theirs.bidirectional else 1
        hshape = (theirs.num_layers * dirs,) + ((shape[0 if theirs.batch_first else 1],) if len(shape) == 3 else ()) \
            + (5,)
        h0 = rng.standard_normal(hshape)
        if "LSTM" in expr:
            c0 = rng.standard_normal(hshape)
            args_m.append((mg.tensor(h0), mg.tensor(c0)))
            args_t.append((torch.tensor(h0), torch.tensor(c0)))
        else:
            args_m.append(mg.tensor(h0))
            args_t.append(torch.tensor(h0))
    om, hm = ours(*args_m)
    ot, ht = theirs(*args_t)
    if isinstance(hm, tuple):
        hm, ht = mg.cat(list(hm), 0), torch.cat(list(ht), 0)
    np.testing.assert_allclose(om.detach().numpy(), ot.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(hm.detach().numpy(), ht.detach().numpy(), rtol=1e-10, atol=1e-12)
    weights = np.cos(np.arange(om.numel())).reshape(om.shape)
    ((om * mg.tensor(weights)).sum() + hm.sum()).backward()
    ((ot * torch.tensor(weights)).sum() + ht.sum()).backward()
    np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), rtol=1e-9, atol=1e-12)
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-9, atol=1e-12, err_msg=name)


@pytest.mark.parametrize("expr", ["RNNCell(4, 5)", "RNNCell(4, 5, nonlinearity='relu')", "LSTMCell(4, 5)",
                                  "GRUCell(4, 5, bias=False)"])
def test_cells_match_pytorch(expr):
    torch = pytest.importorskip("torch")
    theirs, ours = eval("torch.nn." + expr).double(), eval("nn." + expr).double()
    assert repr(ours) == repr(theirs)
    ours.load_state_dict({k: mg.tensor(v.detach().numpy().copy()) for k, v in theirs.state_dict().items()})
    for shape in [(3, 4), (4,)]:
        x = np.random.default_rng(1).standard_normal(shape)
        om, ot = ours(mg.tensor(x)), theirs(torch.tensor(x))
        if isinstance(om, tuple):
            om, ot = om[1], ot[1]
        np.testing.assert_allclose(om.detach().numpy(), ot.detach().numpy(), rtol=1e-10, atol=1e-12)
