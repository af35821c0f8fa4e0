"""One optimisation run of a neural classifier: a seeded network with its optimiser, learning-rate schedule
and optional weight average (`start_run`), one pass over length-bucketed batches (`train_epoch`), evaluation on
a held-out set and float32 snapshots of the weights. `sentikit.training.neural` drives these through early
stopping and the optional refit.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from sentikit.errors import DataError, UsageError
from sentikit.features.sequences import PAD_ID, length_buckets, pad_batch
from sentikit.memory import available_memory
from sentikit.models.config import NeuralConfig
from sentikit.models.nets import build_model
from sentikit.models.numpy_forward import weight_shapes
from sentikit.training.metrics import classification_report
from sentikit.training.optim import AdamW, LinearDecay, clip_gradients

if TYPE_CHECKING:
    from sentikit.training.config import TrainConfig

EventHandler = Callable[[dict[str, Any]], None]
_DIVERGED_HINT = "try a smaller --lr, and keep gradient clipping on, e.g. --clip 1"


def diverged(what: str) -> DataError:
    """The error for a run whose numbers left the finite range: its weights are NaN or about to be."""
    return DataError(f"training diverged: {what}; nothing was saved", hint=_DIVERGED_HINT)


def check_finite(weights: dict[str, np.ndarray]) -> None:
    """Refuse weights holding NaN or infinity (the last step of a diverging run): they would predict NaN."""
    for name, array in weights.items():
        if not np.isfinite(array).all():
            raise diverged(f"the weights {name} are not finite numbers")


def to_tensors(
    seqs: list[np.ndarray], batch: np.ndarray, device: torch.device
) -> tuple[torch.Tensor, torch.Tensor]:
    ids, lengths = pad_batch([seqs[i] for i in batch], align=True)  # few distinct shapes: flat memory
    return torch.from_numpy(ids).to(device), torch.from_numpy(lengths).to(device)


@torch.no_grad()
def evaluate(
    model: nn.Module,
    seqs: list[np.ndarray],
    lengths: np.ndarray,
    y: np.ndarray,
    labels: list[str],
    batch_size: int,
    device: torch.device,
) -> tuple[float, dict[str, Any]]:
    """Mean (unweighted) cross-entropy and classification report on a held-out set."""
    model.eval()
    pred = np.zeros(len(y), dtype=np.int64)
    total_loss = 0.0
    for batch in length_buckets(lengths, batch_size):
        ids, lens = to_tensors(seqs, batch, device)
        logits = model(ids, lens)  # (B, C)
        target = torch.from_numpy(y[batch]).to(device)
        total_loss += F.cross_entropy(logits, target, reduction="sum").item()
        pred[batch] = logits.argmax(dim=1).cpu().numpy()
    return total_loss / len(y), classification_report(y.tolist(), pred.tolist(), labels)


def snapshot(model: nn.Module) -> dict[str, np.ndarray]:
    """state_dict as float32 numpy copies (later optimizer steps must not change them)."""
    return {name: t.detach().cpu().numpy().astype(np.float32) for name, t in model.state_dict().items()}


class WeightAverage:
    """Exponential moving average of a model's trainable parameters; `swapped_in` evaluates or snapshots with it.

    The decay warms up as min(decay, (1 + step) / (10 + step)) so the average does not stay anchored to
    the random initial weights during the first steps.
    """

    def __init__(self, params: list[nn.Parameter], decay: float) -> None:
        self.decay = decay
        self.steps = 0
        self.params = params  # the trainable parameters, as the optimiser sees them
        self.averaged = [p.detach().clone() for p in self.params]

    @torch.no_grad()
    def update(self) -> None:
        self.steps += 1
        decay = min(self.decay, (1 + self.steps) / (10 + self.steps))
        for avg, param in zip(self.averaged, self.params):
            avg.lerp_(param.detach(), 1.0 - decay)

    @contextmanager
    def swapped_in(self) -> Iterator[None]:
        """Within the block the model holds the averaged weights; the trained ones come back after."""
        with torch.no_grad():
            current = [p.detach().clone() for p in self.params]
            for param, avg in zip(self.params, self.averaged):
                param.copy_(avg)
        try:
            yield
        finally:
            with torch.no_grad():
                for param, saved in zip(self.params, current):
                    param.copy_(saved)


def _optimizer(model: nn.Module, cfg: TrainConfig) -> AdamW:
    # Decay matrices (embeddings, weights) but not biases, as in nanoGPT.
    params = [p for p in model.parameters() if p.requires_grad]
    groups = [
        {"params": [p for p in params if p.dim() >= 2], "weight_decay": cfg.weight_decay},
        {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0},
    ]
    return AdamW(groups, lr=cfg.lr)


@dataclass
class Run:
    """One network under optimisation: its optimiser, learning-rate schedule and optional weight average."""

    model: nn.Module
    optimizer: AdamW
    scheduler: LinearDecay | None
    average: WeightAverage | None
    params: list[nn.Parameter]

    def weights_to_keep(self) -> AbstractContextManager[None]:
        """The weights to evaluate and snapshot: the moving average with --ema (swapped in), else the model's."""
        return self.average.swapped_in() if self.average is not None else nullcontext()


def check_weights_fit(model_cfg: NeuralConfig, vocab_size: int, n_classes: int, cfg: TrainConfig,
                      available: int | None) -> None:
    """Refuse, before allocating anything, a network whose weights and their training state alone need more than
    the `available` bytes: Linux hands out pages as they are first written, so such a run could otherwise be
    killed part-way through without a word (conv1d over one-hot words with a large vocabulary or many widths).

    Per float32 weight, training holds the weight, its gradient, AdamW's two moments and the best epoch's
    snapshot (and an --ema copy): 20-24 bytes. Activations come on top, so this is a floor, not an estimate."""
    if available is None:
        return
    n_weights = sum(math.prod(shape) for shape in weight_shapes(model_cfg, vocab_size, n_classes).values())
    needed = n_weights * 4 * (6 if cfg.ema > 0 else 5)
    if needed <= available:
        return
    if not model_cfg.has_embedding:  # conv1d over one-hot words: vocabulary x filters x window offsets
        hint = "lower --max-vocab or --conv-filters, use fewer or narrower --conv-widths, or --conv-input embedding"
    elif model_cfg.cell is None:
        hint = "lower --max-vocab, --embed-dim or --conv-filters, or use fewer or narrower --conv-widths"
    else:
        hint = "lower --max-vocab, --embed-dim, --hidden-size or --layers"
    if cfg.ema > 0:
        hint += "; --ema keeps one more copy of every weight"
    raise DataError(f"{model_cfg.arch} has {n_weights:,} weights, which need at least {needed / 2**30:.1f} GiB to "
                    f"train, but only {available / 2**30:.1f} GiB of memory is available", hint=hint)


def start_run(model_cfg: NeuralConfig, vocab_size: int, n_classes: int, cfg: TrainConfig, n_docs: int,
               device: torch.device, pretrained: np.ndarray | None) -> Run:
    """A freshly initialised network (seeded) whose schedule spans `cfg.epochs` epochs of `n_docs` documents."""
    if device.type == "cpu":  # a GPU says so itself, with torch.cuda.OutOfMemoryError, as it allocates
        check_weights_fit(model_cfg, vocab_size, n_classes, cfg, available_memory())
    torch.manual_seed(cfg.seed)
    model = build_model(model_cfg, vocab_size, n_classes).to(device)
    if pretrained is not None:
        embedding: nn.Embedding = model.embedding  # networks with `has_embedding` do (only they get vectors)
        if pretrained.shape != tuple(embedding.weight.shape):
            raise UsageError(
                f"pretrained vectors have shape {pretrained.shape}, expected {tuple(embedding.weight.shape)}"
            )
        with torch.no_grad():
            embedding.weight.copy_(torch.from_numpy(np.asarray(pretrained, dtype=np.float32)))
            embedding.weight[PAD_ID].zero_()
    optimizer = _optimizer(model, cfg)
    total_steps = cfg.epochs * max(1, -(-n_docs // cfg.batch_size))
    scheduler = LinearDecay(optimizer, total_steps) if cfg.schedule == "linear" else None
    params = [p for p in model.parameters() if p.requires_grad]
    average = WeightAverage(params, cfg.ema) if cfg.ema > 0 else None
    return Run(model, optimizer, scheduler, average, params)


def train_epoch(run: Run, data: tuple[list[np.ndarray], np.ndarray, np.ndarray], cfg: TrainConfig,
                 rng: np.random.Generator, class_weights: torch.Tensor | None, device: torch.device,
                 emit: EventHandler, epoch: int, phase: str) -> dict[str, float]:
    """One pass over (sequences, lengths, labels) in length buckets; returns loss, gradient norm and speed."""
    seqs, lengths, y = data
    max_norm = cfg.clip if cfg.clip > 0 else float("inf")  # inf: measure the norm, clip nothing
    started = time.perf_counter()
    batches = length_buckets(lengths, cfg.batch_size, rng)
    emit({"event": "epoch_start", "epoch": epoch, "batches": len(batches), "phase": phase})
    run.model.train()
    loss_sum, norm_sum, seen = 0.0, 0.0, 0
    for i, batch in enumerate(batches, start=1):
        ids, batch_lengths = to_tensors(seqs, batch, device)
        target = torch.from_numpy(y[batch]).to(device)
        loss = F.cross_entropy(run.model(ids, batch_lengths), target, weight=class_weights)
        run.optimizer.zero_grad()
        loss.backward()
        norm = clip_gradients(run.params, max_norm)  # pre-clip global norm
        loss_value = loss.item()  # one device-to-host read per batch
        # Checked before the step, which a NaN or infinite gradient would spread to every weight.
        for what, value in (("training loss", loss_value), ("gradient norm", norm)):
            if not math.isfinite(value):
                where = f"epoch {epoch}, batch {i}" + (" of the refit" if phase == "refit" else "")
                raise diverged(f"the {what} became {value:g} in {where}")
        norm_sum += norm
        run.optimizer.step()
        if run.scheduler is not None:
            run.scheduler.step()
        if run.average is not None:
            run.average.update()
        loss_sum += loss_value * len(batch)
        seen += len(batch)
        emit({"event": "batch", "epoch": epoch, "batch": i, "batches": len(batches), "loss": loss_value,
              "docs_per_s": seen / (time.perf_counter() - started), "phase": phase})
    seconds = time.perf_counter() - started
    return {"train_loss": loss_sum / seen, "grad_norm": norm_sum / len(batches), "train_seconds": seconds,
            "docs_per_s": seen / seconds}
