"""Run an example script the way a student does (``python examples/NN_name.py --quick --out DIR``)."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run(name, out_dir, *extra):
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONHASHSEED="0")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    proc = subprocess.run([sys.executable, str(ROOT / "examples" / f"{name}.py"), "--quick", "--out", str(out_dir), *extra],
                          capture_output=True, text=True, timeout=120, cwd=str(ROOT), env=env)
    assert proc.returncode == 0, f"{name} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


@pytest.fixture
def run_example(tmp_path):
    """``run_example("01_perceptron")`` -> (stdout, output folder)."""
    def run(name, *extra):
        out = tmp_path / name
        return _run(name, out, *extra), out
    return run


def number(text, label):
    """The first number printed after ``label`` (a literal string, not inside a longer name like dE/dw5)."""
    m = re.search(r"(?<![\w/])" + re.escape(label) + r"\s*(-?[\d.]+(?:e[-+]?\d+)?)", text)
    assert m, f"{label!r} not found in:\n{text}"
    return float(m.group(1))
