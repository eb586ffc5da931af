"""The benchmark suite runs (``benchmarks/run.py --quick``) and both frameworks compute the same losses.

Never a timing assertion: speed is measured by ``python benchmarks/run.py`` and reported in
docs/performance.md, not asserted here.
"""
from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RUN = ROOT / "benchmarks" / "run.py"
HAS_TORCH = importlib.util.find_spec("torch") is not None


def _load_run_module():
    spec = importlib.util.spec_from_file_location("benchmarks_run", RUN)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def quick_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench") / "quick.json"
    frameworks = "mg,torch" if HAS_TORCH else "mg"
    proc = subprocess.run([sys.executable, str(RUN), "--quick", "--frameworks", frameworks, "--out", str(out)],
                          capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert out.exists(), proc.stdout + proc.stderr
    return proc, json.loads(out.read_text())


def test_quick_run_covers_every_workload(quick_report):
    proc, report = quick_report
    assert proc.returncode == 0, proc.stdout + proc.stderr
    run = _load_run_module()
    assert set(report["workloads"]) == set(run.WORKLOADS)
    for name, entry in report["workloads"].items():
        mg = entry["mg"]
        assert "error" not in mg, (name, mg)
        if "unavailable" in mg:  # only a layer microgradnd.nn does not have yet may be missing
            assert name == "conv_train", (name, mg)
            continue
        assert mg["median"] > 0 or name == "memory", (name, mg)
        assert mg["min"] <= mg["median"] <= mg["max"]
    assert report["quick"] is True


def test_quick_run_reports_what_it_measured(quick_report):
    _, report = quick_report
    mlp = report["workloads"]["mlp_train"]["mg"]
    assert mlp["unit"] == "s/epoch" and 0 < mlp["gemm_fraction"] and mlp["numpy_gemm_gflops"] > 0
    # the hand-written NumPy floor trains the very same model: it must end on microgradnd's loss
    assert mlp["numpy_train_value"] > 0
    assert abs(mlp["numpy_train_loss"] - mlp["loss"]) <= 1e-4 * abs(mlp["loss"])
    digits = report["workloads"]["digits_train"]["mg"]
    assert 0.5 < digits["test_accuracy"] <= 1.0  # two epochs already learn the digits
    memory = report["workloads"]["memory"]["mg"]
    assert memory["peak_rss_mb"] >= memory["rss_first_mb"] > 0
    assert report["blas"]["numpy"]


def test_losses_agree_with_pytorch(quick_report):
    pytest.importorskip("torch")
    proc, report = quick_report
    for name, entry in report["workloads"].items():
        if "median" not in entry["mg"]:
            continue
        assert "median" in entry["torch"], (name, entry["torch"])
        if name in ("mlp_train", "digits_train", "conv_train"):  # same weights, same first batch
            assert entry["agreement"]["first_loss"]["rel_diff"] <= 1e-5
        assert entry["losses_agree"] is True, (name, entry["agreement"])
        for key, detail in entry["agreement"].items():
            assert detail["rel_diff"] <= detail["rtol"], (name, key, detail)
        if name != "memory":  # memory growth is no time: no ratio
            assert entry["ratio"] > 0
    assert "MISMATCH" not in proc.stdout


def test_agreement_flags_a_mismatch():
    run = _load_run_module()
    ok, details = run.agreement("mlp_train", {"loss": 1.0, "mean_loss": 2.0}, {"loss": 1.0, "mean_loss": 2.1})
    assert "first_loss" not in details  # a field only one side reports is not compared
    assert ok is False
    assert details["loss"]["ok"] is True and details["mean_loss"]["ok"] is False
    assert details["mean_loss"]["rel_diff"] == pytest.approx(0.1 / 2.1)


def test_summary_is_median_min_max_of_the_runs():
    run = _load_run_module()
    s = run.summarise([{"value": 3.0, "loss": 1.0}, {"value": 1.0, "loss": 1.0}, {"value": 2.0, "loss": 1.0},
                       {"error": "exit status 1"}])
    assert (s["median"], s["min"], s["max"], s["n"]) == (2.0, 1.0, 3.0, 3)
    assert run.summarise([{"error": "boom"}]) == {"error": "boom"}


def test_openblas_variables_are_unset_only_for_the_benchmark_processes(monkeypatch):
    run = _load_run_module()
    monkeypatch.setenv("OPENBLAS_CORETYPE", "Haswell")
    monkeypatch.setenv("OPENBLAS_L2_SIZE", "262144")
    env = run.child_env(keep_openblas_env=False)
    assert "OPENBLAS_CORETYPE" not in env and "OPENBLAS_L2_SIZE" not in env
    assert os.environ["OPENBLAS_CORETYPE"] == "Haswell"  # the parent environment is untouched
    kept = run.child_env(keep_openblas_env=True)
    assert kept["OPENBLAS_CORETYPE"] == "Haswell" and kept["OPENBLAS_L2_SIZE"] == "262144"


def test_targets_are_checked_against_the_issue():
    run = _load_run_module()
    entry = {"ratio": 0.5, "mg": {"median": 0.1, "gemm_fraction": 0.65}}
    checks = {c["what"]: c["met"] for c in run.check_targets("mlp_train", entry)}
    assert checks == {"ratio": True, "gemm_fraction": False}
    assert run.check_targets("import", {"mg": {"median": 0.3}})[0]["met"] is False
