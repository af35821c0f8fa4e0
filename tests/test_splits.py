"""Tests for sentikit.splits: the seeded, stratified dev hold-out and its errors."""

from __future__ import annotations

import numpy as np
import pytest

from sentikit.errors import DataError, UsageError
from sentikit.splits import stratified_split


def labels_of(counts: dict[str, int], seed: int = 0) -> list[str]:
    labels = [label for label, n in counts.items() for _ in range(n)]
    np.random.default_rng(seed).shuffle(labels)
    return labels


def test_split_is_seeded() -> None:
    labels = labels_of({"pos": 50, "neg": 30, "neutral": 20})
    first = stratified_split(labels, 0.2, seed=7)
    again = stratified_split(labels, 0.2, seed=7)
    other = stratified_split(labels, 0.2, seed=8)
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert not np.array_equal(first[1], other[1])


@pytest.mark.parametrize(("counts", "fraction", "dev_counts"), [
    ({"pos": 50, "neg": 30, "neutral": 20}, 0.2, {"pos": 10, "neg": 6, "neutral": 4}),
    ({"pos": 9, "neg": 3}, 0.5, {"pos": 4, "neg": 2}),  # round half to even: 4.5 -> 4, 1.5 -> 2
    ({"pos": 10, "rare": 1}, 0.3, {"pos": 3}),  # a single example stays in train
    ({"pos": 2, "neg": 2}, 0.9, {"pos": 1, "neg": 1}),  # at least one per class is left in train
])
def test_split_is_stratified(counts: dict[str, int], fraction: float, dev_counts: dict[str, int]) -> None:
    labels = labels_of(counts)
    train, dev = stratified_split(labels, fraction, seed=0)
    assert sorted(np.concatenate([train, dev]).tolist()) == list(range(len(labels)))
    assert not set(train.tolist()) & set(dev.tolist())
    got = {label: sum(1 for i in dev if labels[i] == label) for label in counts}
    assert {k: v for k, v in got.items() if v} == dev_counts
    assert {labels[i] for i in train} == set(counts)  # every class keeps training examples


def test_split_errors() -> None:
    with pytest.raises(UsageError, match="between 0 and 1"):
        stratified_split(["a", "b"], 1.0, seed=0)
    with pytest.raises(DataError, match="too small"):
        stratified_split(["a", "b", "c"], 0.2, seed=0)
