"""Dev splits: a seeded, stratified hold-out carved from a labelled corpus (used by training and benchmarks)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sentikit.errors import DataError, UsageError


def stratified_split(
    labels: Sequence[str] | Sequence[int], dev_fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Seeded stratified split into (train indices, dev indices).

    Each class gives round(fraction * count) documents to dev, but always leaves at least one in train;
    a class with a single document stays in train. When that rounds to nothing at all (many small classes,
    e.g. thousands of labels with 2-5 documents each), one document is held out from each of
    round(fraction * N) classes (at least one) picked at random among those with two or more documents.
    """
    if not 0.0 < dev_fraction < 1.0:
        raise UsageError(f"--dev-fraction must be between 0 and 1, got {dev_fraction}")
    rng = np.random.default_rng(seed)
    # Group indices by label in one pass (sorted labels, ascending indices): O(N log N), not O(N * classes).
    names, inverse = np.unique(np.asarray(labels, dtype=object), return_inverse=True)
    order = np.argsort(inverse, kind="stable")
    groups = np.split(order, np.cumsum(np.bincount(inverse, minlength=len(names)))[:-1])
    train_parts: list[np.ndarray] = []
    dev_parts: list[np.ndarray] = []
    for members in groups:
        members = members.astype(np.int64)
        rng.shuffle(members)
        n_dev = min(len(members) - 1, round(dev_fraction * len(members)))
        dev_parts.append(members[:n_dev])
        train_parts.append(members[n_dev:])
    if groups and not any(len(part) for part in dev_parts):
        spare = [i for i, members in enumerate(groups) if len(members) > 1]
        take = min(len(spare), max(1, round(dev_fraction * len(labels))))
        for i in rng.choice(spare, size=take, replace=False) if take else ():
            dev_parts[i], train_parts[i] = train_parts[i][:1], train_parts[i][1:]
    train = np.sort(np.concatenate(train_parts)) if train_parts else np.array([], dtype=np.int64)
    dev = np.sort(np.concatenate(dev_parts)) if dev_parts else np.array([], dtype=np.int64)
    if len(dev) == 0:
        raise DataError(f"the corpus is too small to carve a dev split: no label has two or more documents "
                        f"({len(names)} label(s) in {len(labels)} row(s))",
                        hint="check --label-col, add data or pass --dev FILE")
    return train, dev
