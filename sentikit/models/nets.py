"""Torch modules of the neural classifiers and the `ARCHITECTURES` registry that builds them by name.

Every network maps right-padded token ids (B, T) plus true lengths (B,) to logits (B, C), and padding never
changes the result for a sequence: recurrent nets only read valid positions into their readout and
convolutions only pool windows that start on a real token. Id 0 is PAD and id 1 is UNK.

Recurrent layers run `nn.RNN/LSTM/GRU` over the whole padded batch (no `pack_padded_sequence`, which is
~5x slower on CPU). A left-to-right pass is causal, so positions < length never see the padding; the
right-to-left pass reverses each sequence *within its own length* so it too starts on real tokens.
`sentikit.models.numpy_forward` mirrors these modules with the same state_dict names; keep them in step.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from sentikit.models.config import NeuralConfig

PAD_ID = 0
UNK_ID = 1

_CELL_CLASSES: dict[str, type[nn.RNNBase]] = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


def valid_mask(lengths: torch.Tensor, max_len: int) -> torch.Tensor:
    """(B,) lengths -> (B, T) bool, True on real tokens."""
    return torch.arange(max_len, device=lengths.device)[None, :] < lengths[:, None]


def reverse_within_length(x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """Reverse each row's first `length` steps and leave its padding in place: (B, T, D) -> (B, T, D).

    The map is its own inverse, so the same call turns the backward pass's outputs back into reading order.
    """
    positions = torch.arange(x.shape[1], device=x.device)[None, :]  # (1, T)
    last = lengths[:, None] - 1  # (B, 1)
    index = torch.where(positions <= last, last - positions, positions)  # (B, T)
    return x.gather(1, index[:, :, None].expand(-1, -1, x.shape[2]))


def combine_directions(forward: torch.Tensor, backward: torch.Tensor | None, mode: str) -> torch.Tensor:
    """Merge the two directions' (..., H) features: concat -> (..., 2H), max/mean -> (..., H).
    A unidirectional layer (backward None) passes its forward features through."""
    if backward is None:
        return forward
    if mode == "concat":
        return torch.cat([forward, backward], dim=-1)
    if mode == "max":
        return torch.maximum(forward, backward)
    return (forward + backward) / 2


def spatial_dropout(x: torch.Tensor, p: float, training: bool) -> torch.Tensor:
    """Drop whole channels per document: (B, T, E) times a (B, 1, E) Bernoulli mask scaled by 1/(1-p)."""
    if not training or p == 0.0:
        return x
    keep = x.new_empty(x.shape[0], 1, x.shape[2]).bernoulli_(1.0 - p)
    return x * keep / (1.0 - p)


def word_dropout(ids: torch.Tensor, p: float, training: bool) -> torch.Tensor:
    """Replace each real token by UNK with probability p: (B, T) -> (B, T). PAD stays PAD, so lengths hold."""
    if not training or p == 0.0:
        return ids
    hit = ids.new_empty(ids.shape, dtype=torch.float32).bernoulli_(p).bool() & (ids != PAD_ID)
    return ids.masked_fill(hit, UNK_ID)


def masked_max(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Max over valid time steps: (B, T, D), (B, T) -> (B, D). Every row has at least one valid step."""
    return x.masked_fill(~mask[:, :, None], float("-inf")).amax(dim=1)


def masked_mean(x: torch.Tensor, mask: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """Mean over valid time steps: (B, T, D), (B, T), (B,) -> (B, D)."""
    total = x.masked_fill(~mask[:, :, None], 0.0).sum(dim=1)
    return total / lengths[:, None].to(x.dtype)


def pool_over_time(x: torch.Tensor, mask: torch.Tensor, lengths: torch.Tensor, mode: str) -> torch.Tensor:
    """Masked "max", "mean" or "maxmean" (max ++ mean) over time: (B, T, D) -> (B, D), or (B, 2D)."""
    if mode == "max":
        return masked_max(x, mask)
    if mode == "mean":
        return masked_mean(x, mask, lengths)
    return torch.cat([masked_max(x, mask), masked_mean(x, mask, lengths)], dim=-1)


def make_embedding(cfg: NeuralConfig, vocab_size: int, width: int | None = None, sparse: bool = False
                   ) -> nn.Embedding:
    """Token table of `width` (default `cfg.embed_dim`) with N(0, cfg.embed_init) rows and an all-zero PAD row;
    `sparse` gradients for tables of which a batch touches few rows."""
    embedding = nn.Embedding(vocab_size, width or cfg.embed_dim, padding_idx=PAD_ID, sparse=sparse)
    nn.init.normal_(embedding.weight, std=cfg.embed_init)
    with torch.no_grad():
        embedding.weight[PAD_ID].zero_()
    return embedding


class RecurrentLayer(nn.Module):
    """One recurrent layer: a left-to-right RNN and, if bidirectional, a separate right-to-left one.

    Returns both directions' output sequences (B, T, H) so the classifier can combine them per position and
    read the backward direction's final state (its output at position 0) for `pool="last"`.
    """

    def __init__(self, cell: str, input_size: int, hidden_size: int, bidirectional: bool) -> None:
        super().__init__()
        rnn_class = _CELL_CLASSES[cell]
        self.fwd = rnn_class(input_size, hidden_size, num_layers=1, batch_first=True)
        self.bwd = (
            rnn_class(input_size, hidden_size, num_layers=1, batch_first=True) if bidirectional else None
        )

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        forward_out, _ = self.fwd(x)  # (B, T, H); positions >= length hold junk that readouts mask out
        if self.bwd is None:
            return forward_out, None
        backward_out, _ = self.bwd(reverse_within_length(x, lengths))  # (B, T, H) in reversed order
        return forward_out, reverse_within_length(backward_out, lengths)


class RecurrentClassifier(nn.Module):
    """Embedding -> stacked recurrent layers -> pooled readout -> dropout -> linear. The cell and the
    directions come from `cfg.arch` (and `cfg.bidirectional`), as `NeuralConfig` resolves them."""

    def __init__(self, cfg: NeuralConfig, vocab_size: int, num_classes: int) -> None:
        super().__init__()
        assert cfg.cell is not None, f"{cfg.arch} is not a recurrent architecture"
        self.combine = cfg.combine
        self.pool = cfg.pool
        self.embed_dropout, self.word_dropout = cfg.embed_dropout, cfg.word_dropout
        self.embedding = make_embedding(cfg, vocab_size)
        self.layers = nn.ModuleList(
            RecurrentLayer(
                cfg.cell, cfg.embed_dim if i == 0 else cfg.layer_width, cfg.hidden_size, cfg.is_bidirectional
            )
            for i in range(cfg.num_layers)
        )
        self.dropout = nn.Dropout(cfg.dropout)
        self.head = nn.Linear(cfg.feature_width, num_classes)

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        ids = word_dropout(ids, self.word_dropout, self.training)  # (B, T)
        x = spatial_dropout(self.embedding(ids), self.embed_dropout, self.training)  # (B, T, E)
        for i, layer in enumerate(self.layers):
            if i > 0:
                x = self.dropout(x)  # between layers, like nn.GRU(dropout=...)
            forward_out, backward_out = layer(x, lengths)  # (B, T, H) each
            x = combine_directions(forward_out, backward_out, self.combine)  # (B, T, D)
        return self.head(self.dropout(self._readout(x, forward_out, backward_out, lengths)))

    def _readout(
        self,
        x: torch.Tensor,
        forward_out: torch.Tensor,
        backward_out: torch.Tensor | None,
        lengths: torch.Tensor,
    ) -> torch.Tensor:
        """Pool the last layer over time: (B, T, D) -> (B, D), or (B, 2D) for maxmean."""
        if self.pool == "last":
            last = (lengths - 1)[:, None, None].expand(-1, 1, forward_out.shape[2])  # (B, 1, H)
            final = forward_out.gather(1, last).squeeze(1)  # (B, H): left-to-right state after the last token
            if backward_out is None:
                return final
            # The right-to-left pass ends on the first token, so its final state sits at position 0.
            return combine_directions(final, backward_out[:, 0], self.combine)
        return pool_over_time(x, valid_mask(lengths, x.shape[1]), lengths, self.pool)


class ConvClassifier(nn.Module):
    """Filters over windows of words -> ReLU -> masked pool over windows (`conv_pool`) -> concat -> dropout ->
    linear. With `conv_input="embedding"` the filters are Conv1d layers over an embedding; with "onehot" they
    read the words directly: filter f of width w sums its weight for each word at each offset k, which is a
    table lookup per offset, `regions.{i}.{k}` (vocabulary, F), trained with sparse gradients.

    A window of width w at position j covers tokens j..j+w-1; only windows that start on a real token are
    pooled, and the input is zero-padded on the right so a sequence shorter than the widest filter still has
    `length` windows.
    """

    def __init__(self, cfg: NeuralConfig, vocab_size: int, num_classes: int) -> None:
        super().__init__()
        self.widths = tuple(cfg.conv_widths)
        self.pool = cfg.conv_pool
        self.embed_dropout, self.word_dropout = cfg.embed_dropout, cfg.word_dropout
        self.onehot = not cfg.has_embedding
        if not self.onehot:
            self.embedding = make_embedding(cfg, vocab_size)
            self.convs = nn.ModuleList(nn.Conv1d(cfg.embed_dim, cfg.conv_filters, w) for w in self.widths)
        else:
            self.regions = nn.ModuleList(
                nn.ModuleList(make_embedding(cfg, vocab_size, cfg.conv_filters, sparse=True) for _ in range(w))
                for w in self.widths)
            self.region_biases = nn.ParameterList(torch.zeros(cfg.conv_filters) for _ in self.widths)
        self.dropout = nn.Dropout(cfg.dropout)
        self.head = nn.Linear(cfg.feature_width, num_classes)

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        T = ids.shape[1]
        mask = valid_mask(lengths, T)  # (B, T)
        ids = word_dropout(ids, self.word_dropout, self.training)  # (B, T)
        windows = self._onehot_windows(ids, mask) if self.onehot else self._embedded_windows(ids, mask)
        pooled = [pool_over_time(F.relu(w), mask, lengths, self.pool) for w in windows]  # (B, F) or (B, 2F) each
        return self.head(self.dropout(torch.cat(pooled, dim=1)))

    def _embedded_windows(self, ids: torch.Tensor, mask: torch.Tensor) -> list[torch.Tensor]:
        """Per width, the filters' (B, T, F) pre-activations; window j starts at token j."""
        T = ids.shape[1]
        # Zero the padding explicitly rather than trusting the PAD row of the embedding to stay zero
        # (pretrained vectors or a hand-edited state_dict could change it).
        x = self.embedding(ids) * mask[:, :, None]  # (B, T, E)
        x = spatial_dropout(x, self.embed_dropout, self.training)
        x = F.pad(x.transpose(1, 2), (0, max(self.widths) - 1))  # (B, E, T + wmax - 1)
        return [conv(x)[:, :, :T].transpose(1, 2) for conv in self.convs]

    def _onehot_windows(self, ids: torch.Tensor, mask: torch.Tensor) -> list[torch.Tensor]:
        """The same from one-hot words: window j of width w sums table k's row for token j+k, k < w."""
        T = ids.shape[1]
        padded_ids = F.pad(ids, (0, max(self.widths) - 1))  # (B, T + wmax - 1), PAD past the end
        padded_mask = F.pad(mask, (0, max(self.widths) - 1))[:, :, None].to(torch.float32)
        windows = []
        for tables, bias in zip(self.regions, self.region_biases):
            acc = bias.expand(ids.shape[0], T, -1)  # (B, T, F)
            for k, table in enumerate(tables):  # padding reads zero, whatever the PAD row holds
                acc = acc + table(padded_ids[:, k : k + T]) * padded_mask[:, k : k + T]
            windows.append(acc)
        return windows


# name -> builder(config, vocab_size, num_classes). Names match `sentikit.models.config.ARCH_NAMES`; the
# recurrent cell and direction of each name live in that module, next to the names.
ARCHITECTURES: dict[str, Callable[[NeuralConfig, int, int], nn.Module]] = {
    "conv1d": ConvClassifier,
    "rnn": RecurrentClassifier,
    "lstm": RecurrentClassifier,
    "gru": RecurrentClassifier,
    "birnn": RecurrentClassifier,
    "bilstm": RecurrentClassifier,
    "bigru": RecurrentClassifier,
}


def build_model(cfg: NeuralConfig, vocab_size: int, num_classes: int) -> nn.Module:
    """Build the network named by `cfg.arch` (the name was validated by NeuralConfig)."""
    return ARCHITECTURES[cfg.arch](cfg, vocab_size, num_classes)


def count_parameters(module: nn.Module) -> int:
    """Number of trainable scalars."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)
