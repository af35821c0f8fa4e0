"""Training loop for the neural classifiers: batching, optimisation, early stopping, best-epoch weights.

`train_neural` turns token lists into a trained network's vocabulary and float32 weights (state_dict names),
so the caller can save them and predict later with the torch-free numpy path. It never prints and never
imports the CLI stack: progress goes out as plain dicts through `on_event`. It also never looks at the
architecture name; `sentikit.models.nets.build_model` is the only place that does.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from sentikit.errors import DataError, Interrupted, UsageError
from sentikit.features.sequences import SequenceConfig, build_vocabulary, encode
from sentikit.models.config import NeuralConfig
from sentikit.models.nets import count_parameters
from sentikit.splits import stratified_split
from sentikit.training.config import TrainConfig
from sentikit.training.run import EventHandler, check_finite, diverged, evaluate, snapshot, start_run, train_epoch


@dataclass
class NeuralResult:
    """What training produced: the weights of `best_epoch` (>= 1) and their dev metrics, or with refit the
    weights of the network refitted on train + dev."""

    vocab: list[str]
    weights: dict[str, np.ndarray]
    history: list[dict[str, Any]] = field(default_factory=list)
    best_epoch: int = 0
    dev_metrics: dict[str, Any] = field(default_factory=dict)
    n_parameters: int = 0
    interrupted: bool = False
    device: str = "cpu"  # what trained it, as `describe_device` says: "cpu (2 threads)", "cuda (NVIDIA H100 …)"
    fit_rows: int | None = None  # documents the returned weights were fitted on, when refit on train + dev


def resolve_device(name: str) -> torch.device:
    """The torch device for `TrainConfig.device`; a UsageError when "cuda" is asked for and there is none."""
    if name == "cuda" and not torch.cuda.is_available():
        raise UsageError("device 'cuda' requested but no CUDA GPU is available", hint="use --device cpu")
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    return torch.device(name)


def describe_device(device: torch.device) -> str:
    """The device in words for the progress line and the manifest: a GPU by its name (`--device auto` picks
    one silently), the CPU by the threads torch uses (`--threads`, else torch's default)."""
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    threads = torch.get_num_threads()
    return f"{device.type} ({threads} thread{'s' if threads != 1 else ''})"


def _class_weights(y: np.ndarray, n_classes: int, mode: str) -> torch.Tensor | None:
    """sklearn-style "balanced" weights n / (C * count_c); absent classes get 0 (they never occur)."""
    if mode == "none":
        return None
    counts = np.bincount(y, minlength=n_classes).astype(np.float64)
    weights = np.where(counts > 0, len(y) / (n_classes * np.maximum(counts, 1)), 0.0)
    return torch.tensor(weights, dtype=torch.float32)


# oneDNN, torch's CPU convolution backend, caches a primitive per layer, direction and input shape, each with its
# own buffers, up to 1,024 of them. Length-bucketed batches come in dozens of widths, so on IMDB the cache alone
# took a Conv1D's peak RSS past 2 GB at --max-len 800. 16 entries keep it bounded; the epochs' CPU time and every
# result stayed the same (benchmarks in CHANGELOG). oneDNN reads the variable when it builds its first
# primitive, so it is set before training starts; a value the user set wins.
_ONEDNN_CACHE = ("ONEDNN_PRIMITIVE_CACHE_CAPACITY", "16")


def train_neural(
    train_docs: list[list[str]],
    train_y: list[int],
    dev_docs: list[list[str]] | None,
    dev_y: list[int] | None,
    labels: list[str],
    model_cfg: NeuralConfig,
    seq_cfg: SequenceConfig,
    train_cfg: TrainConfig,
    on_event: EventHandler | None = None,
    pretrained: np.ndarray | None = None,
) -> NeuralResult:
    """Train `model_cfg.arch` on tokenised documents and return the best-dev-macro-F1 weights.

    Without a dev set (`dev_docs` None or empty) a stratified `train_cfg.dev_fraction` of train is held out.
    With `train_cfg.refit` a fresh network is then trained on train + dev for the best epoch count, and its
    weights are returned instead (`dev_metrics` and `history` still describe the first, early-stopped run).
    `pretrained` is an optional (V, embed_dim) embedding matrix whose rows follow
    `build_vocabulary(train_docs, seq_cfg)` (deterministic; see `sentikit.models.vectors`).
    Ctrl-C stops training cleanly: the result has `interrupted=True` and the best weights so far. Before the
    first epoch has been scored there are none worth keeping (the network is close to its random start), so
    Ctrl-C then raises `Interrupted` and the caller saves nothing.
    A loss, gradient or weight that is no longer finite (a diverging learning rate) raises a DataError:
    a model of NaNs must never be saved.
    """
    emit = on_event or (lambda event: None)
    n_classes = len(labels)
    if len(train_docs) != len(train_y) or (dev_docs and (dev_y is None or len(dev_docs) != len(dev_y))):
        raise UsageError("documents and labels differ in length")
    if not train_docs:
        raise UsageError("no training documents")
    if any(not 0 <= label < n_classes for label in [*train_y, *(dev_y or [])]):
        raise UsageError(f"labels must be class indices in 0..{n_classes - 1}")

    try:  # Ctrl-C while the vocabulary, the batches or the network are set up: before any epoch, as below
        return _train(train_docs, train_y, dev_docs, dev_y, labels, model_cfg, seq_cfg, train_cfg, emit, pretrained)
    except KeyboardInterrupt as exc:
        raise Interrupted(_NOTHING_SAVED) from exc


_NOTHING_SAVED = "interrupted before the first epoch ended; nothing was saved"


def _train(train_docs: list[list[str]], train_y: list[int], dev_docs: list[list[str]] | None,
           dev_y: list[int] | None, labels: list[str], model_cfg: NeuralConfig, seq_cfg: SequenceConfig,
           train_cfg: TrainConfig, emit: EventHandler, pretrained: np.ndarray | None) -> NeuralResult:
    n_classes = len(labels)
    os.environ.setdefault(*_ONEDNN_CACHE)
    if train_cfg.threads is not None:
        torch.set_num_threads(train_cfg.threads)
    device = resolve_device(train_cfg.device)
    emit({"event": "stage", "stage": f"training on {describe_device(device)}"})

    # The vocabulary comes from the training documents as passed, before any dev hold-out, so that
    # `pretrained` rows can be aligned by the caller with `build_vocabulary(train_docs, seq_cfg)`.
    vocab = build_vocabulary(train_docs, seq_cfg)
    if len(vocab) <= 2:  # only <pad> and <unk>: every document would read as unknown words
        raise DataError("no tokens left to learn from (empty vocabulary: no token is seen --min-count times, or "
                        "the preprocessed texts are empty)", hint="lower --min-count, or keep stopwords")
    dev_given = bool(dev_docs)  # else carved from train_docs, whose vocabulary already counts its words
    if not dev_given:  # the same seeded, stratified hold-out as `sentikit train` (DataError if too small)
        train_idx, dev_idx = stratified_split(train_y, train_cfg.dev_fraction, train_cfg.seed)
        dev_docs, dev_y = [train_docs[i] for i in dev_idx], [train_y[i] for i in dev_idx]
        train_docs, train_y = [train_docs[i] for i in train_idx], [train_y[i] for i in train_idx]

    index = {word: i for i, word in enumerate(vocab)}
    train_seqs, train_lengths = encode(train_docs, index, seq_cfg)
    dev_seqs, dev_lengths = encode(dev_docs, index, seq_cfg)
    y_train = np.asarray(train_y, dtype=np.int64)
    y_dev = np.asarray(dev_y, dtype=np.int64)
    class_weights = _class_weights(y_train, n_classes, train_cfg.class_weight)
    if class_weights is not None:
        class_weights = class_weights.to(device)

    rng = np.random.default_rng(train_cfg.seed)
    run = start_run(model_cfg, len(vocab), n_classes, train_cfg, len(train_docs), device, pretrained)
    result = NeuralResult(vocab=vocab, weights={}, n_parameters=count_parameters(run.model),
                          device=describe_device(device))
    best_f1 = -1.0
    stale = 0
    try:
        for epoch in range(1, train_cfg.epochs + 1):
            started = time.perf_counter()
            stats = train_epoch(run, (train_seqs, train_lengths, y_train), train_cfg, rng, class_weights,
                                 device, emit, epoch, "train")
            with run.weights_to_keep():
                dev_loss, report = evaluate(
                    run.model, dev_seqs, dev_lengths, y_dev, labels, max(256, train_cfg.batch_size), device
                )
                if not np.isfinite(dev_loss):
                    raise diverged(f"the dev loss became {dev_loss:g} after epoch {epoch}")
                improved = report["macro_f1"] > best_f1
                if improved:  # copy the weights that were just evaluated (the average, with --ema)
                    best_f1, stale = report["macro_f1"], 0
                    result.best_epoch, result.dev_metrics, result.weights = epoch, report, snapshot(run.model)
            row = {
                "epoch": epoch,
                "train_loss": stats["train_loss"],
                "dev_loss": dev_loss,
                "dev_accuracy": report["accuracy"],
                "dev_macro_f1": report["macro_f1"],
                "grad_norm": stats["grad_norm"],
                "seconds": time.perf_counter() - started,
                "docs_per_s": stats["docs_per_s"],
            }
            result.history.append(row)
            if not improved:
                stale += 1
            emit({"event": "epoch_end", **row})
            if stale >= train_cfg.patience:
                break
    except KeyboardInterrupt as exc:
        if not result.weights:
            raise Interrupted(_NOTHING_SAVED) from exc
        result.interrupted = True
    if train_cfg.refit and not result.interrupted and result.best_epoch > 0:
        del run
        all_y = np.concatenate([y_train, y_dev])
        # A fresh network on train + dev, with its own vocabulary (words that only the dev documents have, or
        # that reach --min-count only with them) and class weights. Word vectors' rows follow the first
        # vocabulary, so with them the refit keeps it; a dev split carved from train has it already.
        refit_vocab, seqs, lengths = vocab, train_seqs + dev_seqs, np.concatenate([train_lengths, dev_lengths])
        if dev_given and pretrained is None:
            refit_vocab = build_vocabulary(train_docs + dev_docs, seq_cfg)
            seqs, lengths = encode(train_docs + dev_docs, {word: i for i, word in enumerate(refit_vocab)}, seq_cfg)
        refit_weights = _class_weights(all_y, n_classes, train_cfg.class_weight)
        _refit(result, refit_vocab, (seqs, lengths, all_y), model_cfg, n_classes, train_cfg,
               None if refit_weights is None else refit_weights.to(device), device, pretrained, emit)
    check_finite(result.weights)
    return result


def _refit(result: NeuralResult, vocab: list[str], data: tuple[list[np.ndarray], np.ndarray, np.ndarray],
           model_cfg: NeuralConfig, n_classes: int, cfg: TrainConfig, class_weights: torch.Tensor | None,
           device: torch.device, pretrained: np.ndarray | None, emit: EventHandler) -> None:
    """Train a fresh network over `vocab` on train + dev (`data`, encoded with it) for `result.best_epoch`
    epochs, under the same schedule as the first run (it spans `cfg.epochs` epochs of the larger set), and put
    its weights and vocabulary into `result`. Ctrl-C here keeps the first run's weights (and vocabulary) and
    marks the result interrupted."""
    n_docs = len(data[0])
    emit({"event": "stage", "stage": f"refitting on train + dev ({n_docs} documents) for "
                                     f"{result.best_epoch} epoch(s)"})
    rng = np.random.default_rng(cfg.seed)
    run = start_run(model_cfg, len(vocab), n_classes, cfg, n_docs, device, pretrained)
    try:
        for epoch in range(1, result.best_epoch + 1):
            stats = train_epoch(run, data, cfg, rng, class_weights, device, emit, epoch, "refit")
            emit({"event": "refit_epoch_end", "epoch": epoch, **stats})
    except KeyboardInterrupt:
        emit({"event": "stage", "stage": "refit interrupted: the saved weights are the first run's, fitted on the "
                                         "train part only"})
        result.interrupted = True
        return
    with run.weights_to_keep():
        result.weights = snapshot(run.model)
    result.vocab, result.fit_rows = vocab, n_docs
    result.n_parameters = count_parameters(run.model)  # its own vocabulary: another embedding size
