"""Optimizer step sequences and schedules against PyTorch on random problems (optional: needs torch)."""
import numpy as np
import pytest

import microgradnd as mg

torch = pytest.importorskip("torch")

CONFIGS = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.3, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.5, maximize=True)),
    ("Adagrad", dict()),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, weight_decay=0.05, initial_accumulator_value=0.1, eps=1e-6)),
    ("Adagrad", dict(lr=0.1, maximize=True)),
    ("RMSprop", dict()),
    ("RMSprop", dict(lr=0.01, alpha=0.9, momentum=0.8, centered=True, weight_decay=0.01)),
    ("RMSprop", dict(lr=0.02, centered=True)),
    ("RMSprop", dict(lr=0.02, momentum=0.5, maximize=True)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.99), weight_decay=0.1, amsgrad=True)),
    ("Adam", dict(lr=0.01, betas=(0.3, 0.9), eps=1e-3, maximize=True)),
    ("Adam", dict(lr=0.01, weight_decay=1e-5)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.02, weight_decay=0.1, amsgrad=True)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, weight_decay=0.1, maximize=True)),
    ("Adamax", dict()),
    ("Adamax", dict(lr=0.01, betas=(0.7, 0.9), weight_decay=0.05)),
    ("NAdam", dict()),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, momentum_decay=0.01)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("RAdam", dict()),
    ("RAdam", dict(lr=0.01, betas=(0.8, 0.9), weight_decay=0.1)),
    ("RAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("Rprop", dict()),
    ("Rprop", dict(lr=0.05, etas=(0.3, 1.5), step_sizes=(1e-3, 0.2), maximize=True)),
    ("ASGD", dict()),
    ("ASGD", dict(lr=0.05, lambd=0.01, alpha=0.5, t0=4, weight_decay=0.1, maximize=True)),
]


def _run(lib, name, kwargs, p0s, coefs, steps, dtype):
    if lib is torch:
        params = [torch.tensor(p, dtype=dtype, requires_grad=True) for p in p0s]
        cs = [torch.tensor(c, dtype=dtype) for c in coefs]
    else:
        params = [mg.tensor(p, dtype=dtype, requires_grad=True) for p in p0s]
        cs = [mg.tensor(c, dtype=dtype) for c in coefs]
    opt = getattr(lib.optim, name)(params, **kwargs)
    history = []
    for t in range(steps):
        opt.zero_grad()
        # a bumpy objective so gradients change sign and size from step to step
        loss = sum(((c * p) ** 2).sum() + (p * c).sin().sum() for p, c in zip(params, cs))
        loss.backward()
        if t == 2:
            params[1].grad = None  # a parameter without gradient is skipped this step
        opt.step()
        history.append([p.detach().numpy().copy() for p in params])
    states = [{k: (v.numpy().copy() if hasattr(v, "numpy") else v) for k, v in opt.state[p].items()}
              for p in params]
    return history, states


@pytest.mark.parametrize("name,kwargs", CONFIGS)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_step_sequence_matches_torch(name, kwargs, dtype):
    rng = np.random.default_rng(len(str(kwargs)) + len(name))
    p0s = [rng.normal(size=(3, 4)), rng.normal(size=(4,))]
    coefs = [rng.uniform(0.2, 2.0, size=(3, 4)), rng.uniform(0.2, 2.0, size=(4,))]
    h_mg, s_mg = _run(mg, name, kwargs, p0s, coefs, 12, getattr(mg, dtype))
    h_t, s_t = _run(torch, name, kwargs, p0s, coefs, 12, getattr(torch, dtype))
    tol = dict(rtol=1e-12, atol=1e-13) if dtype == "float64" else dict(rtol=2e-5, atol=2e-6)
    for a_steps, b_steps in zip(h_mg, h_t):
        for a, b in zip(a_steps, b_steps):
            assert a.dtype == np.dtype(dtype)
            np.testing.assert_allclose(a, b, **tol)
    for sa, sb in zip(s_mg, s_t):
        assert sorted(sa) == sorted(sb)
        for k in sa:
            np.testing.assert_allclose(np.asarray(sa[k]), np.asarray(sb[k]), **tol)
            assert np.asarray(sa[k]).dtype == np.asarray(sb[k]).dtype


@pytest.mark.parametrize("name,kwargs", CONFIGS[::3] + CONFIGS[-1:])
def test_state_dict_layout_matches_torch(name, kwargs):
    p0s = [np.ones((2, 2)), np.zeros(3)]
    mp = [mg.tensor(p, requires_grad=True) for p in p0s]
    tp = [torch.tensor(p, requires_grad=True) for p in p0s]
    mo = getattr(mg.optim, name)([{"params": [mp[0]]}, {"params": [mp[1]], "lr": 0.5}], **kwargs)
    to = getattr(torch.optim, name)([{"params": [tp[0]]}, {"params": [tp[1]], "lr": 0.5}], **kwargs)
    for ps, o in ((mp, mo), (tp, to)):
        for p in ps:
            p.grad = p.detach() * 0 + 1
        o.step()
    ms, ts = mo.state_dict(), to.state_dict()
    assert ms["param_groups"] == ts["param_groups"]
    assert list(ms["state"]) == list(ts["state"])
    for k in ts["state"]:
        assert list(ms["state"][k]) == list(ts["state"][k])


def _sched_run(lib, sched_name, sched_kwargs, steps, metrics=None):
    p = (torch.zeros(1, requires_grad=True) if lib is torch else mg.zeros(1, requires_grad=True))
    q = (torch.zeros(1, requires_grad=True) if lib is torch else mg.zeros(1, requires_grad=True))
    opt = lib.optim.SGD([{"params": [p]}, {"params": [q], "lr": 0.3}], lr=0.1, momentum=0.9)
    sched = getattr(lib.optim.lr_scheduler, sched_name)(opt, **sched_kwargs)
    lrs = [[g["lr"] for g in opt.param_groups]]
    for i in range(steps):
        opt.step()
        if metrics is not None:
            sched.step(metrics[i])
        else:
            sched.step()
        lrs.append(list(sched.get_last_lr()))
        assert lrs[-1] == [g["lr"] for g in opt.param_groups]
    return lrs, sched, opt


SCHEDULES = [
    ("StepLR", dict(step_size=3, gamma=0.5)),
    ("MultiStepLR", dict(milestones=[2, 5, 5, 9], gamma=0.3)),
    ("ExponentialLR", dict(gamma=0.87)),
    ("CosineAnnealingLR", dict(T_max=7)),
    ("CosineAnnealingLR", dict(T_max=5, eta_min=0.01)),
    ("LambdaLR", dict(lr_lambda=lambda e: 1.0 / (1 + e))),
]


@pytest.mark.parametrize("name,kwargs", SCHEDULES)
def test_schedule_matches_torch(name, kwargs):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a, sa, oa = _sched_run(mg, name, kwargs, 25)
        b, sb, ob = _sched_run(torch, name, kwargs, 25)
    assert a == b  # exact: same recursive formulas in double precision
    assert sa.last_epoch == sb.last_epoch == 25
    assert [g["initial_lr"] for g in oa.param_groups] == [g["initial_lr"] for g in ob.param_groups]
    assert sa.base_lrs == sb.base_lrs


@pytest.mark.parametrize("kwargs", [
    dict(),
    dict(mode="max", factor=0.5, patience=2, threshold=0.01, threshold_mode="abs", cooldown=1, min_lr=0.02),
    dict(patience=1, cooldown=2, min_lr=[0.001, 0.05], eps=1e-3),
    dict(mode="max", patience=0, threshold=0.1),
])
def test_reduce_on_plateau_matches_torch(kwargs):
    rng = np.random.default_rng(3)
    metrics = list(np.cumsum(rng.normal(0, 1, 40)) * 0.1 + 5)
    a, sa, _ = _sched_run(mg, "ReduceLROnPlateau", kwargs, 40, metrics)
    b, sb, _ = _sched_run(torch, "ReduceLROnPlateau", kwargs, 40, metrics)
    assert a == b
    assert (sa.best, sa.num_bad_epochs, sa.cooldown_counter) == (sb.best, sb.num_bad_epochs, sb.cooldown_counter)


def test_error_messages_match_torch():
    p = mg.zeros(2, requires_grad=True)
    tp = torch.zeros(2, requires_grad=True)
    cases = [("SGD", dict(lr=-1)), ("SGD", dict(momentum=-0.1)), ("SGD", dict(nesterov=True)),
             ("Adam", dict(betas=(1.0, 0.9))), ("Adam", dict(eps=-1.0)), ("Adagrad", dict(lr_decay=-1)),
             ("RMSprop", dict(alpha=-1)), ("AdamW", dict(weight_decay=-1))]
    for name, kw in cases:
        with pytest.raises(ValueError) as ours:
            getattr(mg.optim, name)([p], **kw)
        with pytest.raises(ValueError) as theirs:
            getattr(torch.optim, name)([tp], **kw)
        assert str(ours.value) == str(theirs.value)


def _L(lib):
    return lib.optim.lr_scheduler


MORE_SCHEDULES = {
    "ConstantLR": lambda lib, o: _L(lib).ConstantLR(o, factor=0.5, total_iters=4),
    "LinearLR": lambda lib, o: _L(lib).LinearLR(o, start_factor=0.1, total_iters=6),
    "PolynomialLR": lambda lib, o: _L(lib).PolynomialLR(o, total_iters=10, power=2.0),
    "MultiplicativeLR": lambda lib, o: _L(lib).MultiplicativeLR(o, lambda e: 0.95),
    "WarmRestarts": lambda lib, o: _L(lib).CosineAnnealingWarmRestarts(o, T_0=4, T_mult=2, eta_min=0.001),
    "OneCycleLR": lambda lib, o: _L(lib).OneCycleLR(o, max_lr=[1.0, 2.0], total_steps=30),
    "OneCycle3": lambda lib, o: _L(lib).OneCycleLR(o, max_lr=1.0, epochs=3, steps_per_epoch=10, three_phase=True,
                                                   anneal_strategy="linear"),
    "SequentialLR": lambda lib, o: _L(lib).SequentialLR(
        o, [_L(lib).LinearLR(o, start_factor=0.1, total_iters=5), _L(lib).CosineAnnealingLR(o, T_max=10)],
        milestones=[5]),
    "ChainedScheduler": lambda lib, o: _L(lib).ChainedScheduler([_L(lib).StepLR(o, 3, 0.5),
                                                                 _L(lib).ExponentialLR(o, 0.9)]),
    "CyclicTriangular": lambda lib, o: _L(lib).CyclicLR(o, base_lr=[0.01, 0.02], max_lr=0.1, step_size_up=4,
                                                        step_size_down=3),
    "CyclicTriangular2": lambda lib, o: _L(lib).CyclicLR(o, base_lr=0.01, max_lr=[0.1, 0.3], step_size_up=5,
                                                         mode="triangular2", base_momentum=0.7),
    "CyclicExpRange": lambda lib, o: _L(lib).CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=3,
                                                      mode="exp_range", gamma=0.95),
    "CyclicScaleFn": lambda lib, o: _L(lib).CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=4,
                                                     scale_fn=lambda x: 0.5 ** x, scale_mode="iterations"),
    "CyclicScaleFnCycle": lambda lib, o: _L(lib).CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=2,
                                                          scale_fn=lambda x: 1 / x, mode="nonsense"),
}


@pytest.mark.parametrize("name", sorted(MORE_SCHEDULES))
def test_more_schedules_match_torch(name):
    import warnings

    def run(lib):
        p, q = lib.zeros(1, requires_grad=True), lib.zeros(1, requires_grad=True)
        opt = lib.optim.SGD([{"params": [p]}, {"params": [q], "lr": 0.3}], lr=0.1, momentum=0.9)
        sched = MORE_SCHEDULES[name](lib, opt)
        out = [[g["lr"] for g in opt.param_groups]]
        for _ in range(30):
            opt.step()
            sched.step()
            out.append(list(sched.get_last_lr()) + [g["momentum"] for g in opt.param_groups])
        return out

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert run(mg) == run(torch)


def test_cyclic_lr_with_adam_betas_no_momentum_and_state_dict_match_torch():
    def run(lib, **kw):
        p = lib.zeros(1, requires_grad=True)
        opt = lib.optim.Adam([p], lr=0.5, betas=(0.9, 0.99))
        sched = _L(lib).CyclicLR(opt, 0.001, 0.01, step_size_up=3, mode="exp_range", gamma=0.9, **kw)
        out = [(opt.param_groups[0]["lr"], opt.param_groups[0]["betas"])]
        for _ in range(10):
            opt.step()
            sched.step()
            out.append((sched.get_last_lr()[0], opt.param_groups[0]["betas"]))
        return out, sched, opt

    (a, sa, oa), (b, sb, ob) = run(mg), run(torch)
    assert a == b and a[2][1][0] != 0.9  # beta1 cycles
    assert sorted(sa.state_dict()) == sorted(k for k in sb.state_dict() if k != "_get_lr_called_within_step")
    assert sorted(oa.param_groups[0]) == sorted(ob.param_groups[0])
    (a, _, oa), (b, _, ob) = run(mg, cycle_momentum=False), run(torch, cycle_momentum=False)
    assert a == b and oa.param_groups[0]["betas"] == (0.9, 0.99) and "max_momentum" not in oa.param_groups[0]
    for lib in (mg, torch):
        with pytest.raises(ValueError, match="optimizer must support momentum"):
            _L(lib).CyclicLR(lib.optim.Adagrad([lib.zeros(1, requires_grad=True)]), 0.1, 1.0)
        with pytest.raises(ValueError, match="mode is invalid and scale_fn is None"):
            _L(lib).CyclicLR(lib.optim.SGD([lib.zeros(1, requires_grad=True)]), 0.1, 1.0, mode="x")
        with pytest.raises(ValueError, match="base_lr must have the same length"):
            _L(lib).CyclicLR(lib.optim.SGD([lib.zeros(1, requires_grad=True)]), [0.1, 0.2], 1.0)


@pytest.mark.parametrize("name", ["SGD", "Adagrad", "RMSprop", "Adam", "AdamW", "Adadelta", "Adamax", "NAdam",
                                  "RAdam", "Rprop", "ASGD", "LBFGS"])
def test_defaults_and_repr_match_torch(name):
    ours = getattr(mg.optim, name)([mg.zeros(1, requires_grad=True)])
    theirs = getattr(torch.optim, name)([torch.zeros(1, requires_grad=True)])
    assert ours.defaults == theirs.defaults
    assert repr(ours) == repr(theirs)


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_HYPER = {
    "SGD": dict(lr=st.floats(0.0, 0.5), momentum=st.sampled_from([0, 0.5, 0.9]),
                dampening=st.sampled_from([0, 0.1]), weight_decay=st.sampled_from([0, 0.01]),
                maximize=st.booleans()),
    "Adam": dict(lr=st.floats(1e-4, 0.1), betas=st.tuples(st.floats(0.0, 0.99), st.floats(0.5, 0.9999)),
                 eps=st.sampled_from([1e-8, 1e-3]), weight_decay=st.sampled_from([0, 0.1]), amsgrad=st.booleans(),
                 maximize=st.booleans()),
    "AdamW": dict(lr=st.floats(1e-4, 0.1), weight_decay=st.floats(0.0, 0.5), amsgrad=st.booleans()),
    "RMSprop": dict(lr=st.floats(1e-4, 0.1), alpha=st.floats(0.5, 0.999), momentum=st.sampled_from([0, 0.5]),
                    centered=st.booleans(), weight_decay=st.sampled_from([0, 0.01])),
    "Adagrad": dict(lr=st.floats(1e-3, 0.5), lr_decay=st.sampled_from([0, 0.1]),
                    initial_accumulator_value=st.sampled_from([0, 0.5]), weight_decay=st.sampled_from([0, 0.01])),
}


@st.composite
def _optimizer_case(draw):
    name = draw(st.sampled_from(sorted(_HYPER)))
    kwargs = {k: draw(s) for k, s in _HYPER[name].items()}
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=0, max_size=3)))
    seed = draw(st.integers(0, 2 ** 16))
    return name, kwargs, shape, seed


@settings(max_examples=40, deadline=None)
@given(_optimizer_case())
def test_random_hyperparameters_and_shapes_match_torch(case):
    name, kwargs, shape, seed = case
    rng = np.random.default_rng(seed)
    p0, grads = rng.normal(size=shape), [rng.normal(size=shape) for _ in range(5)]
    out = []
    for lib in (mg, torch):
        p = lib.tensor(p0, dtype=lib.float64, requires_grad=True)
        opt = getattr(lib.optim, name)([p], **kwargs)
        for g in grads:
            p.grad = lib.tensor(g, dtype=lib.float64)
            opt.step()
        out.append(p.detach().numpy().copy())
    np.testing.assert_allclose(out[0], out[1], rtol=1e-10, atol=1e-12)


def _lbfgs_run(lib, dtype, steps=3, **kwargs):
    """Rosenbrock in 4-D plus a second parameter (LBFGS flattens all of them into one vector)."""
    x = lib.tensor([-1.5, 2.0, -0.5, 1.0], dtype=dtype, requires_grad=True)
    w = lib.tensor([[0.5, -1.0]], dtype=dtype, requires_grad=True)
    opt = lib.optim.LBFGS([x, w], **kwargs)

    def closure():
        opt.zero_grad()
        loss = (100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2).sum() + ((w - 2) ** 4).sum() + (x[:2] * w).sum()
        loss.backward()
        return loss

    out = []
    for _ in range(steps):
        loss = opt.step(closure)
        out.append([loss.item(), x.detach().numpy().copy(), w.detach().numpy().copy()])
    return out, opt


@pytest.mark.parametrize("kwargs", [dict(), dict(line_search_fn="strong_wolfe"),
                                    dict(lr=0.8, max_iter=7, history_size=3),
                                    dict(lr=0.5, max_iter=9, max_eval=12, history_size=2,
                                         line_search_fn="strong_wolfe", tolerance_change=1e-6)])
def test_lbfgs_matches_torch(kwargs):
    # Rosenbrock without a line search amplifies rounding (sums in another order) ~100x per 5
    # iterations: 40 iterations stay within 1e-10 of PyTorch, 60 do not
    steps = 2 if not kwargs else 3
    a, oa = _lbfgs_run(mg, mg.float64, steps, **kwargs)
    b, ob = _lbfgs_run(torch, torch.float64, steps, **kwargs)
    for (la, xa, wa), (lb, xb, wb) in zip(a, b):
        assert la == pytest.approx(lb, rel=1e-10)
        np.testing.assert_allclose(xa, xb, rtol=1e-9, atol=1e-11)
        np.testing.assert_allclose(wa, wb, rtol=1e-9, atol=1e-11)
    sa, sb = oa.state_dict(), ob.state_dict()
    assert sa["param_groups"] == sb["param_groups"]
    assert list(sa["state"]) == list(sb["state"]) == [0]
    assert sorted(sa["state"][0]) == sorted(sb["state"][0])
    for key in ("func_evals", "n_iter"):
        assert sa["state"][0][key] == sb["state"][0][key]
    assert len(sa["state"][0]["old_dirs"]) == len(sb["state"][0]["old_dirs"])
    np.testing.assert_allclose(sa["state"][0]["d"].numpy(), sb["state"][0]["d"].numpy(), rtol=1e-8, atol=1e-10)


def test_lbfgs_state_dict_resumes_like_torch():
    def resumed(lib):
        _, opt = _lbfgs_run(lib, lib.float64, steps=1, max_iter=4, line_search_fn="strong_wolfe")
        saved = opt.state_dict()
        out, opt2 = _lbfgs_run(lib, lib.float64, steps=0, max_iter=4, line_search_fn="strong_wolfe")
        opt2.load_state_dict(saved)
        p = opt2.param_groups[0]["params"]
        with lib.no_grad():
            p[0].copy_(opt.param_groups[0]["params"][0])
            p[1].copy_(opt.param_groups[0]["params"][1])

        def closure():
            opt2.zero_grad()
            loss = (p[0] ** 2).sum() + (p[1] ** 2).sum()
            loss.backward()
            return loss
        opt2.step(closure)
        return p[0].detach().numpy().copy(), opt2.state[p[0]]["n_iter"]

    (xa, na), (xb, nb) = resumed(mg), resumed(torch)
    assert na == nb
    np.testing.assert_allclose(xa, xb, rtol=1e-9, atol=1e-12)


def test_lbfgs_errors_match_torch():
    for lib in (mg, torch):
        p, q = lib.zeros(2, requires_grad=True), lib.zeros(2, requires_grad=True)
        with pytest.raises(ValueError, match="LBFGS doesn't support per-parameter options"):
            lib.optim.LBFGS([{"params": [p]}, {"params": [q]}])
        with pytest.raises(ValueError, match="Invalid learning rate: -1"):
            lib.optim.LBFGS([p], lr=-1)
        opt = lib.optim.LBFGS([p], line_search_fn="armijo")

        def closure():
            opt.zero_grad()
            loss = ((p - 1) ** 2).sum()
            loss.backward()
            return loss
        with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
            opt.step(closure)
        with pytest.raises(TypeError):
            opt.step()
