"""backward_steps: the apple graph's steps in the engine's order; the HTML animation's structure."""
import os
import re
import shutil

import numpy as np
import pytest

import microgradnd as mg

needs_dot = pytest.mark.skipif(shutil.which("dot") is None and not os.environ.get("CI"),
                               reason="the Graphviz 'dot' binary is not installed")


def apple():
    a = mg.tensor(100.0, requires_grad=True, name="apple")
    n = mg.tensor(2.0, requires_grad=True, name="n")
    tax = mg.tensor(1.1, requires_grad=True, name="tax")
    price = a * n
    total = price * tax
    return total, a, n, tax, price


def test_apple_steps_in_engine_order():
    total, a, n, tax, price = apple()
    steps = list(mg.autograd.backward_steps(total))
    assert [s.index for s in steps] == [0, 1]
    first, second = steps
    # step 1: the tax multiply, upstream d(total)/d(total) = 1
    assert first.op == "×" and first.node is total.grad_fn and first.output is total
    assert first.name == "total"
    assert first.upstream.item() == 1.0
    assert [i.position for i in first.inputs] == [0, 1]
    assert first.inputs[0].input is price and first.inputs[1].input is tax
    np.testing.assert_allclose(first.inputs[0].local.item(), 1.1, rtol=1e-6)
    np.testing.assert_allclose(first.inputs[0].grad.item(), 1.1, rtol=1e-6)
    np.testing.assert_allclose(first.inputs[1].local.item(), 200, rtol=1e-6)
    np.testing.assert_allclose(first.inputs[1].grad.item(), 200, rtol=1e-6)
    assert first.inputs[1].name == "tax"
    # gradients accumulated after step 1: tax has its gradient, apple not yet
    assert first.grad_of(tax).item() == pytest.approx(200)
    assert first.grad_of(a) is None
    # step 2: the apple multiply, upstream 1.1
    assert second.node is price.grad_fn and second.upstream.item() == pytest.approx(1.1)
    assert [i.name for i in second.inputs] == ["apple", "n"]
    assert second.inputs[0].local.item() == pytest.approx(2)
    assert second.inputs[0].grad.item() == pytest.approx(2.2)
    assert second.inputs[1].local.item() == pytest.approx(100)
    assert second.inputs[1].grad.item() == pytest.approx(110)
    acc = {id(t): g.item() for t, g in second.accumulated}
    assert acc[id(a)] == pytest.approx(2.2) and acc[id(n)] == pytest.approx(110)
    assert acc[id(tax)] == pytest.approx(200) and acc[id(total)] == 1.0
    # stepping did not run backward: no .grad anywhere
    assert a.grad is None and tax.grad is None
    text = second.describe()
    assert "step 2: × → price, upstream gradient 1.1" in text and "apple: local 2 × upstream = 2.2" in text


def test_steps_match_backward_and_mark_broadcasting():
    x = mg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    b = mg.tensor([0.5, -1.0], requires_grad=True)
    y = ((x + b).tanh() * x).sum()
    steps = list(mg.autograd.backward_steps(y))
    assert [s.op for s in steps] == ["sum", "×", "tanh", "+"]
    add = steps[-1]
    assert add.inputs[1].summed == (0,)
    assert add.inputs[1].grad.shape == (2,)
    y.backward()
    np.testing.assert_allclose(steps[-1].grad_of(x).numpy(), x.grad.numpy(), rtol=1e-6)
    np.testing.assert_allclose(steps[-1].grad_of(b).numpy(), b.grad.numpy(), rtol=1e-6)
    assert "(sum over dim 0)" in add.describe()


def test_stepper_errors_like_backward():
    with pytest.raises(RuntimeError, match="no grad_fn"):
        list(mg.autograd.backward_steps(mg.tensor(1.0)))
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="scalar outputs"):
        list(mg.autograd.backward_steps(x * 2))
    steps = list(mg.autograd.backward_steps(x * 2, mg.tensor([1.0, 3.0])))
    np.testing.assert_allclose(steps[0].inputs[0].grad.numpy(), [2.0, 6.0])


@needs_dot
def test_backward_animation_is_one_self_contained_page(tmp_path):
    total, *_ = apple()
    path = mg.viz.backward_animation(total, tmp_path / "steps.html")
    page = open(path, encoding="utf-8").read()
    assert page.startswith("<!DOCTYPE html>")
    frames = re.findall(r'<div class="frame" id="frame-(\d+)"', page)
    assert frames == ["0", "1", "2"]  # the forward drawing, then one per backward step
    assert page.count("<svg") == 3
    assert 'id="prev"' in page and 'id="next"' in page and "ArrowRight" in page and "ArrowLeft" in page
    # no network: no external scripts, styles, images or fonts
    assert not re.search(r'<(script|link|img)[^>]+(src|href)=', page)
    assert "@import" not in page
    for url in re.findall(r'https?://[^\s"\'<>]+', page):
        assert url.startswith("http://www.w3.org/"), url
    # frame 2 highlights the op being processed; the forward frame shows no gradients
    svgs = page.split("<svg")[1:]
    assert "grad " not in svgs[0]
    assert "#ff7f0e" in svgs[1] and "#ff7f0e" in svgs[2] and "#ff7f0e" not in svgs[0]
    assert "grad 200" in svgs[1] and "grad 2.2" not in svgs[1] and "grad 2.2" in svgs[2]
    assert "Backward pass complete" in page


def test_long_backward_passes_advance_several_steps_per_frame():
    from microgradnd.viz.animation import backward_frames

    x = mg.tensor(0.3, requires_grad=True, name="x")
    y = x
    for _ in range(10):
        y = y.sin() * 2.0
    frames = backward_frames(y, max_frames=4)
    assert len(frames) == 1 + 4  # 20 steps, 5 per frame
    assert frames[1][0].startswith("step 1: ×") and "step 5:" in frames[1][0] and "step 6:" not in frames[1][0]
    assert "Backward pass complete" in frames[-1][0]
    assert "grad " in frames[-1][1].source and "<B>x</B>" in frames[-1][1].source
    with pytest.raises(ValueError, match="max_frames"):
        backward_frames(y, max_frames=0)
