"""Optimizers on tiny problems with hand-computed numbers, and the Optimizer API (no PyTorch needed)."""
import warnings

import numpy as np
import pytest

import microgradnd as mg
from microgradnd import optim


def _quadratic_steps(opt_cls, steps, p0=1.0, dtype=mg.float64, **kw):
    """Minimise f(p) = p**2 (gradient 2p) and return p after each step."""
    p = mg.tensor([p0], dtype=dtype, requires_grad=True)
    opt = opt_cls([p], **kw)
    out = []
    for _ in range(steps):
        opt.zero_grad()
        (p * p).sum().backward()
        opt.step()
        out.append(p.item())
    return out, opt, p


def test_sgd_plain_and_momentum_by_hand():
    # p1 = 1 - 0.1 * 2 = 0.8; p2 = 0.8 - 0.1 * 1.6 = 0.64
    assert _quadratic_steps(optim.SGD, 2, lr=0.1)[0] == pytest.approx([0.8, 0.64], abs=1e-15)
    # momentum 0.9: b1 = g1 = 2 -> p1 = 0.8; b2 = 0.9 * 2 + 1.6 = 3.4 -> p2 = 0.8 - 0.34 = 0.46
    assert _quadratic_steps(optim.SGD, 2, lr=0.1, momentum=0.9)[0] == pytest.approx([0.8, 0.46], abs=1e-15)
    # dampening 0.5: b2 = 0.9 * 2 + 0.5 * 1.6 = 2.6 -> p2 = 0.8 - 0.26 = 0.54
    vals = _quadratic_steps(optim.SGD, 2, lr=0.1, momentum=0.9, dampening=0.5)[0]
    assert vals == pytest.approx([0.8, 0.54], abs=1e-15)
    # nesterov: g1 = 2 + 0.9 * 2 = 3.8 -> p1 = 0.62
    assert _quadratic_steps(optim.SGD, 1, lr=0.1, momentum=0.9, nesterov=True)[0] == pytest.approx([0.62])
    # weight decay 0.5: g = 2 + 0.5 = 2.5 -> p1 = 0.75; maximize flips the sign: p1 = 1.2
    assert _quadratic_steps(optim.SGD, 1, lr=0.1, weight_decay=0.5)[0] == pytest.approx([0.75])
    assert _quadratic_steps(optim.SGD, 1, lr=0.1, maximize=True)[0] == pytest.approx([1.2])


def test_adam_adagrad_rmsprop_by_hand():
    # Adam step 1: m_hat = g, v_hat = g^2 -> p = 1 - 0.1 * g / (|g| + eps) = 0.9 (to 5e-10)
    vals, opt, p = _quadratic_steps(optim.Adam, 3, lr=0.1)
    assert vals == pytest.approx([0.9000000005, 0.8004122286917927, 0.70158627294603], abs=1e-13)
    st = opt.state[p]
    assert st["step"].item() == 3.0
    assert sorted(st) == ["exp_avg", "exp_avg_sq", "step"]
    vals = _quadratic_steps(optim.Adagrad, 3, lr=0.1)[0]  # sum += g^2; p -= lr * g / (sqrt(sum) + eps)
    assert vals == pytest.approx([0.900000000005, 0.8331035268450359, 0.7804561813568098], abs=1e-13)
    vals = _quadratic_steps(optim.RMSprop, 3, lr=0.01)[0]  # v = 0.99 v + 0.01 g^2
    assert vals == pytest.approx([0.9000000049999998, 0.8329179679700331, 0.7799822732436351], abs=1e-13)
    # AdamW with weight decay 0.5: p *= 1 - 0.1 * 0.5 first, then the Adam step (m_hat = g = 2)
    vals = _quadratic_steps(optim.AdamW, 1, lr=0.1, weight_decay=0.5)[0]
    assert vals == pytest.approx([0.95 - 0.1 * 2 / (2 + 1e-8)], abs=1e-13)


def test_rprop_by_hand():
    # same sign: the step grows by 1.2 (0.1, 0.12, 0.144) whatever the gradient's size
    vals, opt, p = _quadratic_steps(optim.Rprop, 3, lr=0.1)
    assert vals == pytest.approx([0.9, 0.78, 0.636], abs=1e-15)
    assert list(opt.state[p]) == ["step", "prev", "step_size"]
    # overshoot to -0.05: the sign flips, the step halves to 0.05 and this step does not move;
    # the next one (prev forgotten, factor 1) moves by 0.05
    vals = _quadratic_steps(optim.Rprop, 3, p0=0.05, lr=0.1)[0]
    assert vals == pytest.approx([-0.05, -0.05, 0.0], abs=1e-15)
    vals = _quadratic_steps(optim.Rprop, 2, lr=0.1, step_sizes=(1e-6, 0.11))[0]  # capped at 0.11
    assert vals == pytest.approx([0.9, 0.79], abs=1e-15)
    with pytest.raises(ValueError, match="Invalid eta values"):
        optim.Rprop([mg.zeros(1, requires_grad=True)], etas=(1.2, 0.5))


def test_curriculum_gradient_descent_1d():
    # loss (x - 3)^2 + 10 from x = 10 at lr 0.2 converges to x = 3, loss 10
    x = mg.tensor(10.0, requires_grad=True)
    opt = optim.SGD([x], lr=0.2)
    for _ in range(60):
        opt.zero_grad()
        loss = (x - 3) ** 2 + 10
        loss.backward()
        opt.step()
    assert x.item() == pytest.approx(3.0, abs=1e-5)
    assert ((x - 3) ** 2 + 10).item() == pytest.approx(10.0, abs=1e-6)


@pytest.mark.parametrize("cls,kw", [(optim.SGD, dict(lr=0.3, momentum=0.5)), (optim.Adagrad, dict(lr=0.5)),
                                    (optim.RMSprop, dict(lr=0.05)), (optim.Adam, dict(lr=0.1)),
                                    (optim.AdamW, dict(lr=0.1, amsgrad=True))])
def test_anisotropic_bowl_converges_and_float32_stays_float32(cls, kw):
    # f(x, y) = x^2 / 20 + y^2, the curriculum's bowl
    p = mg.tensor([-7.0, 2.0], requires_grad=True)
    opt = cls([p], **kw)
    for _ in range(400):
        opt.zero_grad()
        (p[0] ** 2 / 20 + p[1] ** 2).backward()
        opt.step()
    assert p.dtype == mg.float32
    assert all(v.dtype == mg.float32 for v in opt.state[p].values() if v.ndim > 0)
    assert np.abs(p.detach().numpy()).max() < 0.6


def test_step_is_in_place_and_bumps_version():
    p = mg.tensor([1.0, 2.0], requires_grad=True)
    buf = p._data
    v0 = p._version
    opt = optim.SGD([p], lr=0.5)
    p.grad = mg.tensor([1.0, 1.0])
    opt.step()
    assert p._data is buf and p._version > v0
    assert p.tolist() == [0.5, 1.5]
    assert p.is_leaf and p.requires_grad and p.grad_fn is None


def test_params_without_grad_are_skipped_and_have_no_state():
    a = mg.tensor([1.0], requires_grad=True)
    b = mg.tensor([1.0], requires_grad=True)
    opt = optim.Adam([a, b], lr=0.1)
    a.grad = mg.tensor([1.0])
    opt.step()
    assert b.item() == 1.0 and b not in opt.state and a.item() != 1.0
    assert list(opt.state_dict()["state"]) == [0]


def test_zero_grad_to_none_and_to_zero():
    p = mg.tensor([1.0], requires_grad=True)
    opt = optim.SGD([p], lr=0.1)
    p.grad = mg.tensor([3.0])
    opt.zero_grad(set_to_none=False)
    assert p.grad is not None and p.grad.tolist() == [0.0]
    opt.zero_grad()
    assert p.grad is None


def test_params_from_generator_list_and_groups():
    ws = [mg.tensor([1.0], requires_grad=True) for _ in range(3)]
    opt = optim.SGD((w for w in ws), lr=0.1)
    assert len(opt.param_groups) == 1 and opt.param_groups[0]["params"] == ws
    opt = optim.SGD([{"params": ws[:2]}, {"params": ws[2], "lr": 1.0, "momentum": 0.5}], lr=0.1)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 1.0]
    assert [g["momentum"] for g in opt.param_groups] == [0, 0.5]
    for w in ws:
        w.grad = mg.tensor([1.0])
    opt.step()
    assert [w.item() for w in ws] == pytest.approx([0.9, 0.9, 0.0])
    extra = mg.tensor([2.0], requires_grad=True)
    opt.add_param_group({"params": [extra], "lr": 0.25})
    assert opt.param_groups[-1]["momentum"] == 0 and opt.param_groups[-1]["lr"] == 0.25
    named = optim.SGD([("w0", ws[0]), ("w1", ws[1])], lr=0.1)
    assert named.param_groups[0]["param_names"] == ["w0", "w1"]


def test_constructor_errors():
    p = mg.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match="Invalid learning rate: -1"):
        optim.SGD([p], lr=-1)
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.Adam([])
    with pytest.raises(TypeError, match="iterable of Tensors or dicts"):
        optim.SGD(p, lr=0.1)
    with pytest.raises(ValueError, match="non-leaf"):
        optim.SGD([p * 2], lr=0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1)
    with pytest.raises(ValueError, match="Nesterov"):
        optim.SGD([p], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="Invalid beta parameter at index 1"):
        optim.Adam([p], betas=(0.9, 1.5))
    with pytest.raises(TypeError, match="only optimize Tensors"):
        optim.SGD([1.0], lr=0.1)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        optim.SGD([p, p], lr=0.1)
    assert any("duplicate" in str(x.message) for x in w)


def test_closure_is_evaluated_with_grad_and_returned():
    p = mg.tensor([2.0], requires_grad=True)
    opt = optim.SGD([p], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    with mg.no_grad():
        loss = opt.step(closure)
    assert loss.item() == 4.0 and p.item() == 1.0
    assert mg.is_grad_enabled()


@pytest.mark.parametrize("cls,kw", [(optim.SGD, dict(lr=0.1, momentum=0.9)), (optim.Adam, dict(lr=0.05, amsgrad=True)),
                                    (optim.RMSprop, dict(centered=True, momentum=0.3)), (optim.Adagrad, {}),
                                    (optim.AdamW, {})])
def test_state_dict_round_trip_resumes_identically(cls, kw):
    def make():
        p = mg.tensor([[1.0, -2.0], [0.5, 3.0]], requires_grad=True)
        return p, cls([p], **kw)

    def train(p, opt, n):
        for _ in range(n):
            opt.zero_grad()
            ((p ** 2).sum() + p.sin().sum()).backward()
            opt.step()

    p1, o1 = make()
    train(p1, o1, 6)
    p2, o2 = make()
    train(p2, o2, 3)
    sd = o2.state_dict()
    assert set(sd) == {"state", "param_groups"} and sd["param_groups"][0]["params"] == [0]
    p3, o3 = make()
    p3._data[...] = p2._data
    o3.load_state_dict(sd)
    assert o3.state[p3] is not o2.state[p2]
    for k, v in o2.state[p2].items():  # loaded state is a copy, not an alias
        assert v._data is not o3.state[p3][k]._data
    train(p3, o3, 3)
    np.testing.assert_allclose(p3.detach().numpy(), p1.detach().numpy(), rtol=1e-6)


def test_load_state_dict_checks_before_changing_anything():
    a, b = mg.tensor([1.0], requires_grad=True), mg.tensor([1.0], requires_grad=True)
    opt1 = optim.SGD([a, b], lr=0.1)
    opt2 = optim.SGD([a], lr=0.7)
    with pytest.raises(ValueError, match="doesn't match the size"):
        opt2.load_state_dict(opt1.state_dict())
    assert opt2.param_groups[0]["lr"] == 0.7
    opt3 = optim.SGD([{"params": [a]}, {"params": [b]}], lr=0.2)
    with pytest.raises(ValueError, match="different number of parameter groups"):
        opt3.load_state_dict(opt1.state_dict())


def test_state_dict_casts_state_to_param_dtype():
    p64 = mg.tensor([1.0, 2.0], dtype=mg.float64, requires_grad=True)
    opt = optim.Adam([p64])
    p64.grad = mg.ones_like(p64)
    opt.step()
    sd = opt.state_dict()
    p32 = mg.tensor([1.0, 2.0], requires_grad=True)
    opt32 = optim.Adam([p32])
    opt32.load_state_dict(sd)
    assert opt32.state[p32]["exp_avg"].dtype == mg.float32
    assert opt32.state[p32]["step"].dtype == sd["state"][0]["step"].dtype


def test_repr_lists_groups():
    p = mg.tensor([1.0], requires_grad=True)
    text = repr(optim.SGD([p], lr=0.1, momentum=0.9))
    assert text.startswith("SGD (\nParameter Group 0\n") and "    momentum: 0.9\n" in text


def test_custom_optimizer_subclass_in_pytorch_style():
    class MomentumSGD(optim.Optimizer):
        def __init__(self, params, lr=0.1, momentum=0.9):
            super().__init__(params, dict(lr=lr, momentum=momentum))

        @mg.no_grad()
        def step(self, closure=None):
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    state = self.state[p]
                    if "v" not in state:
                        state["v"] = mg.zeros_like(p)
                    state["v"].mul_(group["momentum"]).add_(p.grad)
                    p.add_(state["v"], alpha=-group["lr"])

    p = mg.tensor([1.0], requires_grad=True)
    opt = MomentumSGD([p])
    for _ in range(2):
        opt.zero_grad()
        (p * p).sum().backward()
        opt.step()
    assert p.item() == pytest.approx(0.46)  # same numbers as SGD(momentum=0.9) by hand
    assert opt.state_dict()["state"][0]["v"].item() == pytest.approx(3.4)


def test_module_parameters_and_per_layer_groups():
    nn = pytest.importorskip("microgradnd.nn")
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    opt = optim.SGD([{"params": model[0].parameters()}, {"params": model[2].parameters(), "lr": 0.0}],
                    lr=0.1, momentum=0.9)
    before = [p.detach().numpy().copy() for p in model.parameters()]
    x = mg.randn(5, 3)
    model(x).sum().backward()
    opt.step()
    after = [p.detach().numpy() for p in model.parameters()]
    assert not np.allclose(before[0], after[0]) and np.array_equal(before[2], after[2])
    assert all(isinstance(p, nn.Parameter) for g in opt.param_groups for p in g["params"])
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_asgd_by_hand():
    # f = p**2, lr 0.1, lambd 0.01, alpha 0.75, t0 = 1: eta_t = 0.1 / (1 + 0.001 t) ** 0.75,
    # mu_t = 1 / max(1, t - 1): ax follows p for three steps, then averages with weight 1/2
    vals, opt, p = _quadratic_steps(optim.ASGD, 4, lr=0.1, lambd=0.01, t0=1)
    p_, eta, mu, ax = 1.0, 0.1, 1.0, 0.0
    want = []
    for t in range(1, 5):
        p_ = p_ * (1 - 0.01 * eta) - eta * 2 * p_
        ax = p_ if mu == 1 else ax + mu * (p_ - ax)
        eta, mu = 0.1 / (1 + 0.001 * t) ** 0.75, 1 / max(1, t - 1)
        want.append(p_)
    assert vals == pytest.approx(want, rel=1e-6)  # eta and mu are float32 0-d tensors, as in PyTorch
    state = opt.state[p]
    assert sorted(state) == ["ax", "eta", "mu", "step"]
    assert state["ax"].item() == pytest.approx(ax, rel=1e-6) and state["ax"].item() != pytest.approx(vals[-1])
    assert state["mu"].item() == pytest.approx(1 / 3) and state["step"].item() == 4
    with pytest.raises(ValueError, match="Invalid weight_decay value"):
        optim.ASGD([p], weight_decay=-1)


def test_lbfgs_solves_a_quadratic():
    # f(x) = ½ xᵀAx - bᵀx with A SPD: L-BFGS with a strong-Wolfe search reaches A⁻¹b in one step
    rng = np.random.default_rng(0)
    m = rng.normal(size=(5, 5))
    a_np = m @ m.T + 5 * np.eye(5)
    b_np = rng.normal(size=5)
    a, b = mg.tensor(a_np), mg.tensor(b_np)
    for line_search in (None, "strong_wolfe"):
        x = mg.zeros(5, dtype=mg.float64, requires_grad=True)
        opt = optim.LBFGS([x], lr=1, max_iter=50, line_search_fn=line_search, tolerance_grad=1e-12,
                          tolerance_change=1e-20)
        calls = []

        def closure():
            opt.zero_grad()
            loss = 0.5 * (x @ (a @ x)) - (b * x).sum()
            loss.backward()
            calls.append(loss.item())
            return loss

        first = opt.step(closure)
        assert first.item() == 0.0 == calls[0]  # the step returns the closure's first loss
        np.testing.assert_allclose(x.detach().numpy(), np.linalg.solve(a_np, b_np), rtol=0, atol=1e-7)
        state = opt.state[x]
        assert state["func_evals"] == len(calls) and 1 < state["n_iter"] <= 50
        assert len(state["old_dirs"]) == len(state["old_stps"]) == len(state["ro"]) <= state["n_iter"]
    with pytest.raises(ValueError, match="per-parameter options"):
        optim.LBFGS([{"params": [x]}, {"params": [mg.zeros(1, requires_grad=True)]}])
