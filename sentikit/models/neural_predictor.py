"""Prediction with a trained neural model in numpy alone (no torch import: a cold `sentikit predict` must
start in well under a second, and importing torch alone takes ~1.5 s).

`forward_numpy` is tested to match the torch modules' output.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sentikit.artifact_encoding import stored_floats
from sentikit.configs import require_saved_settings
from sentikit.features.sequences import PAD, UNK, UNK_ID, SequenceConfig, encode, pad_batch
from sentikit.models.config import NeuralConfig
from sentikit.models.numpy_forward import forward_numpy, softmax, weight_shapes

BATCH = 256


class NeuralPredictor:
    def __init__(self, config: NeuralConfig, seq_config: SequenceConfig, vocab: list[str],
                 weights: dict[str, np.ndarray]) -> None:
        self.config = config
        self.seq_config = seq_config
        self.vocab_index = {word: i for i, word in enumerate(vocab)}
        self.weights = weights

    @classmethod
    def from_export(cls, arrays: dict[str, np.ndarray], texts: dict[str, list[str]],
                    meta: dict[str, Any]) -> NeuralPredictor:
        """Rebuild the predictor; weights that do not fit the configured network raise ValueError now, not as a
        numpy error in the middle of predicting."""
        require_saved_settings(NeuralConfig, meta["model"], "predictor.model")
        require_saved_settings(SequenceConfig, meta["sequence"], "predictor.sequence")
        config = NeuralConfig.from_dict(meta["model"])
        vocab = texts["vocab"]
        _check_vocab(vocab)
        head = arrays.get("head.bias")
        n_classes = head.shape[0] if head is not None and head.ndim == 1 else 0
        expected = _tensor_count(config)
        if expected > len(arrays):  # before listing them: an edited num_layers of 10**9 must not fill the memory
            raise ValueError(f"the manifest describes a {config.arch} network of {expected:,} weight tensors, but "
                             f"the weights file holds {len(arrays):,}")
        _check_shapes(config, {name: tuple(array.shape) for name, array in arrays.items()},
                      weight_shapes(config, len(vocab), n_classes))
        for name, array in arrays.items():
            stored_floats(array, name)
        return cls(config, SequenceConfig.from_dict(meta["sequence"]), vocab, arrays)

    @property
    def n_classes(self) -> int:
        return int(self.weights["head.bias"].shape[0])

    def predict_proba(self, docs: list[list[str]]) -> np.ndarray:
        """(N, C) float64 probabilities, like a linear model's. The network runs in float32; only its
        logits become float64, for the softmax, so each row sums to 1 as exactly as a linear model's."""
        return self._probabilities(*encode(docs, self.vocab_index, self.seq_config))

    def predict_proba_known(self, docs: list[list[str]]) -> tuple[np.ndarray, np.ndarray]:
        """`predict_proba` and how many tokens of each document the network sees as known words (N,): those
        within --max-len that are in the vocabulary."""
        seqs, lengths = encode(docs, self.vocab_index, self.seq_config)
        known = np.array([np.count_nonzero(seq > UNK_ID) for seq in seqs], dtype=np.int64)
        return self._probabilities(seqs, lengths), known

    def _probabilities(self, seqs: list[np.ndarray], lengths: np.ndarray) -> np.ndarray:
        probs = np.zeros((len(seqs), self.n_classes), dtype=np.float64)
        # Sorting by length keeps each batch's padding (and so wasted recurrent steps) small.
        order = np.argsort(lengths, kind="stable")
        for start in range(0, len(order), BATCH):
            idx = order[start : start + BATCH]
            ids, lens = pad_batch([seqs[i] for i in idx])
            probs[idx] = softmax(forward_numpy(self.config, self.weights, ids, lens), dtype=np.float64)
        return probs


def _check_vocab(vocab: list[str]) -> None:
    """The vocabulary training writes: <pad> and <unk> first, then distinct non-empty words. Another one (an edited
    file) would shift or merge word ids silently, so predictions would change without a word."""
    if len(vocab) < 2 or vocab[0] != PAD or vocab[1] != UNK:
        raise ValueError(f"vocab.txt must start with {PAD} and {UNK}")
    if any(not word for word in vocab):
        raise ValueError("vocab.txt has an empty entry")
    if len(set(vocab)) != len(vocab):
        raise ValueError("vocab.txt lists a word twice")


def _tensor_count(config: NeuralConfig) -> int:
    """How many weight tensors `weight_shapes(config, ...)` lists, counted without listing them."""
    if config.cell is None:  # a weight and a bias per width, or a table per window offset and a bias per width
        widths = config.conv_widths
        body = 2 * len(widths) if config.has_embedding else sum(widths) + len(widths)
    else:
        body = config.num_layers * (2 if config.is_bidirectional else 1) * 4
    return int(config.has_embedding) + body + 2


def _check_shapes(config: NeuralConfig, found: dict[str, tuple[int, ...]],
                  expected: dict[str, tuple[int, ...]]) -> None:
    where = f"the weights do not fit the {config.arch} network the manifest describes"
    for name, shape in expected.items():
        if name not in found:
            raise ValueError(f"{where}: {name} is missing")
        if found[name] != shape:
            raise ValueError(f"{where}: {name} has shape {found[name]}, expected {shape}")
    extra = sorted(set(found) - set(expected))
    if extra:
        raise ValueError(f"{where}: unexpected {extra[0]}")
