"""Small datasets for the course, and helpers to split and normalise them.

Every loader returns ``(X, y)`` as Tensors: inputs float32, class labels int64 (targets of the logic
gates are float32 columns, ready for ``BCELoss``).

- Logic gates: ``logic_gate('xor')`` (also 'and', 'or', 'nand', 'nor', 'xnor'), ``and_gate()``,
  ``or_gate()``, ``nand_gate()``, ``xor()``: the 4-row truth tables.
- ``make_moons`` (alias ``two_moons``) and ``spirals``: 2-D toy problems, seeded.
- ``digits()``: scikit-learn's 1797 8x8 handwritten digits (needs scikit-learn:
  ``pip install -e ".[examples]"``).
- ``mnist(root, train=True)``: MNIST from the four standard IDX files (optionally ``.gz``) in ``root``.
- ``train_val_test_split(X, y, val=0.15, test=0.15, seed=0)``: shuffled, seeded split.
- ``MinMaxScaler`` / ``StandardScaler`` (``fit`` on the training split, then ``transform`` every
  split), and the one-call forms ``minmax_normalize(train, *others)`` / ``standardize(train, *others)``.
"""
from __future__ import annotations

import gzip
import math
import os

import numpy as np

from .tensor import Tensor

__all__ = ["logic_gate", "and_gate", "or_gate", "nand_gate", "nor_gate", "xor", "make_moons", "two_moons",
           "spirals", "digits", "mnist", "read_idx", "train_val_test_split", "MinMaxScaler", "StandardScaler",
           "minmax_normalize", "standardize", "MNIST_FILES"]


def _tensor(array):
    return Tensor._make(np.ascontiguousarray(array), None)


def _rng(seed):
    """A NumPy generator from an int seed, an ``mg.Generator``, or None (the global RNG)."""
    from . import random as _random

    if seed is None or isinstance(seed, _random.Generator):
        return _random.rng(seed)
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)


# -- logic gates ---------------------------------------------------------------------------------------
_GATE_INPUTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
_GATES = {
    "and": [0, 0, 0, 1],
    "or": [0, 1, 1, 1],
    "nand": [1, 1, 1, 0],
    "nor": [1, 0, 0, 0],
    "xor": [0, 1, 1, 0],
    "xnor": [1, 0, 0, 1],
}


def logic_gate(name):
    """Truth table of a two-input gate: ``X`` (4, 2) rows 00, 01, 10, 11 and targets ``y`` (4, 1), float32."""
    key = name.lower()
    if key not in _GATES:
        raise ValueError(f"logic_gate: unknown gate {name!r}; choose one of {sorted(_GATES)}")
    return _tensor(_GATE_INPUTS.copy()), _tensor(np.array(_GATES[key], dtype=np.float32)[:, None])


def and_gate():
    """AND truth table (see ``logic_gate``)."""
    return logic_gate("and")


def or_gate():
    """OR truth table (see ``logic_gate``)."""
    return logic_gate("or")


def nand_gate():
    """NAND truth table (see ``logic_gate``)."""
    return logic_gate("nand")


def nor_gate():
    """NOR truth table (see ``logic_gate``)."""
    return logic_gate("nor")


def xor():
    """XOR truth table: inputs 00, 01, 10, 11 -> 0, 1, 1, 0 (what one layer cannot learn)."""
    return logic_gate("xor")


# -- 2-D toy problems ----------------------------------------------------------------------------------------
def make_moons(n_samples=100, noise=0.0, shuffle=True, seed=None, random_state=None):
    """Two interleaving half circles (scikit-learn's ``make_moons`` construction), seeded.

    The outer moon (label 0) has ``n_samples // 2`` points on ``(cos t, sin t)``, the inner one
    (label 1) the rest on ``(1 - cos t, 0.5 - sin t)``, t in [0, pi]; Gaussian ``noise`` is added.
    ``seed`` (or scikit-learn's name ``random_state``): an int, an ``mg.Generator`` or None (the global RNG).
    """
    rng = _rng(seed if seed is not None else random_state)
    n_out = n_samples // 2
    n_in = n_samples - n_out
    t_out = np.linspace(0, np.pi, n_out)
    t_in = np.linspace(0, np.pi, n_in)
    X = np.vstack([np.stack([np.cos(t_out), np.sin(t_out)], 1),
                   np.stack([1 - np.cos(t_in), 1 - np.sin(t_in) - 0.5], 1)])
    y = np.concatenate([np.zeros(n_out, dtype=np.int64), np.ones(n_in, dtype=np.int64)])
    if shuffle:
        order = rng.permutation(n_samples)
        X, y = X[order], y[order]
    if noise:
        X = X + rng.normal(0.0, noise, size=X.shape)
    return _tensor(X.astype(np.float32)), _tensor(y)


two_moons = make_moons


def spirals(n_samples=300, n_classes=3, noise=0.2, seed=None):
    """``n_classes`` interleaved spiral arms (the classic CS231n toy set), ``n_samples`` points in all.

    Arm k: radius r from 0 to 1 and angle 4k + 4r (plus Gaussian ``noise`` on the angle); point
    ``r * (sin angle, cos angle)``. Returns ``X`` (n, 2) float32 and ``y`` (n,) int64, seeded by ``seed``.
    """
    rng = _rng(seed)
    counts = [n_samples // n_classes + (1 if k < n_samples % n_classes else 0) for k in range(n_classes)]
    xs, ys = [], []
    for k, n in enumerate(counts):
        r = np.linspace(0.0, 1.0, n)
        angle = np.linspace(k * 4.0, (k + 1) * 4.0, n) + rng.normal(0.0, noise, n)
        xs.append(np.stack([r * np.sin(angle), r * np.cos(angle)], 1))
        ys.append(np.full(n, k, dtype=np.int64))
    return _tensor(np.concatenate(xs).astype(np.float32)), _tensor(np.concatenate(ys))


# -- handwritten digits -------------------------------------------------------------------------------------
def digits(flatten=True, scale=True):
    """scikit-learn's 8x8 handwritten digits: 1797 images, labels 0-9.

    ``X`` is float32, (1797, 64) or with ``flatten=False`` (1797, 1, 8, 8) for a CNN; pixel values
    0-16 are divided by 16 when ``scale`` (so they lie in [0, 1]). ``y`` is int64.
    Needs scikit-learn (``pip install -e ".[examples]"``).
    """
    try:
        from sklearn.datasets import load_digits
    except ImportError as e:
        raise ImportError(
            "mg.datasets.digits() needs scikit-learn, which ships the 8x8 digits; install the examples "
            'extra with: pip install -e ".[examples]"  (or: pip install scikit-learn)'
        ) from e
    bunch = load_digits()
    X = bunch.data.astype(np.float32)
    if scale:
        X /= np.float32(16.0)
    if not flatten:
        X = X.reshape(-1, 1, 8, 8)
    return _tensor(X), _tensor(bunch.target.astype(np.int64))


# -- MNIST (IDX files) -----------------------------------------------------------------------------------------
MNIST_FILES = {
    True: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    False: ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
_IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: np.dtype(">i2"), 0x0C: np.dtype(">i4"),
              0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}


def read_idx(path):
    """Read one IDX file (``.gz`` or not) into an array, checking the magic number and the size.

    Layout: two zero bytes, a type code (0x08 = uint8 ...), the number of dimensions, each dimension
    as a big-endian int32, then the data.
    """
    opener = gzip.open if str(path).endswith(".gz") else open
    try:
        with opener(path, "rb") as fh:
            raw = fh.read()
    except (OSError, EOFError) as e:  # a damaged .gz
        raise ValueError(f"read_idx: cannot read {path}: {e}") from e
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES:
        raise ValueError(f"read_idx: {path} is not an IDX file (bad magic number {raw[:4].hex() or 'empty'})")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"read_idx: {path} is truncated inside its header")
    dims = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    dtype = np.dtype(_IDX_TYPES[raw[2]])
    expected = int(np.prod(dims, dtype=np.int64)) * dtype.itemsize
    if len(raw) - header != expected:
        raise ValueError(
            f"read_idx: {path} holds {len(raw) - header} data bytes but its header {dims} needs {expected} "
            f"(truncated or corrupt file)"
        )
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(dims).astype(dtype.newbyteorder("="))


def _find(root, name):
    for folder in (root, os.path.join(root, "MNIST", "raw"), os.path.join(root, "raw")):
        for candidate in (name, name + ".gz"):
            path = os.path.join(folder, candidate)
            if os.path.exists(path):
                return path
    return None


def mnist(root, train=True, flatten=False, normalize=True):
    """MNIST from the standard IDX files in ``root`` (the training split, or ``train=False`` for test).

    Expects ``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte`` and
    ``t10k-labels-idx1-ubyte`` (each optionally ``.gz``) in ``root`` (or ``root/MNIST/raw``, where
    torchvision puts them). Returns images float32 (N, 1, 28, 28) — (N, 784) with ``flatten`` —
    divided by 255 when ``normalize``, and labels int64 (N,).
    """
    root = os.path.expanduser(os.fspath(root))
    image_name, label_name = MNIST_FILES[bool(train)]
    paths = [_find(root, image_name), _find(root, label_name)]
    if None in paths:
        missing = [n for n, p in zip((image_name, label_name), paths) if p is None]
        all_names = ", ".join(n for pair in MNIST_FILES.values() for n in pair)
        raise FileNotFoundError(
            f"mnist: {', '.join(missing)} (or .gz) not found in {os.path.abspath(root)!r}. Download the four "
            f"MNIST files ({all_names}; .gz is fine) from a mirror of http://yann.lecun.com/exdb/mnist/ and "
            f"put them in that folder (or in {os.path.join(root, 'MNIST', 'raw')!r})."
        )
    images = read_idx(paths[0])
    labels = read_idx(paths[1])
    if images.ndim != 3:
        raise ValueError(f"mnist: {paths[0]} should hold a 3-D array of images, got shape {images.shape}")
    if labels.ndim != 1:
        raise ValueError(f"mnist: {paths[1]} should hold a 1-D array of labels, got shape {labels.shape}")
    if images.shape[0] != labels.shape[0]:
        raise ValueError(
            f"mnist: {images.shape[0]} images in {paths[0]} but {labels.shape[0]} labels in {paths[1]}"
        )
    X = images.astype(np.float32)
    if normalize:
        X /= np.float32(255.0)
    X = X.reshape(len(X), -1) if flatten else X[:, None, :, :]
    return _tensor(X), _tensor(labels.astype(np.int64))


# -- splitting -----------------------------------------------------------------------------------------------
def train_val_test_split(*arrays, val=0.15, test=0.15, shuffle=True, seed=0, stratify=None):
    """Split arrays/Tensors (same first dimension) into train, validation and test parts.

    ``val`` and ``test`` are fractions (rounded up to whole samples, like scikit-learn's ``test_size``)
    or counts. Returns, for each array in turn, its (train, val, test) parts:
    ``X_tr, X_val, X_te, y_tr, y_val, y_te = train_val_test_split(X, y)``. ``stratify`` (labels) keeps
    each label's share about equal in every part. Seeded: the same ``seed`` gives the same split.
    """
    if not arrays:
        raise ValueError("train_val_test_split: pass at least one array")
    n = len(arrays[0])
    for a in arrays:
        if len(a) != n:
            raise ValueError(
                f"train_val_test_split: arrays have different lengths {[len(a) for a in arrays]}"
            )
    n_val, n_test = _count(val, n, "val"), _count(test, n, "test")
    if n_val + n_test >= n:
        raise ValueError(f"train_val_test_split: val ({n_val}) + test ({n_test}) leave no training samples of {n}")
    rng = _rng(seed)
    if stratify is not None:
        order = _stratified_order(_numpy(stratify), rng, n_val, n_test)
    else:
        order = rng.permutation(n) if shuffle else np.arange(n)
    test_idx, val_idx, train_idx = order[:n_test], order[n_test:n_test + n_val], order[n_test + n_val:]
    out = []
    for a in arrays:
        out.extend(_take(a, idx) for idx in (train_idx, val_idx, test_idx))
    return tuple(out)


def _count(size, n, name):
    if isinstance(size, float):
        if not 0.0 <= size < 1.0:
            raise ValueError(f"train_val_test_split: {name} fraction must be in [0, 1), got {size}")
        return math.ceil(size * n)
    return int(size)


def _stratified_order(labels, rng, n_val, n_test):
    """A permutation whose first n_test, next n_val ... entries each hold every label in proportion."""
    n = len(labels)
    # rank each sample within its label (after shuffling), then sort by the rank's quantile so that
    # every prefix of the order has about the labels' overall proportions
    perm = rng.permutation(n)
    lab = labels[perm]
    _, inverse, counts = np.unique(lab, return_inverse=True, return_counts=True)
    order_in = np.argsort(inverse, kind="stable")
    ranks = np.empty(n)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    ranks[order_in] = np.arange(n) - np.repeat(starts, counts)
    key = (ranks + rng.uniform(0, 1, n)) / counts[inverse]
    return perm[np.argsort(key, kind="stable")]


def _numpy(a):
    return a._data if isinstance(a, Tensor) else np.asarray(a)


def _take(a, idx):
    if isinstance(a, Tensor):
        return Tensor._make(a._data[idx], None)
    if isinstance(a, np.ndarray):
        return a[idx]
    return [a[i] for i in idx]


# -- normalisation -----------------------------------------------------------------------------------------
class _Scaler:
    """Per-feature statistics from ``fit(train)`` (axis 0), applied by ``transform(x)`` to any split."""

    def fit(self, x):
        arr = _numpy(x).astype(np.float64)
        self._fit(arr)
        return self

    def transform(self, x):
        self._check_fitted()
        arr = _numpy(x)
        out = (arr - self.shift_) / self.scale_ * self._mult + self._add
        return _like(x, out, arr.dtype)

    def fit_transform(self, x):
        return self.fit(x).transform(x)

    def inverse_transform(self, x):
        self._check_fitted()
        arr = _numpy(x)
        out = (arr - self._add) / self._mult * self.scale_ + self.shift_
        return _like(x, out, arr.dtype)

    def _check_fitted(self):
        if not hasattr(self, "scale_"):
            raise RuntimeError(f"{type(self).__name__}: call fit(train) before transform")


def _like(x, out, dtype):
    out = out.astype(dtype if dtype.kind == "f" else np.float32)
    return Tensor._make(out, None) if isinstance(x, Tensor) else out


class MinMaxScaler(_Scaler):
    """Min-max normalisation to ``feature_range`` (default [0, 1]): ``(x - min) / (max - min)``.

    ``min``/``max`` come from the data given to ``fit`` (the training split); a constant feature gets
    scale 1, as in scikit-learn. Tensors in, Tensors out (dtype kept); arrays in, arrays out.
    """

    def __init__(self, feature_range=(0.0, 1.0)):
        lo, hi = feature_range
        if lo >= hi:
            raise ValueError(f"MinMaxScaler: feature_range minimum must be smaller than maximum, got {feature_range}")
        self.feature_range = (lo, hi)
        self._mult, self._add = hi - lo, lo

    def _fit(self, arr):
        self.data_min_ = arr.min(axis=0)
        self.data_max_ = arr.max(axis=0)
        rng = self.data_max_ - self.data_min_
        self.shift_ = self.data_min_
        self.scale_ = np.where(rng == 0, 1.0, rng)


class StandardScaler(_Scaler):
    """Z-score normalisation ``(x - mean) / std`` with the training split's per-feature mean and std.

    The std is the population one (ddof = 0, as in scikit-learn); a constant feature gets scale 1.
    """

    _mult, _add = 1.0, 0.0

    def _fit(self, arr):
        self.mean_ = arr.mean(axis=0)
        std = arr.std(axis=0)
        self.shift_ = self.mean_
        self.scale_ = np.where(std == 0, 1.0, std)


def minmax_normalize(train, *others, feature_range=(0.0, 1.0)):
    """Min-max normalise ``train`` and every other split with the *training* min and max.

    Returns the transformed ``(train, *others)`` (just ``train`` when no others are given).
    """
    scaler = MinMaxScaler(feature_range).fit(train)
    out = tuple(scaler.transform(x) for x in (train,) + others)
    return out if others else out[0]


def standardize(train, *others):
    """Z-score ``train`` and every other split with the *training* mean and std (see ``minmax_normalize``)."""
    scaler = StandardScaler().fit(train)
    out = tuple(scaler.transform(x) for x in (train,) + others)
    return out if others else out[0]
