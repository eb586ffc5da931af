"""deep_chain: 40,000 ops forward + backward (``y = tanh(y * a)`` 20,000 times), seconds.

A graph this deep breaks recursive topological sorts; here it measures the per-node cost of a
long graph (recording, ordering, and releasing it) rather than the per-op dispatch alone.
"""
from __future__ import annotations

import time

import numpy as np

from _common import load_framework

N_OPS = 40_000


def run(framework, quick=False):
    fw = load_framework(framework)
    n_ops = 4_000 if quick else N_OPS
    x = fw.tensor(np.full(4, 0.5, dtype=np.float32), requires_grad=True)
    a = fw.tensor(np.full(4, 1.01, dtype=np.float32), requires_grad=True)
    times = []
    loss = None
    for _ in range(1 if quick else 4):
        x.grad = a.grad = None
        t0 = time.perf_counter()
        y = x
        for _ in range(n_ops // 2):
            y = fw.tanh(y * a)
        out = y.sum()
        out.backward()
        times.append(time.perf_counter() - t0)
        loss = float(out.item())
        del y, out  # free the graph before the next round
    return {"value": float(np.median(times)), "unit": "s", "ops": n_ops,
            "loss": loss, "grad_a": float(a.grad.sum().item())}
