"""Which of a document's features tell the model something about it, for `sentikit predict`'s note on texts with
no word the model knows.

Every known word n-gram counts. Character n-grams count only when they hold at least three letters (fewer when
the model's longest character n-gram is shorter): every text has known one- and two-character grams (a space,
"!", a digit) whatever its language, but a known "ter" in "terribleee" is real evidence.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

CsrParts = tuple[np.ndarray, np.ndarray, np.ndarray]
LETTERS = 3


class InformativeFeatures:
    """Counts per CSR row of the informative features: columns below `n_word` are word n-grams; `letters_in`
    answers how many letters the character grams at some columns hold. Each character column is judged when a
    document first uses it, and remembered: a cold prediction looks at a few dozen grams, not at a million."""

    def __init__(self, n_word: int, n_features: int, char_high: int,
                 letters_in: Callable[[np.ndarray], np.ndarray]) -> None:
        self.n_word, self.n_features = n_word, n_features
        self.letters = min(LETTERS, char_high)
        self.letters_in = letters_in
        self._judged: np.ndarray | None = None  # per feature: -1 not judged yet, 0 no, 1 yes

    def counts(self, parts: CsrParts) -> np.ndarray:
        indptr, indices, _ = parts
        n_docs = len(indptr) - 1
        char = indices >= self.n_word
        if not char.any():  # every entry is a word n-gram
            return np.diff(indptr)
        if self._judged is None:
            self._judged = np.full(self.n_features, -1, dtype=np.int8)
        columns = np.unique(indices[char]).astype(np.int64)
        new = columns[self._judged[columns] < 0]
        self._judged[new] = self.letters_in(new) >= self.letters
        counted = ~char | (self._judged[indices] == 1)
        rows = np.repeat(np.arange(n_docs), np.diff(indptr))
        return np.bincount(rows[counted], minlength=n_docs)
