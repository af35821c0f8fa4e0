"""Prediction and evaluation with a saved model: which model to use, streaming prediction in batches, and
the evaluation report on a labelled corpus."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from sentikit.corpus import CorpusOptions, load_labelled
from sentikit.errors import ModelError
from sentikit.model import SentimentModel
from sentikit.training.metrics import classification_report

MODEL_ENV = "SENTIKIT_MODEL"


def resolve_model_path(model: str | Path | None) -> Path:
    """--model, else $SENTIKIT_MODEL, else the last model trained in this folder (models/.latest)."""
    if model:
        return Path(model)
    if os.environ.get(MODEL_ENV):
        return Path(os.environ[MODEL_ENV])
    from sentikit.training.pipeline import latest_model

    latest = latest_model()
    if latest is None:
        raise ModelError("no model given", hint="pass --model DIR, set SENTIKIT_MODEL, or train one with "
                         "`sentikit train DATA`")
    return latest


def predict_rows(model: SentimentModel, texts: Iterable[str], batches: Iterable[list[str]] | None = None
                 ) -> Iterator[dict[str, Any]]:
    """Yield one result row per text, in order. Empty texts get label None and an explanatory note."""
    chunks = batches if batches is not None else _fixed_batches(texts, 256)
    for chunk in chunks:
        keep = [i for i, t in enumerate(chunk) if t.strip()]
        probs = model.predict_proba([chunk[i] for i in keep]) if keep else np.zeros((0, len(model.labels)))
        by_index = dict(zip(keep, probs))
        for i, text in enumerate(chunk):
            row = by_index.get(i)
            if row is None:
                yield {"text": text, "label": None, "probabilities": None, "note": "empty text"}
            else:
                yield {"text": text, "label": model.labels[int(row.argmax())],
                       "probabilities": {lab: round(float(p), 6) for lab, p in zip(model.labels, row)}}


def _fixed_batches(texts: Iterable[str], size: int) -> Iterator[list[str]]:
    batch: list[str] = []
    for text in texts:
        batch.append(text)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def evaluate(model: SentimentModel, data: str, options: CorpusOptions | None = None) -> dict[str, Any]:
    """Accuracy, macro-F1, per-class figures and the confusion matrix on a labelled corpus.

    Labels the model does not know are counted as errors, listed under `unknown_labels`, and appended to the
    label list so the confusion matrix shows where they went.
    """
    corpus = load_labelled(data, options)
    labels = list(model.labels)
    unknown = sorted(set(corpus.labels) - set(labels))
    all_labels = labels + unknown
    index = {label: i for i, label in enumerate(all_labels)}
    probs = model.predict_proba(corpus.texts)
    y_pred = probs.argmax(axis=1)
    y_true = np.array([index[y] for y in corpus.labels])
    report = classification_report(y_true, y_pred, all_labels)
    report["unknown_labels"] = {lab: int(sum(1 for y in corpus.labels if y == lab)) for lab in unknown}
    report["model"] = str(model.path) if model.path else None
    report["data"] = corpus.source
    return report
