"""digits_train: a 64-64-10 ReLU MLP on scikit-learn's 8x8 digits, 20 epochs, batch 32, SGD lr 0.1.

A fixed seeded split (1,437 train / 360 test), inputs scaled to [0, 1], the same seeded shuffle each
epoch for both frameworks. Metric: seconds for the 20 epochs; the test accuracy is reported too.
Small matrices: this measures per-op overhead in a real training loop.
"""
from __future__ import annotations

import time

import numpy as np

from _common import MLPTrainer, api_for, load_framework, mlp_weights

SIZES = (64, 64, 10)
EPOCHS = 20
BATCH = 32
LR = 0.1


def digits_split(seed=0):
    from sklearn.datasets import load_digits

    digits = load_digits()
    x = (digits.data / 16.0).astype(np.float32)
    y = digits.target.astype(np.int64)
    perm = np.random.default_rng(seed).permutation(len(x))
    n_test = 360
    test, train = perm[:n_test], perm[n_test:]
    return x[train], y[train], x[test], y[test]


def run(framework, quick=False):
    fw = load_framework(framework)
    api = api_for(framework)
    x_train, y_train, x_test, y_test = digits_split()
    epochs = 2 if quick else EPOCHS
    rng = np.random.default_rng(1)
    orders = [rng.permutation(len(x_train)) for _ in range(epochs)]
    # batches are prepared up front (same arrays for both frameworks); the loop times training only
    epochs_batches = [[(fw.from_numpy(np.ascontiguousarray(x_train[o[i:i + BATCH]])),
                        fw.from_numpy(np.ascontiguousarray(y_train[o[i:i + BATCH]])))
                       for i in range(0, len(o), BATCH)] for o in orders]
    trainer = MLPTrainer(fw, mlp_weights(SIZES, seed=0), LR, api)
    losses = []
    t0 = time.perf_counter()
    for batches in epochs_batches:
        for xb, yb in batches:
            # detached, as PyTorch's FAQ asks of a training loop that keeps its losses: a kept loss would
            # keep its step's whole graph (and activations) alive in either framework
            losses.append(trainer.step(xb, yb).detach())
    seconds = time.perf_counter() - t0
    pred = trainer.predict(fw.from_numpy(x_test)).numpy()
    last_epoch = [float(l.item()) for l in losses[-len(epochs_batches[-1]):]]
    return {
        "value": seconds, "unit": "s/20 epochs" if not quick else "s/2 epochs", "api": api,
        "steps": len(losses), "first_loss": float(losses[0].item()), "loss": last_epoch[-1], "mean_loss": float(np.mean(last_epoch)),
        "test_accuracy": float(np.mean(pred == y_test)),
    }
