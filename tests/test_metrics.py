"""Metrics: hand-computed confusion matrices, scikit-learn's definitions and zero-division rules."""
import warnings

import numpy as np
import pytest

import microgradnd as mg
from microgradnd import metrics


def test_accuracy_from_tensors_arrays_lists_and_scores():
    assert metrics.accuracy([0, 1, 1, 0], [0, 1, 0, 0]) == 0.75
    assert metrics.accuracy(mg.tensor([1, 2, 3]), np.array([1, 2, 0])) == pytest.approx(2 / 3)
    assert metrics.accuracy([1, 2, 3], [1, 2, 0], normalize=False) == 2.0
    logits = mg.tensor([[2.0, 0.1], [0.3, 0.9], [5.0, -1.0]])  # argmax -> 0, 1, 0
    assert metrics.accuracy(mg.tensor([0, 1, 1]), logits) == pytest.approx(2 / 3)
    assert metrics.accuracy(mg.tensor([[1.0], [0.0]]), mg.tensor([[1.0], [1.0]])) == 0.5
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        metrics.accuracy([1, 2], [1])


def test_confusion_matrix_by_hand():
    y_true = [2, 0, 2, 2, 0, 1]
    y_pred = [0, 0, 2, 2, 0, 2]
    cm = metrics.confusion_matrix(y_true, y_pred)
    np.testing.assert_array_equal(cm, [[2, 0, 0], [0, 0, 1], [1, 0, 2]])
    assert cm.dtype == np.int64
    cm = metrics.confusion_matrix(["cat", "ant", "cat"], ["ant", "ant", "cat"], labels=["cat", "ant"])
    np.testing.assert_array_equal(cm, [[1, 1], [0, 1]])
    np.testing.assert_allclose(metrics.confusion_matrix(y_true, y_pred, normalize="true"),
                               [[1, 0, 0], [0, 0, 1], [1 / 3, 0, 2 / 3]])
    # labels not listed are ignored
    np.testing.assert_array_equal(metrics.confusion_matrix(y_true, y_pred, labels=[0, 2]), [[2, 0], [1, 2]])


def test_binary_precision_recall_f1_by_hand():
    # TP = 2 (idx 1, 3), FP = 1 (idx 2), FN = 1 (idx 4), TN = 1
    y_true = [0, 1, 0, 1, 1]
    y_pred = [0, 1, 1, 1, 0]
    assert metrics.precision(y_true, y_pred) == pytest.approx(2 / 3)
    assert metrics.recall(y_true, y_pred) == pytest.approx(2 / 3)
    assert metrics.f1_score(y_true, y_pred) == pytest.approx(2 / 3)
    assert metrics.precision(y_true, y_pred, pos_label=0) == pytest.approx(1 / 2)
    assert metrics.recall(mg.tensor(y_true), mg.tensor(y_pred), pos_label=0) == pytest.approx(1 / 2)
    assert isinstance(metrics.precision(y_true, y_pred), float)


def test_macro_micro_weighted_by_hand():
    y_true = [0, 0, 1, 1, 2, 2]
    y_pred = [0, 1, 1, 1, 0, 2]
    # per class precision: 1/2, 2/3, 1/1; recall: 1/2, 1, 1/2
    assert metrics.precision(y_true, y_pred, average="macro") == pytest.approx((1 / 2 + 2 / 3 + 1) / 3)
    assert metrics.recall(y_true, y_pred, average="macro") == pytest.approx((1 / 2 + 1 + 1 / 2) / 3)
    f1s = [2 * p * r / (p + r) for p, r in [(1 / 2, 1 / 2), (2 / 3, 1), (1, 1 / 2)]]
    assert metrics.f1_score(y_true, y_pred, average="macro") == pytest.approx(np.mean(f1s))
    assert metrics.f1_score(y_true, y_pred, average="micro") == pytest.approx(4 / 6)
    np.testing.assert_allclose(metrics.f1_score(y_true, y_pred, average=None), f1s)
    assert metrics.recall(y_true, y_pred, average="weighted") == pytest.approx(4 / 6)


def test_zero_division_rules():
    with pytest.warns(metrics.UndefinedMetricWarning, match="no predicted samples"):
        assert metrics.precision([1, 1], [0, 0]) == 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert metrics.precision([1, 1], [0, 0], zero_division=1) == 1.0
        assert metrics.recall([0, 0], [0, 0], zero_division=0) == 0.0
        assert np.isnan(metrics.f1_score([0, 0], [0, 0], zero_division=np.nan))
        # macro with 1: class 1 and 2 were never predicted -> precision 1 each
        assert metrics.precision([0, 1, 2, 2], [0, 0, 0, 0], average="macro", zero_division=1) == pytest.approx(0.75)
        assert metrics.precision([0, 1, 2, 2], [0, 0, 0, 0], average="macro", zero_division=np.nan) == 0.25
    with pytest.raises(ValueError, match="Target is multiclass"):
        metrics.precision([0, 1, 2], [0, 1, 2])
    with pytest.raises(ValueError, match="pos_label=1 is not a valid label"):
        metrics.recall([0, 2], [0, 2])


def test_against_sklearn_on_random_labels():
    skm = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for trial in range(60):
            k = int(rng.integers(2, 6))
            n = int(rng.integers(1, 30))
            t, p = rng.integers(0, k, n), rng.integers(0, k, n)
            assert metrics.accuracy(t, p) == pytest.approx(skm.accuracy_score(t, p))
            np.testing.assert_array_equal(metrics.confusion_matrix(t, p), skm.confusion_matrix(t, p))
            zd = [0, 1, "warn", np.nan][trial % 4]
            for avg in ("macro", "micro", "weighted", None) + (("binary",) if len(np.union1d(t, p)) <= 2 and
                                                                1 in np.union1d(t, p) else ()):
                for ours, theirs in ((metrics.precision, skm.precision_score), (metrics.recall, skm.recall_score),
                                     (metrics.f1_score, skm.f1_score)):
                    a = ours(t, p, average=avg, zero_division=zd)
                    b = theirs(t, p, average=avg, zero_division=zd)
                    np.testing.assert_allclose(a, b, err_msg=f"{ours.__name__} {avg} {zd} {t} {p}")
