import numpy as np
import pytest

from tfnlp.errors import TfnlpError
from tfnlp.tasks import accuracy, macro_f1, per_class_f1

Y_TRUE = [0, 0, 0, 1, 1, 2, 2, 2, 2, 3]
Y_PRED = [0, 1, 0, 1, 2, 2, 2, 0, 2, 1]


def test_accuracy_by_hand():
    assert accuracy(Y_TRUE, Y_PRED) == pytest.approx(6 / 10)
    assert accuracy(np.array([[1, 2]]), np.array([[1, 2]])) == 1.0


def test_macro_f1_by_hand():
    # class 0: tp 2, pred 3, gold 3 -> P 2/3 R 2/3 F 2/3
    # class 1: tp 1, pred 3, gold 2 -> P 1/3 R 1/2 F 0.4
    # class 2: tp 3, pred 4, gold 4 -> F 3/4
    # class 3: tp 0 -> F 0
    expected = (2 / 3 + 0.4 + 0.75 + 0.0) / 4
    assert macro_f1(Y_TRUE, Y_PRED) == pytest.approx(expected)
    stats = per_class_f1(Y_TRUE, Y_PRED)
    assert stats["labels"].tolist() == [0, 1, 2, 3]
    assert stats["support"].tolist() == [3, 2, 4, 1]
    assert stats["precision"][1] == pytest.approx(1 / 3)
    assert stats["recall"][1] == pytest.approx(0.5)
    # an explicit label set may include a class seen nowhere (F1 0)
    assert macro_f1(Y_TRUE, Y_PRED, labels=[0, 1, 2, 3, 4]) == pytest.approx(expected * 4 / 5)


def test_matches_sklearn():
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(0)
    for _ in range(20):
        y_true = rng.integers(0, 5, size=50)
        y_pred = rng.integers(0, 6, size=50)
        assert accuracy(y_true, y_pred) == pytest.approx(sklearn_metrics.accuracy_score(y_true, y_pred))
        assert macro_f1(y_true, y_pred) == pytest.approx(
            sklearn_metrics.f1_score(y_true, y_pred, average="macro", zero_division=0))


def test_errors():
    with pytest.raises(TfnlpError, match="y_true has 2 labels but y_pred has 3"):
        accuracy([0, 1], [0, 1, 1])
    with pytest.raises(TfnlpError, match="empty"):
        macro_f1([], [])
