"""The lean, prediction-time side of the bag-of-n-grams features: `LeanVectorizer` rebuilds scikit-learn's
fitted matrix from plain data (terms, idf) with numpy and dicts only, plus the display and export helpers.

scipy and scikit-learn are never imported here except by `to_scipy`, which only `sentikit vectorize` calls.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from itertools import chain, repeat
from typing import Any

import numpy as np

from sentikit.artifact_encoding import stored_floats, stored_ints, stored_sorted_keys
from sentikit.errors import UsageError
from sentikit.features.vectorize import (
    CHAR_PREFIX,
    FeatureConfig,
    char_text,
    text_ngrams,
    word_ngrams,
)

_BATCH = 2048  # documents per numpy pass in LeanVectorizer.transform: bounds the temporary key arrays
# Grams are matched for the units (tokens or characters) of one window at a time, and the (row, column) keys
# of the matches are counted whenever this many are held: a long document then needs about its own size in
# memory, not ~200 bytes a character (int64 arrays of every gram of every length, all at once).
_WINDOW = 1 << 16
_HELD_KEYS = 1 << 20
_SORTED_PROBES = 1 << 17  # gram tables above this size are probed with sorted queries (measured crossover)

CsrParts = tuple[np.ndarray, np.ndarray, np.ndarray]  # (indptr int64, indices int32, values float32)


# -- lean transform (numpy + dicts) ---------------------------------------------------------------------
class _CodedBlock:
    """One block's grams as integers, matched in numpy rather than built as Python strings.

    A unit (a token for word n-grams, a character for character n-grams) has a code 1..A; 0 marks an unknown
    unit or a document boundary. The gram u1..un is the integer sum(code(ui) * (A+1)**(n-i)), so grams of
    different lengths fall in disjoint ranges and one sorted array of the known grams' keys answers every
    lookup through np.searchsorted. Tokens cost one dict lookup each (not one per gram); characters are
    coded for the whole batch at once, from one UTF-32 string.
    """

    def __init__(self, kind: str, units: Sequence[str], keys: np.ndarray, columns: np.ndarray, low: int,
                 high: int) -> None:
        if keys.shape != columns.shape or keys.ndim != 1:
            raise ValueError(f"{kind} gram keys and columns do not match")
        self.kind, self.units, self.keys, self.cols = kind, units, keys, columns
        self.low, self.high, self.base = low, high, len(units) + 1
        self.unigrams: np.ndarray | None = None  # built on first use
        self._key_at: tuple[np.ndarray, int, np.ndarray] | None = None  # built on first use by `letters`
        if kind == "word":
            self.codes = dict(zip(units, range(1, self.base), strict=True))
        else:
            points = np.array([ord(u) for u in units] or [0], dtype=np.int64)
            self.lut = np.zeros(int(points.max()) + 2, dtype=np.int64)  # the last entry answers unseen points
            self.lut[points[: len(units)]] = np.arange(1, self.base)

    @classmethod
    def from_terms(cls, kind: str, grams: Sequence[str], first: int, low: int,
                   high: int) -> _CodedBlock | None:
        """None when integer keys cannot represent the block exactly (the caller then looks up strings)."""
        if kind == "word":
            units = " ".join(grams).split(" ")
            lengths = np.fromiter(map(str.count, grams, repeat(" ")), np.int64, len(grams)) + 1
            alphabet = sorted(set(units))
            code_of = dict(zip(alphabet, range(1, len(alphabet) + 1), strict=True))
            codes = np.fromiter(map(code_of.__getitem__, units), np.int64, len(units))
        else:
            joined = "".join(grams)
            lengths = np.fromiter(map(len, grams), np.int64, len(grams))
            alphabet = sorted(set(joined))
            codes = np.searchsorted(np.array([ord(c) for c in alphabet]), _code_points(joined)) + 1
        # A token holding a space poses as a longer n-gram; \x00 marks document ends; keys must fit 63 bits.
        if lengths.max() > high or "\x00" in alphabet or (len(alphabet) + 1) ** high >= 2**62:
            return None
        starts = np.cumsum(lengths) - lengths
        exponent = np.repeat(starts + lengths - 1, lengths) - np.arange(codes.size)
        keys = np.add.reduceat(codes * (len(alphabet) + 1) ** exponent, starts)
        order = np.argsort(keys)
        return cls(kind, alphabet, keys[order], (first + order).astype(np.int32), low, high)

    def columns(self, docs: Sequence[list[str]]) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(row, column) of every gram occurrence in `docs`, column -1 for an unknown gram, for the grams
        beginning in one window of _WINDOW units at a time."""
        if self.kind == "word":
            units = chain.from_iterable(chain.from_iterable(zip(docs, repeat((None,)))))  # None: boundary
            all_codes = np.fromiter(map(self.codes.get, units, repeat(0)), np.int64)
            lengths = np.fromiter(map(len, docs), np.int64, len(docs)) + 1
            size = all_codes.size

            def window(lo: int, hi: int) -> np.ndarray:
                return all_codes[lo:hi]
        else:
            pieces = [char_text(tokens) for tokens in docs]
            joined = "\x00".join(pieces)
            lengths = np.fromiter(map(len, pieces), np.int64, len(pieces)) + 1
            size = len(joined)

            def window(lo: int, hi: int) -> np.ndarray:  # int64 codes of the whole text: 8 bytes a character
                return self.lut[np.minimum(_code_points(joined[lo:hi]), self.lut.size - 1)]
        ends = np.cumsum(lengths)  # document i owns the units before ends[i] (its boundary included)
        for start in range(0, size, _WINDOW):
            stop = min(start + _WINDOW, size)
            rows = np.searchsorted(ends, np.arange(start, stop), side="right")
            # The high - 1 units after the window complete the grams that begin at its end.
            yield self._grams(window(start, stop + self.high - 1), rows)

    def _grams(self, codes: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(row, column) of the grams beginning at the first rows.size units of `codes`."""
        out_rows, out_cols = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
        keys, valid = codes, codes > 0
        for n in range(1, min(self.high, codes.size) + 1):
            if n > 1:  # extend every (n-1)-gram by the unit after it; one 0 code invalidates the gram
                keys = keys[:-1] * self.base + codes[n - 1 :]
                valid = valid[:-1] & (codes[n - 1 :] > 0)
            if n >= self.low:
                begins = valid[: rows.size]
                out_rows.append(rows[: begins.size][begins])
                out_cols.append(self._find(keys[: begins.size][begins], n))
        return np.concatenate(out_rows), np.concatenate(out_cols)

    def _find(self, query: np.ndarray, n: int) -> np.ndarray:
        """Columns of n-gram keys, -1 for unknown grams."""
        if n == 1:  # a unigram's key is its code: a direct table
            if self.unigrams is None:
                self.unigrams = np.full(self.base, -1, dtype=np.int64)
                known = self.keys < self.base
                self.unigrams[self.keys[known]] = self.cols[known]
            return self.unigrams[query]
        # Binary search in the n-gram key range only. In a table too big for the CPU caches, sorted queries
        # pay off: walking the table in order beats random probes into millions of keys.
        lo, hi = np.searchsorted(self.keys, [self.base ** (n - 1), self.base**n])
        table, found = self.keys[lo:hi], np.full(query.size, -1, dtype=np.int64)
        if table.size:
            order = np.argsort(query) if table.size > _SORTED_PROBES else slice(None)
            at = np.minimum(np.searchsorted(table, query[order]), table.size - 1)
            found[order] = np.where(table[at] == query[order], self.cols[lo:hi][at], -1)
        return found


    def letters(self, columns: np.ndarray) -> np.ndarray:
        """How many letters (str.isalpha) each character gram at `columns` holds, read off its key: a known
        gram's digits in base A+1 are its units' codes, none of them 0."""
        if self._key_at is None:  # (key by column, first column, whether each unit code is a letter)
            first = int(self.cols.min()) if self.cols.size else 0
            key_at = np.zeros(self.cols.size, dtype=np.int64)
            key_at[self.cols - first] = self.keys
            self._key_at = key_at, first, np.array([False, *(unit.isalpha() for unit in self.units)])
        key_at, first, is_letter = self._key_at
        keys = key_at[columns - first]
        count = np.zeros(keys.size, dtype=np.int64)
        while keys.any():
            keys, digit = np.divmod(keys, self.base)
            count += is_letter[digit]
        return count


def _code_points(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.int64)


class _DictBlock:
    """The plain path: every gram built as a string and looked up in a dict (exact whatever the tokens)."""

    def __init__(self, kind: str, index: dict[str, int], low: int, high: int) -> None:
        self.kind, self.index, self.low, self.high = kind, index, low, high

    def columns(self, docs: Sequence[list[str]]) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """As `_CodedBlock.columns`: long documents a window at a time, and at most about _WINDOW grams'
        (row, column) pairs at once."""
        rows, ids, get = array("q"), array("q"), self.index.get
        for row, tokens in enumerate(docs):
            text = char_text(tokens) if self.kind == "char" else ""
            for start in range(0, len(tokens) if self.kind == "word" else len(text), _WINDOW):
                if self.kind == "word":
                    grams = word_ngrams(tokens, self.high, start, start + _WINDOW)
                else:
                    grams = text_ngrams(text, self.low, self.high, start, start + _WINDOW)
                ids.extend(map(get, grams, repeat(-1)))
                rows.extend(repeat(row, len(grams)))
                if len(ids) >= _WINDOW:
                    yield np.frombuffer(rows, dtype=np.int64), np.frombuffer(ids, dtype=np.int64)
                    rows, ids = array("q"), array("q")
        yield np.frombuffer(rows, dtype=np.int64), np.frombuffer(ids, dtype=np.int64)


def _block(cfg: FeatureConfig, kind: str, grams: Sequence[str], first: int, coded: bool) -> Any:
    low, high = (1, cfg.ngram_max) if kind == "word" else cfg.char_ngrams or (1, 1)
    block = _CodedBlock.from_terms(kind, grams, first, low, high) if coded else None
    if block is not None:
        return block
    return _DictBlock(kind, dict(zip(grams, range(first, first + len(grams)), strict=True)), low, high)


class LeanVectorizer:
    """Rebuilds the fitted scikit-learn matrix from (config, terms, idf) with numpy and dicts only.

    Grams are matched as integers (`_CodedBlock`), which assumes tokens without spaces, as sentikit.text
    produces; `coded=False` forces per-gram string lookups (slower; what the tests cross-check against).
    Every floating-point step mirrors scikit-learn's (float32 data, float64 row sums in the same order), so
    the values agree to the last bit. `state()` / `from_state()` carry the integer tables, so loading a
    model skips rebuilding them from the terms.
    """

    def __init__(self, cfg: FeatureConfig, terms: Sequence[str], idf: np.ndarray | None = None, *,
                 coded: bool = True, blocks: list[Any] | None = None, n_word: int | None = None) -> None:
        n = len(terms)
        if n_word is None:  # from_state knows it, so a loaded model need not read its terms at all
            # The word block comes first, so the first character gram is found by bisection (a linear scan
            # would dominate loading a model with a million terms).
            n_word = bisect_left(terms, True, key=lambda t: t.startswith(CHAR_PREFIX))
        if n_word == 0 or (n_word < n and cfg.char_ngrams is None):
            raise ValueError("feature terms do not match the configuration")
        if cfg.encoding == "tfidf" and (idf is None or np.shape(idf) != (n,)):
            raise ValueError(f"tfidf features need one idf weight per term ({n}), got {np.shape(idf)}")
        self.config, self.terms_, self.n_features_, self.n_word_ = cfg, terms, n, n_word
        self.idf_ = np.asarray(idf, dtype=np.float32) if cfg.encoding == "tfidf" else None
        if blocks is None:  # `blocks` is given by from_state only
            blocks = [_block(cfg, "word", terms[:n_word], 0, coded)]
            if n_word < n:
                blocks.append(_block(cfg, "char", [t[1:] for t in terms[n_word:]], n_word, coded))
        self._blocks = blocks

    def state(self) -> tuple[dict[str, np.ndarray], dict[str, list[str]], dict[str, Any]]:
        """(arrays, text tables, JSON-safe info) that `from_state` rebuilds this vectorizer from."""
        arrays: dict[str, np.ndarray] = {} if self.idf_ is None else {"idf": self.idf_}
        texts: dict[str, list[str]] = {"terms": list(self.terms_)}
        for block in self._blocks:
            if isinstance(block, _CodedBlock):
                arrays[f"{block.kind}_keys"], arrays[f"{block.kind}_columns"] = block.keys, block.cols
                if block.kind == "word":
                    texts["word_units"] = list(block.units)
                else:
                    arrays["char_units"] = np.array([ord(u) for u in block.units], dtype=np.int32)
        return arrays, texts, {"n_features": self.n_features_, "n_word_features": self.n_word_}

    @classmethod
    def from_state(cls, cfg: FeatureConfig, arrays: dict[str, np.ndarray], texts: dict[str, list[str]],
                   info: dict[str, Any]) -> LeanVectorizer:
        terms, n_word = texts["terms"], int(info["n_word_features"])
        if len(terms) != int(info["n_features"]) or not 0 < n_word <= len(terms):
            raise ValueError("feature terms do not match the recorded feature counts")
        blocks: list[Any] = []
        for kind, first, last in (("word", 0, n_word), ("char", n_word, len(terms))):
            if first == last:
                continue
            if f"{kind}_keys" not in arrays:
                grams = terms[first:last] if kind == "word" else [t[1:] for t in terms[first:last]]
                blocks.append(_block(cfg, kind, grams, first, coded=False))
                continue
            keys = stored_sorted_keys(arrays[f"{kind}_keys"], f"{kind}_keys").astype(np.int64, copy=False)
            columns = stored_ints(arrays[f"{kind}_columns"], f"{kind}_columns").astype(np.int64, copy=False)
            if columns.size != last - first or columns.min() < first or columns.max() >= last:
                raise ValueError(f"{kind} gram tables do not match the feature terms")
            units = (texts["word_units"] if kind == "word"
                     else [chr(p) for p in stored_ints(arrays["char_units"], "char_units").tolist()])
            low, high = (1, cfg.ngram_max) if kind == "word" else cfg.char_ngrams or (1, 1)
            blocks.append(_CodedBlock(kind, units, keys, columns, low, high))
        idf = stored_floats(arrays["idf"], "idf") if "idf" in arrays else None
        return cls(cfg, terms, idf, blocks=blocks, n_word=n_word)

    def letters(self, columns: np.ndarray) -> np.ndarray:
        """Letters in each character gram at `columns` (all >= n_word_): from the integer gram table when there
        is one, so that the (large) terms table is never split."""
        block = self._blocks[-1]
        if isinstance(block, _CodedBlock) and block.kind == "char":
            return block.letters(columns)
        return np.array([sum(ch.isalpha() for ch in self.terms_[c][1:]) for c in columns.tolist()], dtype=np.int64)

    def transform(self, docs: Sequence[list[str]]) -> CsrParts:
        """CSR parts (indptr int64, indices int32, values float32) of the documents' feature matrix."""
        # Batches small enough for row * F + column to fit 32 bits: sorting 32-bit keys is ~1.5x faster.
        batch = max(1, min(_BATCH, (2**32 - 1) // max(self.n_features_, 1)))
        parts = [self._transform_batch(docs[i : i + batch]) for i in range(0, len(docs), batch)]
        if not parts:
            return np.zeros(1, np.int64), np.zeros(0, np.int32), np.zeros(0, np.float32)
        offsets = np.cumsum([0] + [p[0][-1] for p in parts[:-1]])
        shifted = [p[0][1:] + off for p, off in zip(parts, offsets, strict=True)]
        indptr = np.concatenate([np.zeros(1, np.int64), *shifted])
        return indptr, np.concatenate([p[1] for p in parts]), np.concatenate([p[2] for p in parts])

    def _transform_batch(self, docs: Sequence[list[str]]) -> CsrParts:
        n_docs, n_features = len(docs), self.n_features_
        # Sorting row * F + column gives each row's distinct columns in ascending order with their counts,
        # which is exactly scikit-learn's CSR layout (sorted indices).
        counter = _KeyCounter()
        for block in self._blocks:
            for rows, columns in block.columns(docs):
                known = columns >= 0
                counter.add((rows[known] * n_features + columns[known]).astype(np.uint32))
        keys, counts = counter.counts()
        rows = (keys // n_features).astype(np.int64)
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


class _KeyCounter:
    """Distinct uint32 keys and how often each was added. Keys are held as added and only sorted and counted
    once _HELD_KEYS of them pile up (a long document), so an ordinary batch is one np.unique, as before.
    Merging with the earlier counts waits until as many keys are held as were counted, which keeps the
    merges linear in the number of keys overall."""

    def __init__(self) -> None:
        self._held: list[np.ndarray] = []
        self._n_held = 0
        self._keys = np.zeros(0, np.uint32)
        self._counts = np.zeros(0, np.int64)

    def add(self, keys: np.ndarray) -> None:
        self._held.append(keys)
        self._n_held += keys.size
        if self._n_held >= max(_HELD_KEYS, self._keys.size):
            self._count_held()

    def counts(self) -> tuple[np.ndarray, np.ndarray]:
        """(sorted distinct keys, their counts)."""
        if self._held:
            self._count_held()
        return self._keys, self._counts

    def _count_held(self) -> None:
        keys, counts = np.unique(np.concatenate(self._held), return_counts=True)
        self._held, self._n_held = [], 0
        if self._keys.size:  # merge two sorted sets of keys: add to the keys seen before, insert the others
            at = np.searchsorted(self._keys, keys)
            seen = self._keys[np.minimum(at, self._keys.size - 1)] == keys
            self._counts[at[seen]] += counts[seen]
            keys = np.insert(self._keys, at[~seen], keys[~seen])
            counts = np.insert(self._counts, at[~seen], counts[~seen])
        self._keys, self._counts = keys, counts


# -- display and export ---------------------------------------------------------------------------------
def display_term(term: str) -> str:
    """A term for people: word n-grams as they are, character n-grams as ⟨gram⟩ with ␣ for spaces."""
    if term.startswith(CHAR_PREFIX):
        return "⟨" + term[1:].replace(" ", "␣") + "⟩"
    return term


def bag_of_words_table(docs: Sequence[list[str]], vectorizer: LeanVectorizer, n: int,
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
    rows = np.repeat(np.arange(len(docs)), np.diff(indptr))
    shown = (rows < n_rows) & (position[indices] >= 0)
    table[rows[shown], position[indices[shown]]] = values[shown]
    labels = list(row_labels[:n_rows]) if row_labels is not None else [f"doc {i + 1}" for i in range(n_rows)]
    return labels, [display_term(vectorizer.terms_[j]) for j in top], table


def to_scipy(parts: CsrParts, n_features: int) -> Any:
    """CSR parts as a scipy.sparse.csr_matrix (for `sentikit vectorize` to write with save_npz)."""
    import scipy.sparse as sp

    indptr, indices, values = parts
    return sp.csr_matrix((values, indices, indptr), shape=(len(indptr) - 1, n_features))
