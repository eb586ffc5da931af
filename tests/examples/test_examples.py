"""Every example runs in --quick mode, prints the course's numbers, and writes its pictures."""
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def number(text, label):
    """The first number printed after ``label`` (a literal string, not inside a longer name like dE/dw5)."""
    m = re.search(r"(?<![\w/])" + re.escape(label) + r"\s*(-?[\d.]+(?:e[-+]?\d+)?)", text)
    assert m, f"{label!r} not found in:\n{text}"
    return float(m.group(1))


def pngs(out):
    files = sorted(p.name for p in out.glob("*.png"))
    for name in files:
        assert (out / name).stat().st_size > 1000, name
    return files


def test_01_perceptron(run_example):
    text, out = run_example("01_perceptron")
    assert "w = [0.4, 0.2], b = -0.4" in text
    # the truth tables, AND NAND OR XOR per row
    assert " 0  0 |   0    1    0    0" in text
    assert " 0  1 |   0    1    1    1" in text
    assert " 1  0 |   0    1    1    1" in text
    assert " 1  1 |   1    0    1    0" in text
    assert "learned AND outputs: [0, 0, 0, 1]" in text
    assert pngs(out) == ["gates.png"]


def test_03_activations(run_example):
    text, out = run_example("03_activations")
    assert number(text, "max |autograd - σ(1-σ)|  =") < 1e-12
    assert number(text, "max |autograd - (1-y²)|  =") < 1e-12
    assert number(text, "largest sigmoid slope    =") == 0.25
    assert number(text, "sigmoid slope at x = 5   =") == pytest.approx(0.0066, abs=1e-4)
    rows = {line[:22].strip(): [float(v) for v in line[22:].split()] for line in text.splitlines()
            if line[:22].strip() in ("sigmoid", "tanh", "ReLU", "Leaky ReLU (a=0.1)", "ELU", "Swish / SiLU")}
    assert rows["sigmoid"] == [0.105, 0.1966, 0.25, 0.1966, 0.105]
    assert rows["tanh"] == [0.0707, 0.42, 1.0, 0.42, 0.0707]
    assert rows["ReLU"] == [0.0, 0.0, 0.0, 1.0, 1.0]
    assert rows["Leaky ReLU (a=0.1)"] == [0.1, 0.1, 0.1, 1.0, 1.0]
    assert rows["ELU"] == [0.1353, 0.3679, 1.0, 1.0, 1.0]
    assert rows["Swish / SiLU"] == [-0.0908, 0.0723, 0.5, 0.9277, 1.0908]
    assert pngs(out) == ["activations.png"]


def test_04_backprop_by_hand(run_example):
    text, _ = run_example("04_backprop_by_hand")
    # network A: every number of CURRICULUM §4A, to the 8 digits given
    for label, value in [("h1 =", 0.51998934), ("h2 =", 0.52747230), ("o1 =", 0.60944600), ("o2 =", 0.66384491),
                         ("E =", 0.02397190), ("new E =", 0.02323634)]:
        assert number(text, label) == value, label
    assert "= 0.20944600 x 0.23802157 x 0.51998934 = 0.02592286" in text
    assert "dE/dh1 = 0.02243370 + 0.00997311 = 0.03240681" in text
    assert ("W1..W8 = 0.29959556, 0.24919112, 0.39964496, 0.34928991, "
            "0.43703857, 0.38685205, 0.69629578, 0.59624247") in text
    # network B: outputs to 8 digits, the step to the 6 digits the course gives (it cuts, not rounds)
    for x, value in [("[0, 0] ->", 0.70938314), ("[0, 1] ->", 0.72844306), ("[1, 0] ->", 0.71791234),
                     ("[1, 1] ->", 0.73598705)]:
        assert number(text, x) == value
    b = text[text.index("B. one step"):]
    for label, value in [("E =", 0.251612), ("dE/dw5 =", 0.076775), ("w5 =", 0.484645), ("w6 =", 0.583918),
                         ("b3 =", 0.270750), ("b1 =", 0.096352), ("b2 =", 0.195656), ("E afterwards =", 0.244687)]:
        assert number(b, label) == pytest.approx(value, abs=1.5e-6), label
    assert "w1 = 0.10000000 (was 0.10000000)" in b
    # mg.explain writes the same chain rule with the same numbers
    explain_a = text[text.index("mg.explain(E, W5) and mg.explain(E, h1) for network A"):
                     text.index("mg.explain(E, w5) for network B")]
    assert "E = 0.02397190, W5 = 0.45000000" in explain_a
    assert "0.20944600 × 0.23802157 × 0.51998934 = 0.02592286" in explain_a
    assert "0.20944600 × 0.23802157 × 0.45000000 = 0.02243370" in explain_a      # via o1
    assert "0.06384491 × 0.22315485 × 0.70000000 = 0.00997311" in explain_a      # via o2
    assert "dE/dh1 = 0.02243370 + 0.00997311 = 0.03240681" in explain_a          # summed over both
    explain_b = text[text.index("mg.explain(E, w5) for network B"):]
    assert "E = 0.25161222, w5 = 0.50000000" in explain_b
    assert explain_b.rstrip().endswith("= 0.07677585")


def test_07_gradient_descent(run_example):
    text, out = run_example("07_gradient_descent")
    assert "step  0: x = 10.0000  loss = 59.0000" in text
    assert "step  1: x = 7.2000  loss = 27.6400" in text
    assert "step  2: x = 5.5200  loss = 16.3504" in text
    assert "step 30: x = 3.0000  loss = 10.0000" in text
    assert "at (2.0, -2.0) the arrow is (-4.0, 4.0)" in text
    for label in ("batch (N = 64)", "mini-batch (16)", "online (1)"):
        assert label in text
    assert number(text, "mini-batch (16)     80 updates: w =") == pytest.approx(2.0, abs=0.1)
    assert number(text, "online (1)        1280 updates: w =") == pytest.approx(2.0, abs=0.1)
    assert pngs(out) == ["gradient_descent.png"]


def test_14_higher_order(run_example):
    text, out = run_example("14_higher_order")
    assert "x = 3.0000 after one step" in text
    assert text.rstrip().count("-> 1.000000") >= 1
    for k, value in enumerate([0.462117, 0.786448, -0.726862, -0.565209, 3.952220]):
        line = next(ln for ln in text.splitlines() if ln.startswith(f"tanh^({k})(0.5)"))
        got, formula = [float(v) for v in line.split("=")[1].split("formula")]
        assert got == pytest.approx(value, abs=1e-6) and formula == pytest.approx(value, abs=1e-6)
    assert "[[0.1, 0.0], [0.0, 2.0]]" in text
    assert pngs(out) == ["tanh_derivatives.png"]


def test_06_mse_vs_cross_entropy(run_example):
    text, out = run_example("06_mse_vs_cross_entropy")
    assert number(text, "MSE            first dL/dw =") == 0.0173         # (a - y)·σ'(z)·x: tiny
    assert number(text, "cross-entropy  first dL/dw =") == 0.982          # (a - y)·x: the factor cancels
    assert number(text, "σ'(z) at the start = a(1 - a) =") == 0.0177
    mse = text[text.index("MSE  "):].splitlines()[0]
    ce = text[text.index("cross-entropy  "):].splitlines()[0]
    assert number(mse, "100:") > 0.9 and number(ce, "100:") < 0.05      # CE has learned, MSE has not
    assert "-ln 0.7 = 0.35667" in text
    assert pngs(out) == ["mse_vs_cross_entropy.png"]


def test_08_optimizers(run_example):
    text, out = run_example("08_optimizers")
    # the library's momentum SGD and Adagrad follow the course's update rules, step for step
    pairs = re.findall(r"^step \d: by hand (\(.*?\))\s+mg\.optim\.(SGD|Adagrad) (\(.*?\))$", text, flags=re.M)
    assert [p[1] for p in pairs] == ["SGD"] * 3 + ["Adagrad"] * 3
    for by_hand, _, library in pairs:
        assert by_hand == library
    assert "step 3: by hand (-6.610653, +0.124000)" in text
    assert "step 1: by hand (-5.500000, +0.500000)" in text
    for name in ("SGD", "Momentum", "AdaGrad", "RMSprop", "Adam"):
        # every optimizer got much closer to the minimum than f(-7, 2) = 6.45
        line = next(ln for ln in text.splitlines() if ln.startswith(name + " "))
        assert number(line, "f =") < 0.3, line
    assert pngs(out) == ["optimizers.png"]


def test_02_computational_graph(run_example):
    text, out = run_example("02_computational_graph")
    apples, rest = text.split("== apples and tangerines")
    assert "forward: total = 220.0" in apples
    for name, value in [("apple", 2.2), ("apple_count", 110.0), ("tax", 200.0)]:
        assert number(apples, f"d(total)/d({name}) =") == value
    assert "forward: total = 715.0" in rest
    for name, value in [("apple", 2.2), ("apple_count", 110.0), ("tangerine", 3.3), ("tangerine_count", 165.0),
                        ("tax", 650.0)]:
        assert number(rest, f"d(total)/d({name}) =") == value
    # the explanation multiplies the local derivatives along the path from total to apple
    assert "1.10000000 × 1.00000000 × 2.00000000 = 2.20000000" in rest
    assert "d(a + b)/da = 1, d(a + b)/db = 1" in text and "d(a * b)/da = 5 (= b), d(a * b)/db = 3 (= a)" in text
    for stem in ("apple", "apple_tangerine"):
        drawing = (out / f"{stem}.svg") if (out / f"{stem}.svg").exists() else (out / f"{stem}.dot")
        assert drawing.exists()
    svg = (out / "apple_tangerine.svg").read_text() if (out / "apple_tangerine.svg").exists() else ""
    if svg:  # the slide's numbers are on the drawing: values and gradients
        for label in ("715", "650", "165", "3.3", "before_tax"):
            assert label in svg


def test_05_xor_mlp(run_example):
    text, out = run_example("05_xor_mlp")
    # the course's network, initialised as in §4B, gives the notes' untrained outputs
    assert "untrained outputs: ['0.70938314', '0.72844306', '0.71791234', '0.73598705']" in text
    first, last = (number(text, "epoch 1"), number(text, "-> epoch 300"))
    assert last < first                                     # online SGD is lowering the error
    assert "predictions (output > 0.5): [0, 1, 1, 0]" in text
    assert number(text.split("BCE loss:")[1], "->") < 0.05
    assert pngs(out) == ["xor_decision_boundary.png"]


def test_10_hyperparameter_search(run_example):
    text, out = run_example("10_hyperparameter_search")
    trial = re.compile(r"val acc ([\d.]+)\s+lr \S+ \(10\^([-+\d.]+)\)\s+weight decay ([\d.e+-]+)")
    round1_text, round2_text = text.split("== round 2")
    round1 = [(float(a), float(e), float(w)) for a, e, w in trial.findall(round1_text)]
    round2 = [(float(a), float(e), float(w)) for a, e, w in trial.findall(round2_text)]
    assert len(round1) == len(round2) == 6
    for results in (round1, round2):
        assert [r[0] for r in results] == sorted((r[0] for r in results), reverse=True)  # best first
    assert all(-4.0 <= e <= 0.0 and 1e-8 <= w <= 1e-3 for _, e, w in round1)       # log-uniform ranges
    lo, hi = (float(v) for v in re.search(r"lr exponents \[([-\d.]+), ([-\d.]+)\]", text).groups())
    assert (lo, hi) == (min(r[1] for r in round1[:3]), max(r[1] for r in round1[:3]))  # the best three's span
    assert all(lo - 0.005 <= e <= hi + 0.005 for _, e, _ in round2)                      # round 2 stays inside
    choice = text.split("== the choice")[1]
    chosen = number(choice, "test")
    assert number(choice, "validation") == max(r[0] for r in round1 + round2)
    assert 0.3 < chosen <= 1.0
    assert pngs(out) == ["hyperparameter_search.png"]


def test_12_cnn(run_example):
    text, out = run_example("12_cnn")
    assert "4x4, pad 1, stride 1, 3x3 filter -> formula (4, 4), Conv2d (4, 4)" in text
    assert "7x7, pad 0, stride 2, 3x3 filter -> formula (3, 3), Conv2d (3, 3)" in text
    assert "31x28, pad 2, stride 3, 5x5 filter -> formula (11, 10), Conv2d (11, 10)" in text
    assert "output [[15, 16], [6, 15]]" in text
    assert "top-left = sum(input[0:3, 0:3] * filter) = 15" in text
    assert "with padding 1: mg.Size([1, 1, 4, 4])" in text
    assert "2x2 max pooling, stride 2: [[2, 3], [3, 2]]" in text
    assert "2x2 average pooling:       [[1.0, 2.0], [2.0, 1.0]]" in text
    assert "parameters: 1370" in text                       # 8·(3·3 + 1) + 128·10 + 10
    assert number(text, "epoch 2: loss") < number(text, "epoch 1: loss")
    assert number(text.split("epoch 2:")[1], "test accuracy") > 0.7
    assert pngs(out) == ["cnn_feature_maps.png"]


def test_13_pytorch_style(run_example):
    text, _ = run_example("13_pytorch_style")
    assert "Accuracy: 1.0" in text and "Predicted: [0. 1. 1. 0.]" in text
    costs = [float(line.split()[1]) for line in text.splitlines() if line[:1].isdigit()]
    assert len(costs) == 5 and costs[-1] < 0.05 < costs[0]
    assert number(text, "accuracy") > 0.95
    assert "(fc1): Linear(in_features=2, out_features=16, bias=True)" in text


def test_13_is_pytorch_code(run_example, tmp_path):
    """The same file with `import torch` instead runs on PyTorch and learns the same things."""
    pytest.importorskip("torch")
    lines = (EXAMPLES / "13_pytorch_style.py").read_text().splitlines()
    changed = [i for i, line in enumerate(lines) if line.startswith(("import ", "from ")) and "microgradnd" in line]
    assert [lines[i].split("#")[0].strip() for i in changed] == ["import microgradnd as torch"]  # the only one
    lines[changed[0]] = "import torch"
    script = tmp_path / "13_torch.py"
    script.write_text("\n".join(lines))
    text, _ = run_example("13_torch", path=script)
    assert "Accuracy: 1.0" in text and "Predicted: [0. 1. 1. 0.]" in text
    assert number(text, "accuracy") > 0.95


def test_examples_run_as_scripts(tmp_path):
    """A student's command line: a separate process, the package importable from the repository."""
    import os
    import subprocess

    env = dict(os.environ, MPLBACKEND="Agg")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    proc = subprocess.run([sys.executable, str(EXAMPLES / "04_backprop_by_hand.py"), "--quick", "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=120, cwd=str(tmp_path), env=env)
    assert proc.returncode == 0, proc.stderr
    assert "dE/dh1 = 0.02243370 + 0.00997311 = 0.03240681" in proc.stdout
    help_text = subprocess.run([sys.executable, str(EXAMPLES / "01_perceptron.py"), "--help"], capture_output=True,
                               text=True, timeout=60, env=env).stdout
    assert "--out" in help_text and "--quick" in help_text


def test_every_example_is_tested():
    scripts = sorted(p.stem for p in EXAMPLES.glob("[0-9][0-9]_*.py"))
    assert len(scripts) >= 14
    tested = {name[len("test_"):] for name in globals() if name.startswith("test_")}
    assert [s for s in scripts if s not in tested] == []


def test_09_overfitting(run_example):
    text, out = run_example("09_overfitting")
    assert "300 training images, 300 for validation, 300 for testing" in text
    rows = {}
    for line in text.splitlines():
        for name in ("plain", "weight decay 1e-3", "dropout 0.3", "early stopping"):
            if line.startswith(name):
                kept, train, test, gap = line[len(name):].split()
                rows[name] = (int(kept), float(train), float(test), float(gap))
    assert len(rows) == 4
    assert rows["plain"][1] >= 0.99                          # 300 images (almost) learnt by heart
    assert rows["plain"][2] < rows["plain"][1]                # ... but not the others: the gap
    for kept, train, test, gap in rows.values():
        assert gap == pytest.approx(train - test, abs=1e-3) and test > 0.7
    assert rows["early stopping"][0] < 12                     # stopped before the last epoch
    assert pngs(out) == ["overfitting.png"]


def test_11_digits_mlp(run_example):
    import numpy as np

    text, out = run_example("11_digits_mlp")
    assert "train 1257, validation 270, test 270" in text
    test_acc = number(text, "\naccuracy ")
    assert test_acc > 0.85
    block = text[text.index("confusion matrix"):].split("\n", 1)[1]
    cm = np.array([[int(v) for v in line.strip(" []").split()] for line in block.splitlines()[:10]])
    assert cm.shape == (10, 10) and cm.sum() == 270
    assert test_acc == pytest.approx(np.trace(cm) / 270, abs=1e-4)
    # every printed precision and recall is TP/(TP+FP) and TP/(TP+FN) of the printed matrix
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[0].isdigit() and len(parts[0]) == 1:
            d, precision, recall = int(parts[0]), float(parts[1]), float(parts[2])
            assert precision == pytest.approx(cm[d, d] / cm[:, d].sum(), abs=5e-4)
            assert recall == pytest.approx(cm[d, d] / cm[d].sum(), abs=5e-4)
    assert pngs(out) == ["digits_mlp.png"]


def test_02_without_graphviz_writes_dot_source(run_example, monkeypatch, tmp_path, capsys):
    """No `dot` program: the example still finishes, saves the DOT text and says how to install Graphviz."""
    monkeypatch.setenv("PATH", str(tmp_path / "nothing-here"))
    text, out = run_example("02_computational_graph")
    assert "forward: total = 715.0" in text
    dot = (out / "apple_tangerine.dot").read_text()
    assert dot.startswith("digraph") and "before_tax" in dot
    assert not (out / "apple_tangerine.svg").exists()
