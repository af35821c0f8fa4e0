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
        if self.n_word == self.n_features:  # no character block: every entry is a word n-gram
            return np.diff(indptr)
        if self._judged is None:
            self._judged = np.full(self.n_features, -1, dtype=np.int8)
            self._judged[: self.n_word] = 1
        flags = self._judged[indices]
        if (flags < 0).any():  # character grams no document has used before
            new = np.unique(indices[flags < 0]).astype(np.int64)
            self._judged[new] = self.letters_in(new) >= self.letters
            flags = self._judged[indices]
        # Per-row sums of the flags through one cumulative sum (a repeat of row numbers would cost 8 bytes an
        # entry): a few milliseconds for the 4 million entries of 2,000 IMDB reviews.
        running = np.concatenate([[0], np.cumsum(flags, dtype=np.int64)])
        return running[indptr[1:]] - running[indptr[:-1]]
