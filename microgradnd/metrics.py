"""Classification metrics with scikit-learn's definitions: accuracy, confusion matrix, precision, recall, F1.

    mg.metrics.accuracy(y_true, y_pred)                      # fraction correct
    mg.metrics.confusion_matrix(y_true, y_pred)              # rows: true label, columns: predicted
    mg.metrics.precision(y_true, y_pred)                     # TP / (TP + FP), binary (pos_label=1)
    mg.metrics.recall(y_true, y_pred, average="macro")       # TP / (TP + FN), mean over labels
    mg.metrics.f1_score(y_true, y_pred, average="weighted")  # 2TP / (2TP + FP + FN)

Labels may be Tensors, NumPy arrays or lists. As a convenience beyond scikit-learn, ``y_pred`` may be
a 2-D array of per-class scores (logits or probabilities, shape ``(N, C)``): it is turned into labels
with ``argmax`` over the last axis; an ``(N, 1)`` column is flattened. Binary probabilities must be
thresholded first (``p > 0.5``).

``average``: ``'binary'`` (default: the score of ``pos_label``), ``'macro'`` (unweighted mean over
labels), ``'micro'`` (from the summed counts), ``'weighted'`` (mean weighted by each label's true
count), or ``None`` (one score per label, an array). ``zero_division`` (``'warn'``, 0, 1 or nan)
is what a 0/0 becomes, exactly as in scikit-learn: ``'warn'`` gives 0 and an
``UndefinedMetricWarning``; with nan, undefined labels are left out of the average.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

__all__ = ["accuracy", "accuracy_score", "confusion_matrix", "precision", "precision_score", "recall",
           "recall_score", "f1_score", "precision_recall_fscore_support", "UndefinedMetricWarning"]


class UndefinedMetricWarning(UserWarning):
    """A metric was 0/0 and set to ``zero_division`` (scikit-learn's warning of the same name)."""


def _labels_array(y, name):
    from .tensor import Tensor

    if isinstance(y, Tensor):
        y = y._data
    a = np.asarray(y)
    if a.ndim == 2 and a.shape[1] == 1:
        a = a[:, 0]
    elif a.ndim == 2 and name == "y_pred":
        a = a.argmax(axis=1)
    if a.ndim != 1:
        raise ValueError(f"{name}: expected a 1-D sequence of labels, got shape {a.shape}")
    return a


def _check_pair(y_true, y_pred):
    t, p = _labels_array(y_true, "y_true"), _labels_array(y_pred, "y_pred")
    if t.shape[0] != p.shape[0]:
        raise ValueError(
            f"Found input variables with inconsistent numbers of samples: [{t.shape[0]}, {p.shape[0]}]"
        )
    return t, p


def accuracy(y_true, y_pred, normalize=True, sample_weight=None):
    """Fraction (or with ``normalize=False`` the number) of samples where ``y_pred == y_true``."""
    t, p = _check_pair(y_true, y_pred)
    correct = (t == p).astype(np.float64)
    w = np.ones_like(correct) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    if normalize:
        return float(np.average(correct, weights=w)) if len(correct) else 0.0
    return float(np.dot(correct, w))


accuracy_score = accuracy


def confusion_matrix(y_true, y_pred, labels=None, sample_weight=None, normalize=None):
    """``C[i, j]`` = number of samples with true label ``labels[i]`` predicted as ``labels[j]``.

    ``labels`` defaults to the sorted union of both label sets; ``normalize`` 'true' | 'pred' | 'all'
    divides by row sums, column sums or the total (0/0 gives 0), as in scikit-learn.
    """
    t, p = _check_pair(y_true, y_pred)
    labels = np.unique(np.concatenate([t, p])) if labels is None else np.asarray(labels)
    if labels.size == 0:
        raise ValueError("'labels' should contains at least one label.")
    if normalize not in ("true", "pred", "all", None):
        raise ValueError("normalize must be one of {'true', 'pred', 'all', None}")
    n = labels.size
    order = np.argsort(labels, kind="stable")
    sorted_labels = labels[order]
    ti = _positions(sorted_labels, order, t)
    pi = _positions(sorted_labels, order, p)
    keep = (ti >= 0) & (pi >= 0)  # samples whose labels are not listed are ignored
    w = np.ones(len(t), dtype=np.int64) if sample_weight is None else np.asarray(sample_weight)
    cm = np.zeros((n, n), dtype=np.float64 if w.dtype.kind == "f" else np.int64)
    np.add.at(cm, (ti[keep], pi[keep]), w[keep])
    if normalize is None:
        return cm
    with np.errstate(all="ignore"):
        if normalize == "true":
            cm = cm / cm.sum(axis=1, keepdims=True)
        elif normalize == "pred":
            cm = cm / cm.sum(axis=0, keepdims=True)
        else:
            cm = cm / cm.sum()
    return np.nan_to_num(cm)


def _positions(sorted_labels, order, values):
    """Index of each value in the (unsorted) label list, -1 when absent; vectorised with searchsorted."""
    pos = np.searchsorted(sorted_labels, values)
    pos = np.clip(pos, 0, len(sorted_labels) - 1)
    found = sorted_labels[pos] == values
    return np.where(found, order[pos], -1)


def _divide(num, den, metric, zero_division, what):
    """num / den per label; 0/0 becomes ``zero_division`` (scikit-learn's ``_prf_divide``)."""
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    undefined = den == 0
    with np.errstate(all="ignore"):
        out = num / np.where(undefined, 1.0, den)
    if undefined.any():
        value = _zero_value(zero_division)
        out[undefined] = value
        if zero_division == "warn":
            warnings.warn(
                f"{metric} is ill-defined and being set to 0.0 due to {what}. Use `zero_division` "
                f"parameter to control this behavior.", UndefinedMetricWarning, stacklevel=4)
    return out


def _zero_value(zero_division):
    if zero_division == "warn":
        return 0.0
    if isinstance(zero_division, float) and math.isnan(zero_division):
        return np.nan
    if zero_division in (0, 1):
        return float(zero_division)
    raise ValueError(f"zero_division must be 'warn', 0, 1 or np.nan, got {zero_division!r}")


def precision_recall_fscore_support(y_true, y_pred, beta=1.0, labels=None, pos_label=1, average=None,
                                    zero_division="warn", sample_weight=None, _want=("precision", "recall", "f")):
    """Precision, recall, F-beta and support (true count) per label or averaged (scikit-learn's function)."""
    if average not in (None, "binary", "micro", "macro", "weighted"):
        raise ValueError("average has to be one of (None, 'micro', 'macro', 'weighted', 'binary')")
    t, p = _check_pair(y_true, y_pred)
    present = np.unique(np.concatenate([t, p]))
    if average == "binary":
        if present.size > 2:
            raise ValueError(
                "Target is multiclass but average='binary'. Please choose another average setting, one of "
                "[None, 'micro', 'macro', 'weighted'].")
        if pos_label not in present.tolist():
            if present.size >= 2:
                raise ValueError(f"pos_label={pos_label} is not a valid label. It should be one of {present}")
        labels = np.asarray([pos_label])
    elif labels is None:
        labels = present
    else:
        labels = np.asarray(labels)
    cm = confusion_matrix(t, p, labels=np.concatenate([labels, np.setdiff1d(present, labels)]),
                          sample_weight=sample_weight)
    k = len(labels)
    tp = np.diag(cm)[:k].astype(np.float64)
    pred_sum = cm.sum(axis=0)[:k].astype(np.float64)
    true_sum = cm.sum(axis=1)[:k].astype(np.float64)
    if average == "micro":
        tp, pred_sum, true_sum = np.array([tp.sum()]), np.array([pred_sum.sum()]), np.array([true_sum.sum()])
    b2 = beta ** 2
    prec = _divide(tp, pred_sum, "Precision", zero_division, "no predicted samples") \
        if "precision" in _want else None
    rec = _divide(tp, true_sum, "Recall", zero_division, "no true samples") if "recall" in _want else None
    f = None
    if "f" in _want:
        if np.isposinf(beta):
            f = rec if rec is not None else _divide(tp, true_sum, "Recall", zero_division, "no true samples")
        else:
            # F = (1 + b^2) TP / ((1 + b^2) TP + b^2 FN + FP); 0/0 only when TP = FP = FN = 0
            f = _divide((1 + b2) * tp, (1 + b2) * tp + b2 * (true_sum - tp) + (pred_sum - tp), "F-score",
                        zero_division, "no true nor predicted samples")
    if average is None:
        return prec, rec, f, true_sum.astype(np.int64)
    if average == "weighted":
        weights = true_sum
        if weights.sum() == 0:
            z = _zero_value(zero_division)
            return z, z, z, None
    else:
        weights = None
    return tuple(None if v is None else _nanaverage(v, weights) for v in (prec, rec, f)) + (None,)


def _nanaverage(values, weights):
    """Average that leaves out nan entries (labels whose score was 0/0 with ``zero_division=nan``)."""
    mask = ~np.isnan(values)
    if not mask.any():
        return float("nan")
    if weights is None:
        return float(values[mask].mean())
    w = weights[mask]
    return float(np.average(values[mask], weights=w)) if w.sum() else float("nan")


def _one(which, y_true, y_pred, labels, pos_label, average, zero_division, sample_weight, beta=1.0):
    out = precision_recall_fscore_support(y_true, y_pred, beta=beta, labels=labels, pos_label=pos_label,
                                          average=average, zero_division=zero_division,
                                          sample_weight=sample_weight, _want=(which,))
    value = out[{"precision": 0, "recall": 1, "f": 2}[which]]
    if average == "binary":
        return float(value[0]) if isinstance(value, np.ndarray) else float(value)
    return value


def precision(y_true, y_pred, *, labels=None, pos_label=1, average="binary", sample_weight=None,
              zero_division="warn"):
    """Precision TP / (TP + FP): of the samples predicted positive, the fraction that are (``precision_score``)."""
    return _one("precision", y_true, y_pred, labels, pos_label, average, zero_division, sample_weight)


def recall(y_true, y_pred, *, labels=None, pos_label=1, average="binary", sample_weight=None,
           zero_division="warn"):
    """Recall TP / (TP + FN): of the positive samples, the fraction predicted positive (``recall_score``)."""
    return _one("recall", y_true, y_pred, labels, pos_label, average, zero_division, sample_weight)


def f1_score(y_true, y_pred, *, labels=None, pos_label=1, average="binary", sample_weight=None,
             zero_division="warn"):
    """F1 = 2 TP / (2 TP + FP + FN), the harmonic mean of precision and recall (``f1_score``)."""
    return _one("f", y_true, y_pred, labels, pos_label, average, zero_division, sample_weight)


precision_score = precision
recall_score = recall
