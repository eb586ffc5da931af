"""mlp_train: one epoch of a 784-256-128-10 ReLU MLP, softmax cross-entropy, SGD lr 0.1, batch 128.

Data: synthetic, seeded, 60,000 x 784 float32 in [0, 1) with labels from a random linear teacher
(MNIST-sized; no network access here). Metric: seconds per 60,000-sample epoch. Also reported: the
GFLOP/s of the step's matrix products achieved by the framework, against the rate NumPy's own GEMM
reaches for exactly the same products (same shapes and transposes, measured in the same process), and
the seconds per epoch of the same training written by hand in bare NumPy (no autograd, no modules):
the floor for any engine built on NumPy, measured in the microgradnd process.
"""
from __future__ import annotations

import time

import numpy as np

from _common import MLPTrainer, api_for, load_framework, mlp_weights, synthetic_classification

SIZES = (784, 256, 128, 10)
BATCH = 128
LR = 0.1
N_FULL = 60_000
N_QUICK = BATCH * 20
WARMUP_STEPS = 3


def step_gemm_flops(batch):
    """FLOPs of the matrix products in one training step (forward, weight grads, input grads)."""
    fwd = sum(2 * batch * a * b for a, b in zip(SIZES[:-1], SIZES[1:]))
    weight_grads = fwd
    input_grads = sum(2 * batch * a * b for a, b in zip(SIZES[1:-1], SIZES[2:]))  # not for the data
    return fwd + weight_grads + input_grads


def numpy_gemm_seconds(weights, x, steps):
    """Time ``steps`` steps' worth of exactly the GEMMs a training step does, in bare NumPy."""
    ws = [w for w, _ in weights]
    rng = np.random.default_rng(1)
    grads = [rng.standard_normal((x.shape[0], w.shape[0])).astype(np.float32) for w in ws]

    def one_step():
        h = x
        acts = []
        for w in ws:  # forward: h @ Wᵀ
            acts.append(h)
            h = h @ w.T
        for i in range(len(ws) - 1, -1, -1):
            g = grads[i]
            g.T @ acts[i]  # weight gradient: gᵀ @ input
            if i > 0:
                g @ ws[i]  # input gradient: g @ W

    one_step()
    t0 = time.perf_counter()
    for _ in range(steps):
        one_step()
    return time.perf_counter() - t0


def numpy_training_seconds(params, batches):
    """One pass over ``batches`` of the same training (forward, softmax cross-entropy, backward, SGD)
    written by hand in bare NumPy, updating the (weight, bias) arrays ``params`` in place: what a
    NumPy engine cannot beat. Returns (seconds, last loss)."""
    last = len(params) - 1
    loss = float("nan")
    t0 = time.perf_counter()
    for x, y in batches:
        acts, h = [], x
        for i, (w, b) in enumerate(params):
            acts.append(h)
            h = h @ w.T
            h += b
            if i < last:
                h = np.maximum(h, 0, out=h)
        m = h.max(axis=1, keepdims=True)
        e = np.exp(h - m)
        s = e.sum(axis=1, keepdims=True)
        rows = np.arange(len(y))
        loss = float(np.mean(np.log(s[:, 0]) + m[:, 0] - h[rows, y]))
        g = e / s  # softmax; the gradient of the mean loss: (p - onehot) / n
        g[rows, y] -= 1
        g /= len(y)
        for i in range(last, -1, -1):
            w, b = params[i]
            gw, gb = g.T @ acts[i], g.sum(axis=0)
            if i > 0:
                g = g @ w
                g *= acts[i] > 0  # acts[i] is relu's output
            w -= LR * gw
            b -= LR * gb
    return time.perf_counter() - t0, loss


def run(framework, quick=False):
    fw = load_framework(framework)
    api = api_for(framework)
    n = N_QUICK if quick else N_FULL
    x_all, y_all = synthetic_classification(n, SIZES[0], SIZES[-1], seed=0)
    weights = mlp_weights(SIZES, seed=0)
    trainer = MLPTrainer(fw, weights, LR, api)
    batches = [(fw.from_numpy(x_all[i:i + BATCH]), fw.from_numpy(y_all[i:i + BATCH]))
               for i in range(0, n, BATCH)]

    # warm-up (part of the trajectory for both frameworks); the first loss checks weights and data
    first_loss = float(trainer.step(*batches[0]).item())
    for xb, yb in batches[1:WARMUP_STEPS]:
        trainer.step(xb, yb)
    losses = []
    t0 = time.perf_counter()
    for xb, yb in batches:
        # detached, as PyTorch's FAQ asks of a training loop that keeps its losses: a kept loss would
        # keep its step's whole graph (and activations) alive in either framework
        losses.append(trainer.step(xb, yb).detach())
    seconds = time.perf_counter() - t0
    losses = [float(l.item()) for l in losses]

    steps = len(batches)
    flops = step_gemm_flops(BATCH) * steps
    result = {
        "value": seconds * (N_FULL / n), "unit": "s/epoch", "api": api, "steps": steps,
        "samples": n, "first_loss": first_loss, "loss": losses[-1], "mean_loss": float(np.mean(losses)),
        "gflops": flops / seconds / 1e9,
    }
    if framework == "mg":
        gemm_s = numpy_gemm_seconds(weights, x_all[:BATCH], steps)
        result["numpy_gemm_gflops"] = flops / gemm_s / 1e9
        result["gemm_fraction"] = result["gflops"] / result["numpy_gemm_gflops"]
        np_batches = [(x_all[i:i + BATCH], y_all[i:i + BATCH]) for i in range(0, n, BATCH)]
        params = [(w.copy(), b.copy()) for w, b in weights]
        numpy_training_seconds(params, np_batches[:WARMUP_STEPS])  # the same trajectory as above
        np_seconds, np_loss = numpy_training_seconds(params, np_batches)
        result["numpy_train_value"] = np_seconds * (N_FULL / n)
        result["numpy_train_loss"] = np_loss
    return result
