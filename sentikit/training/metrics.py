"""Classification metrics (accuracy, macro-F1, per-class P/R/F1, confusion matrix) in plain numpy, and the
one-line summary of a neural model's dev history (which epoch was kept, whether training stopped early).

Kept free of scikit-learn so that `evaluate` and the training loop stay light; tests check the numbers
against scikit-learn's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def confusion_matrix(y_true: Sequence[int], y_pred: Sequence[int], n_classes: int) -> np.ndarray:
    """Counts with true classes in rows and predicted classes in columns: (C, C) int64."""
    true = np.asarray(y_true, dtype=np.int64)
    pred = np.asarray(y_pred, dtype=np.int64)
    matrix = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(matrix, (true, pred), 1)
    return matrix


def classification_report(y_true: Sequence[int], y_pred: Sequence[int], labels: Sequence[str]) -> dict[str, Any]:
    """Accuracy, macro-F1 and per-class figures; classes with no support count as 0 F1, like scikit-learn's
    `zero_division=0`, but only classes present in y_true or y_pred enter the macro average."""
    return report_from_confusion(confusion_matrix(y_true, y_pred, len(labels)), labels)


def report_from_confusion(matrix: np.ndarray, labels: Sequence[str]) -> dict[str, Any]:
    """`classification_report` from the (C, C) counts alone (so a caller can accumulate them batch by batch)."""
    tp = np.diag(matrix).astype(float)
    predicted = matrix.sum(axis=0).astype(float)
    support = matrix.sum(axis=1).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(predicted > 0, tp / predicted, 0.0)
        recall = np.where(support > 0, tp / support, 0.0)
        f1 = np.where(precision + recall > 0, 2 * precision * recall / (precision + recall), 0.0)
    present = (support + predicted) > 0
    total = matrix.sum()
    return {
        "accuracy": float(tp.sum() / total) if total else 0.0,
        "macro_f1": float(f1[present].mean()) if present.any() else 0.0,
        "n": int(total),
        "per_class": {
            label: {
                "precision": float(precision[i]),
                "recall": float(recall[i]),
                "f1": float(f1[i]),
                "support": int(support[i]),
            }
            for i, label in enumerate(labels)
        },
        "confusion": matrix.tolist(),
        "labels": list(labels),
    }


def stopping_summary(history: Sequence[dict[str, Any]], training: dict[str, Any],
                     best_epoch: int | None = None, interrupted: bool = False) -> str | None:
    """One line on which epoch's weights a neural model kept and why training ended, from its history and its
    training config (`epochs`, `patience`); None without a history (linear models). `best_epoch` defaults to the
    first epoch with the best dev macro-F1, which is the one training keeps (models saved before it was recorded).
    An `interrupted` run (Ctrl-C) did not stop early: only the kept epoch is said."""
    scores = [row.get("dev_macro_f1") for row in history]
    if not history or any(not isinstance(score, (int, float)) for score in scores):
        return None
    if best_epoch is None:
        best_epoch = int(np.argmax(scores)) + 1  # argmax takes the first of equal maxima, as training does
    run, planned, patience = len(history), training.get("epochs"), training.get("patience")
    line = f"kept epoch {best_epoch} of {run} (dev macro-F1 {scores[best_epoch - 1]:.4f})"
    if isinstance(planned, int) and run < planned and isinstance(patience, int) and not interrupted:
        line += (f"; stopped early: {patience} epoch(s) without a better dev macro-F1 "
                 f"(--epochs {planned}, --patience {patience}; small data may need more of both)")
    return line
