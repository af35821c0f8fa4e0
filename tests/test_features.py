"""Tests for sentikit.features.vectorize: config validation; LeanVectorizer == scikit-learn, bit for bit."""

from __future__ import annotations

import random
import subprocess
import sys
from itertools import chain

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sentikit.errors import DataError, UsageError
from sentikit.features import lean as lean_module
from sentikit.features.lean import LeanVectorizer, bag_of_words_table, to_scipy
from sentikit.features.vectorize import (
    CHAR_PREFIX,
    ENCODINGS,
    FeatureConfig,
    char_ngrams,
    fit_vectorizer,
    sklearn_transform,
    text_ngrams,
    word_ngrams,
)
from sentikit.text import Preprocessor

EN_TRAIN = [
    "A great movie, I loved it!",
    "Terrible film. Not good at all :(",
    "Not bad, not great — an average movie.",
    "<br />I loved the acting, hated the plot.",
    "Great great great!!! 10/10 😀",
    "",
]
RU_TRAIN = [
    "Отличный фильм, очень понравился!",
    "Ужасный фильм, не понравилось совсем",
    "Не плохо, но и не хорошо.",
    "Фильм ёлки: смешно 😀 и мило",
    "@user спасибо, было здорово http://t.co/x",
]
UNSEEN = ["An unseen word here", "", "не понравилось, совсем ужасный фильм", "great movie 😀 ёлки", "?"]


@pytest.fixture(scope="module")
def docs() -> tuple[list[list[str]], list[list[str]]]:
    pre = Preprocessor().fit()
    return pre.transform(EN_TRAIN + RU_TRAIN), pre.transform(UNSEEN + EN_TRAIN[:2])


def random_docs(seed: int, n: int) -> list[list[str]]:
    rng = random.Random(seed)
    vocab = ["".join(rng.choice("abcфыв") for _ in range(rng.randint(1, 3))) for _ in range(25)]
    return [[rng.choice(vocab) for _ in range(rng.randint(0, 12))] for _ in range(n)]


def assert_same(parts: tuple[np.ndarray, np.ndarray, np.ndarray], reference: object) -> None:
    indptr, indices, values = parts
    assert np.array_equal(indptr, reference.indptr)  # type: ignore[attr-defined]
    assert np.array_equal(indices, reference.indices)  # type: ignore[attr-defined]
    assert values.dtype == np.float32
    assert np.array_equal(values, reference.data)  # type: ignore[attr-defined]


CONFIGS = [
    FeatureConfig(encoding=encoding, ngram_max=n, char_ngrams=chars)
    for encoding in ENCODINGS
    for n, chars in ((1, None), (2, None), (3, None), (2, (2, 5)), (1, (1, 3)))
]


@pytest.mark.parametrize("cfg", CONFIGS, ids=lambda c: f"{c.encoding}-w{c.ngram_max}-c{c.char_ngrams}")
@pytest.mark.parametrize("coded", [True, False], ids=["coded", "dict"])
def test_lean_matches_sklearn(docs: tuple[list[list[str]], list[list[str]]], cfg: FeatureConfig,
                              coded: bool) -> None:
    train, unseen = docs
    features = fit_vectorizer(train, cfg, keep_estimators=True)
    lean = LeanVectorizer(cfg, features.terms, features.idf, coded=coded)
    assert_same(lean.transform(train), features.matrix)
    assert_same(lean.transform(unseen), sklearn_transform(features, unseen))


@pytest.mark.parametrize("window", [1, 2, 5])
@pytest.mark.parametrize("coded", [True, False], ids=["coded", "dict"])
def test_long_documents_are_matched_a_window_at_a_time(docs: tuple[list[list[str]], list[list[str]]], coded: bool,
                                                       window: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows of a few units, and counts merged every few keys, split every document: still bit for bit."""
    monkeypatch.setattr(lean_module, "_WINDOW", window)
    monkeypatch.setattr(lean_module, "_HELD_KEYS", 7)
    train, unseen = docs
    for cfg in (FeatureConfig(ngram_max=3, char_ngrams=(1, 4)), FeatureConfig("count", ngram_max=2,
                                                                              char_ngrams=(3, 5))):
        features = fit_vectorizer(train, cfg, keep_estimators=True)
        lean = LeanVectorizer(cfg, features.terms, features.idf, coded=coded)
        assert_same(lean.transform(train), features.matrix)
        assert_same(lean.transform(unseen), sklearn_transform(features, unseen))


@pytest.mark.parametrize("window", [1, 2, 5])
def test_analyzer_windows_give_every_gram_once(window: int) -> None:
    tokens, text = ["a", "bb", "c", "a", "bb"], " a bb c a bb "
    for n_max in (1, 2, 3):
        parts = chain.from_iterable(word_ngrams(tokens, n_max, i, i + window) for i in range(0, len(tokens), window))
        assert sorted(parts) == sorted(word_ngrams(tokens, n_max))
    parts = chain.from_iterable(text_ngrams(text, 2, 4, i, i + window) for i in range(0, len(text), window))
    assert sorted(parts) == sorted(char_ngrams(tokens, 2, 4))


def test_one_long_document_needs_no_memory_per_gram() -> None:
    """A 2-million-character document once held int64 arrays of every gram of every length at the same time
    (about 200 bytes a character, 400 MB here): now only the window being matched and a bounded number of
    keys are."""
    import tracemalloc

    cfg = FeatureConfig(ngram_max=2, char_ngrams=(1, 4))
    features = fit_vectorizer([["good", "film"], ["bad", "film"], ["goodbad"]], cfg)
    lean = features.lean()
    long_doc = [["goodbad" * 300_000]]
    tracemalloc.start()
    try:
        indptr, indices, _ = lean.transform(long_doc)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert indptr.tolist() == [0, indices.size] and indices.size > 10
    assert peak < 20 * len(long_doc[0][0]), f"{peak / 1e6:.0f} MB"
    short = lean.transform([["goodbad" * 3]])  # the same grams, fewer times: same columns
    assert np.array_equal(short[1], indices)


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_pruning_and_state_round_trip(encoding: str) -> None:
    # max_df drops frequent unigrams whose bigrams survive; min_df drops rare grams.
    train, unseen = random_docs(1, 60), random_docs(2, 30)
    cfg = FeatureConfig(encoding=encoding, ngram_max=3, char_ngrams=(2, 4), min_df=2, max_df=0.5)
    features = fit_vectorizer(train, cfg, keep_estimators=True)
    reference = sklearn_transform(features, unseen)
    arrays, texts, info = features.lean().state()
    assert "word_keys" in arrays and "char_keys" in arrays
    assert all(a.dtype != object for a in arrays.values())
    assert_same(LeanVectorizer.from_state(cfg, arrays, texts, info).transform(unseen), reference)
    plain = LeanVectorizer(cfg, features.terms, features.idf, coded=False).state()
    assert "word_keys" not in plain[0]
    assert_same(LeanVectorizer.from_state(cfg, *plain).transform(unseen), reference)


def test_batches_and_empty_input() -> None:
    cfg = FeatureConfig(encoding="tfidf", ngram_max=2)
    train = random_docs(3, 40)
    features = fit_vectorizer(train, cfg)
    lean = features.lean()
    many = random_docs(4, 5000)  # more than one batch
    full = lean.transform(many)
    head = lean.transform(many[:2048])
    assert np.array_equal(full[0][:2049], head[0]) and np.array_equal(full[2][: head[2].size], head[2])
    indptr, indices, values = lean.transform([])
    assert indptr.tolist() == [0] and indices.size == 0 and values.size == 0
    indptr, _, _ = lean.transform([[], ["never-seen"]])
    assert indptr.tolist() == [0, 0, 0]


def test_terms_layout_and_analyzers() -> None:
    assert word_ngrams(["a", "b", "c"], 3) == ["a", "b", "c", "a b", "b c", "a b c"]
    assert word_ngrams([], 3) == [] and word_ngrams(["a"], 2) == ["a"]
    assert char_ngrams(["ab"], 2, 3) == [" a", "ab", "b ", " ab", "ab "]
    assert char_ngrams([], 1, 3) == []
    cfg = FeatureConfig(encoding="count", char_ngrams=(3, 3))
    features = fit_vectorizer([["good", "film"], ["bad"]], cfg)
    words = [t for t in features.terms if not t.startswith(CHAR_PREFIX)]
    assert words == ["bad", "film", "good", "good film"]
    assert features.terms[len(words)] == CHAR_PREFIX + " ba" and features.idf is None
    assert features.matrix.shape == (2, len(features.terms))


@pytest.mark.parametrize(("max_features", "char_ngrams", "n_words", "n_chars"), [
    (1, None, 1, 0), (7, None, 7, 0),
    (1, (2, 3), 1, 0), (7, (2, 3), 4, 3), (8, (2, 3), 4, 4),
    (30, (1, 1), 15, 15),
    (120, (2, 3), 48, 72),  # 48 word grams in all: the character block takes what the words leave
])
def test_max_features_is_the_total(max_features: int, char_ngrams: tuple[int, int] | None, n_words: int,
                                   n_chars: int) -> None:
    train, unseen = Preprocessor().fit().transform(EN_TRAIN), Preprocessor().fit().transform(UNSEEN)
    cfg = FeatureConfig(encoding="count", ngram_max=2, char_ngrams=char_ngrams, max_features=max_features)
    features = fit_vectorizer(train, cfg, keep_estimators=True)
    chars = [t for t in features.terms if t.startswith(CHAR_PREFIX)]
    assert (len(features.terms) - len(chars), len(chars)) == (n_words, n_chars)
    assert features.matrix.shape == (len(train), n_words + n_chars)
    lean = features.lean()
    assert_same(lean.transform(train), features.matrix)
    assert_same(lean.transform(unseen), sklearn_transform(features, unseen))


def test_config_validation_and_round_trip() -> None:
    cfg = FeatureConfig(encoding="tf", ngram_max=3, char_ngrams=(2, 5), min_df=2, max_df=1, max_features=10)
    assert isinstance(cfg.max_df, float)  # an int 1 would mean "one document" to scikit-learn
    assert FeatureConfig.from_dict(cfg.to_dict()) == cfg
    for bad in ({"encoding": "bm25"}, {"ngram_max": 4}, {"ngram_max": 0}, {"char_ngrams": (5, 2)},
                {"char_ngrams": (2,)}, {"min_df": 0}, {"max_df": 1.5}, {"max_features": 0},
                {"sublinear_tf": 1}):
        with pytest.raises(UsageError):
            FeatureConfig(**bad)  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="binary, count, tf, tfidf"):
        FeatureConfig(encoding="nope")
    with pytest.raises(UsageError, match="unknown feature setting"):
        FeatureConfig.from_dict({"ngrams": 2})


def test_fit_errors_are_data_errors() -> None:
    with pytest.raises(DataError):
        fit_vectorizer([], FeatureConfig())
    with pytest.raises(DataError):
        fit_vectorizer([[], []], FeatureConfig())
    with pytest.raises(DataError, match="prune every term"):  # our words, not scikit-learn's
        fit_vectorizer([["a"], ["b"]], FeatureConfig(min_df=2))
    with pytest.raises(DataError, match="--min-df 3 is more than the 2 documents"):
        fit_vectorizer([["a"], ["a"]], FeatureConfig(min_df=3))


def test_bag_of_words_table_and_scipy_export() -> None:
    docs = [["good", "film"], ["bad", "film"], ["good", "good"]]
    cfg = FeatureConfig(encoding="count", ngram_max=1, char_ngrams=(4, 4))
    features = fit_vectorizer(docs, cfg)
    lean = features.lean()
    rows, cols, table = bag_of_words_table(docs, lean, 2, row_labels=["a", "b", "c"])
    assert rows == ["a", "b"] and cols == ["film", "good"]
    assert table.tolist() == [[1.0, 1.0], [1.0, 0.0]]
    _, cols, _ = bag_of_words_table(docs, lean, 100)
    assert "⟨␣goo⟩" in cols and len(cols) == features.n_features
    matrix = to_scipy(lean.transform(docs), features.n_features)
    assert (matrix != features.matrix).nnz == 0


def test_prediction_path_imports_neither_scipy_nor_sklearn() -> None:
    code = (
        "import sys, numpy as np\n"
        "from sentikit.features.vectorize import FeatureConfig\n"
        "from sentikit.features.lean import LeanVectorizer\n"
        "from sentikit.models.linear import LinearWeights, export\n"
        "from sentikit.models.linear_predictor import LinearPredictor\n"
        "cfg = FeatureConfig(encoding='tfidf', char_ngrams=(2, 3))\n"
        "v = LeanVectorizer(cfg, ['a', 'a b', 'b', '\\x01 a', '\\x01a '], np.ones(5, np.float32))\n"
        "w = LinearWeights('nb', np.ones((1, 5), np.float32), np.zeros(1), 'binary_sigmoid', 2)\n"
        "p = LinearPredictor.from_export(*export(w, v)).predict_proba([['a', 'b'], []])\n"
        "assert p.shape == (2, 2)\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('scipy', 'sklearn')]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


TOKENS = st.text(alphabet="abфы😀-'", min_size=1, max_size=3)


@settings(max_examples=40, deadline=None)
@given(train=st.lists(st.lists(TOKENS, max_size=8), min_size=1, max_size=12),
       unseen=st.lists(st.lists(TOKENS, max_size=8), max_size=6),
       encoding=st.sampled_from(ENCODINGS), n=st.integers(1, 3))
def test_lean_matches_sklearn_on_arbitrary_tokens(train: list[list[str]], unseen: list[list[str]],
                                                  encoding: str, n: int) -> None:
    cfg = FeatureConfig(encoding=encoding, ngram_max=n, char_ngrams=(1, 3))
    try:
        features = fit_vectorizer(train, cfg, keep_estimators=True)
    except DataError:  # every document empty: nothing to learn, correctly refused
        assume(False)
    assert_same(features.lean().transform(unseen + train), sklearn_transform(features, unseen + train))
