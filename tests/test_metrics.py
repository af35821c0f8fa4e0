"""The numpy metrics agree with scikit-learn's on small fixed examples."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

from sentikit.training.metrics import classification_report, stopping_summary

CASES = [
    ([0, 1, 2, 2, 1, 0, 0, 2], [0, 2, 2, 1, 1, 0, 1, 2], ["neg", "neu", "pos"]),
    ([0, 0, 0, 1], [0, 0, 0, 0], ["a", "b"]),  # a class never predicted: zero precision, no crash
    ([1, 1, 1, 1, 0], [1, 0, 1, 1, 0], ["x", "y"]),
    ([0, 1, 0, 1], [0, 1, 0, 1], ["only", "two"]),
]


@pytest.mark.parametrize(("y_true", "y_pred", "labels"), CASES)
def test_matches_scikit_learn(y_true: list[int], y_pred: list[int], labels: list[str]) -> None:
    report = classification_report(y_true, y_pred, labels)
    present = sorted(set(y_true) | set(y_pred))
    assert report["accuracy"] == pytest.approx(accuracy_score(y_true, y_pred))
    assert report["macro_f1"] == pytest.approx(f1_score(y_true, y_pred, average="macro", labels=present,
                                                        zero_division=0))
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=list(range(len(labels))), zero_division=0)
    for i, label in enumerate(labels):
        figures = report["per_class"][label]
        assert figures["precision"] == pytest.approx(precision[i])
        assert figures["recall"] == pytest.approx(recall[i])
        assert figures["f1"] == pytest.approx(f1[i])
        assert figures["support"] == support[i]
    np.testing.assert_array_equal(report["confusion"], confusion_matrix(y_true, y_pred,
                                                                        labels=list(range(len(labels)))))


def test_label_absent_from_both_sides_is_left_out_of_the_macro_average() -> None:
    report = classification_report([0, 1], [0, 1], ["a", "b", "never"])
    assert report["macro_f1"] == pytest.approx(1.0)
    assert report["per_class"]["never"]["support"] == 0


def _history(*f1s: float) -> list[dict[str, float]]:
    return [{"epoch": i + 1, "dev_macro_f1": f1} for i, f1 in enumerate(f1s)]


@pytest.mark.parametrize(
    ("history", "best", "expected"),
    [
        (_history(0.5, 0.7, 0.6, 0.65), None,
         "kept epoch 2 of 4 (dev macro-F1 0.7000); stopped early: 2 epoch(s) without a better dev macro-F1 "
         "(--epochs 10, --patience 2; small data may need more of both)"),
        (_history(0.5, 0.7, 0.7), None, "kept epoch 2 of 3"),  # the first of equal scores, as training keeps
        (_history(*[0.1 * i for i in range(10)]), 10, "kept epoch 10 of 10 (dev macro-F1 0.9000)"),  # no early stop
        ([], None, None),
    ],
)
def test_stopping_summary_says_which_epoch_was_kept(history: list[dict[str, float]], best: int | None,
                                                    expected: str | None) -> None:
    line = stopping_summary(history, {"epochs": 10, "patience": 2}, best)
    if expected is None:
        assert line is None
    else:
        assert line is not None and line.startswith(expected)
        assert ("stopped early" in line) == (len(history) < 10)


def test_an_interrupted_run_names_the_kept_epoch_without_an_early_stop() -> None:
    line = stopping_summary(_history(0.5, 0.7, 0.6), {"epochs": 10, "patience": 2}, 2, interrupted=True)
    assert line == "kept epoch 2 of 3 (dev macro-F1 0.7000)"  # Ctrl-C ended it, not the patience
