"""Prediction with a trained neural model in numpy alone (no torch import: a cold `sentikit predict` must
start in well under a second, and importing torch alone takes ~1.5 s).

`forward_numpy` is tested to match the torch modules' output.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sentikit.features.sequences import SequenceConfig, encode, pad_batch
from sentikit.models.config import NeuralConfig
from sentikit.models.numpy_forward import forward_numpy, softmax

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
        return cls(NeuralConfig.from_dict(meta["model"]), SequenceConfig(**meta["sequence"]), texts["vocab"],
                   arrays)

    def predict_proba(self, docs: list[list[str]]) -> np.ndarray:
        seqs, lengths = encode(docs, self.vocab_index, self.seq_config)
        out = np.zeros((len(docs), 0), dtype=np.float32)
        # Sorting by length keeps each batch's padding (and so wasted recurrent steps) small.
        order = np.argsort(lengths, kind="stable")
        probs: np.ndarray | None = None
        for start in range(0, len(order), BATCH):
            idx = order[start : start + BATCH]
            ids, lens = pad_batch([seqs[i] for i in idx])
            p = softmax(forward_numpy(self.config, self.weights, ids, lens))
            if probs is None:
                probs = np.zeros((len(docs), p.shape[1]), dtype=np.float32)
            probs[idx] = p
        return probs if probs is not None else out
