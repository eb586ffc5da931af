"""Run an example script as ``python examples/NN_name.py --quick --out DIR`` would, and read what it printed.

The scripts run in this process (``runpy``, with ``sys.argv`` set and ``examples/`` on ``sys.path``)
so NumPy and matplotlib are imported once for the whole suite; ``test_examples_run_as_scripts``
also starts one as a separate process, exactly as a student does.
"""
import runpy
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


@pytest.fixture
def run_example(tmp_path, capsys, monkeypatch):
    """``run_example("01_perceptron")`` -> (stdout, output folder)."""
    import matplotlib

    matplotlib.use("Agg")
    monkeypatch.syspath_prepend(str(EXAMPLES))
    monkeypatch.chdir(tmp_path)

    def run(name, *extra, path=None):
        out = tmp_path / name
        script = path or EXAMPLES / f"{name}.py"
        monkeypatch.setattr(sys, "argv", [str(script), "--quick", "--out", str(out), *extra])
        capsys.readouterr()
        runpy.run_path(str(script), run_name="__main__")
        return capsys.readouterr().out, out

    return run

