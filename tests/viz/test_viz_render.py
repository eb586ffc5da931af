"""Rendering with the real dot binary, large graphs, collapsed modules, and the error without dot."""
import os
import shutil

import pytest

import microgradnd as mg
from microgradnd.viz.render import DotNotFoundError

needs_dot = pytest.mark.skipif(shutil.which("dot") is None and not os.environ.get("CI"),
                               reason="the Graphviz 'dot' binary is not installed")


def apple_total():
    apple = mg.tensor(100.0, requires_grad=True, name="apple")
    n = mg.tensor(2.0, requires_grad=True, name="n")
    tax = mg.tensor(1.1, requires_grad=True, name="tax")
    total = apple * n * tax
    total.backward()
    return total


@needs_dot
def test_apple_renders_to_svg_png_pdf(tmp_path):
    g = mg.draw_graph(apple_total(), infer_names=False)
    svg = open(mg.viz.render(g, tmp_path / "apple.svg"), encoding="utf-8").read()
    assert "<svg" in svg
    for number in (">220<", ">2.2<", ">110<", ">200<", ">grad 2.2<", ">local 200<"):
        assert number in svg, number
    assert open(mg.viz.render(g, tmp_path / "apple.png"), "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    assert open(mg.viz.render(g, tmp_path / "apple.pdf"), "rb").read(5) == b"%PDF-"
    assert open(mg.viz.render(g, tmp_path / "apple.dot"), encoding="utf-8").read() == g.source
    assert mg.viz.to_svg(g).startswith("<svg")
    with pytest.raises(ValueError, match="format"):
        mg.viz.render(g, tmp_path / "apple.jpg")


@needs_dot
def test_hundreds_of_ops_render(tmp_path):
    x = mg.tensor(0.5, requires_grad=True, name="x")
    y = x
    for i in range(150):
        y = (y * 1.01).tanh() + x
    y.backward()
    g = mg.draw_graph(y, infer_names=False)
    assert g.source.count("->") > 600
    svg = mg.viz.to_svg(g)
    assert svg.count('class="node"') > 750


@needs_dot
def test_collapsed_mlp_training_step_renders(tmp_path):
    nn = mg.nn
    mg.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 4), nn.Sigmoid(), nn.Linear(4, 1), nn.Sigmoid())
    x = mg.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    t = mg.tensor([[0.0], [1.0], [1.0], [0.0]])
    loss = nn.MSELoss()(model(x), t)
    loss.backward()
    full = mg.draw_graph(loss).source
    collapsed = mg.draw_graph(loss, collapse_modules=True).source
    assert "label=<linear>" in full and "label=<linear>" not in collapsed
    boxes = [line for line in collapsed.splitlines() if "shape=box3d" in line]
    assert len(boxes) == 5  # Linear, Sigmoid, Linear, Sigmoid, MSELoss
    assert "model.0: Linear(in_features=2, out_features=4" in collapsed
    assert "weight (4, 2)" in collapsed and "‖grad‖" in collapsed
    assert "MSELoss" in collapsed
    only_linear = mg.draw_graph(loss, collapse_modules=nn.Linear).source
    assert only_linear.count("shape=box3d") == 2 and "sigmoid" in only_linear
    assert "<svg" in mg.viz.to_svg(mg.draw_graph(loss, collapse_modules=True))


def test_missing_dot_says_how_to_install_and_keeps_the_source(tmp_path, monkeypatch):
    g = mg.draw_graph(apple_total(), infer_names=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot on an empty PATH
    for attempt in (lambda: mg.viz.render(g, tmp_path / "a.svg"), lambda: g.pipe(format="svg"),
                    lambda: g.render(tmp_path / "b", format="png"), lambda: mg.viz.to_svg(g)):
        with pytest.raises(DotNotFoundError) as info:
            attempt()
        message = str(info.value)
        for hint in ("apt-get install graphviz", "brew install graphviz", "conda install graphviz"):
            assert hint in message
        assert info.value.source == g.source and "grad 2.2" in info.value.source
        assert isinstance(info.value, RuntimeError)
    # DOT text needs no binary
    assert open(mg.viz.render(g, tmp_path / "a.dot"), encoding="utf-8").read() == g.source
