"""Small corpora cut from the bundled data, shared by CLI tests."""

import csv
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def english_sample(folder: Path, *, per_label: int | None = None, first: int | None = None,
                   columns: tuple[str, ...] = ("text", "label")) -> Path:
    """folder/reviews.csv with bundled English reviews: the first `per_label` of each label, or the first `first`
    rows, keeping `columns`."""
    with (REPO / "data" / "reviews_en.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    if per_label is not None:
        by_label = {label: [r for r in rows if r["label"] == label] for label in ("negative", "neutral", "positive")}
        rows = [r for group in by_label.values() for r in group[:per_label]]
    elif first is not None:
        rows = rows[:first]
    path = folder / "reviews.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        writer.writerows([r[c] for c in columns] for r in rows)
    return path
