"""Classification metrics in numpy: accuracy and macro-averaged F1."""

import numpy as np

from tfnlp.errors import TfnlpError


def _check(y_true, y_pred):
    y_true = np.asarray(y_true).reshape(-1)
    y_pred = np.asarray(y_pred).reshape(-1)
    if y_true.shape != y_pred.shape:
        raise TfnlpError(
            f"y_true has {y_true.size} labels but y_pred has {y_pred.size}; pass one prediction per example"
        )
    if y_true.size == 0:
        raise TfnlpError("no examples to score: y_true and y_pred are empty")
    return y_true, y_pred


def accuracy(y_true, y_pred):
    """Fraction of predictions equal to the gold label.

    Args:
      y_true: gold label ids, shape `[N]`.
      y_pred: predicted label ids, shape `[N]`.

    Returns:
      A float in [0, 1].

    Example:
      >>> accuracy([0, 1, 1, 2], [0, 1, 2, 2])
      0.75
    """
    y_true, y_pred = _check(y_true, y_pred)
    return float(np.mean(y_true == y_pred))


def per_class_f1(y_true, y_pred, labels=None):
    """Precision, recall and F1 of each class (0 where undefined).

    Args:
      y_true: gold label ids `[N]`.
      y_pred: predicted label ids `[N]`.
      labels: the classes to score; default: every class in y_true or y_pred.

    Returns:
      Dict with `labels`, `precision`, `recall`, `f1` (float arrays aligned
      with `labels`) and `support` (gold count per class).

    Example:
      >>> per_class_f1([0, 1], [0, 0])["f1"].round(3).tolist()
      [0.667, 0.0]
    """
    y_true, y_pred = _check(y_true, y_pred)
    if labels is None:
        labels = np.union1d(y_true, y_pred)
    labels = np.asarray(labels)
    tp = np.array([np.sum((y_true == c) & (y_pred == c)) for c in labels], dtype=np.float64)
    n_pred = np.array([np.sum(y_pred == c) for c in labels], dtype=np.float64)
    n_true = np.array([np.sum(y_true == c) for c in labels], dtype=np.float64)
    precision = np.divide(tp, n_pred, out=np.zeros_like(tp), where=n_pred > 0)
    recall = np.divide(tp, n_true, out=np.zeros_like(tp), where=n_true > 0)
    denom = precision + recall
    f1 = np.divide(2 * precision * recall, denom, out=np.zeros_like(tp), where=denom > 0)
    return {
        "labels": labels,
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "support": n_true.astype(np.int64),
    }


def macro_f1(y_true, y_pred, labels=None):
    """Unweighted mean of per-class F1 (sklearn `f1_score(average="macro")`).

    Args:
      y_true: gold label ids `[N]`.
      y_pred: predicted label ids `[N]`.
      labels: the classes to average over; default: every class that occurs in
        y_true or y_pred. A class with no gold and no predicted examples scores 0.

    Returns:
      A float in [0, 1].

    Example:
      >>> round(macro_f1([0, 0, 1, 1], [0, 1, 1, 1]), 4)
      0.7333
    """
    return float(np.mean(per_class_f1(y_true, y_pred, labels)["f1"]))
