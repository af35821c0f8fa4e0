"""Vocabulary, encoding, truncation, padding and length bucketing for the neural classifiers."""

from __future__ import annotations

import numpy as np
import pytest

from sentikit.errors import UsageError
from sentikit.features.sequences import (
    PAD_ID,
    UNK_ID,
    SequenceConfig,
    aligned_width,
    build_vocabulary,
    encode,
    length_buckets,
    pad_batch,
    truncate,
)

DOCS = [["b", "a", "c", "a"], ["c", "b", "d"], ["a", "e", "<unk>"], ["b"]]


def test_vocabulary_is_frequency_then_alphabetical_and_deterministic() -> None:
    cfg = SequenceConfig(min_count=1)
    vocab = build_vocabulary(DOCS, cfg)
    # a:3, b:3, c:2, then d:1, e:1; the literal "<unk>" token does not get a second id.
    assert vocab == ["<pad>", "<unk>", "a", "b", "c", "d", "e"]
    assert build_vocabulary(reversed(DOCS), cfg) == vocab  # order of documents does not matter
    assert build_vocabulary(iter(DOCS), cfg) == vocab  # any iterable works (streaming)
    assert build_vocabulary(DOCS, SequenceConfig(min_count=2)) == ["<pad>", "<unk>", "a", "b", "c"]
    assert build_vocabulary(DOCS, SequenceConfig(min_count=1, max_vocab=4)) == ["<pad>", "<unk>", "a", "b"]


def test_encode_maps_unknown_words_and_empty_docs_to_unk() -> None:
    cfg = SequenceConfig(min_count=1)
    index = {w: i for i, w in enumerate(build_vocabulary(DOCS, cfg))}
    seqs, lengths = encode([["a", "zzz", "e"], []], index, cfg)
    assert [s.tolist() for s in seqs] == [[2, UNK_ID, 6], [UNK_ID]]
    assert lengths.tolist() == [3, 1]
    assert seqs[0].dtype == np.int64


@pytest.mark.parametrize(
    ("mode", "max_len", "expected"),
    [
        ("head", 4, [0, 1, 2, 3]),
        ("tail", 4, [6, 7, 8, 9]),
        ("headtail", 4, [0, 1, 8, 9]),
        ("headtail", 5, [0, 1, 2, 8, 9]),  # odd budget: the extra token goes to the head
        ("headtail", 1, [0]),
        ("tail", 1, [9]),
        ("headtail", 10, list(range(10))),
        ("headtail", 50, list(range(10))),
    ],
)
def test_truncation(mode: str, max_len: int, expected: list[int]) -> None:
    tokens = [str(i) for i in range(10)]
    assert [int(t) for t in truncate(tokens, max_len, mode)] == expected
    index = {t: int(t) + 2 for t in tokens}
    seqs, lengths = encode([tokens], index, SequenceConfig(max_len=max_len, truncate=mode))
    assert (seqs[0] - 2).tolist() == expected and lengths[0] == len(expected)


def test_pad_batch_right_pads_and_never_returns_empty_rows() -> None:
    ids, lengths = pad_batch([np.array([5, 6, 7]), np.array([], dtype=np.int64), np.array([9])])
    assert ids.dtype == np.int64 and ids.shape == (3, 3)
    assert ids.tolist() == [[5, 6, 7], [UNK_ID, PAD_ID, PAD_ID], [9, PAD_ID, PAD_ID]]
    assert lengths.tolist() == [3, 1, 1]


@pytest.mark.parametrize(("width", "aligned"), [(1, 8), (8, 8), (9, 16), (64, 64), (65, 96), (400, 416)])
def test_aligned_width_rounds_up_to_few_shapes(width: int, aligned: int) -> None:
    assert aligned_width(width) == aligned


def test_aligned_widths_cover_long_reviews_with_few_shapes() -> None:
    assert len({aligned_width(w) for w in range(1, 401)}) == 19


def test_pad_batch_align_pads_to_the_aligned_width_and_keeps_lengths() -> None:
    ids, lengths = pad_batch([np.arange(2, 12), np.array([5])], align=True)
    assert ids.shape == (2, 16) and lengths.tolist() == [10, 1]
    assert ids[0, :10].tolist() == list(range(2, 12)) and not ids[0, 10:].any() and not ids[1, 1:].any()


@pytest.mark.parametrize("seeded", [False, True])
@pytest.mark.parametrize(("n", "batch_size"), [(0, 4), (1, 4), (103, 8), (1000, 32)])
def test_length_buckets_cover_every_index_once(n: int, batch_size: int, seeded: bool) -> None:
    lengths = np.random.default_rng(0).integers(1, 400, size=n)
    rng = np.random.default_rng(1) if seeded else None
    batches = length_buckets(lengths, batch_size, rng)
    assert all(1 <= len(b) <= batch_size for b in batches)
    flat = np.concatenate(batches) if batches else np.array([], dtype=np.int64)
    assert sorted(flat.tolist()) == list(range(n))


def test_length_buckets_group_similar_lengths_and_shuffle_when_seeded() -> None:
    lengths = np.random.default_rng(0).integers(1, 400, size=2000)
    plain = length_buckets(lengths, 32)
    assert [lengths[b].max() for b in plain] == sorted(lengths[b].max() for b in plain)  # sorted order
    spread = np.mean([np.ptp(lengths[b]) for b in length_buckets(lengths, 32, np.random.default_rng(1))])
    assert spread < 40  # random batches would spread over ~370
    a = length_buckets(lengths, 32, np.random.default_rng(5))
    b = length_buckets(lengths, 32, np.random.default_rng(5))
    c = length_buckets(lengths, 32, np.random.default_rng(6))
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    assert not all(np.array_equal(x, y) for x, y in zip(a, c, strict=True))


def test_sequence_config_validation_and_round_trip() -> None:
    cfg = SequenceConfig(max_len=100, truncate="tail")
    assert SequenceConfig.from_dict(cfg.to_dict()) == cfg
    with pytest.raises(UsageError, match="headtail"):
        SequenceConfig(truncate="middle")
    with pytest.raises(UsageError):
        SequenceConfig(max_len=0)
    with pytest.raises(UsageError, match="valid keys"):
        SequenceConfig.from_dict({"maxlen": 3})
