"""Hyper-parameters of the neural classifiers: the one place where their defaults live.

`NeuralConfig` is a plain dataclass that is validated on construction and round-trips through JSON
(`to_dict` / `from_dict`), so a saved model folder can rebuild exactly the network it was trained with.
This module imports neither torch nor numpy: the CLI reads `ARCH_NAMES` for its option choices and the
numpy inference path reads `NeuralConfig` without paying for torch.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, ClassVar

from sentikit.configs import finite_number, fraction_below_one, reject_unknown_keys
from sentikit.errors import UsageError

# Architecture name -> (recurrent cell, bidirectional forced on). `conv1d` has no cell. The torch registry
# (`sentikit.models.nets.ARCHITECTURES`) and the numpy forward pass both resolve names through this table.
_CELLS: dict[str, tuple[str | None, bool]] = {
    "conv1d": (None, False),
    "rnn": ("rnn", False),
    "lstm": ("lstm", False),
    "gru": ("gru", False),
    "birnn": ("rnn", True),
    "bilstm": ("lstm", True),
    "bigru": ("gru", True),
}
ARCH_NAMES: tuple[str, ...] = tuple(_CELLS)
BIDIRECTIONAL_ARCHS: tuple[str, ...] = tuple(name for name, (_, forced) in _CELLS.items() if forced)
COMBINE_MODES: tuple[str, ...] = ("concat", "max", "mean")
POOL_MODES: tuple[str, ...] = ("last", "max", "mean", "maxmean")
CONV_POOL_MODES: tuple[str, ...] = ("max", "mean", "maxmean")
CONV_INPUTS: tuple[str, ...] = ("embedding", "onehot")


def _choice(name: str, value: Any, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise UsageError(f"invalid {name} {value!r}", hint=f"choose one of: {', '.join(choices)}")


def _positive_int(name: str, value: Any) -> None:
    # bool is an int subclass; `hidden_size=True` is a bug, not a size.
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise UsageError(f"invalid {name} {value!r}", hint="expected a positive integer")


@dataclass(frozen=True)
class NeuralConfig:
    """Shape of a neural classifier. Recurrent nets ignore the conv fields and `conv1d` ignores
    `hidden_size`, `num_layers`, `bidirectional`, `combine` and `pool` (it reads `conv_pool`)."""

    arch: str = "gru"
    embed_dim: int = 128
    # Standard deviation of the normal initial embeddings (torch's default is 1). Adam moves each weight by
    # about lr per step, so unit-scale random vectors stay mostly random for epochs; at 0.1 they learn fast.
    # Mean dev macro-F1 over 3 splits, 1 -> 0.1: RuSentiTweet gru .553 -> .583, lstm .562 -> .578, conv1d
    # .549 -> .578; SST-2 sentences gru .739 -> .786, lstm .747 -> .789, conv1d .706 -> .781. 0.03 and 0.3 are
    # within a point of 0.1. IMDB (one dev split; CLI runs at the defaults, conv1d also max -> maxmean): dev gru
    # 89.6 -> 90.6 %, lstm 90.7 -> 90.4 %, conv1d 88.8 -> 91.0 %; test 88.1 -> 88.7, 89.1 -> 86.9, 88.3 -> 89.4 %.
    # Long reviews let the faster learner memorise (best epoch 1-3); `embed_init=1` is the slower, old start.
    embed_init: float = 0.1
    hidden_size: int = 128
    num_layers: int = 1
    # Before the output layer and between recurrent layers. 0.5 with embed_dropout 0.4 and a 20k vocabulary
    # overfit IMDB later than 0.3/0.2/40k (GRU dev 90.8 % vs 89.8 %) and were even on SST-2/RuSentiTweet dev.
    dropout: float = 0.5
    # Spatial dropout on the embedded sequence (training only): each document loses whole embedding
    # channels, so the net cannot lean on a few memorised word features. No weights; inference ignores it.
    embed_dropout: float = 0.4
    # Training only: each real token becomes UNK with this probability, so no single word decides a document.
    word_dropout: float = 0.0
    # None: as the name says (on for bi*, off otherwise). Resolved on construction, so a saved config records
    # the direction the network has; asking a bi* architecture for one direction is an error.
    bidirectional: bool | None = None
    combine: str = "concat"  # how the two directions merge: concat doubles the width, max/mean keep it
    pool: str = "maxmean"  # readout over time: last state, masked max, masked mean, or max ++ mean
    conv_widths: tuple[int, ...] = (3, 4, 5)
    conv_filters: int = 128
    # Readout of each filter over the windows. Max alone passes gradient to one window per filter and
    # document, so it learned slowly: IMDB dev after 5 epochs 85.8 % (max) vs 89.2 % (max ++ mean); mean dev
    # macro-F1 over 3 splits: RuSentiTweet .512 vs .549, SST-2 sentences .689 vs .706 (unit-scale embeddings).
    conv_pool: str = "maxmean"
    # What the filters read. "onehot": the words themselves (Johnson & Zhang 2015, "seq-CNN"): every filter has
    # its own weight for each word at each window offset, i.e. one (vocabulary, filters) table per offset and no
    # embedding bottleneck. Far more weights (20k words x widths 3+4+5 x 128 filters = 31M), each trained only
    # where its word occurs (sparse updates), so a step costs less than with embeddings. "embedding": embed_dim
    # word vectors under Conv1d layers (Kim 2014); smaller model files, and --vectors can initialise them.
    # Mean dev macro-F1 over 3 splits, embedding -> onehot: SST-2 .767 -> .779, RuSentiTweet .585 -> .590 (better
    # on 3 of 3 each); IMDB dev 91.00 -> 91.52 % (test 89.37 -> 90.36 %). embed_dim, embed_dropout and --vectors
    # do not apply to onehot.
    conv_input: str = "onehot"

    # May be missing from a model's manifest (see `require_saved_settings`): the initial scale and the
    # dropouts act in training only, and models saved before conv_pool or conv_input existed lack them
    # (`from_dict` gives conv1d the max pooling it then had, and embeddings; recurrent nets read neither).
    OPTIONAL_IN_MANIFEST: ClassVar[frozenset[str]] = frozenset({
        "embed_init", "dropout", "embed_dropout", "word_dropout", "conv_pool", "conv_input"})

    def __post_init__(self) -> None:
        _choice("architecture", self.arch, ARCH_NAMES)
        _choice("combine mode", self.combine, COMBINE_MODES)
        _choice("pool mode", self.pool, POOL_MODES)
        _choice("conv pool mode", self.conv_pool, CONV_POOL_MODES)
        _choice("conv input", self.conv_input, CONV_INPUTS)
        for name in ("embed_dim", "hidden_size", "num_layers", "conv_filters"):
            _positive_int(name, getattr(self, name))
        cell, forced = _CELLS[self.arch]
        if self.bidirectional is None:
            object.__setattr__(self, "bidirectional", forced)
        if not isinstance(self.bidirectional, bool):
            raise UsageError(f"invalid bidirectional {self.bidirectional!r}", hint="expected true or false")
        if forced and not self.bidirectional:
            raise UsageError(f"{self.arch} is bidirectional by definition, so it cannot be unidirectional",
                             hint=f"drop --unidirectional, or use --arch {cell} for one direction")
        object.__setattr__(self, "embed_init", finite_number("embed_init", self.embed_init, low=0.0, low_open=True))
        for name in ("dropout", "embed_dropout", "word_dropout"):
            object.__setattr__(self, name, fraction_below_one(name, getattr(self, name)))
        if isinstance(self.conv_widths, (str, bytes)) or not isinstance(self.conv_widths, (list, tuple)):
            raise UsageError(f"invalid conv_widths {self.conv_widths!r}", hint="expected a list like 3,4,5")
        object.__setattr__(self, "conv_widths", tuple(self.conv_widths))
        if not self.conv_widths:
            raise UsageError("conv_widths is empty", hint="expected at least one filter width, e.g. 3,4,5")
        for width in self.conv_widths:
            _positive_int("conv width", width)

    @property
    def cell(self) -> str | None:
        """The recurrent cell ("rnn", "lstm", "gru"), or None for convolutional nets."""
        return _CELLS[self.arch][0]

    @property
    def has_embedding(self) -> bool:
        """Whether the network starts with a word-embedding table (all but `conv1d` over one-hot words)."""
        return self.cell is not None or self.conv_input == "embedding"

    @property
    def is_bidirectional(self) -> bool:
        """Whether the recurrent layers also read right-to-left (bi* names force it on)."""
        return self.cell is not None and bool(self.bidirectional)

    @property
    def layer_width(self) -> int:
        """Width of one recurrent layer's output sequence, after combining directions."""
        doubled = self.is_bidirectional and self.combine == "concat"
        return self.hidden_size * (2 if doubled else 1)

    @property
    def feature_width(self) -> int:
        """Width of the pooled vector that feeds the output layer."""
        if self.cell is None:
            return self.conv_filters * len(self.conv_widths) * (2 if self.conv_pool == "maxmean" else 1)
        return self.layer_width * (2 if self.pool == "maxmean" else 1)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict (tuples become lists)."""
        data = asdict(self)
        data["conv_widths"] = list(self.conv_widths)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NeuralConfig:
        """Inverse of `to_dict`, for the `predictor.model` section of a saved model; unknown keys are an error.
        A missing key takes what models saved before the setting existed were trained with (conv1d: conv_pool
        "max", conv_input "embedding"), else its default, and a bi* architecture saved with bidirectional false
        (as manifests once said) is bidirectional. A manifest must first pass `require_saved_settings`, so that
        only the settings a saved model may lack are filled in. For settings of your own: `NeuralConfig(**d)`."""
        if not isinstance(data, dict):
            raise UsageError(f"neural config must be a mapping, got {type(data).__name__}")
        reject_unknown_keys(cls, data, "neural model")
        if data.get("arch") == "conv1d" and "conv_pool" not in data:
            data = {**data, "conv_pool": "max"}  # saved before conv_pool existed, when conv1d only max-pooled
        if data.get("arch") == "conv1d" and "conv_input" not in data:
            data = {**data, "conv_input": "embedding"}  # saved before conv_input existed: embeddings
        if data.get("arch") in BIDIRECTIONAL_ARCHS and data.get("bidirectional") is False:
            # Saved before the direction was recorded, when every bi* manifest said false: the name decides.
            data = {**data, "bidirectional": True}
        return cls(**data)
