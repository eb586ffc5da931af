"""conv_train: Conv2d(1, 8, 3, padding=1) + ReLU + MaxPool2d(2) + Linear(8*14*14, 10), batch 64.

Synthetic seeded 28x28 float32 images with labels from a random teacher; SGD lr 0.05, cross-entropy.
Metric: milliseconds per training step (zero_grad, forward, loss, backward, step).
"""
from __future__ import annotations

import time

import numpy as np

from _common import has_nn, linear_init, load_framework, synthetic_classification

BATCH = 64
LR = 0.05


def build(fw, seed=0):
    rng = np.random.default_rng(seed)
    bound = 1.0 / np.sqrt(1 * 3 * 3)
    conv_w = rng.uniform(-bound, bound, size=(8, 1, 3, 3)).astype(np.float32)
    conv_b = rng.uniform(-bound, bound, size=(8,)).astype(np.float32)
    lin_w, lin_b = linear_init(rng, 8 * 14 * 14, 10)
    nn = fw.nn
    conv, lin = nn.Conv2d(1, 8, 3, padding=1), nn.Linear(8 * 14 * 14, 10)
    with fw.no_grad():
        for p, v in ((conv.weight, conv_w), (conv.bias, conv_b), (lin.weight, lin_w), (lin.bias, lin_b)):
            p.copy_(fw.from_numpy(v))
    return nn.Sequential(conv, nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), lin)


def run(framework, quick=False):
    fw = load_framework(framework)
    if not has_nn(load_framework("mg"), "Conv2d", "MaxPool2d", "Flatten"):
        return {"unavailable": "microgradnd.nn has no Conv2d/MaxPool2d/Flatten yet"}
    steps = 5 if quick else 60
    warmup = 3
    x_all, y_all = synthetic_classification(BATCH * 8, 28 * 28, 10, seed=2)
    x_all = x_all.reshape(-1, 1, 28, 28)
    batches = [(fw.from_numpy(x_all[i:i + BATCH]), fw.from_numpy(y_all[i:i + BATCH]))
               for i in range(0, len(x_all), BATCH)]
    model = build(fw)
    loss_fn = fw.nn.CrossEntropyLoss()
    opt = fw.optim.SGD(model.parameters(), lr=LR)

    def step(i):
        xb, yb = batches[i % len(batches)]
        opt.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
        return loss

    first_loss = float(step(0).item())
    for i in range(1, warmup):
        step(i)
    losses = []
    t0 = time.perf_counter()
    for i in range(warmup, warmup + steps):
        # detached, as PyTorch's FAQ asks of a training loop that keeps its losses: a kept loss would
        # keep its step's whole graph (and activations) alive in either framework
        losses.append(step(i).detach())
    seconds = time.perf_counter() - t0
    return {"value": seconds / steps * 1e3, "unit": "ms/step", "api": "nn", "steps": steps,
            "first_loss": first_loss, "loss": float(losses[-1].item()), "mean_loss": float(np.mean([l.item() for l in losses]))}
