"""Token sequences for the neural classifiers: vocabulary, id encoding, truncation, padding and batching.

Owns the id conventions every neural component shares: id 0 is "<pad>", id 1 is "<unk>", then words by
descending frequency (ties alphabetical), so the same corpus always yields the same vocabulary.
Everything here is numpy-only; torch never enters this module.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, ClassVar

import numpy as np

from sentikit.configs import reject_unknown_keys
from sentikit.errors import UsageError

PAD, UNK = "<pad>", "<unk>"
PAD_ID, UNK_ID = 0, 1
TRUNCATE_MODES: tuple[str, ...] = ("head", "tail", "headtail")


@dataclass(frozen=True)
class SequenceConfig:
    """How documents become id sequences. `max_vocab` counts the two special entries."""

    # 20k rather than 40k: the rarer words of a review corpus are mostly names of films, actors and
    # products, which a net memorises instead of learning sentiment (IMDB GRU dev 90.8 % vs 89.8 %).
    max_vocab: int = 20000
    min_count: int = 2
    max_len: int = 400
    # Long reviews often state the verdict at the end, so by default keep both the opening and the close.
    truncate: str = "headtail"

    # May be missing from a model's manifest (see `require_saved_settings`): they chose the vocabulary, which
    # the folder stores.
    OPTIONAL_IN_MANIFEST: ClassVar[frozenset[str]] = frozenset({"max_vocab", "min_count"})

    def __post_init__(self) -> None:
        if self.truncate not in TRUNCATE_MODES:
            raise UsageError(
                f"invalid truncate mode {self.truncate!r}", hint=f"choose one of: {', '.join(TRUNCATE_MODES)}"
            )
        for name, low in (("max_vocab", 3), ("min_count", 1), ("max_len", 1)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise UsageError(f"invalid {name} {value!r}", hint=f"expected an integer >= {low}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SequenceConfig:
        reject_unknown_keys(cls, data, "sequence")
        return cls(**data)


def build_vocabulary(docs: Iterable[list[str]], cfg: SequenceConfig) -> list[str]:
    """["<pad>", "<unk>", most frequent word, ...]: words seen at least `min_count` times, at most
    `max_vocab` entries in all, ties broken alphabetically so the result is deterministic."""
    counts: Counter[str] = Counter()
    for doc in docs:
        counts.update(doc)
    counts.pop(PAD, None)  # a literal "<pad>" / "<unk>" token in the text must not get a second id
    counts.pop(UNK, None)
    kept = [(word, n) for word, n in counts.items() if n >= cfg.min_count]
    kept.sort(key=lambda item: (-item[1], item[0]))
    return [PAD, UNK] + [word for word, _ in kept[: cfg.max_vocab - 2]]


def truncate(tokens: Sequence[str], max_len: int, mode: str) -> Sequence[str]:
    """At most `max_len` tokens: the first ones (head), the last ones (tail), or both halves (headtail;
    the extra token of an odd `max_len` goes to the head)."""
    if len(tokens) <= max_len:
        return tokens
    if mode == "head":
        return tokens[:max_len]
    if mode == "tail":
        return tokens[len(tokens) - max_len :]
    n_tail = max_len // 2
    return list(tokens[: max_len - n_tail]) + list(tokens[len(tokens) - n_tail :])


def encode(
    docs: list[list[str]], vocab_index: dict[str, int], cfg: SequenceConfig
) -> tuple[list[np.ndarray], np.ndarray]:
    """Token lists -> (int64 id arrays, lengths (N,)). Unknown words map to UNK; an empty document becomes a
    single UNK so every length is at least 1 (masked pooling needs one valid step)."""
    seqs: list[np.ndarray] = []
    for doc in docs:
        tokens = truncate(doc, cfg.max_len, cfg.truncate)
        ids = [vocab_index.get(word, UNK_ID) for word in tokens] or [UNK_ID]
        seqs.append(np.array(ids, dtype=np.int64))
    lengths = np.array([len(s) for s in seqs], dtype=np.int64)
    return seqs, lengths


def aligned_width(width: int) -> int:
    """`width` rounded up to a multiple of 8 (up to 64) or of 32 (beyond).

    Torch's CPU kernels (oneDNN) cache one compiled primitive per input shape and keep it for the life of the
    process: with every batch width from 1 to 400, training a Conv1D on IMDB grew to 3.8 GB. Aligned widths
    leave ~20 distinct shapes (flat memory, slightly faster) for at most 7 or 31 extra padded steps, which the
    networks mask out.
    """
    step = 8 if width <= 64 else 32
    return -(-width // step) * step


def pad_batch(seqs: Sequence[np.ndarray], align: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Right-pad id arrays into (B, T) int64 with PAD, T = longest (or `aligned_width` of it with `align`);
    returns (ids, lengths (B,)). Empty sequences become a single UNK."""
    seqs = [s if len(s) else np.array([UNK_ID], dtype=np.int64) for s in seqs]
    lengths = np.array([len(s) for s in seqs], dtype=np.int64)
    width = int(lengths.max(initial=1))
    ids = np.full((len(seqs), aligned_width(width) if align else width), PAD_ID, dtype=np.int64)
    for row, seq in enumerate(seqs):
        ids[row, : len(seq)] = seq
    return ids, lengths


def length_buckets(
    lengths: np.ndarray, batch_size: int, rng: np.random.Generator | None = None, pool_batches: int = 50
) -> list[np.ndarray]:
    """Split indices 0..N-1 into batches of similar length (less padding, fewer wasted RNN steps).

    Without `rng` (inference): sort everything by length and cut in order, deterministic.
    With `rng` (training): shuffle, sort within pools of `pool_batches` batches, cut, then shuffle the batch
    order, so batches stay length-homogeneous but differ from epoch to epoch.
    Every index appears in exactly one batch.
    """
    if batch_size < 1:
        raise UsageError(f"invalid batch size {batch_size}", hint="expected a positive integer")
    lengths = np.asarray(lengths)
    if rng is None:
        order = np.argsort(lengths, kind="stable")
        return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    shuffled = rng.permutation(len(lengths))
    pool = batch_size * pool_batches
    batches: list[np.ndarray] = []
    for start in range(0, len(shuffled), pool):
        chunk = shuffled[start : start + pool]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        batches.extend(chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size))
    return [batches[i] for i in rng.permutation(len(batches))]
