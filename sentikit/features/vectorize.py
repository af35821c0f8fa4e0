"""Bag-of-n-grams features for the linear models: settings, analyzers and fitting.

Owns `FeatureConfig` (the only place feature defaults live), the n-gram analyzers (shared with the lean
transform in `sentikit.features.lean`) and fitting through scikit-learn (`fit_vectorizer`, imported lazily).

Layout: word n-grams (1..ngram_max, joined by " ") form one block; character n-grams, when asked for, a
second block after it. Each block is its own scikit-learn vectorizer, so min_df/max_df and the row
normalisation (l1 for "tf", l2 for "tfidf") act per block: the far more numerous character grams would
otherwise drown the words. For the same reason max_features, a total, is shared out: the word block keeps up
to half of it (rounded up), the character block the rest. Character n-grams run over
" " + " ".join(tokens) + " " (the padding marks the first and last word like the inner ones; grams may span
words: " не по"). In `terms` they carry CHAR_PREFIX ("\\x01", which no sentikit token contains), so they never
collide with word n-grams and fit a one-entry-per-line text table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from functools import partial
from itertools import pairwise
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from sentikit.configs import finite_number, reject_unknown_keys
from sentikit.errors import DataError, UsageError

if TYPE_CHECKING:
    from sentikit.features.lean import LeanVectorizer

ENCODINGS: tuple[str, ...] = ("binary", "count", "tf", "tfidf")
CHAR_PREFIX = "\x01"
MAX_WORD_NGRAM = 3
MAX_CHAR_NGRAM = 8



@dataclass(frozen=True)
class FeatureConfig:
    """How token lists become a sparse document-term matrix.

    encoding: binary (presence 1/0), count, tf (counts divided by the document's total count of kept
    features, i.e. l1-normalised rows) or tfidf (smooth idf, l2-normalised rows). `sublinear_tf`
    (count -> 1 + log(count)) applies to "tfidf" only, so "tf" stays a plain relative frequency.
    min_df is a document count, max_df a fraction of documents; both act per block. max_features caps the
    total number of terms: with char_ngrams, up to half of it (rounded up) are word n-grams, the rest
    character n-grams.
    """

    encoding: str = "tfidf"
    ngram_max: int = 2
    char_ngrams: tuple[int, int] | None = None
    min_df: int = 1
    max_df: float = 1.0
    max_features: int | None = None
    sublinear_tf: bool = True

    # May be missing from a model's manifest (see `require_saved_settings`): they chose the terms, which the
    # folder stores.
    OPTIONAL_IN_MANIFEST: ClassVar[frozenset[str]] = frozenset({"min_df", "max_df", "max_features"})

    def __post_init__(self) -> None:
        if self.encoding not in ENCODINGS:
            raise UsageError(f"invalid encoding {self.encoding!r}",
                             hint=f"choose one of: {', '.join(ENCODINGS)}")
        _int_in("ngram_max", self.ngram_max, 1, MAX_WORD_NGRAM)
        grams = self.char_ngrams
        if grams in ("none", "off"):  # how the CLI says "no character n-grams" over an arch default
            object.__setattr__(self, "char_ngrams", None)
            grams = None
        if grams is not None:
            if isinstance(grams, str) or not isinstance(grams, Sequence) or len(grams) != 2:
                raise UsageError(f"invalid char_ngrams {grams!r}", hint="expected two integers: min, max")
            _int_in("char_ngrams minimum", grams[0], 1, MAX_CHAR_NGRAM)
            _int_in("char_ngrams maximum", grams[1], grams[0], MAX_CHAR_NGRAM)
            object.__setattr__(self, "char_ngrams", (grams[0], grams[1]))  # a JSON list becomes a tuple
        _int_in("min_df", self.min_df, 1, None)
        if self.max_features is not None:
            _int_in("max_features", self.max_features, 1, None)
        object.__setattr__(self, "max_df", finite_number(  # a float: scikit-learn reads an int as a count
            "max_df", self.max_df, low=0.0, high=1.0, low_open=True, expected="a fraction of documents in (0, 1]"))
        if not isinstance(self.sublinear_tf, bool):
            raise UsageError(f"invalid sublinear_tf {self.sublinear_tf!r}", hint="expected true or false")

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["char_ngrams"] = list(self.char_ngrams) if self.char_ngrams else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FeatureConfig:
        reject_unknown_keys(cls, data, "feature")
        values = dict(data)
        if values.get("char_ngrams") is not None:
            values["char_ngrams"] = tuple(values["char_ngrams"])
        return cls(**values)


def _int_in(name: str, value: Any, low: int, high: int | None) -> None:
    too_high = high is not None and isinstance(value, int) and value > high
    if isinstance(value, bool) or not isinstance(value, int) or value < low or too_high:
        wanted = f"an integer in {low}..{high}" if high is not None else f"an integer >= {low}"
        raise UsageError(f"invalid {name} {value!r}", hint=f"expected {wanted}")


# -- analyzers (shared by fitting and the lean transform, so both see the very same grams) -----------------
def word_ngrams(tokens: list[str], n_max: int, start: int = 0, stop: int | None = None) -> list[str]:
    """Word n-grams 1..n_max joined by " " (what scikit-learn's word analyzer yields, in another order).

    With `start`/`stop`, only the grams that begin at tokens[start:stop]: the lean transform takes a long
    document one window at a time, and the windows together give each gram exactly once.
    """
    end = len(tokens) if stop is None else min(stop, len(tokens))
    unigrams = tokens[start:end]
    if n_max == 1 or len(tokens) < 2:
        return unigrams
    # f-strings over pairs are several times faster than " ".join over slices.
    bigrams = [f"{a} {b}" for a, b in pairwise(tokens[start : end + 1])]
    if n_max == 2:
        return unigrams + bigrams
    return unigrams + bigrams + [f"{ab} {c}" for ab, c in zip(bigrams, tokens[start + 2 : end + 2], strict=False)]


def char_text(tokens: list[str]) -> str:
    """What character n-grams run over: " " + " ".join(tokens) + " ", or "" for an empty document."""
    return f" {' '.join(tokens)} " if tokens else ""


def char_ngrams(tokens: list[str], low: int, high: int) -> list[str]:
    """Character n-grams low..high of `char_text(tokens)` (no prefix); none for an empty document."""
    return text_ngrams(char_text(tokens), low, high)


def text_ngrams(text: str, low: int, high: int, start: int = 0, stop: int | None = None) -> list[str]:
    """Character n-grams low..high of `text`; with `start`/`stop`, only those beginning at text[start:stop]."""
    size = len(text)
    end = size if stop is None else min(stop, size)
    return [text[i : i + n] for n in range(low, min(high, size) + 1) for i in range(start, min(end, size - n + 1))]


# -- fitting (scikit-learn) -------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)  # holds arrays: identity comparison only
class FittedFeatures:
    """What fitting learned, as plain data, plus the training matrix (scipy CSR float32) for the trainer.

    terms: column names (word block, then CHAR_PREFIX + gram); idf: float32 per column for "tfidf", else None.
    `estimators` keeps the fitted scikit-learn vectorizers only on request (tests, comparisons): their
    vocabularies are large, so by default they are dropped once copied out.
    """

    config: FeatureConfig
    terms: list[str] = field(repr=False)
    idf: np.ndarray | None = field(repr=False)
    matrix: Any = field(repr=False)
    estimators: tuple[Any, ...] = field(default=(), repr=False, compare=False)

    @property
    def n_features(self) -> int:
        return len(self.terms)

    def lean(self) -> LeanVectorizer:
        from sentikit.features.lean import LeanVectorizer

        return LeanVectorizer(self.config, self.terms, self.idf)


def _sklearn_vectorizer(cfg: FeatureConfig, analyzer: Any, max_features: int | None) -> Any:
    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

    # token_pattern=None: the analyzer is a callable, so scikit-learn would only warn about the pattern.
    common: dict[str, Any] = {"analyzer": analyzer, "token_pattern": None, "lowercase": False,
                              "min_df": cfg.min_df, "max_df": cfg.max_df, "max_features": max_features,
                              "dtype": np.float32}
    if cfg.encoding in ("binary", "count"):
        return CountVectorizer(binary=cfg.encoding == "binary", **common)
    if cfg.encoding == "tf":
        return TfidfVectorizer(use_idf=False, norm="l1", sublinear_tf=False, **common)
    return TfidfVectorizer(use_idf=True, smooth_idf=True, norm="l2", sublinear_tf=cfg.sublinear_tf, **common)


def fit_vectorizer(docs: list[list[str]], cfg: FeatureConfig | None = None, *,
                   keep_estimators: bool = False) -> FittedFeatures:
    """Fit scikit-learn's vectorizer(s) on token lists and return terms, idf and the training matrix."""
    import scipy.sparse as sp

    cfg = cfg or FeatureConfig()
    if not docs:
        raise DataError("no documents to fit features on")
    if cfg.min_df > len(docs):  # scikit-learn words this in terms of max_df, which the user may not have set
        raise DataError(f"--min-df {cfg.min_df} is more than the {len(docs)} documents",
                        hint="lower --min-df")
    analyzers: list[tuple[str, Any]] = [("", partial(word_ngrams, n_max=cfg.ngram_max))]
    if cfg.char_ngrams is not None:
        analyzers.append((CHAR_PREFIX, partial(char_ngrams, low=cfg.char_ngrams[0], high=cfg.char_ngrams[1])))
    terms: list[str] = []
    idfs: list[np.ndarray] = []
    blocks: list[Any] = []
    kept: list[Any] = []
    left = cfg.max_features  # terms still allowed: the word block takes up to half, the character block the rest
    for n, (prefix, analyzer) in enumerate(analyzers):
        cap = left if left is None or n == len(analyzers) - 1 else left - left // 2
        if cap == 0:  # --max-features 1 with character n-grams: the one term is a word
            break
        vectorizer = _sklearn_vectorizer(cfg, analyzer, cap)
        try:
            blocks.append(sp.csr_matrix(vectorizer.fit_transform(docs), dtype=np.float32))
        except ValueError as exc:  # empty vocabulary, or min_df/max_df leaving nothing
            # scikit-learn's own wording talks about its parameters ("max_df corresponds to < documents than
            # min_df"), so say it in terms of ours.
            what = "character" if prefix else "word"
            raise DataError(f"no {what} features left to learn from: --min-df/--max-df prune every term, or the "
                            "preprocessed texts are empty",
                            hint="lower --min-df, raise --max-df, or keep stopwords") from exc
        # stop_words_ lists every pruned term (millions of n-grams on a large corpus) and is never needed.
        vectorizer.__dict__.pop("stop_words_", None)
        vocabulary = vectorizer.vocabulary_  # term -> column
        ordered = np.empty(len(vocabulary), dtype=object)
        ordered[np.fromiter(vocabulary.values(), np.int64, len(vocabulary))] = list(vocabulary)
        terms.extend([prefix + term for term in ordered.tolist()] if prefix else ordered.tolist())
        left = None if left is None else left - len(vocabulary)
        if cfg.encoding == "tfidf":
            idfs.append(np.asarray(vectorizer.idf_, dtype=np.float32))
        if keep_estimators:
            kept.append(vectorizer)
        else:
            del vectorizer.vocabulary_
    matrix = blocks[0] if len(blocks) == 1 else sp.hstack(blocks, format="csr", dtype=np.float32)
    matrix.sort_indices()  # fit_transform leaves each row's columns in first-seen order
    idf = np.concatenate(idfs) if idfs else None
    return FittedFeatures(config=cfg, terms=terms, idf=idf, matrix=matrix, estimators=tuple(kept))


def sklearn_transform(features: FittedFeatures, docs: list[list[str]]) -> Any:
    """scikit-learn's own transform with the kept estimators (the reference for LeanVectorizer)."""
    import scipy.sparse as sp

    if not features.estimators:
        raise ValueError("fit_vectorizer(..., keep_estimators=True) is needed for sklearn_transform")
    blocks = [sp.csr_matrix(v.transform(docs), dtype=np.float32) for v in features.estimators]
    return blocks[0] if len(blocks) == 1 else sp.hstack(blocks, format="csr", dtype=np.float32)
