"""op_overhead: a 1,000-op chain of mul/add on shape (1,), forward + backward; microseconds per op.

``y = x; repeat 500 times: y = y * a; y = y + b`` with ``x, a, b`` leaves of shape (1,) that require
grad, then ``y.sum().backward()``. The array work is nothing, so this measures what the framework
spends per op: recording the graph, dispatch, and one backward step per node.
"""
from __future__ import annotations

import time

import numpy as np

from _common import load_framework

N_OPS = 1000


def chain(fw, x, a, b, n_ops):
    y = x
    for _ in range(n_ops // 2):
        y = y * a
        y = y + b
    return y.sum()


def run(framework, quick=False):
    fw = load_framework(framework)
    x = fw.tensor(np.array([0.5], dtype=np.float32), requires_grad=True)
    a = fw.tensor(np.array([0.999], dtype=np.float32), requires_grad=True)
    b = fw.tensor(np.array([0.001], dtype=np.float32), requires_grad=True)
    repeats = 5 if quick else 40
    fwd_times, bwd_times = [], []
    for i in range(repeats + 2):
        x.grad = a.grad = b.grad = None
        t0 = time.perf_counter()
        out = chain(fw, x, a, b, N_OPS)
        t1 = time.perf_counter()
        out.backward()
        t2 = time.perf_counter()
        if i >= 2:  # two warm-up rounds
            fwd_times.append(t1 - t0)
            bwd_times.append(t2 - t1)
    total = np.array(fwd_times) + np.array(bwd_times)
    return {
        "value": float(np.median(total)) / N_OPS * 1e6, "unit": "us/op",
        "forward_us_per_op": float(np.median(fwd_times)) / N_OPS * 1e6,
        "backward_us_per_op": float(np.median(bwd_times)) / N_OPS * 1e6,
        "loss": float(out.item()), "grad_a": float(a.grad.item()),
    }
