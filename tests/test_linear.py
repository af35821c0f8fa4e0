"""Tests for sentikit.models.linear: numpy prediction == scikit-learn's predict_proba, export round trips,
and the behaviour each architecture promises (NBSVM learns, balanced class weights matter)."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest
import safetensors.numpy

from sentikit.errors import DataError, ModelError, UsageError
from sentikit.features.lean import to_scipy
from sentikit.features.vectorize import FeatureConfig, fit_vectorizer
from sentikit.models.linear import (
    ARCHS,
    DEFAULT_C,
    DEFAULT_CLASS_WEIGHT,
    DEFAULT_NB_ALPHA,
    LINEAR_ARCHS,
    LinearConfig,
    LinearWeights,
    default_features,
    export,
    predict_proba_lean,
    train_linear,
)
from sentikit.models.linear_predictor import LinearPredictor

POSITIVE = ["good", "great", "love", "отлично", "супер"]
NEGATIVE = ["bad", "awful", "hate", "ужасно", "плохо"]
NEUTRAL = ["the", "film", "movie", "is", "фильм", "это"]
CUES = [POSITIVE, NEGATIVE, NEUTRAL]


def corpus(n_classes: int, n: int, seed: int, cue: float = 0.35,
           sizes: tuple[int, ...] | None = None) -> tuple[list[list[str]], np.ndarray]:
    """Token lists whose class shows in some of their words; `sizes` makes the classes imbalanced."""
    rng = random.Random(seed)
    counts = sizes or tuple(n // n_classes for _ in range(n_classes))
    y = np.array([c for c, k in enumerate(counts) for _ in range(k)])
    rng.shuffle(y)  # type: ignore[arg-type]
    everything = [w for words in CUES for w in words]
    docs = [[rng.choice(CUES[c] if rng.random() < cue else everything) for _ in range(rng.randint(0, 12))]
            for c in y]
    return docs, y


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("encoding", ["binary", "tfidf", "tf"])
def test_lean_proba_matches_sklearn(arch: str, n_classes: int, encoding: str) -> None:
    docs, y = corpus(n_classes, 150, seed=n_classes)
    cfg = FeatureConfig(encoding=encoding, ngram_max=2, char_ngrams=(2, 4) if encoding == "tfidf" else None)
    features = fit_vectorizer(docs[:100], cfg)
    fit = LINEAR_ARCHS[arch](features.matrix, y[:100], n_classes, LinearConfig(arch=arch), 0)
    parts = features.lean().transform(docs[100:])
    lean = predict_proba_lean(*parts, fit.weights)
    reference = fit.sklearn_proba(to_scipy(parts, features.n_features))
    assert lean.shape == (50, n_classes)
    np.testing.assert_allclose(lean, reference, rtol=0, atol=1e-6)
    np.testing.assert_allclose(lean.sum(axis=1), 1.0, atol=1e-12)
    rows = 1 if n_classes == 2 else n_classes
    assert fit.weights.coef.shape == (rows, features.n_features) and fit.weights.coef.dtype == np.float32


def test_nbsvm_interpolation_matches_sklearn() -> None:
    docs, y = corpus(3, 120, seed=5)
    features = fit_vectorizer(docs, FeatureConfig(encoding="binary"))
    fit = LINEAR_ARCHS["nbsvm"](features.matrix, y, 3, LinearConfig(arch="nbsvm", nbsvm_beta=0.25), 0)
    matrix = features.matrix
    lean = predict_proba_lean(matrix.indptr, matrix.indices, matrix.data, fit.weights)
    np.testing.assert_allclose(lean, fit.sklearn_proba(features.matrix), atol=1e-6)


def test_nbsvm_beats_chance_on_a_separable_task() -> None:
    docs, y = corpus(2, 300, seed=7, cue=0.5)
    features = fit_vectorizer(docs[:200], default_features("nbsvm"))
    weights = train_linear(features.matrix, y[:200], 2, LinearConfig(arch="nbsvm"))
    proba = predict_proba_lean(*features.lean().transform(docs[200:]), weights)
    assert (proba.argmax(axis=1) == y[200:]).mean() > 0.8


@pytest.mark.parametrize("arch", ARCHS)
def test_balanced_class_weight_changes_the_fit(arch: str) -> None:
    docs, y = corpus(3, 0, seed=11, cue=0.15, sizes=(150, 20, 10))
    features = fit_vectorizer(docs, FeatureConfig(encoding="binary"))
    parts = (features.matrix.indptr, features.matrix.indices, features.matrix.data)
    plain = train_linear(features.matrix, y, 3, LinearConfig(arch=arch, class_weight="none"))
    balanced = train_linear(features.matrix, y, 3, LinearConfig(arch=arch, class_weight="balanced"))
    assert not np.allclose(plain.coef, balanced.coef)
    # Balancing moves probability mass towards the rare classes.
    rare_balanced = predict_proba_lean(*parts, balanced)[:, 1:].mean()
    assert rare_balanced > predict_proba_lean(*parts, plain)[:, 1:].mean()


@pytest.mark.parametrize("arch", ARCHS)
def test_export_round_trip_is_json_and_safetensors_friendly(arch: str) -> None:
    docs, y = corpus(3, 90, seed=3)
    features = fit_vectorizer(docs, default_features(arch))
    cfg = LinearConfig(arch=arch)
    weights = train_linear(features.matrix, y, 3, cfg)
    arrays, texts, meta = export(weights, features, cfg)
    assert all(isinstance(a, np.ndarray) and a.dtype != object for a in arrays.values())
    for table in texts.values():
        assert isinstance(table, list) and all(isinstance(s, str) and "\n" not in s for s in table)
    meta = json.loads(json.dumps(meta))
    arrays = safetensors.numpy.load(safetensors.numpy.save(arrays))  # what a model folder stores
    predictor = LinearPredictor.from_export(arrays, texts, meta)
    expected = predict_proba_lean(*features.lean().transform(docs), weights)
    np.testing.assert_array_equal(predictor.predict_proba(docs), expected)
    assert predictor.n_classes == 3 and predictor.predict_proba([]).shape == (0, 3)
    broken = dict(arrays, coef=arrays["coef"][:, :-1])
    with pytest.raises(ModelError):
        LinearPredictor.from_export(broken, texts, meta)
    with pytest.raises(ModelError):
        LinearPredictor.from_export(arrays, {}, meta)


def _reversed(a: np.ndarray) -> np.ndarray:
    return a[::-1].copy()


def _with_nan(a: np.ndarray) -> np.ndarray:
    out = a.copy()
    out.flat[0] = np.nan
    return out


@pytest.mark.parametrize(("name", "damage", "message"), [
    ("coef", _with_nan, "coef holds NaN"),
    ("coef", lambda a: np.where(a == np.inf, 0, np.inf).astype(a.dtype), "coef holds NaN or infinite"),
    ("intercept", _with_nan, "intercept holds NaN"),
    ("idf", _with_nan, "idf holds NaN"),
    ("coef", lambda a: a > 0, "coef holds bool"),
    ("coef", lambda a: a.astype(np.int32), "coef holds int32"),
    ("coef", lambda a: a.astype(np.float16), "coef holds float16"),
    ("idf", lambda a: a.astype(np.int64), "idf holds int64"),
    ("word_keys", _reversed, "word_keys is not sorted"),
    ("char_keys", _reversed, "char_keys is not sorted"),
    ("word_keys", lambda a: a.astype(np.float64), "word_keys is not a 1-d integer table"),
    ("char_columns", lambda a: a.astype(np.float16), "char_columns is not a 1-d integer table"),
    ("word_columns", lambda a: a.astype(np.float32), "word_columns is not a 1-d integer table"),
    ("char_units", lambda a: a.astype(np.float16), "char_units is not a 1-d integer table"),
])
def test_stored_arrays_that_would_mislead_prediction_are_refused(name: str, damage, message: str) -> None:
    """A model folder's hashes prove only that the file is unchanged, not that its arrays make sense: NaN
    weights would print NaN probabilities, unsorted keys would make the binary search miss grams."""
    docs, y = corpus(2, 60, seed=5)
    features = fit_vectorizer(docs, default_features("logreg"))
    cfg = LinearConfig(arch="logreg")
    arrays, texts, meta = export(train_linear(features.matrix, y, 2, cfg), features, cfg)
    meta = json.loads(json.dumps(meta))
    LinearPredictor.from_export(arrays, texts, meta)  # the undamaged pieces load
    with pytest.raises(ModelError, match=f"the stored weights are invalid.*{message}"):
        LinearPredictor.from_export(dict(arrays, **{name: damage(arrays[name])}), texts, meta)


@pytest.mark.parametrize("arch", ARCHS)
def test_loaded_model_predicts_without_reading_its_terms(arch: str, tmp_path) -> None:
    """The integer gram tables answer every lookup, so loading never splits the (large) terms table."""
    from sentikit.artifact_encoding import TextTable
    from sentikit.artifacts import load_model, save_model

    docs, y = corpus(2, 80, seed=4)
    features = fit_vectorizer(docs, default_features(arch))
    cfg = LinearConfig(arch=arch)
    weights = train_linear(features.matrix, y, 2, cfg)
    arrays, texts, meta = export(weights, features, cfg)
    folder = load_model(save_model(tmp_path / "m", {}, arrays, texts))
    predictor = LinearPredictor.from_export(folder.arrays, folder.texts, json.loads(json.dumps(meta)))
    np.testing.assert_array_equal(predictor.predict_proba(docs),
                                  predict_proba_lean(*features.lean().transform(docs), weights))
    terms = folder.texts["terms"]
    assert isinstance(terms, TextTable) and terms._text is not None
    assert list(terms) == texts["terms"]


def test_config_defaults_and_validation() -> None:
    assert LinearConfig.from_dict(LinearConfig(arch="nb", C=2).to_dict()) == LinearConfig(arch="nb", C=2.0)
    for arch in ARCHS:
        assert LinearConfig(arch=arch).resolved_C == (DEFAULT_C[arch] or 1.0)
        assert LinearConfig(arch=arch).resolved_class_weight == DEFAULT_CLASS_WEIGHT[arch]
        assert LinearConfig(arch=arch).resolved_nb_alpha == (DEFAULT_NB_ALPHA[arch] or 1.0)
        # What a trained model records: the defaults it used, None only where the architecture has no such knob.
        resolved = LinearConfig(arch=arch).resolved()
        assert (resolved.C, resolved.class_weight, resolved.nb_alpha) == (
            DEFAULT_C[arch], DEFAULT_CLASS_WEIGHT[arch], DEFAULT_NB_ALPHA[arch])
        assert LinearConfig(arch=arch, C=0.5, class_weight="none", nb_alpha=0.2).resolved() == LinearConfig(
            arch=arch, C=0.5, class_weight="none", nb_alpha=0.2)
        assert isinstance(default_features(arch), FeatureConfig)
    assert LinearConfig(arch="logreg", C=0.5).resolved_C == 0.5
    for bad in ({"arch": "svm"}, {"C": 0}, {"C": -1.0}, {"C": 1e-200}, {"C": 1e7}, {"class_weight": "auto"},
                {"nb_alpha": 0}, {"nbsvm_beta": 1.5}, {"max_iter": 0}):
        with pytest.raises(UsageError):
            LinearConfig(**bad)  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="logreg, nbsvm, nb"):
        default_features("cnn")
    with pytest.raises(UsageError, match="unknown linear model setting"):
        LinearConfig.from_dict({"penalty": "l1"})


def test_training_needs_every_class() -> None:
    docs, y = corpus(2, 40, seed=1)
    features = fit_vectorizer(docs, FeatureConfig())
    with pytest.raises(DataError):
        train_linear(features.matrix, y, 3)
    with pytest.raises(DataError):
        train_linear(features.matrix, np.zeros_like(y), 1)


def test_weights_check_their_shapes() -> None:
    with pytest.raises(ValueError):
        LinearWeights("nb", np.zeros((2, 4), np.float32), np.zeros(2), "binary_sigmoid", 2)
    with pytest.raises(ValueError):
        LinearWeights("nb", np.zeros((3, 4), np.float32), np.zeros(3), "logit", 3)
