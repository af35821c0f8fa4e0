"""Bag-of-n-grams features for the linear models: settings, fitting, and the lean prediction-time transform.

Owns `FeatureConfig` (the only place feature defaults live), the n-gram analyzers, fitting through
scikit-learn (`fit_vectorizer`), and `LeanVectorizer`, which rebuilds scikit-learn's fitted matrix from plain
data (terms, idf) with numpy and dicts only, so the prediction path never imports scipy or scikit-learn
(both are imported lazily, only by the functions that need them).

Feature layout. Word n-grams (1..ngram_max, joined by " ") form one block; character n-grams, when asked
for, form a second block placed after it. Each block is its own scikit-learn vectorizer, so document
frequency limits, `max_features` and the row normalisation (l1 for "tf", l2 for "tfidf") apply per block:
the character block has far more, and far more frequent, features and would otherwise drown the words.
Character n-grams run over " " + " ".join(tokens) + " ": the padding marks the first and last word the same
way as the inner ones, and a gram may span a word boundary (" не по"). In `terms` they carry the prefix
CHAR_PREFIX ("\\x01", which no token produced by sentikit.text contains), so a character gram can never
collide with a word n-gram and survives a one-entry-per-line text table.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields
from functools import partial
from itertools import chain, pairwise, repeat
from typing import Any

import numpy as np

from sentikit.errors import DataError, UsageError

ENCODINGS: tuple[str, ...] = ("binary", "count", "tf", "tfidf")
CHAR_PREFIX = "\x01"
MAX_WORD_NGRAM = 3
MAX_CHAR_NGRAM = 8
_BATCH = 2048  # documents per numpy pass in LeanVectorizer.transform: bounds the temporary key arrays

CsrParts = tuple[np.ndarray, np.ndarray, np.ndarray]  # (indptr int64, indices int32, values float32)


@dataclass(frozen=True)
class FeatureConfig:
    """How token lists become a sparse document-term matrix.

    encoding: binary (presence 1/0), count, tf (counts divided by the document's total count of kept
    features, i.e. l1-normalised rows) or tfidf (smooth idf, l2-normalised rows). `sublinear_tf`
    (count -> 1 + log(count)) applies to "tfidf" only, so "tf" stays a plain relative frequency.
    min_df is a document count, max_df a fraction of documents; both, and max_features, act per block.
    """

    encoding: str = "tfidf"
    ngram_max: int = 2
    char_ngrams: tuple[int, int] | None = None
    min_df: int = 1
    max_df: float = 1.0
    max_features: int | None = None
    sublinear_tf: bool = True

    def __post_init__(self) -> None:
        if self.encoding not in ENCODINGS:
            raise UsageError(f"invalid encoding {self.encoding!r}",
                             hint=f"choose one of: {', '.join(ENCODINGS)}")
        _int_in("ngram_max", self.ngram_max, 1, MAX_WORD_NGRAM)
        if self.char_ngrams is not None:
            grams = self.char_ngrams
            if isinstance(grams, str) or not isinstance(grams, Sequence) or len(grams) != 2:
                raise UsageError(f"invalid char_ngrams {grams!r}",
                                 hint="expected two integers (min, max), e.g. 2,5")
            low, high = grams
            _int_in("char_ngrams minimum", low, 1, MAX_CHAR_NGRAM)
            _int_in("char_ngrams maximum", high, low, MAX_CHAR_NGRAM)
            object.__setattr__(self, "char_ngrams", (int(low), int(high)))  # a JSON list becomes a tuple
        _int_in("min_df", self.min_df, 1, None)
        max_df = self.max_df
        if isinstance(max_df, bool) or not isinstance(max_df, int | float) or not 0 < max_df <= 1:
            raise UsageError(f"invalid max_df {max_df!r}", hint="expected a fraction of documents in (0, 1]")
        # scikit-learn reads an int max_df as a document count: 1 would keep only hapaxes.
        object.__setattr__(self, "max_df", float(self.max_df))
        if self.max_features is not None:
            _int_in("max_features", self.max_features, 1, None)
        if not isinstance(self.sublinear_tf, bool):
            raise UsageError(f"invalid sublinear_tf {self.sublinear_tf!r}", hint="expected true or false")

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["char_ngrams"] = list(self.char_ngrams) if self.char_ngrams else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FeatureConfig:
        known = [f.name for f in fields(cls)]
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise UsageError(f"unknown feature setting(s): {', '.join(unknown)}",
                             hint=f"valid keys: {', '.join(known)}")
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
def word_ngrams(tokens: list[str], n_max: int) -> list[str]:
    """Word n-grams 1..n_max joined by " " (what scikit-learn's word analyzer yields, in another order)."""
    if n_max == 1 or len(tokens) < 2:
        return list(tokens)
    # f-strings over pairs are several times faster than " ".join over slices.
    bigrams = [f"{a} {b}" for a, b in pairwise(tokens)]
    if n_max == 2:
        return tokens + bigrams
    return tokens + bigrams + [f"{ab} {c}" for ab, c in zip(bigrams, tokens[2:], strict=False)]


def char_ngrams(tokens: list[str], low: int, high: int) -> list[str]:
    """Character n-grams low..high of " " + " ".join(tokens) + " " (no prefix); none for an empty document."""
    if not tokens:
        return []
    text = f" {' '.join(tokens)} "
    size = len(text)
    return [text[i : i + n] for n in range(low, min(high, size) + 1) for i in range(size - n + 1)]


# -- fitting (scikit-learn) -------------------------------------------------------------------------------
@dataclass(frozen=True)
class FittedFeatures:
    """What fitting learned, as plain data, plus the training matrix for the trainer.

    terms: column names (word block, then CHAR_PREFIX + gram); idf: float32 per column for "tfidf", else
    None; matrix: scipy CSR (n_docs, n_features) float32, exactly what scikit-learn produced.
    `estimators` holds the fitted scikit-learn vectorizers only when asked for (tests, comparisons): their
    vocabularies are large, so by default they are dropped once their state has been copied out.
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
        return LeanVectorizer(self.config, self.terms, self.idf)


def _sklearn_vectorizer(cfg: FeatureConfig, analyzer: Any) -> Any:
    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

    # token_pattern=None: the analyzer is a callable, so scikit-learn would only warn about the pattern.
    common: dict[str, Any] = {"analyzer": analyzer, "token_pattern": None, "lowercase": False,
                              "min_df": cfg.min_df, "max_df": cfg.max_df, "max_features": cfg.max_features,
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
    analyzers: list[tuple[str, Any]] = [("", partial(word_ngrams, n_max=cfg.ngram_max))]
    if cfg.char_ngrams is not None:
        analyzers.append((CHAR_PREFIX, partial(char_ngrams, low=cfg.char_ngrams[0], high=cfg.char_ngrams[1])))
    terms: list[str] = []
    idfs: list[np.ndarray] = []
    blocks: list[Any] = []
    kept: list[Any] = []
    for prefix, analyzer in analyzers:
        vectorizer = _sklearn_vectorizer(cfg, analyzer)
        try:
            blocks.append(sp.csr_matrix(vectorizer.fit_transform(docs), dtype=np.float32))
        except ValueError as exc:  # empty vocabulary, or min_df/max_df leaving nothing
            what = "character" if prefix else "word"
            raise DataError(f"no {what} features left to learn from ({exc})",
                            hint="lower --min-df, raise --max-df, or check the texts are not empty") from exc
        # stop_words_ lists every pruned term (millions of n-grams on a large corpus) and is never needed.
        if hasattr(vectorizer, "stop_words_"):
            del vectorizer.stop_words_
        # Column j is the j-th term in sorted order: scikit-learn numbers its vocabulary alphabetically.
        block_terms = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.__getitem__)
        terms.extend([prefix + term for term in block_terms] if prefix else block_terms)
        if cfg.encoding == "tfidf":
            idfs.append(np.asarray(vectorizer.idf_, dtype=np.float32))
        if keep_estimators:
            kept.append(vectorizer)
        else:
            del vectorizer.vocabulary_
    matrix = blocks[0] if len(blocks) == 1 else sp.hstack(blocks, format="csr", dtype=np.float32)
    idf = np.concatenate(idfs) if idfs else None
    return FittedFeatures(config=cfg, terms=terms, idf=idf, matrix=matrix, estimators=tuple(kept))


def sklearn_transform(features: FittedFeatures, docs: list[list[str]]) -> Any:
    """scikit-learn's own transform with the kept estimators (the reference for LeanVectorizer)."""
    import scipy.sparse as sp

    if not features.estimators:
        raise ValueError("fit_vectorizer(..., keep_estimators=True) is needed for sklearn_transform")
    blocks = [sp.csr_matrix(v.transform(docs), dtype=np.float32) for v in features.estimators]
    return blocks[0] if len(blocks) == 1 else sp.hstack(blocks, format="csr", dtype=np.float32)


# -- lean transform (numpy + dicts) ---------------------------------------------------------------------
class _GramTable:
    """Integer keys of the known grams, sorted, with their columns: a vectorised dictionary."""

    def __init__(self, keys: np.ndarray, columns: np.ndarray) -> None:
        order = np.argsort(keys, kind="stable")
        self.keys = keys[order]
        self.columns = columns[order]

    def find(self, query: np.ndarray) -> np.ndarray:
        """Column of each query key, -1 where the gram is unknown."""
        if not self.keys.size:
            return np.full(query.shape, -1, dtype=np.int64)
        at = np.minimum(np.searchsorted(self.keys, query), self.keys.size - 1)
        return np.where(self.keys[at] == query, self.columns[at], -1)


class _CodedWords:
    """Word n-grams as integers: each token gets an id once (one dict lookup per token, not per gram), and an
    n-gram (a, b, c) becomes (a*V + b)*V + c, looked up in a `_GramTable` per order, all in numpy."""

    def __init__(self, tokens: dict[str, int], orders: list[Any], n_max: int) -> None:
        self.tokens, self.orders, self.n_max = tokens, orders, n_max

    @classmethod
    def build(cls, terms: Sequence[str], n_max: int) -> _CodedWords | None:
        """None when the integer keys could overflow (an exotic vocabulary): the dict path is used then."""
        if not terms:
            return cls({}, [np.full(1, -1, np.int64)], n_max)
        n_parts = np.fromiter((t.count(" ") for t in terms), np.int64, len(terms)) + 1
        if n_parts.max() > n_max:
            return None  # a token holding a space: only string lookups reproduce scikit-learn then
        tokens: dict[str, int] = {}
        ids = np.fromiter((tokens.setdefault(p, len(tokens)) for p in " ".join(terms).split(" ")), np.int64)
        size = len(tokens)
        if size**n_max >= 2**62:
            return None
        starts = np.cumsum(n_parts) - n_parts
        columns = np.arange(len(terms), dtype=np.int64)
        unigram = np.full(size + 1, -1, dtype=np.int64)  # the extra last entry answers the unknown id -1
        unigram[ids[starts[n_parts == 1]]] = columns[n_parts == 1]
        orders: list[Any] = [unigram]
        for order in range(2, n_max + 1):
            first = starts[n_parts == order]
            keys = ids[first]
            for j in range(1, order):
                keys = keys * size + ids[first + j]
            orders.append(_GramTable(keys, columns[n_parts == order]))
        return cls(tokens, orders, n_max)

    def columns(self, docs: Sequence[list[str]]) -> tuple[np.ndarray, np.ndarray]:
        ids = np.fromiter(map(self.tokens.get, chain.from_iterable(docs), repeat(-1)), np.int64)
        rows = np.repeat(np.arange(len(docs), dtype=np.int64), np.fromiter(map(len, docs), np.int64, len(docs)))
        out_rows, out_cols = [rows], [self.orders[0][ids]]
        keys, valid, size = ids, ids >= 0, len(self.tokens)
        for order in range(2, min(self.n_max, ids.size) + 1):
            last = ids[order - 1 :]
            # A gram is valid when all its tokens are known and lie in one document (rows are sorted).
            valid = valid[:-1] & (last >= 0) & (rows[: last.size] == rows[order - 1 :])
            keys = keys[:-1] * size + last  # unknown ids make garbage keys, masked out by `valid`
            out_rows.append(rows[: last.size][valid])
            out_cols.append(self.orders[order - 1].find(keys[valid]))
        return np.concatenate(out_rows), np.concatenate(out_cols)


class _CodedChars:
    """Character n-grams as integers: characters get codes 1..A (0: unknown or a document boundary) and a
    gram c1..cn becomes sum(ci * (A+1)**(n-i)); the whole batch is one string, encoded once."""

    def __init__(self, lut: np.ndarray, base: int, table: _GramTable, low: int, high: int) -> None:
        self.lut, self.base, self.table, self.low, self.high = lut, base, table, low, high

    @classmethod
    def build(cls, grams: Sequence[str], first_column: int, low: int, high: int) -> _CodedChars | None:
        joined = "".join(grams)
        alphabet = sorted(set(joined))
        base = len(alphabet) + 1
        if "\x00" in alphabet or base**high >= 2**62:
            return None
        points = np.array([ord(c) for c in alphabet] or [0], dtype=np.int64)
        lut = np.zeros(int(points.max()) + 2, dtype=np.int64)  # the extra last entry answers unseen code points
        lut[points[: len(alphabet)]] = np.arange(1, len(alphabet) + 1)
        codes = lut[_code_points(joined)]
        lengths = np.fromiter(map(len, grams), np.int64, len(grams))
        starts = np.cumsum(lengths) - lengths
        exponent = np.repeat(starts + lengths - 1, lengths) - np.arange(codes.size)
        keys = np.add.reduceat(codes * base**exponent, starts) if len(grams) else np.zeros(0, np.int64)
        return cls(lut, base, _GramTable(keys, first_column + np.arange(len(grams))), low, high)

    def columns(self, docs: Sequence[list[str]]) -> tuple[np.ndarray, np.ndarray]:
        pieces = [f" {' '.join(tokens)} " if tokens else "" for tokens in docs]
        points = _code_points("\x00".join(pieces))
        codes = self.lut[np.minimum(points, self.lut.size - 1)]
        lengths = np.fromiter(map(len, pieces), np.int64, len(pieces)) + 1  # + the boundary after each
        rows = np.repeat(np.arange(len(docs), dtype=np.int64), lengths)[: codes.size]
        out_rows, out_cols = [], []
        keys, valid = codes, codes > 0
        for n in range(1, min(self.high, codes.size) + 1):
            if n > 1:
                keys = keys[:-1] * self.base + codes[n - 1 :]
                valid = valid[:-1] & (codes[n - 1 :] > 0)  # a gram over a boundary holds a 0 code
            if n >= self.low:
                out_rows.append(rows[: keys.size][valid])
                out_cols.append(self.table.find(keys[valid]))
        if not out_rows:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        return np.concatenate(out_rows), np.concatenate(out_cols)


def _code_points(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.int64)


class _DictGrams:
    """The plain path: build every gram as a string and look it up in a dict (exact whatever the tokens)."""

    def __init__(self, index: dict[str, int], grams: Any) -> None:
        self.index, self.grams = index, grams

    def columns(self, docs: Sequence[list[str]]) -> tuple[np.ndarray, np.ndarray]:
        ids, lengths, get = array("q"), array("q"), self.index.get
        for tokens in docs:
            grams = self.grams(tokens)
            ids.extend(map(get, grams, repeat(-1)))
            lengths.append(len(grams))
        rows = np.repeat(np.arange(len(docs), dtype=np.int64), np.frombuffer(lengths, dtype=np.int64))
        return rows, np.frombuffer(ids, dtype=np.int64)


class LeanVectorizer:
    """Rebuilds the fitted scikit-learn matrix from (config, terms, idf) with numpy and dicts only.

    Grams are matched as integers (see `_CodedWords`, `_CodedChars`), which needs tokens without spaces, as
    sentikit.text produces; `coded=False` forces per-gram string lookups (slower; the tests' cross-check).
    Every floating-point step mirrors scikit-learn's (float32 data, float64 row sums in the same order), so
    the values agree to the last bit or within float32 rounding.
    """

    def __init__(self, cfg: FeatureConfig, terms: Sequence[str], idf: np.ndarray | None = None, *,
                 coded: bool = True) -> None:
        self.config = cfg
        n = len(terms)
        n_word = next((i for i, t in enumerate(terms) if t.startswith(CHAR_PREFIX)), n)
        if n_word == 0:
            raise ValueError("feature terms have no word block")
        chars_ok = cfg.char_ngrams is not None and all(t.startswith(CHAR_PREFIX) for t in terms[n_word:])
        if n_word < n and not chars_ok:
            raise ValueError("feature terms do not match the configuration (misplaced character n-grams)")
        if cfg.encoding == "tfidf":
            if idf is None or np.shape(idf) != (n,):
                raise ValueError(f"tfidf features need one idf weight per term ({n}), got {np.shape(idf)}")
            self.idf_: np.ndarray | None = np.asarray(idf, dtype=np.float32)
        else:
            self.idf_ = None
        self.terms_ = terms
        self.n_features_ = n
        self.n_word_ = n_word
        words = terms[:n_word]
        self._blocks: list[Any] = [
            (_CodedWords.build(words, cfg.ngram_max) if coded else None)
            or _DictGrams(dict(zip(words, range(n_word), strict=True)), partial(word_ngrams, n_max=cfg.ngram_max))
        ]
        if n_word < n and cfg.char_ngrams is not None:
            low, high = cfg.char_ngrams
            grams = [t[1:] for t in terms[n_word:]]
            self._blocks.append(
                (_CodedChars.build(grams, n_word, low, high) if coded else None)
                or _DictGrams({g: n_word + i for i, g in enumerate(grams)}, partial(char_ngrams, low=low, high=high))
            )

    def transform(self, docs: Sequence[list[str]]) -> CsrParts:
        """CSR parts (indptr int64, indices int32, values float32) of the documents' feature matrix."""
        parts = [self._transform_batch(docs[i : i + _BATCH]) for i in range(0, len(docs), _BATCH)]
        if not parts:
            return np.zeros(1, np.int64), np.zeros(0, np.int32), np.zeros(0, np.float32)
        offsets = np.cumsum([0] + [p[0][-1] for p in parts[:-1]])
        shifted = [p[0][1:] + off for p, off in zip(parts, offsets, strict=True)]
        indptr = np.concatenate([np.zeros(1, np.int64), *shifted])
        return indptr, np.concatenate([p[1] for p in parts]), np.concatenate([p[2] for p in parts])

    def _transform_batch(self, docs: Sequence[list[str]]) -> CsrParts:
        n_docs, n_features = len(docs), self.n_features_
        found = [block.columns(docs) for block in self._blocks]
        rows = np.concatenate([r for r, _ in found])
        columns = np.concatenate([c for _, c in found])
        known = columns >= 0
        # One sort of row * F + column gives each row's distinct columns in ascending order with their
        # counts, which is exactly scikit-learn's CSR layout (sorted indices).
        keys, counts = np.unique(rows[known] * n_features + columns[known], return_counts=True)
        rows = keys // n_features
        columns = keys - rows * n_features
        indptr = np.zeros(n_docs + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=n_docs), out=indptr[1:])
        values = self._weigh(counts.astype(np.float32), rows, columns, n_docs)
        return indptr, columns.astype(np.int32), values

    def _weigh(self, values: np.ndarray, rows: np.ndarray, columns: np.ndarray, n_docs: int) -> np.ndarray:
        encoding = self.config.encoding
        if encoding == "count" or values.size == 0:
            return values
        if encoding == "binary":
            return np.ones_like(values)
        if encoding == "tfidf":
            if self.config.sublinear_tf:
                np.log(values, out=values)
                values += np.float32(1.0)
            assert self.idf_ is not None
            values *= self.idf_[columns]
        # Rows are normalised per block; the group of an entry is (row, block).
        groups = rows * 2 + (columns >= self.n_word_)
        if encoding == "tf":
            sums = np.bincount(groups, weights=values, minlength=2 * n_docs)
        else:
            # scikit-learn squares in float32 and accumulates in float64, in index order: so does bincount.
            sums = np.sqrt(np.bincount(groups, weights=values * values, minlength=2 * n_docs))
        return (values / sums[groups]).astype(np.float32)


# -- display and export ---------------------------------------------------------------------------------
def display_term(term: str) -> str:
    """A term as shown to people: word n-grams as they are, character n-grams as ⟨gram⟩ with ␣ for spaces."""
    if term.startswith(CHAR_PREFIX):
        return "⟨" + term[1:].replace(" ", "␣") + "⟩"
    return term


def bag_of_words_table(docs: Sequence[list[str]], vectorizer: LeanVectorizer, terms: Sequence[str], n: int,
                       row_labels: Sequence[str] | None = None) -> tuple[list[str], list[str], np.ndarray]:
    """(row labels, column terms, dense (rows, cols) values) for `sentikit vectorize --show N`.

    Columns are the N terms found in the most of `docs` (ties: column order), rows the first N documents;
    cells hold the configured encoding's values.
    """
    if n < 1:
        raise UsageError(f"invalid --show {n}", hint="expected a positive number of rows and columns")
    indptr, indices, values = vectorizer.transform(docs)
    doc_freq = np.bincount(indices, minlength=vectorizer.n_features_)
    top = np.argsort(-doc_freq, kind="stable")[: min(n, int(np.count_nonzero(doc_freq)))]
    position = np.full(vectorizer.n_features_, -1, dtype=np.int64)
    position[top] = np.arange(len(top))
    n_rows = min(n, len(docs))
    table = np.zeros((n_rows, len(top)), dtype=np.float32)
    for row in range(n_rows):
        cols = indices[indptr[row] : indptr[row + 1]]
        where = position[cols]
        shown = where >= 0
        table[row, where[shown]] = values[indptr[row] : indptr[row + 1]][shown]
    labels = list(row_labels[:n_rows]) if row_labels is not None else [f"doc {i + 1}" for i in range(n_rows)]
    return labels, [display_term(terms[j]) for j in top], table


def to_scipy(parts: CsrParts, n_features: int) -> Any:
    """CSR parts as a scipy.sparse.csr_matrix (for `sentikit vectorize` to write with save_npz)."""
    import scipy.sparse as sp

    indptr, indices, values = parts
    return sp.csr_matrix((values, indices, indptr), shape=(len(indptr) - 1, n_features))
