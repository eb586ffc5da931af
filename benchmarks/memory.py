"""memory: RSS after 20 and after 200 mlp_train steps (no growth allowed), and the peak RSS.

The model and 20 batches are allocated before the first measurement; the steps cycle over those
batches, so any growth between step 20 and step 200 is memory the framework kept (a leaked graph,
a cache that grows, gradients that are never freed).
"""
from __future__ import annotations

import gc

from _common import MLPTrainer, api_for, load_framework, mlp_weights, peak_rss_bytes, rss_bytes
from mlp_train import BATCH, LR, SIZES
from _common import synthetic_classification

MB = 1024 * 1024


def run(framework, quick=False):
    fw = load_framework(framework)
    api = api_for(framework)
    first, last = (5, 50) if quick else (20, 200)
    x_all, y_all = synthetic_classification(BATCH * 20, SIZES[0], SIZES[-1], seed=0)
    batches = [(fw.from_numpy(x_all[i:i + BATCH]), fw.from_numpy(y_all[i:i + BATCH]))
               for i in range(0, len(x_all), BATCH)]
    trainer = MLPTrainer(fw, mlp_weights(SIZES, seed=0), LR, api)
    rss = {}
    loss = None
    for step in range(1, last + 1):
        xb, yb = batches[step % len(batches)]
        loss = float(trainer.step(xb, yb).item())
        if step in (first, last):
            gc.collect()
            rss[step] = rss_bytes()
    growth = (rss[last] - rss[first]) / MB
    return {"value": growth, "unit": f"MB growth, step {first} -> {last}", "api": api,
            "rss_first_mb": rss[first] / MB, "rss_last_mb": rss[last] / MB,
            "peak_rss_mb": peak_rss_bytes() / MB, "loss": loss, "first_step": first, "last_step": last}
