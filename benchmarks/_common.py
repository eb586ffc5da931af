"""What every workload shares: loading a framework, seeded data and weights, models, RSS, BLAS info.

Each workload is written ONCE against a framework module ``fw`` (``microgradnd`` or ``torch``): the
two expose the same API, so both run the very same code on the same initial weights and data.
While ``microgradnd.nn`` / ``microgradnd.optim`` are not there, models are built from raw tensors
(``x @ W.T + b``, ``log_softmax`` + indexing, a hand-written SGD step) for BOTH frameworks; the
``api`` field of each result says which path ran.
"""
from __future__ import annotations

import importlib
import os
import resource
import time

import numpy as np

FRAMEWORKS = {"mg": "microgradnd", "torch": "torch"}


def load_framework(name):
    """``'mg'`` -> ``microgradnd``, ``'torch'`` -> ``torch`` (imported now, in this fresh process)."""
    return importlib.import_module(FRAMEWORKS[name])


def has_nn(fw, *layers):
    """True when ``fw.nn`` has ``layers`` (and losses + ``optim.SGD``): then the nn path is used."""
    try:
        nn, optim = fw.nn, fw.optim
    except (AttributeError, ImportError):
        return False
    names = ("Linear", "ReLU", "Sequential", "CrossEntropyLoss") + layers
    return all(hasattr(nn, n) for n in names) and hasattr(optim, "SGD")


def api_for(fw_name, *layers):
    """The API path both frameworks use in this run: ``'nn'`` if microgradnd has it, else ``'raw'``."""
    return "nn" if has_nn(load_framework("mg"), *layers) else "raw"


# ---------------------------------------------------------------------------------------------------
# seeded data and weights (NumPy, identical for both frameworks)


def linear_init(rng, fan_in, fan_out):
    """PyTorch's default Linear init: U(-1/√fan_in, 1/√fan_in) for weight (out, in) and bias."""
    bound = 1.0 / np.sqrt(fan_in)
    w = rng.uniform(-bound, bound, size=(fan_out, fan_in)).astype(np.float32)
    b = rng.uniform(-bound, bound, size=(fan_out,)).astype(np.float32)
    return w, b


def mlp_weights(sizes, seed=0):
    """[(W, b), ...] for a ``sizes`` MLP, float32, seeded."""
    rng = np.random.default_rng(seed)
    return [linear_init(rng, a, b) for a, b in zip(sizes[:-1], sizes[1:])]


def synthetic_classification(n, d, classes, seed=0):
    """``n`` x ``d`` float32 inputs in [0, 1) (pixel-like) and labels from a random linear teacher."""
    rng = np.random.default_rng(seed)
    x = rng.random((n, d), dtype=np.float32)
    teacher = rng.standard_normal((d, classes)).astype(np.float32)
    y = np.argmax((x - 0.5) @ teacher, axis=1).astype(np.int64)
    return x, y


# ---------------------------------------------------------------------------------------------------
# models: the same code for both frameworks


class MLPTrainer:
    """A ReLU MLP with softmax cross-entropy and plain SGD, on ``fw``; ``step(x, y)`` returns the loss.

    ``api='nn'``: ``nn.Sequential(Linear, ReLU, ...)``, ``nn.CrossEntropyLoss``, ``optim.SGD``.
    ``api='raw'``: the same maths with leaf tensors and a hand-written update.
    """

    def __init__(self, fw, weights, lr, api):
        self.fw, self.lr, self.api = fw, lr, api
        if api == "nn":
            layers = []
            for i, (w, b) in enumerate(weights):
                lin = fw.nn.Linear(w.shape[1], w.shape[0])
                with fw.no_grad():
                    lin.weight.copy_(fw.from_numpy(w.copy()))
                    lin.bias.copy_(fw.from_numpy(b.copy()))
                layers.append(lin)
                if i < len(weights) - 1:
                    layers.append(fw.nn.ReLU())
            self.model = fw.nn.Sequential(*layers)
            self.loss_fn = fw.nn.CrossEntropyLoss()
            self.opt = fw.optim.SGD(self.model.parameters(), lr=lr)
        else:
            self.params = []
            for w, b in weights:
                self.params.append((fw.tensor(w.copy(), requires_grad=True),
                                    fw.tensor(b.copy(), requires_grad=True)))

    def forward(self, x):
        if self.api == "nn":
            return self.model(x)
        fw = self.fw
        h = x
        last = len(self.params) - 1
        for i, (w, b) in enumerate(self.params):
            h = h @ w.T + b
            if i < last:
                h = fw.relu(h)
        return h

    def loss(self, logits, y):
        if self.api == "nn":
            return self.loss_fn(logits, y)
        fw = self.fw
        return -fw.log_softmax(logits, dim=1)[fw.arange(logits.shape[0]), y].mean()

    def step(self, x, y):
        fw = self.fw
        if self.api == "nn":
            self.opt.zero_grad()
            loss = self.loss(self.forward(x), y)
            loss.backward()
            self.opt.step()
            return loss
        loss = self.loss(self.forward(x), y)
        loss.backward()
        with fw.no_grad():
            for w, b in self.params:
                w.sub_(w.grad * self.lr)
                b.sub_(b.grad * self.lr)
                w.grad = None
                b.grad = None
        return loss

    def predict(self, x):
        with self.fw.no_grad():
            return self.forward(x).argmax(dim=1)


# ---------------------------------------------------------------------------------------------------
# measurements


def rss_bytes():
    """Current resident set size of this process (Linux /proc; falls back to the peak elsewhere)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return peak_rss_bytes()


def peak_rss_bytes():
    """Peak resident set size of this process so far.

    Linux: VmHWM from /proc (``ru_maxrss`` survives ``exec``, so a child started by a big parent would
    report the parent's peak); elsewhere ``getrusage``.
    """
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def blas_info():
    """Which BLAS NumPy runs here and with which kernel (threadpoolctl, when installed)."""
    info = {"numpy": np.__version__}
    try:
        from threadpoolctl import threadpool_info

        for lib in threadpool_info():
            if lib.get("user_api") == "blas":
                info.update(blas=lib.get("internal_api"), blas_version=lib.get("version"),
                            blas_kernel=lib.get("architecture"), blas_threads=lib.get("num_threads"))
                break
    except ImportError:
        info["blas"] = "unknown (pip install threadpoolctl to see the kernel)"
    info["OPENBLAS_CORETYPE"] = os.environ.get("OPENBLAS_CORETYPE")
    # glibc's allocator settings decide how many fresh (page-faulting) pages every step's big arrays
    # cost; see docs/performance.md, "Page faults"
    for var in ("MALLOC_TOP_PAD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_"):
        info[var] = os.environ.get(var)
    info["OPENBLAS_L2_SIZE"] = os.environ.get("OPENBLAS_L2_SIZE")
    # dropped for the import workload's processes (it measures a warm import; see import_time.py)
    info["PYTHONDONTWRITEBYTECODE"] = os.environ.get("PYTHONDONTWRITEBYTECODE")
    return info


def median_time(fn, repeats):
    """Median wall time of ``fn()`` over ``repeats`` calls, and the list of times."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times)), times
