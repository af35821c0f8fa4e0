"""Prediction with a saved linear model, in numpy alone (no scipy, no scikit-learn: a cold `sentikit predict`
imports neither): the predictor rebuilt from a model folder's pieces, each checked against the others."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from sentikit.artifact_encoding import InvalidWeights, stored_floats
from sentikit.configs import require_saved_settings
from sentikit.errors import ModelError, UsageError
from sentikit.features.known import InformativeFeatures
from sentikit.features.lean import LeanVectorizer
from sentikit.features.vectorize import FeatureConfig
from sentikit.models.linear import LinearWeights, predict_proba_lean

_PREDICT_BATCH = 4096  # documents per vectorize + score pass: bounds memory on large inputs
_GRAM_TABLES = ("word_keys", "word_columns", "char_keys", "char_columns", "char_units")  # LeanVectorizer.state


def _check_stored_tables(arrays: dict[str, np.ndarray], vectorizer: LeanVectorizer) -> None:
    """Tables a saved model holds beyond what its settings use, or idf weights no fit gives (smooth idf is at
    least 1), come from an edited folder: they would change predictions without a word."""
    expected = {"coef", "intercept", *_GRAM_TABLES, *(("idf",) if vectorizer.idf_ is not None else ())}
    extra = sorted(set(arrays) - expected)
    if extra:
        raise ValueError(f"the weights file holds {', '.join(extra[:5])}, which a linear model with "
                         f"{vectorizer.config.encoding} features does not use")
    if vectorizer.idf_ is not None and not bool(np.all(vectorizer.idf_ >= 1.0)):
        raise ValueError("idf weights below 1, which no fit gives")


class LinearPredictor:
    """Raw token lists in, (N, C) probabilities out, with numpy only (no scipy, no scikit-learn)."""

    def __init__(self, weights: LinearWeights, vectorizer: LeanVectorizer) -> None:
        self.weights = weights
        self.vectorizer = vectorizer
        char_high = (vectorizer.config.char_ngrams or (1, 1))[1]
        self.informative = InformativeFeatures(vectorizer.n_word_, vectorizer.n_features_, char_high,
                                               vectorizer.letters)

    @classmethod
    def from_export(cls, arrays: dict[str, np.ndarray], texts: dict[str, list[str]],
                    meta: dict[str, Any]) -> LinearPredictor:
        """Rebuild the predictor from `export`'s pieces; inconsistent pieces raise ModelError."""
        try:
            require_saved_settings(FeatureConfig, meta["features"], "predictor.features")
            feature_cfg = FeatureConfig.from_dict(meta["features"])
            vectorizer = LeanVectorizer.from_state(feature_cfg, arrays, texts, meta)
            coef, intercept = stored_floats(arrays["coef"], "coef"), stored_floats(arrays["intercept"], "intercept")
            weights = LinearWeights(str(meta["arch"]), coef.astype(np.float32, copy=False),
                                    intercept.astype(np.float64, copy=False), str(meta["link"]),
                                    int(meta["n_classes"]))
            if weights.coef.shape[1] != vectorizer.n_features_:
                raise ValueError("the weights and the feature terms disagree on the number of features")
            _check_stored_tables(arrays, vectorizer)
        except InvalidWeights as exc:
            raise ModelError(f"the stored weights are invalid ({exc})", hint="retrain the model") from exc
        except (KeyError, TypeError, ValueError, UsageError) as exc:
            raise ModelError(f"linear model data is incomplete or inconsistent ({exc})",
                             hint="retrain the model") from exc
        return cls(weights, vectorizer)

    @property
    def n_classes(self) -> int:
        return self.weights.n_classes

    def predict_proba(self, docs: Sequence[list[str]]) -> np.ndarray:
        return self._predict(docs, count=False)[0]

    def predict_proba_known(self, docs: Sequence[list[str]]) -> tuple[np.ndarray, np.ndarray]:
        """Probabilities (N, C) and, per document, how many of its distinct features the model knows that say
        something about it (N,): word n-grams, and character n-grams of three letters (see
        `sentikit.features.known`)."""
        return self._predict(docs, count=True)

    def _predict(self, docs: Sequence[list[str]], count: bool) -> tuple[np.ndarray, np.ndarray]:
        out = np.empty((len(docs), self.n_classes), dtype=np.float64)
        known = np.zeros(len(docs), dtype=np.int64)
        for start in range(0, len(docs), _PREDICT_BATCH):
            chunk = docs[start : start + _PREDICT_BATCH]
            parts = self.vectorizer.transform(chunk)
            out[start : start + len(chunk)] = predict_proba_lean(*parts, self.weights)
            if count:
                known[start : start + len(chunk)] = self.informative.counts(parts)
        return out, known
