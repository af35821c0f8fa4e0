"""The corpora as every tool in the benchmark sees them: read from the shared folder, a dev split carved where
the corpus has none, optional seeded subsamples, written as temporary CSV files (never into the repository).

Layout of a corpus folder: `train.csv.gz`, `test.csv.gz` and optionally `dev.csv.gz`, each a gzip CSV with the
header `text,label`. Rows with an empty text or label are dropped here, once, so that every tool gets exactly the
same documents (sentikit would skip them itself; the peers would not).
"""

from __future__ import annotations

import csv
import gzip
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPORA = REPO_ROOT.parent / "shared" / "corpora"
DEV_FRACTION = 0.1
_WHITESPACE = re.compile(r"\s+")

csv.field_size_limit(2**31 - 1)


@dataclass
class Split:
    texts: list[str]
    labels: list[str]

    def __len__(self) -> int:
        return len(self.texts)

    def take(self, indices: np.ndarray | list[int]) -> Split:
        return Split([self.texts[i] for i in indices], [self.labels[i] for i in indices])


@dataclass
class PreparedCorpus:
    """Temporary files and figures for one corpus, shared by every tool."""

    name: str
    train: Path
    dev: Path
    test: Path
    labels: list[str]
    dev_source: str
    sizes: dict[str, int]
    throughput_texts: list[str]  # one line each (newlines flattened), a seeded stratified sample of test
    throughput_file: Path
    cold_text: str
    neural_train: Path | None = None  # a smaller training file for neural models, when the plan caps them
    notes: list[str] = field(default_factory=list)


def read_split(path: Path) -> Split:
    """Rows of a `text,label` CSV (gzip or plain) whose text and label are both non-blank."""
    opener = gzip.open if path.suffix == ".gz" else open
    texts: list[str] = []
    labels: list[str] = []
    with opener(path, "rt", encoding="utf-8", newline="") as handle:  # type: ignore[operator]
        for row in csv.DictReader(handle):
            text, label = row.get("text") or "", (row.get("label") or "").strip()
            if text.strip() and label:
                texts.append(text)
                labels.append(label)
    return Split(texts, labels)


def split_path(root: Path, corpus: str, split: str) -> Path | None:
    for name in (f"{split}.csv.gz", f"{split}.csv"):
        path = root / corpus / name
        if path.is_file():
            return path
    return None


def stratified_sample(split: Split, n: int | None, seed: int) -> Split:
    """A seeded sample of exactly `n` rows with (nearly) the label proportions of `split`; all rows if n is None
    or not smaller. Row order is kept."""
    if n is None or n >= len(split):
        return split
    rng = np.random.default_rng(seed)
    labels = np.asarray(split.labels, dtype=object)
    classes = sorted(set(split.labels))
    members = {c: rng.permutation(np.flatnonzero(labels == c)) for c in classes}
    exact = {c: n * len(members[c]) / len(split) for c in classes}
    quota = {c: int(exact[c]) for c in classes}
    for c in sorted(classes, key=lambda c: exact[c] - quota[c], reverse=True)[: n - sum(quota.values())]:
        quota[c] += 1  # largest remainders
    chosen = np.sort(np.concatenate([members[c][: quota[c]] for c in classes]))
    return split.take(chosen)


def carve_dev(train: Split, seed: int, fraction: float = DEV_FRACTION) -> tuple[Split, Split]:
    """Seeded stratified dev split, with sentikit's own splitter (the one `sentikit train` and
    benchmarks/linear_tuning.py use), so tuned settings were chosen on this very dev set."""
    from sentikit.splits import stratified_split

    train_idx, dev_idx = stratified_split(train.labels, fraction, seed)
    return train.take(train_idx), train.take(dev_idx)


def flatten(text: str) -> str:
    """One line: every run of whitespace (newlines included) becomes one space."""
    return _WHITESPACE.sub(" ", text).strip()


def write_csv(split: Split, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        writer.writerows(zip(split.texts, split.labels))
    return path


def prepare_corpus(root: Path, name: str, workdir: Path, *, seed: int, sizes: dict[str, int] | None,
                   throughput_docs: int, neural_train_rows: int | None) -> PreparedCorpus:
    """Read one corpus, carve/subsample its splits and write them under `workdir/name`."""
    paths = {split: split_path(root, name, split) for split in ("train", "dev", "test")}
    if paths["train"] is None or paths["test"] is None:
        raise FileNotFoundError(f"{root / name}: needs train.csv.gz and test.csv.gz")
    train, test = read_split(paths["train"]), read_split(paths["test"])
    notes: list[str] = []
    if paths["dev"] is not None:
        dev, dev_source = read_split(paths["dev"]), "official dev split"
    else:
        train, dev = carve_dev(train, seed)
        dev_source = f"stratified {DEV_FRACTION:.0%} of train, seed {seed}"
    full = {"train": len(train), "dev": len(dev), "test": len(test)}
    if sizes:
        train = stratified_sample(train, sizes.get("train"), seed)
        dev = stratified_sample(dev, sizes.get("dev"), seed + 1)
        test = stratified_sample(test, sizes.get("test"), seed + 2)
        notes.append("subsampled (seeded, stratified) from " + ", ".join(f"{k} {v:,}" for k, v in full.items()))
    folder = workdir / name
    sample = stratified_sample(test, throughput_docs, seed + 3)
    throughput_texts = [flatten(t) for t in sample.texts]
    throughput_file = folder / "throughput.txt"
    folder.mkdir(parents=True, exist_ok=True)
    throughput_file.write_text("\n".join(throughput_texts) + "\n", encoding="utf-8")
    neural_train = None
    if neural_train_rows and neural_train_rows < len(train):
        neural_train = write_csv(stratified_sample(train, neural_train_rows, seed + 4), folder / "train_neural.csv")
    return PreparedCorpus(
        name=name, train=write_csv(train, folder / "train.csv"), dev=write_csv(dev, folder / "dev.csv"),
        test=write_csv(test, folder / "test.csv"), labels=sorted(set(train.labels)), dev_source=dev_source,
        sizes={"train": len(train), "dev": len(dev), "test": len(test), "throughput": len(throughput_texts)},
        throughput_texts=throughput_texts, throughput_file=throughput_file,
        cold_text=flatten(test.texts[0])[:200], neural_train=neural_train, notes=notes,
    )
