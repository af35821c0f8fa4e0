"""Why a linear model chose its label: per document, the terms whose share of the score pushed the chosen label up
most (`SentimentModel.evidence`, `sentikit predict --explain N`); and per label, the terms that speak for it most
strongly anywhere (`SentimentModel.top_terms`, `sentikit show --top N`).

A linear model's score is a sum over the document's features of value x weight, so each term's share is exact,
not an estimate. Neural networks have no such decomposition, so they give no evidence rather than a guess.
numpy only, like the rest of the prediction path.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sentikit.features.lean import display_term
from sentikit.features.vectorize import CHAR_PREFIX
from sentikit.models.linear import LinearWeights, predict_proba_lean
from sentikit.models.linear_predictor import LinearPredictor

Evidence = list[tuple[str, float]]  # (term as `display_term` writes it, its share of the score), largest first


def label_directions(weights: LinearWeights) -> np.ndarray:
    """(C, F) float64: how much one unit of each feature moves each label's side of the decision.

    Two labels scored by one row of log-odds (binary_sigmoid): that row for the second label, its negation for
    the first. One-vs-rest: each label's own row. Softmax: each row minus the rows' mean, since a softmax only
    sees differences between rows."""
    coef = weights.coef.astype(np.float64)
    if weights.link == "binary_sigmoid":
        return np.vstack([-coef[0], coef[0]])
    if weights.link == "softmax":
        return coef - coef.mean(axis=0)
    return coef


def _is_padding(term: str) -> bool:
    """A character gram of the spaces around words alone ("⟨␣⟩"): no term a text holds."""
    return term.startswith(CHAR_PREFIX) and term[1:].isspace()


def strongest_terms(predictor: LinearPredictor, n: int, directions: np.ndarray | None = None) -> list[Evidence]:
    """Per label (in the model's order), the `n` terms whose single occurrence moves that label's side of the
    decision up most, with that weight, largest first. For binary or count features that is what one
    occurrence adds; tf and tfidf values are scaled per document, so there the ranking is by weight alone."""
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    if directions is None:
        directions = label_directions(predictor.weights)
    terms = predictor.vectorizer.terms_
    found: list[Evidence] = []
    for row in directions:
        # argpartition first: a model may have a million terms, of which only the top few are sorted.
        candidates = np.argpartition(-row, min(len(row) - 1, 2 * n + 2))[: 2 * n + 3]
        ordered = candidates[np.argsort(-row[candidates], kind="stable")]
        kept = [(display_term(terms[int(c)]), float(row[c])) for c in ordered.tolist()
                if row[c] > 0 and not _is_padding(terms[int(c)])]
        found.append(kept[:n])
    return found


def top_evidence(predictor: LinearPredictor, docs: Sequence[list[str]], top: int,
                 directions: np.ndarray | None = None) -> list[Evidence]:
    """For each preprocessed document, up to `top` terms with the largest positive share of the score of the
    label the model predicts for it (the argmax of the same probabilities `predict_proba` gives). Fewer when
    fewer terms speak for that label; none for a document without a known term. Character grams of spaces
    alone (the padding around each word) are skipped: they are no term the text holds. `directions` may be
    given to reuse `label_directions(predictor.weights)` across calls."""
    return scored_with_evidence(predictor, docs, top, directions)[2]


def scored_with_evidence(predictor: LinearPredictor, docs: Sequence[list[str]], top: int,
                         directions: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, list[Evidence]]:
    """`predictor.predict_proba_known(docs)` and `top_evidence` from one pass over the features: (N, C)
    probabilities, (N,) known-feature counts, and each document's evidence."""
    if top < 1:
        raise ValueError(f"top must be at least 1, got {top}")
    if directions is None:
        directions = label_directions(predictor.weights)
    indptr, indices, values = parts = predictor.vectorizer.transform(docs)
    probs = predict_proba_lean(indptr, indices, values, predictor.weights)
    terms = predictor.vectorizer.terms_
    found: list[Evidence] = []
    for i, label in enumerate(probs.argmax(axis=1).tolist()):
        columns = indices[indptr[i] : indptr[i + 1]]
        shares = values[indptr[i] : indptr[i + 1]].astype(np.float64) * directions[label, columns]
        kept: Evidence = []
        for j in np.argsort(-shares, kind="stable").tolist():  # ties: the earlier column (word block first)
            if shares[j] <= 0 or len(kept) == top:
                break
            term = terms[int(columns[j])]
            if _is_padding(term):
                continue
            kept.append((display_term(term), float(shares[j])))
        found.append(kept)
    return probs, predictor.informative.counts(parts), found
