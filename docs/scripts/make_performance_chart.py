"""Make docs/performance.md's table and chart from a benchmark JSON (``benchmarks/run.py``'s output).

    python docs/scripts/make_performance_chart.py [benchmarks/results/latest.json]

Writes ``docs/images/performance.png`` (ratio microgradnd / PyTorch per workload, with the targets)
and replaces the text between ``<!-- results:start -->`` and ``<!-- results:end -->`` in
``docs/performance.md`` with the table, the machine and the BLAS of that run. Nothing is typed by hand.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_JSON = ROOT / "benchmarks" / "results" / "latest.json"
PAGE = ROOT / "docs" / "performance.md"
IMAGE = ROOT / "docs" / "images" / "performance.png"
START, END = "<!-- results:start -->", "<!-- results:end -->"

ORDER = ("mlp_train", "digits_train", "op_overhead", "deep_chain", "conv_train", "memory", "import")


def _num(v, digits=3):
    if v is None:
        return "–"
    if v == 0:
        return "0"
    if abs(v) >= 100:
        return f"{v:.0f}"
    return f"{v:.{digits}g}"


def _cell(s):
    if not s or "median" not in s:
        return "n/a" if not s else "n/a (" + str(s.get("error") or s.get("unavailable"))[:40] + ")"
    return f"{_num(s['median'])} ({_num(s['min'])}–{_num(s['max'])})"


def _targets(entry):
    parts = []
    for t in entry.get("targets", []):
        what = "ratio" if t["what"] == "ratio" else "GEMM share" if t["what"] == "gemm_fraction" else "value"
        mark = "met" if t["met"] else "**not met**" if t["met"] is False else "?"
        parts.append(f"{what} {t['target']}: {mark}")
    return "; ".join(parts)


def table(report):
    """The Markdown block: results table, extra measurements, machine and BLAS."""
    w = report["workloads"]
    lines = [
        "| workload | unit | microgradnd median (min–max) | PyTorch median (min–max) | ratio | ratio of mins | losses | target |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name in ORDER:
        if name not in w:
            continue
        e = w[name]
        mg, th = e.get("mg", {}), e.get("torch", {})
        unit = mg.get("unit") or th.get("unit") or ""
        agree = {True: "agree", False: "**differ**"}.get(e.get("losses_agree"), "–")
        lines.append(f"| `{name}` | {unit} | {_cell(mg)} | {_cell(th)} | {_num(e.get('ratio'))} | {_num(e.get('ratio_of_mins'))} | {agree} | "
                     f"{_targets(e)} |")
    notes = []
    mlp = w.get("mlp_train", {}).get("mg", {})
    if "gemm_fraction" in mlp:
        th = w["mlp_train"].get("torch", {})
        notes.append(f"- `mlp_train` matrix products: microgradnd {mlp['gflops']:.0f} GFLOP/s = "
                     f"{100 * mlp['gemm_fraction']:.0f} % of the {mlp['numpy_gemm_gflops']:.0f} GFLOP/s NumPy's "
                     f"own GEMM reaches for the same shapes in the same process; PyTorch "
                     f"{th.get('gflops', float('nan')):.0f} GFLOP/s.")
    if "numpy_train_value" in mlp:
        th = w["mlp_train"].get("torch", {})
        floor = (f", {mlp['numpy_train_value'] / th['median']:.2f} of PyTorch's median" if th.get("median") else "")
        notes.append(f"- `mlp_train` floor: the same training written by hand in bare NumPy (no autograd, no "
                     f"modules; median {mlp['numpy_train_value']:.3f} s/epoch{floor}) is what any NumPy engine "
                     f"can at best reach; microgradnd takes {mlp['median'] / mlp['numpy_train_value']:.2f}x "
                     f"that.")
    dig = w.get("digits_train", {})
    if "test_accuracy" in dig.get("mg", {}):
        notes.append(f"- `digits_train` test accuracy: microgradnd {dig['mg']['test_accuracy']:.3f}, PyTorch "
                     f"{dig.get('torch', {}).get('test_accuracy', float('nan')):.3f}.")
    mem = w.get("memory", {})
    if "peak_rss_mb" in mem.get("mg", {}):
        m = mem["mg"]
        notes.append(f"- `memory`: microgradnd RSS {m['rss_first_mb']:.1f} MB after step {int(m.get('first_step', 20))}, "
                     f"{m['rss_last_mb']:.1f} MB after step {int(m.get('last_step', 200))}, peak {m['peak_rss_mb']:.1f} MB "
                     f"(PyTorch peak {mem.get('torch', {}).get('peak_rss_mb', float('nan')):.1f} MB).")
    imp = w.get("import", {})
    if "rss_mb" in imp.get("mg", {}):
        m = imp["mg"]
        notes.append(f"- `import`: `import microgradnd` {m['in_process_s']:.3f} s inside the interpreter, RSS "
                     f"{m['rss_mb']:.1f} MB; for scale, Python's start-up alone {m['python_startup_s']:.3f} s "
                     f"and `python -c 'import numpy'` {m['numpy_import_s']:.3f} s.")
    mismatches = [n for n in ORDER if w.get(n, {}).get("losses_agree") is False]
    notes.append("- Final losses: " + ("**mismatch in " + ", ".join(mismatches) + "**" if mismatches else
                                       "microgradnd and PyTorch agree on every workload (same weights, same data)."))
    m, b = report["machine"], report.get("blas") or {}
    env = report.get("openblas_env_found") or {}
    env_line = (f"OPENBLAS variables found in the environment: {env}; "
                f"{'kept' if report.get('openblas_env_kept') else 'unset for the benchmark processes'}."
                if env else "OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE: not set.")
    malloc = {v: b[v] for v in ("MALLOC_TOP_PAD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_") if b.get(v)}
    env_line += (" glibc allocator settings: " + ", ".join(f"{k}={v}" for k, v in malloc.items()) + "."
                 if malloc else " glibc allocator: defaults (no MALLOC_* variables).")
    if b.get("PYTHONDONTWRITEBYTECODE"):
        env_line += (" PYTHONDONTWRITEBYTECODE was set: the import workload drops it and measures a warm"
                     " import (bytecode cached).")
    th_info = next((r for e in w.values() for r in e.get("runs", {}).get("torch", []) if "torch_version" in r), {})
    machine = [
        f"- Run: {report['date']}, commit `{m.get('git_commit')}`, {report['repeats']} fresh processes per "
        f"framework and workload, interleaved{' (quick mode)' if report.get('quick') else ''}.",
        f"- Machine: {m['cpu']}, {m['cores']} cores, {m['platform']}, Python {m['python']}; 1-minute load "
        f"average {m.get('load_average_before')} before and {m.get('load_average_after')} after the run.",
        f"- NumPy {b.get('numpy')} with {b.get('blas')} {b.get('blas_version')}, kernel "
        f"{b.get('blas_kernel')}, {b.get('blas_threads')} threads. {env_line}",
        f"- PyTorch {th_info.get('torch_version', 'not installed')}"
        + (f", {th_info['torch_threads']} threads." if "torch_threads" in th_info else "."),
    ]
    return "\n".join(lines + [""] + notes + [""] + machine)


def chart(report, path):
    """Bar chart of the ratios (log scale) with each workload's target as a tick."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    w = report["workloads"]
    names, ratios, targets = [], [], []
    for name in ORDER:
        e = w.get(name, {})
        if e.get("ratio") and name != "memory":
            names.append(name)
            ratios.append(e["ratio"])
            t = next((t for t in e.get("targets", []) if t["what"] == "ratio"), None)
            targets.append(float(t["target"].split()[-1]) if t else None)
    fig, ax = plt.subplots(figsize=(7.5, 3.6), dpi=120)
    colors = ["#3b7dd8" if t is None or r <= t else "#d8573b" for r, t in zip(ratios, targets)]
    bars = ax.barh(names, ratios, color=colors)
    for i, t in enumerate(targets):
        if t is not None:
            ax.plot([t, t], [i - 0.4, i + 0.4], color="black", lw=2)
    for bar, r in zip(bars, ratios):
        ax.text(bar.get_width() * 1.05, bar.get_y() + bar.get_height() / 2, f"{r:.2f}", va="center", fontsize=9)
    ax.axvline(1.0, color="grey", ls="--", lw=1)
    ax.set_xscale("log")
    ax.set_xlim(min(ratios + [0.3]) / 1.5, max(ratios + [2.0]) * 1.6)
    ax.invert_yaxis()
    ax.set_xlabel("time microgradnd / time PyTorch CPU (log scale, lower is better)\n"
                  "black tick: the target; red bar: target not met")
    ax.set_title(f"microgradnd vs PyTorch {report['machine']['cores']}-core CPU, {report['date'][:10]}", fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    src = Path(argv[0]) if argv else DEFAULT_JSON
    report = json.loads(src.read_text())
    chart(report, IMAGE)
    page = PAGE.read_text(encoding="utf-8")
    if START not in page or END not in page:
        raise SystemExit(f"{PAGE} has no {START} ... {END} block to fill")
    head, rest = page.split(START, 1)
    _, tail = rest.split(END, 1)
    block = f"{START}\n<!-- generated by docs/scripts/make_performance_chart.py from {src.name}; do not edit -->\n\n"
    PAGE.write_text(head + block + table(report) + "\n\n" + END + tail, encoding="utf-8")
    print(f"wrote {IMAGE.relative_to(ROOT)} and the results block of {PAGE.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
