"""Learning-rate schedules: hand-computed values and the scheduler API (no PyTorch needed)."""
import math

import pytest

import microgradnd as mg
from microgradnd.optim import SGD, lr_scheduler


def _opt(lr=1.0):
    return SGD([mg.zeros(1, requires_grad=True)], lr=lr)


def _lrs(sched, opt, n):
    out = [opt.param_groups[0]["lr"]]
    for _ in range(n):
        opt.step()
        sched.step()
        out.append(sched.get_last_lr()[0])
    return out


def test_step_and_multistep():
    opt = _opt()
    s = lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    assert opt.param_groups[0]["initial_lr"] == 1.0 and s.last_epoch == 0
    assert _lrs(s, opt, 5) == [1.0, 1.0, 0.5, 0.5, 0.25, 0.25]
    opt = _opt()
    s = lr_scheduler.MultiStepLR(opt, milestones=[1, 3], gamma=0.1)
    assert _lrs(s, opt, 4) == pytest.approx([1.0, 0.1, 0.1, 0.01, 0.01])


def test_exponential_lambda_and_cosine():
    opt = _opt(0.5)
    s = lr_scheduler.ExponentialLR(opt, gamma=0.9)
    assert _lrs(s, opt, 3) == pytest.approx([0.5, 0.45, 0.405, 0.3645])
    opt = _opt(2.0)
    s = lr_scheduler.LambdaLR(opt, lambda e: 1 / (e + 1))
    assert _lrs(s, opt, 3) == pytest.approx([2.0, 1.0, 2 / 3, 0.5])
    opt = _opt(1.0)
    s = lr_scheduler.CosineAnnealingLR(opt, T_max=4, eta_min=0.1)
    got = _lrs(s, opt, 8)
    want = [0.1 + 0.9 * (1 + math.cos(math.pi * e / 4)) / 2 for e in range(9)]
    assert got == pytest.approx(want, abs=1e-12)  # recursive form agrees with the closed form
    assert got[4] == pytest.approx(0.1) and got[8] == pytest.approx(1.0)


def test_state_dict_round_trip():
    opt = _opt()
    s = lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    _lrs(s, opt, 3)
    sd = s.state_dict()
    assert "optimizer" not in sd and sd["last_epoch"] == 3
    opt2 = _opt()
    s2 = lr_scheduler.StepLR(opt2, step_size=10)
    s2.load_state_dict(sd)
    assert s2.last_epoch == 3 and s2.step_size == 2 and s2.get_last_lr() == [0.5]


def test_resume_needs_initial_lr():
    with pytest.raises(KeyError, match="initial_lr"):
        lr_scheduler.StepLR(_opt(), step_size=2, last_epoch=4)


def test_reduce_lr_on_plateau():
    opt = _opt(1.0)
    s = lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=1, cooldown=1, min_lr=0.2)
    lrs = []
    for metric in [1.0, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9]:
        s.step(mg.tensor(metric))
        lrs.append(s.get_last_lr()[0])
    # two bad epochs -> halve; one cooldown epoch; two more bad -> halve; then clamped at min_lr
    assert lrs == [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25]
    s.step(0.9)
    assert s.get_last_lr() == [0.2]
    with pytest.raises(ValueError, match="Factor should be < 1.0"):
        lr_scheduler.ReduceLROnPlateau(opt, factor=1.0)
    with pytest.raises(ValueError, match="unknown"):
        lr_scheduler.ReduceLROnPlateau(opt, mode="middle")


def test_not_an_optimizer():
    with pytest.raises(TypeError, match="is not an Optimizer"):
        lr_scheduler.StepLR(object(), step_size=1)


def test_scheduler_state_survives_a_checkpoint(tmp_path):
    opt = _opt()
    sched = lr_scheduler.MultiStepLR(opt, milestones=[2, 4], gamma=0.5)
    plateau = lr_scheduler.ReduceLROnPlateau(_opt())
    _lrs(sched, opt, 3)
    plateau.step(1.0)
    mg.save({"sched": sched.state_dict(), "plateau": plateau.state_dict(), "optim": opt.state_dict()},
            tmp_path / "s.npz")
    back = mg.load(tmp_path / "s.npz")
    opt2 = _opt()
    opt2.load_state_dict(back["optim"])
    s2 = lr_scheduler.MultiStepLR(opt2, milestones=[9])
    s2.load_state_dict(back["sched"])
    assert _lrs(s2, opt2, 2)[1:] == _lrs(sched, opt, 2)[1:] == [0.25, 0.25]
    with pytest.warns(UserWarning, match="epoch parameter"):
        s2.step(epoch=5)  # the closed form needs the milestone Counter back
    assert s2.get_last_lr() == [0.25]
    p2 = lr_scheduler.ReduceLROnPlateau(_opt())
    p2.load_state_dict(back["plateau"])
    assert p2.best == 1.0 and p2.mode_worse == math.inf


def test_cyclic_lr_hand_computed():
    opt = SGD([mg.zeros(1, requires_grad=True)], lr=5.0, momentum=0.9)
    s = lr_scheduler.CyclicLR(opt, base_lr=0.0, max_lr=1.0, step_size_up=2, step_size_down=2,
                              mode="triangular2", base_momentum=0.8, max_momentum=0.9)
    moms = [opt.param_groups[0]["momentum"]]
    got = [opt.param_groups[0]["lr"]]
    for _ in range(8):
        opt.step()
        s.step()
        got.append(s.get_last_lr()[0])
        moms.append(opt.param_groups[0]["momentum"])
    # up 0 -> 1 in two steps, down in two; the second cycle has half the height
    assert got == pytest.approx([0.0, 0.5, 1.0, 0.5, 0.0, 0.25, 0.5, 0.25, 0.0])
    assert moms == pytest.approx([0.9, 0.85, 0.8, 0.85, 0.9, 0.875, 0.85, 0.875, 0.9])
    sd = s.state_dict()
    assert sd["_scale_fn_custom"] is None and sd["total_size"] == 4.0 and sd["step_ratio"] == 0.5
    s2 = lr_scheduler.CyclicLR(SGD([mg.zeros(1, requires_grad=True)], lr=1.0), 0.0, 2.0, cycle_momentum=False)
    s2.load_state_dict(sd)
    assert s2.last_epoch == 8 and s2.mode == "triangular2" and s2.max_lrs == [1.0]
    with pytest.raises(ValueError, match="mode is invalid"):
        lr_scheduler.CyclicLR(opt, 0.1, 1.0, mode="sawtooth")
