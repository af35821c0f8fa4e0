"""The numpy metrics agree with scikit-learn's on small fixed examples."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

from sentikit.training.metrics import classification_report

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
