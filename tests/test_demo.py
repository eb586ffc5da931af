"""``python -m microgradnd demo`` trains, prints its report and writes graph.svg and training.png."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from microgradnd import demo

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    """One quick demo run shared by the checks below: (stdout, output folder)."""
    out = tmp_path_factory.mktemp("demo")
    env = dict(os.environ, MPLBACKEND="Agg")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    proc = subprocess.run([sys.executable, "-m", "microgradnd", "demo", "--quick", "--out", str(out), "--seed", "1"],
                          capture_output=True, text=True, timeout=120, cwd=str(ROOT), env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout, out


def test_demo_prints_epochs_accuracy_and_confusion_matrix(quick_run):
    text, _ = quick_run
    epochs = re.findall(r"epoch\s+(\d+)/2\s+loss ([\d.]+)\s+train acc ([\d.]+)\s+"
                        r"test loss ([\d.]+)\s+test acc ([\d.]+)", text)
    assert [int(e[0]) for e in epochs] == [1, 2]
    first, last = [float(v) for v in epochs[0][1:]], [float(v) for v in epochs[-1][1:]]
    assert last[0] < first[0]                    # the training loss went down
    acc = float(re.search(r"test accuracy: ([\d.]+) \((\d+)/(\d+)\)", text).group(1))
    assert acc > 0.6                             # two quick epochs already beat chance (0.1) by far
    rows = re.findall(r"^\s+(\d)\s+((?:\s+\d+){10})$", text, flags=re.M)
    assert [int(r[0]) for r in rows] == list(range(10))
    matrix = [[int(v) for v in r[1].split()] for r in rows]
    correct, total = map(int, re.search(r"\((\d+)/(\d+)\)", text).groups())
    assert sum(map(sum, matrix)) == total == 120   # 600 images in quick mode, a fifth for testing
    assert sum(matrix[i][i] for i in range(10)) == correct


def test_demo_writes_the_graph_and_the_curves(quick_run):
    text, out = quick_run
    svg = (out / "graph.svg").read_text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    for label in ("W1", "b1", "W2", "logits", "loss", "relu", "grad"):
        assert label in svg, label
    png = (out / "training.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    assert str(out / "graph.svg") in text and str(out / "training.png") in text


def test_demo_without_graphviz_writes_dot_and_says_how_to_install(tmp_path, monkeypatch, capsys):
    """No `dot` on PATH: the demo still finishes, saves graph.dot and prints the install hint."""
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert demo.main(["--quick", "--epochs", "1", "--out", str(tmp_path / "out")]) == 0
    text = capsys.readouterr().out
    dot = (tmp_path / "out" / "graph.dot").read_text()
    assert dot.startswith("digraph") and "W1" in dot and "relu" in dot
    assert not (tmp_path / "out" / "graph.svg").exists()
    assert "apt-get install graphviz" in text and "dot -Tsvg" in text
    assert (tmp_path / "out" / "training.png").exists()


def test_text_progress_bar_when_tqdm_is_missing(capsys):
    import io

    stream = io.StringIO()
    bar = demo.TextBar(4, "epoch 1/1", width=8, stream=stream)
    for _ in range(4):
        bar.update()
    assert "epoch 1/1 [####----] 2/4" in stream.getvalue()
    assert "epoch 1/1 [########] 4/4" in stream.getvalue()
    bar.close()


def test_flags():
    args = demo.parse_args(["--quick"])
    assert (args.epochs, args.seed, args.out, args.quick) == (2, 0, "demo", True)
    assert demo.parse_args(["--epochs", "7", "--seed", "3", "--out", "x"]).epochs == 7
    with pytest.raises(SystemExit):
        demo.parse_args(["--epochs", "0"])


def test_without_tqdm_the_text_bar_is_used(monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    bar = demo.progress_bar(10, "epoch 1/3")
    assert isinstance(bar, demo.TextBar) and (bar.total, bar.desc) == (10, "epoch 1/3")


def test_without_matplotlib_the_curves_are_skipped(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    history = {"train_loss": [1.0], "train_acc": [0.5], "test_loss": [1.1], "test_acc": [0.4]}
    assert demo.plot_history(history, str(tmp_path)) is None
    assert not (tmp_path / "training.png").exists()
