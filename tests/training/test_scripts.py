"""PyTorch-style scripts (tests/training/scripts) run on microgradnd with only their imports changed.

Where PyTorch is installed, the untouched scripts also run under PyTorch and every number they
print must agree (same data and weights are set up deterministically inside each script).
"""
import contextlib
import io
import re
from pathlib import Path

import numpy as np
import pytest

SCRIPTS = sorted((Path(__file__).parent / "scripts").glob("*.py"))
REWRITES = [
    (r"^import torch$", "import microgradnd as torch"),
    (r"^import torch\.nn as nn$", "import microgradnd.nn as nn"),
    (r"^from torch\.utils\.data import ", "from microgradnd.utils.data import "),
]
NUMBER = re.compile(r"-?\d+\.?\d*(?:[eE][-+]?\d+)?")


@pytest.fixture(autouse=True)
def _one_blas_thread():
    """These models multiply small matrices: one BLAS thread is faster, and far faster on a busy
    machine (OpenBLAS threads spin while they wait for a core). threadpoolctl comes with scikit-learn."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # without it the tests still run, only slower
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def to_microgradnd(source):
    """Rewrite the three import forms and nothing else."""
    out = source
    for pattern, repl in REWRITES:
        out = re.sub(pattern, repl, out, flags=re.M)
    changed = [(a, b) for a, b in zip(source.splitlines(), out.splitlines()) if a != b]
    assert changed and all(a.lstrip().startswith(("import torch", "from torch")) for a, _ in changed)
    assert not re.search(r"^\s*(import|from) torch\b", out, flags=re.M), "an import was left unconverted"
    return out


def run(source, name):
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        exec(compile(source, name, "exec"), {"__name__": "__main__", "__file__": name})
    return buf.getvalue()


def test_there_are_at_least_three_scripts():
    assert {p.stem for p in SCRIPTS} >= {"xor_sequential", "custom_module_adam", "small_cnn",
                                         "spiral_scheduler_checkpoint"}


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_script_trains_on_microgradnd(script):
    output = run(to_microgradnd(script.read_text()), str(script))
    lines = output.strip().splitlines()
    acc = [line for line in lines if line.lower().startswith("accuracy")]
    assert acc and float(NUMBER.findall(acc[-1])[-1]) >= 0.9, output
    losses = [float(NUMBER.findall(line)[-1]) for line in lines if NUMBER.match(line) or "loss" in line]
    assert losses[-1] < 0.3 * losses[0], output


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_script_prints_the_same_numbers_as_pytorch(script):
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)  # tiny models: threads only add overhead (and contention on CI)
    source = script.read_text()
    ours = run(to_microgradnd(source), str(script))
    theirs = run(source, str(script))
    a = [float(x) for x in NUMBER.findall(ours)]
    b = [float(x) for x in NUMBER.findall(theirs)]
    assert len(a) == len(b) > 5, (ours, theirs)
    np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5, err_msg=f"\n{ours}\n--- PyTorch ---\n{theirs}")
