"""Training loop for the neural classifiers: batching, optimisation, early stopping, best-epoch weights.

`train_neural` turns token lists into a trained network's vocabulary and float32 weights (state_dict names),
so the caller can save them and predict later with the torch-free numpy path. It never prints and never
imports the CLI stack: progress goes out as plain dicts through `on_event`. It also never looks at the
architecture name; `sentikit.models.nets.build_model` is the only place that does.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import torch

from sentikit.configs import fraction_below_one, reject_unknown_keys
from sentikit.errors import UsageError
from sentikit.features.sequences import SequenceConfig, build_vocabulary, encode
from sentikit.models.config import NeuralConfig
from sentikit.models.nets import count_parameters
from sentikit.splits import stratified_split
from sentikit.training.run import EventHandler, evaluate, snapshot, start_run, train_epoch


@dataclass
class TrainConfig:
    """Optimisation settings (AdamW with decoupled weight decay, global-norm gradient clipping)."""

    epochs: int = 10  # the linear schedule reaches 0 at the last planned epoch; early stopping usually ends sooner
    batch_size: int = 64
    lr: float = 2e-3
    weight_decay: float = 0.01
    # "linear": the learning rate falls linearly from `lr` to 0 over the planned epochs * batches steps
    # (early stopping may end sooner); "constant" keeps it fixed.
    schedule: str = "linear"
    clip: float = 1.0  # max global gradient norm; 0 disables clipping
    # Exponential moving average of the weights (Polyak averaging), updated after every step; dev metrics,
    # early stopping and the saved model use the averaged weights. 0 disables it.
    ema: float = 0.0
    patience: int = 2  # stop after this many epochs without a better dev macro-F1
    class_weight: str = "none"  # "balanced" weighs the loss by inverse class frequency
    seed: int = 13
    device: str = "auto"  # auto -> cuda when available
    threads: int | None = None  # torch intra-op threads; None keeps torch's default
    dev_fraction: float = 0.1  # share of train held out as dev when no dev set is given
    # After early stopping, train a fresh network on train + dev for the best epoch count and save that one
    # (the dev split then only chooses the epoch count); costs about best_epoch more epochs. Off by default:
    # the refit network is never validated, and it follows its own trajectory. On short texts that trajectory
    # is stable and the extra data helps. Scored on a second held-out split (the protocol of
    # benchmarks/neural_tuning.py --held-out) on RuSentiTweet and SST-2, gru/lstm/conv1d, 3 splits: macro-F1
    # +0.64 points on average, better in 13 of 18, worst -1.46. On IMDB it did not help on dev (conv1d 91.00
    # vs 90.92 %, gru 90.08 vs 90.40 %), and the benchmark's IMDB rows (3-epoch cap, test) lost 0.9-2.6 points
    # for rnn, lstm and birnn.
    refit: bool = False

    def __post_init__(self) -> None:
        for name, low in (("epochs", 1), ("batch_size", 1), ("patience", 1)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise UsageError(f"invalid {name} {value!r}", hint=f"expected an integer >= {low}")
        if self.threads is not None and (
            isinstance(self.threads, bool) or not isinstance(self.threads, int) or self.threads < 1
        ):
            raise UsageError(f"invalid threads {self.threads!r}", hint="expected a positive integer")
        self.ema = fraction_below_one("ema", self.ema)
        if not self.lr > 0 or self.weight_decay < 0 or self.clip < 0:
            raise UsageError("lr must be > 0, weight_decay and clip >= 0")
        if not 0.0 < self.dev_fraction < 1.0:
            raise UsageError(
                f"invalid dev_fraction {self.dev_fraction!r}", hint="expected a number in (0, 1)"
            )
        if self.class_weight not in ("none", "balanced"):
            raise UsageError(
                f"invalid class_weight {self.class_weight!r}", hint="choose one of: none, balanced"
            )
        if self.schedule not in ("constant", "linear"):
            raise UsageError(f"invalid schedule {self.schedule!r}", hint="choose one of: constant, linear")
        if not isinstance(self.refit, bool):
            raise UsageError(f"invalid refit {self.refit!r}", hint="expected true or false")
        if self.device not in ("auto", "cpu", "cuda"):
            raise UsageError(f"invalid device {self.device!r}", hint="choose one of: auto, cpu, cuda")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        reject_unknown_keys(cls, data, "training")
        return cls(**data)


@dataclass
class NeuralResult:
    """What training produced. `weights` come from `best_epoch` (or the last state if no epoch finished,
    in which case `best_epoch` is 0 and `dev_metrics` is None)."""

    vocab: list[str]
    weights: dict[str, np.ndarray]
    history: list[dict[str, Any]] = field(default_factory=list)
    best_epoch: int = 0
    dev_metrics: dict[str, Any] | None = None
    n_parameters: int = 0
    interrupted: bool = False
    device: str = "cpu"
    fit_rows: int | None = None  # documents the returned weights were fitted on, when refit on train + dev


def _resolve_device(name: str) -> torch.device:
    if name == "cuda" and not torch.cuda.is_available():
        raise UsageError("device 'cuda' requested but no CUDA GPU is available", hint="use --device cpu")
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    return torch.device(name)


def _class_weights(y: np.ndarray, n_classes: int, mode: str) -> torch.Tensor | None:
    """sklearn-style "balanced" weights n / (C * count_c); absent classes get 0 (they never occur)."""
    if mode == "none":
        return None
    counts = np.bincount(y, minlength=n_classes).astype(np.float64)
    weights = np.where(counts > 0, len(y) / (n_classes * np.maximum(counts, 1)), 0.0)
    return torch.tensor(weights, dtype=torch.float32)


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
    Ctrl-C stops training cleanly: the result has `interrupted=True` and the best weights so far.
    """
    emit = on_event or (lambda event: None)
    n_classes = len(labels)
    if len(train_docs) != len(train_y) or (dev_docs and (dev_y is None or len(dev_docs) != len(dev_y))):
        raise UsageError("documents and labels differ in length")
    if not train_docs:
        raise UsageError("no training documents")
    if any(not 0 <= label < n_classes for label in [*train_y, *(dev_y or [])]):
        raise UsageError(f"labels must be class indices in 0..{n_classes - 1}")

    if train_cfg.threads is not None:
        torch.set_num_threads(train_cfg.threads)
    device = _resolve_device(train_cfg.device)

    # The vocabulary comes from the training documents as passed, before any dev hold-out, so that
    # `pretrained` rows can be aligned by the caller with `build_vocabulary(train_docs, seq_cfg)`.
    vocab = build_vocabulary(train_docs, seq_cfg)
    if not dev_docs:  # the same seeded, stratified hold-out as `sentikit train` (DataError if too small)
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
    result = NeuralResult(vocab=vocab, weights={}, n_parameters=count_parameters(run.model), device=device.type)
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
    except KeyboardInterrupt:
        result.interrupted = True
    if not result.weights:
        result.weights = snapshot(run.model)  # interrupted before any epoch finished: keep the current state
    if train_cfg.refit and not result.interrupted and result.best_epoch > 0:
        del run
        all_data = (train_seqs + dev_seqs, np.concatenate([train_lengths, dev_lengths]),
                    np.concatenate([y_train, y_dev]))
        _refit(result, all_data, model_cfg, n_classes, train_cfg, class_weights, device, pretrained, emit)
    return result


def _refit(result: NeuralResult, data: tuple[list[np.ndarray], np.ndarray, np.ndarray], model_cfg: NeuralConfig,
           n_classes: int, cfg: TrainConfig, class_weights: torch.Tensor | None, device: torch.device,
           pretrained: np.ndarray | None, emit: EventHandler) -> None:
    """Train a fresh network on train + dev for `result.best_epoch` epochs, under the same schedule as the
    first run (it spans `cfg.epochs` epochs of the larger set), and put its weights into `result`.
    Ctrl-C here keeps the first run's weights and marks the result interrupted."""
    n_docs = len(data[0])
    emit({"event": "stage", "stage": f"refitting on train + dev ({n_docs} documents) for "
                                     f"{result.best_epoch} epoch(s)"})
    rng = np.random.default_rng(cfg.seed)
    run = start_run(model_cfg, len(result.vocab), n_classes, cfg, n_docs, device, pretrained)
    try:
        for epoch in range(1, result.best_epoch + 1):
            stats = train_epoch(run, data, cfg, rng, class_weights, device, emit, epoch, "refit")
            emit({"event": "refit_epoch_end", "epoch": epoch, **stats})
    except KeyboardInterrupt:
        result.interrupted = True
        return
    with run.weights_to_keep():
        result.weights = snapshot(run.model)
    result.fit_rows = n_docs
