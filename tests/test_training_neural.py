"""Neural training loop (determinism, early stopping, Ctrl-C, pretrained vectors) and word-vector loading."""

from __future__ import annotations

import gzip
import os
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sentikit.errors import DataError, Interrupted, UsageError
from sentikit.features.sequences import SequenceConfig, build_vocabulary, encode, pad_batch
from sentikit.models.config import NeuralConfig
from sentikit.models.numpy_forward import forward_numpy
from sentikit.models.vectors import read_word_vectors
from sentikit.splits import stratified_split
from sentikit.training.neural import NeuralResult, TrainConfig, train_neural
from sentikit.training.run import check_finite

LABELS = ["neg", "pos"]
TIMING_KEYS = {"seconds", "docs_per_s"}


pytestmark = pytest.mark.usefixtures("torch_single_thread")


def corpus(n: int, seed: int) -> tuple[list[list[str]], list[int]]:
    """Filler words plus one sentiment word per doc: "good"/"great" -> pos, "bad"/"awful" -> neg."""
    rng = np.random.default_rng(seed)
    filler = [f"w{i}" for i in range(30)]
    docs, y = [], []
    for _ in range(n):
        label = int(rng.integers(0, 2))
        doc = list(rng.choice(filler, size=int(rng.integers(2, 10))))
        doc.insert(
            int(rng.integers(0, len(doc) + 1)),
            str(rng.choice(["good", "great"] if label else ["bad", "awful"])),
        )
        docs.append(doc)
        y.append(label)
    return docs, y


TRAIN = corpus(200, 0)
DEV = corpus(60, 1)
SMALL = NeuralConfig(arch="gru", embed_dim=16, hidden_size=16, dropout=0.1)
SEQ = SequenceConfig(min_count=1, max_len=20)


def train(
    model_cfg: NeuralConfig = SMALL, on_event: Any = None, pretrained: np.ndarray | None = None, **kw: Any
) -> NeuralResult:
    # refit off: most tests look at the early-stopped run itself; the refit tests switch it on.
    cfg = TrainConfig(**{"epochs": 3, "batch_size": 16, "lr": 0.01, "refit": False, **kw})
    return train_neural(*TRAIN, *DEV, LABELS, model_cfg, SEQ, cfg, on_event=on_event, pretrained=pretrained)


def strip_timing(history: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in row.items() if k not in TIMING_KEYS} for row in history]


def test_training_learns_and_returns_best_weights_usable_by_numpy() -> None:
    events: list[dict[str, Any]] = []
    result = train(on_event=events.append, epochs=4, patience=4)
    assert not result.interrupted and len(result.history) == 4
    assert result.dev_metrics is not None and result.dev_metrics["accuracy"] >= 0.9
    best = max(result.history, key=lambda row: row["dev_macro_f1"])
    assert result.best_epoch == best["epoch"] and result.dev_metrics["macro_f1"] == best["dev_macro_f1"]
    assert set(result.history[0]) == {
        "epoch",
        "train_loss",
        "dev_loss",
        "dev_accuracy",
        "dev_macro_f1",
        "grad_norm",
        "seconds",
        "docs_per_s",
    }
    assert {e["event"] for e in events} == {"stage", "epoch_start", "batch", "epoch_end"}
    assert events[0]["event"] == "stage" and events[0]["stage"].startswith(("training on cpu", "training on cuda"))
    assert events[1] == {"event": "epoch_start", "epoch": 1, "batches": 13, "phase": "train"}
    assert result.n_parameters == sum(w.size for w in result.weights.values())
    assert all(w.dtype == np.float32 for w in result.weights.values())

    # The saved weights are the best epoch's: the numpy path reproduces the reported dev accuracy.
    index = {w: i for i, w in enumerate(result.vocab)}
    ids, lengths = pad_batch(encode(DEV[0], index, SEQ)[0])
    pred = forward_numpy(SMALL, result.weights, ids, lengths).argmax(1)
    assert np.mean(pred == np.array(DEV[1])) == pytest.approx(result.dev_metrics["accuracy"])


@pytest.mark.parametrize("arch", ["conv1d", "bilstm"])
def test_identical_runs_give_identical_history(arch: str) -> None:
    cfg = NeuralConfig(arch=arch, embed_dim=16, hidden_size=16, conv_filters=8, dropout=0.3)
    a, b = train(cfg, epochs=2), train(cfg, epochs=2)
    assert strip_timing(a.history) == strip_timing(b.history)
    assert all(np.array_equal(a.weights[k], b.weights[k]) for k in a.weights)
    c = train(cfg, epochs=2, seed=99)
    assert strip_timing(c.history) != strip_timing(a.history)


def test_weight_average_is_evaluated_and_saved_without_changing_training() -> None:
    plain, averaged = train(epochs=3, patience=3), train(epochs=3, patience=3, ema=0.9)
    # Training itself never sees the average: the per-epoch train losses are identical ...
    assert [r["train_loss"] for r in averaged.history] == [r["train_loss"] for r in plain.history]
    # ... while dev metrics and the saved weights come from the averaged network.
    assert [r["dev_loss"] for r in averaged.history] != [r["dev_loss"] for r in plain.history]
    assert not np.array_equal(averaged.weights["head.weight"], plain.weights["head.weight"])
    index = {w: i for i, w in enumerate(averaged.vocab)}
    ids, lengths = pad_batch(encode(DEV[0], index, SEQ)[0])
    pred = forward_numpy(SMALL, averaged.weights, ids, lengths).argmax(1)
    assert averaged.dev_metrics is not None
    assert np.mean(pred == np.array(DEV[1])) == pytest.approx(averaged.dev_metrics["accuracy"])


@pytest.mark.parametrize("ema", [-0.1, 1.0, True, "0.9"])
def test_invalid_weight_average_decay_is_a_usage_error(ema: Any) -> None:
    with pytest.raises(UsageError, match="ema"):
        TrainConfig(ema=ema)


def test_early_stopping_after_patience_epochs_without_improvement() -> None:
    # lr=0 leaves the network untouched, so dev macro-F1 never improves after epoch 1.
    result = train(epochs=8, patience=2, lr=1e-12, weight_decay=0.0)
    assert [row["epoch"] for row in result.history] == [1, 2, 3]
    assert result.best_epoch == 1


@pytest.mark.parametrize(("preset", "expected"), [(None, "16"), ("256", "256")])
def test_training_bounds_the_onednn_primitive_cache_unless_the_user_set_it(
    monkeypatch: pytest.MonkeyPatch, preset: str | None, expected: str
) -> None:
    # The cache held a primitive per batch shape and took a Conv1D on IMDB past 2 GB (benchmarks/
    # batch_shapes_memory.py); oneDNN reads the variable when it builds its first primitive.
    if preset is None:
        monkeypatch.delenv("ONEDNN_PRIMITIVE_CACHE_CAPACITY", raising=False)
    else:
        monkeypatch.setenv("ONEDNN_PRIMITIVE_CACHE_CAPACITY", preset)
    train(epochs=1)
    assert os.environ["ONEDNN_PRIMITIVE_CACHE_CAPACITY"] == expected


def test_ctrl_c_keeps_best_weights_and_reports_interrupted() -> None:
    def interrupt_in_epoch_2(event: dict[str, Any]) -> None:
        if event["event"] == "batch" and event["epoch"] == 2 and event["batch"] == 3:
            raise KeyboardInterrupt

    result = train(on_event=interrupt_in_epoch_2, epochs=5)
    assert result.interrupted and result.best_epoch == 1 and len(result.history) == 1
    assert result.weights and result.dev_metrics is not None


@pytest.mark.parametrize("batch", [1, 13])  # the first batch, the last one (the epoch's dev scoring is next)
def test_ctrl_c_before_the_first_epoch_ended_returns_no_weights(batch: int) -> None:
    """A network interrupted before its first dev score is close to its random start: keeping it would
    replace a good model with a useless one, so there is nothing to return."""
    def interrupt_in_epoch_1(event: dict[str, Any]) -> None:
        if event["event"] == "batch" and event["batch"] == batch:
            raise KeyboardInterrupt

    with pytest.raises(Interrupted, match="interrupted before the first epoch ended; nothing was saved"):
        train(on_event=interrupt_in_epoch_1)


@pytest.mark.parametrize("extra", [{}, {"clip": 0.0}, {"ema": 0.9}, {"refit": True}])
def test_a_diverging_run_is_a_data_error_not_a_model_of_nans(extra: dict[str, Any]) -> None:
    # lr 1e30 is a finite, valid setting; the weights it produces are not.
    with pytest.raises(DataError, match=r"training diverged: .* became (nan|inf) .*; nothing was saved"):
        train(**{"lr": 1e30, **extra})


def test_weights_that_are_not_finite_are_refused() -> None:
    weights = {"embedding.weight": np.ones((3, 2), np.float32), "head.bias": np.array([0.0, np.nan], np.float32)}
    with pytest.raises(DataError, match=r"the weights head\.bias are not finite"):
        check_finite(weights)
    check_finite({"head.bias": np.zeros(2, np.float32)})


def test_refit_learns_the_words_and_class_balance_of_train_and_dev(monkeypatch: pytest.MonkeyPatch) -> None:
    """The refitted network is fresh in its vocabulary and class weights too: a word that only the dev documents
    have gets its own id, and "balanced" weighs the classes of train + dev."""
    from sentikit.training import neural

    weighed: list[np.ndarray] = []
    real = neural._class_weights

    def recorded(y: np.ndarray, n_classes: int, mode: str) -> Any:
        weighed.append(np.bincount(y, minlength=n_classes))
        return real(y, n_classes, mode)

    monkeypatch.setattr(neural, "_class_weights", recorded)
    dev_docs = [[*doc, "devonly"] for doc in DEV[0]]
    cfg = TrainConfig(epochs=2, batch_size=16, lr=0.01, refit=True, class_weight="balanced")
    first = train_neural(*TRAIN, dev_docs, DEV[1], LABELS, SMALL, SEQ, replace(cfg, refit=False))
    refit = train_neural(*TRAIN, dev_docs, DEV[1], LABELS, SMALL, SEQ, cfg)
    assert "devonly" not in first.vocab and "devonly" in refit.vocab
    assert refit.weights["embedding.weight"].shape[0] == len(refit.vocab) == len(first.vocab) + 1
    assert refit.n_parameters == sum(w.size for w in refit.weights.values()) == first.n_parameters + SMALL.embed_dim
    everything = np.bincount(np.array(TRAIN[1] + DEV[1]), minlength=2)
    assert [w.tolist() for w in weighed[-2:]] == [np.bincount(TRAIN[1], minlength=2).tolist(), everything.tolist()]


def test_refit_trains_a_fresh_network_on_train_and_dev_for_the_best_epoch_count() -> None:
    events: list[dict[str, Any]] = []
    plain = train(epochs=4)
    refit = train(epochs=4, refit=True, on_event=events.append)
    # The first run is the same; only the returned weights come from the second, longer-data run.
    assert strip_timing(refit.history) == strip_timing(plain.history)
    assert (refit.best_epoch, refit.dev_metrics) == (plain.best_epoch, plain.dev_metrics)
    assert plain.fit_rows is None and refit.fit_rows == len(TRAIN[0]) + len(DEV[0])
    assert refit.weights.keys() == plain.weights.keys()
    assert any(not np.array_equal(refit.weights[k], plain.weights[k]) for k in plain.weights)
    refit_epochs = [e for e in events if e["event"] == "refit_epoch_end"]
    assert [e["epoch"] for e in refit_epochs] == list(range(1, plain.best_epoch + 1))
    assert {e["phase"] for e in events if e["event"] == "batch"} == {"train", "refit"}
    # Deterministic like the first run, and a useful model: it still separates the dev set.
    again = train(epochs=4, refit=True)
    assert all(np.array_equal(again.weights[k], refit.weights[k]) for k in refit.weights)
    index = {w: i for i, w in enumerate(refit.vocab)}
    ids, lengths = pad_batch(encode(DEV[0], index, SEQ)[0])
    assert np.mean(forward_numpy(SMALL, refit.weights, ids, lengths).argmax(1) == np.array(DEV[1])) >= 0.9


def test_ctrl_c_during_refit_keeps_the_first_runs_best_weights() -> None:
    plain = train(epochs=3)

    def interrupt_refit(event: dict[str, Any]) -> None:
        if event["event"] == "batch" and event["phase"] == "refit" and event["batch"] == 2:
            raise KeyboardInterrupt

    events: list[dict[str, Any]] = []

    def record(event: dict[str, Any]) -> None:
        events.append(event)
        interrupt_refit(event)

    result = train(epochs=3, refit=True, on_event=record)
    assert result.interrupted and result.fit_rows is None and result.best_epoch == plain.best_epoch
    assert all(np.array_equal(result.weights[k], plain.weights[k]) for k in plain.weights)
    assert events[-1] == {"event": "stage", "stage": "refit interrupted: the saved weights are the first run's, "
                                                     "fitted on the train part only"}


def test_ctrl_c_while_setting_up_says_nothing_was_saved(monkeypatch: pytest.MonkeyPatch) -> None:
    """Before the first batch (vocabulary, batches, network): the same message as during the first epoch."""
    import sentikit.training.neural as neural

    def interrupted(*args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(neural, "start_run", interrupted)
    with pytest.raises(Interrupted, match="interrupted before the first epoch ended; nothing was saved"):
        train()


@pytest.mark.parametrize("refit", ["yes", 1, None])
def test_invalid_refit_is_a_usage_error(refit: Any) -> None:
    with pytest.raises(UsageError, match="invalid refit"):
        TrainConfig(refit=refit)


def test_without_dev_set_a_stratified_share_is_held_out() -> None:
    cfg = TrainConfig(epochs=1, batch_size=16, dev_fraction=0.25)
    result = train_neural(*TRAIN, None, None, LABELS, SMALL, SEQ, cfg)
    _, dev_idx = stratified_split(TRAIN[1], 0.25, cfg.seed)  # the split `sentikit train` would carve
    assert result.dev_metrics is not None and result.dev_metrics["n"] == len(dev_idx) == 50
    with pytest.raises(DataError, match="too small to carve a dev split"):  # one document per class
        train_neural([["good"], ["bad"]], [1, 0], None, None, LABELS, SMALL, SEQ, cfg)


def test_an_empty_vocabulary_is_a_data_error() -> None:
    # Every token is rarer than min_count: the net would see nothing but <unk>, and a linear model refuses it too.
    with pytest.raises(DataError, match="empty vocabulary"):
        train_neural(*TRAIN, *DEV, LABELS, SMALL, SequenceConfig(min_count=10**6), TrainConfig(epochs=1))


def test_balanced_class_weights_and_bad_inputs() -> None:
    assert train(epochs=1, class_weight="balanced").history
    with pytest.raises(UsageError):
        train_neural(TRAIN[0], [5] * len(TRAIN[0]), *DEV, LABELS, SMALL, SEQ, TrainConfig(epochs=1))
    with pytest.raises(UsageError):
        TrainConfig(class_weight="inverse")
    with pytest.raises(UsageError, match="shape"):
        train(epochs=1, pretrained=np.zeros((3, 16), dtype=np.float32))


def write_vectors(path: Path, lines: list[str]) -> Path:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wt", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("name", ["vectors.vec", "vectors.vec.gz"])
def test_read_word_vectors(tmp_path: Path, name: str) -> None:
    path = write_vectors(
        tmp_path / name, ["3 4", "good 1 2 3 4 ", "bad -1 0 0.5 2", "unused 0 0 0 0", "good 9 9 9 9"]
    )
    vocab = ["<pad>", "<unk>", "good", "bad", "film"]
    matrix, read = read_word_vectors(path, vocab, 4)
    assert matrix.shape == (5, 4) and matrix.dtype == np.float32 and read.found == 2
    assert matrix[2].tolist() == [1, 2, 3, 4]  # first occurrence wins
    assert matrix[3].tolist() == [-1, 0, 0.5, 2]
    assert not matrix[0].any()  # PAD stays zero
    assert matrix[4].any() and np.array_equal(read_word_vectors(path, vocab, 4)[0], matrix)  # seeded init


def test_read_word_vectors_without_header(tmp_path: Path) -> None:
    path = write_vectors(tmp_path / "v.vec", ["good 1 2", "bad 3 4"])
    matrix, read = read_word_vectors(path, ["<pad>", "<unk>", "bad"], 2)
    assert read.found == 1 and matrix[2].tolist() == [3, 4]


@pytest.mark.parametrize("name", ["v.vec", "v.vec.gz"])
@pytest.mark.parametrize("header", [["2 2"], []])
def test_read_word_vectors_skips_a_byte_order_mark(tmp_path: Path, name: str, header: list[str]) -> None:
    # Windows editors start UTF-8 files with a BOM; it belongs to neither the header nor the first word.
    path = write_vectors(tmp_path / name, ["\ufeff" + "\n".join([*header, "good 1 2"]), "bad 3 4"])
    matrix, read = read_word_vectors(path, ["<pad>", "<unk>", "good", "bad"], 2)
    assert read.found == 2 and matrix[2].tolist() == [1, 2] and matrix[3].tolist() == [3, 4]


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (["2 5", "good 1 2 3"], "v.vec:1: file has 5-dimensional vectors, expected 3"),
        (["good 1 2 3", "bad 1 2"], "v.vec:2: expected a word and 3 numbers, found 2"),
        (["good 1 2 3", "bad 1 x 3"], "v.vec:2: malformed number"),
        (["2 3", "good nan nan nan", "bad 1 2 3"], "v.vec:2: non-finite number in the vector of 'good'"),
        (["good 1 2 3", "bad 1 -inf 3"], "v.vec:2: non-finite number in the vector of 'bad'"),
        (["good 1 2 3", "bad 1 1e39 3"], "v.vec:2: number beyond the float32 range in the vector of 'bad'"),
    ],
)
def test_malformed_word_vectors_name_file_and_line(tmp_path: Path, lines: list[str], message: str) -> None:
    path = write_vectors(tmp_path / "v.vec", lines)
    with pytest.raises(DataError, match=re.escape(message)):
        read_word_vectors(path, ["<pad>", "<unk>", "good", "bad"], 3)


def test_word_vector_file_errors(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no such word-vector file"):
        read_word_vectors(tmp_path / "missing.vec", ["<pad>"], 3)
    bad = tmp_path / "latin1.vec"
    bad.write_bytes(b"good 1 2 3\nb\xe9d 1 2 3\n")
    with pytest.raises(DataError, match=re.escape("latin1.vec:2: not valid UTF-8")):
        read_word_vectors(bad, ["<pad>", "<unk>", "good"], 3)


def test_pretrained_vectors_initialise_the_embedding(tmp_path: Path) -> None:
    vocab = build_vocabulary(TRAIN[0], SEQ)
    path = write_vectors(tmp_path / "v.vec", [f"{w} " + " ".join(["0.5"] * 16) for w in ("good", "bad")])
    matrix, read = read_word_vectors(path, vocab, 16)
    assert read.found == 2
    result = train(pretrained=matrix, epochs=1, lr=1e-12, weight_decay=0.0)
    np.testing.assert_allclose(result.weights["embedding.weight"], matrix, atol=1e-6)
