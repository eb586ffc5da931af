"""import: wall time and RSS of ``python -c "import microgradnd"`` (or ``import torch``).

The wall time is measured around a fresh interpreter, so it includes Python's own start-up; the
bare interpreter's start-up and NumPy's import are reported beside it for scale.

The import is measured warm, as a user meets it from the second import on: an unmeasured first
import writes Python's bytecode cache, and ``PYTHONDONTWRITEBYTECODE`` (set on some machines) is
dropped for these processes. With it set and no cache, every import compiles the package's modules
again (for microgradnd ~0.2 s more); a wheel install compiles them once at install time.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from _common import FRAMEWORKS

# the child reports its own peak RSS (VmHWM; ru_maxrss would carry over the parent's across exec)
_CHILD = (
    "import time; t0 = time.perf_counter(); import {module}; t1 = time.perf_counter(); "
    "import json, sys; sys.path.insert(0, {here!r}); from _common import peak_rss_bytes; "
    "print(json.dumps({{'in_process_s': t1 - t0, 'rss_mb': peak_rss_bytes() / 1048576}}))"
)


_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _time_child(code):
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True,
                         env=_ENV)
    return time.perf_counter() - t0, out.stdout


def run(framework, quick=False):
    module = FRAMEWORKS[framework]
    _time_child(f"import {module}")  # writes the bytecode cache (not measured)
    wall, out = _time_child(_CHILD.format(module=module, here=os.path.dirname(os.path.abspath(__file__))))
    child = json.loads(out.strip().splitlines()[-1])
    result = {"value": wall, "unit": "s", "in_process_s": child["in_process_s"],
              "rss_mb": child["rss_mb"]}
    if framework == "mg":
        result["python_startup_s"] = _time_child("pass")[0]
        result["numpy_import_s"] = _time_child("import numpy")[0]
    return result
