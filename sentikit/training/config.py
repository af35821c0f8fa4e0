"""Optimisation settings of the neural classifiers: the one place where their defaults live.

Torch-free, like `sentikit.models.config`: `sentikit train --arch logreg --schedule foo` must be refused before
any data is read, without paying for a torch import the linear models never need.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sentikit.configs import checked_seed, finite_number, fraction_below_one, reject_unknown_keys
from sentikit.errors import UsageError

DEVICES: tuple[str, ...] = ("auto", "cpu", "cuda")
SCHEDULES: tuple[str, ...] = ("linear", "constant")
CLASS_WEIGHTS: tuple[str, ...] = ("none", "balanced")
DEV_FRACTION = 0.1  # share of the training data held out as dev when no dev set is given


LR_MAX = 1e30  # well inside float32 (3.4e38), where the optimiser takes its step


@dataclass(frozen=True)
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
    dev_fraction: float = DEV_FRACTION  # used only when train_neural is given no dev set
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
        object.__setattr__(self, "seed", checked_seed(self.seed))
        object.__setattr__(self, "ema", fraction_below_one("ema", self.ema))
        # At most LR_MAX: a rate beyond float32's range cannot even be applied (torch raises an overflow error).
        object.__setattr__(self, "lr", finite_number("lr", self.lr, low=0.0, low_open=True, high=LR_MAX))
        object.__setattr__(self, "weight_decay", finite_number("weight_decay", self.weight_decay, low=0.0))
        object.__setattr__(self, "clip", finite_number("clip", self.clip, low=0.0))
        dev_fraction = finite_number("dev_fraction", self.dev_fraction, low=0.0, high=1.0, low_open=True,
                                     high_open=True)
        object.__setattr__(self, "dev_fraction", dev_fraction)
        for name, choices in (("class_weight", CLASS_WEIGHTS), ("schedule", SCHEDULES), ("device", DEVICES)):
            value = getattr(self, name)
            if value not in choices:
                raise UsageError(f"invalid {name} {value!r}", hint=f"choose one of: {', '.join(choices)}")
        if not isinstance(self.refit, bool):
            raise UsageError(f"invalid refit {self.refit!r}", hint="expected true or false")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        reject_unknown_keys(cls, data, "training")
        return cls(**data)
