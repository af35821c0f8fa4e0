"""The library API of a loaded model (`sentikit.load(path).predict(...)`): what it accepts as texts, and the
clear TypeError for what it does not, before any preprocessing runs."""

from __future__ import annotations

import pickle
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import sentikit
from sentikit.errors import UsageError
from sentikit.model import Prediction, SentimentModel
from sentikit.training.pipeline import TrainSettings, train

ROWS = [("great film", "pos"), ("loved it", "pos"), ("wonderful acting", "pos"), ("awful film", "neg"),
        ("hated it", "neg"), ("boring acting", "neg")]
METHODS = ["predict", "predict_proba", "tokens"]


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> SentimentModel:
    folder = tmp_path_factory.mktemp("api")
    data = folder / "reviews.csv"
    data.write_text("text,label\n" + "".join(f"{t},{y}\n" for t, y in ROWS) * 3, encoding="utf-8")
    outcome = train(str(data), out=folder / "nb", settings=TrainSettings(arch="nb"))
    return sentikit.load(outcome.path)


@pytest.fixture(scope="module", params=["nb", "gru"])
def any_kind(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
             torch_single_thread: None) -> SentimentModel:
    """A linear and a (tiny) neural model trained on the same rows: the API must not tell them apart."""
    folder = tmp_path_factory.mktemp(request.param)
    data = folder / "reviews.csv"
    data.write_text("text,label\n" + "".join(f"{t},{y}\n" for t, y in ROWS) * 3, encoding="utf-8")
    tiny = {"epochs": 1, "embed_dim": 8, "hidden_size": 8, "batch_size": 4} if request.param == "gru" else {}
    outcome = train(str(data), out=folder / "model", settings=TrainSettings(arch=request.param), overrides=tiny)
    return sentikit.load(outcome.path)


def test_probabilities_are_float64_whatever_the_model(any_kind: SentimentModel) -> None:
    """Linear models computed float64 and neural ones float32: code that compared, stacked or serialised the
    arrays of two models got different results. float64 is what scikit-learn's predict_proba returns."""
    texts = ["great film", "awful film", "loved the acting"]
    probs = any_kind.predict_proba(texts)
    assert probs.dtype == np.float64 and probs.shape == (3, 2)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=0, atol=1e-12)  # a float64 softmax, not a cast
    empty = any_kind.predict_proba([])
    assert empty.dtype == np.float64 and empty.shape == (0, 2)
    raw = any_kind.predictor.predict_proba([])  # the predictor itself, below SentimentModel
    assert raw.dtype == np.float64 and raw.shape == (0, 2)
    assert all(type(p) is float for prediction in any_kind.predict(texts) for p in prediction.probabilities.values())


def method(model: SentimentModel, name: str) -> Callable[[Any], Any]:
    return getattr(model, name)


@pytest.mark.parametrize("name", METHODS)
def test_a_single_string_is_refused_not_split_into_characters(model: SentimentModel, name: str) -> None:
    with pytest.raises(TypeError) as info:
        method(model, name)("great film")
    assert str(info.value) == f"{name}() takes a list of texts, not a single str; wrap it: {name}([text])"


@pytest.mark.parametrize("name", METHODS)
@pytest.mark.parametrize(("texts", "message"), [
    ([None], "texts[0] is NoneType, expected str"),
    ([1, 2], "texts[0] is int, expected str"),
    (["ok", 3.5], "texts[1] is float, expected str"),
    (["ok", "fine", b"bytes"], "texts[2] is bytes, expected str (decode it first)"),
    (b"great film", "takes a list of texts, not bytes"),
    (5, "takes a list of texts, not int"),
])
def test_non_string_texts_name_the_first_bad_item(model: SentimentModel, name: str, texts: Any,
                                                   message: str) -> None:
    with pytest.raises(TypeError) as info:
        method(model, name)(texts)
    assert str(info.value).startswith(f"{name}()") and str(info.value).endswith(message)


@pytest.mark.parametrize("wrap", [list, tuple, iter, np.array])
def test_any_sequence_or_iterable_of_texts_is_accepted(model: SentimentModel, wrap: Callable[[Any], Any]) -> None:
    texts = ["great film", "awful film"]
    expected = model.predict_proba(texts)
    np.testing.assert_array_equal(model.predict_proba(wrap(texts)), expected)
    assert [p.label for p in model.predict(wrap(texts))] == ["pos", "neg"]
    assert model.tokens(wrap(texts)) == model.tokens(texts)


def test_no_texts_give_no_predictions(model: SentimentModel) -> None:
    assert model.predict([]) == [] and model.predict_proba([]).shape == (0, 2) and model.tokens([]) == []


def test_an_empty_model_path_is_refused_as_such() -> None:
    with pytest.raises(UsageError, match=r"^empty model path \(pass a model folder"):
        sentikit.load("")


def test_a_loaded_model_can_be_pickled_after_predicting(any_kind: SentimentModel) -> None:
    """For a user's own code (joblib, multiprocessing); model folders themselves never hold pickles."""
    texts = ["great film", "awful film", "loved the acting", "отличный фильм"]  # builds the Russian lemmatizer
    expected = any_kind.predict_proba(texts)
    copy = pickle.loads(pickle.dumps(any_kind))
    np.testing.assert_array_equal(copy.predict_proba(texts), expected)
    assert copy.labels == any_kind.labels and copy.tokens(texts) == any_kind.tokens(texts)


EMPTY_TEXTS = ["", "   ", "\n\t", "\u3000"]  # empty or whitespace only, as `not text.strip()` says


def test_empty_texts_get_no_label_and_leave_the_others_unchanged(any_kind: SentimentModel) -> None:
    """As in `sentikit predict`: an empty text has nothing to classify, so it gets no label (the prior every
    model would otherwise give it with confidence), and the other rows keep their order and values."""
    texts = ["great film", *EMPTY_TEXTS[:2], "awful film", *EMPTY_TEXTS[2:]]
    filled = [0, 3]
    probs = any_kind.predict_proba(texts)
    assert probs.dtype == np.float64 and probs.shape == (6, 2)
    assert np.isnan(np.delete(probs, filled, axis=0)).all()
    np.testing.assert_array_equal(probs[filled], any_kind.predict_proba(["great film", "awful film"]))
    predictions = any_kind.predict(texts)
    assert [p for i, p in enumerate(predictions) if i not in filled] == [Prediction(None, None)] * 4
    assert [predictions[i] for i in filled] == any_kind.predict(["great film", "awful film"])


def test_blank_texts_are_known_from_the_text_not_from_nan(any_kind: SentimentModel, monkeypatch) -> None:
    """A NaN that a damaged predictor returned for a real text must not pass for a blank text."""
    texts = ["great film", "", "awful film"]
    probs, blank = any_kind.predict_proba_blanks(texts)
    assert blank == [False, True, False] and np.isnan(probs[1]).all() and not np.isnan(probs[[0, 2]]).any()
    monkeypatch.setattr(any_kind.predictor, "predict_proba", lambda docs: np.full((len(docs), 2), np.nan))
    assert any_kind.predict_proba_blanks(texts)[1] == [False, True, False]


def test_labels_cannot_be_changed_from_outside(any_kind: SentimentModel) -> None:
    any_kind.labels.append("extra")
    assert len(any_kind.labels) == 2 and len(any_kind.predict(["great film"])[0].probabilities) == 2


def test_only_empty_texts(any_kind: SentimentModel) -> None:
    probs = any_kind.predict_proba(EMPTY_TEXTS)
    assert probs.shape == (4, 2) and probs.dtype == np.float64 and np.isnan(probs).all()
    assert any_kind.predict([""]) == [Prediction(label=None, probabilities=None)]
    assert any_kind.tokens(["", " "]) == [[], []]


def test_the_package_exports_the_api_and_stays_cheap_to_import() -> None:
    code = ("import sys, sentikit; print(sorted(m for m in ('numpy', 'sentikit.model') if m in sys.modules)); "
            "from sentikit import ModelError, Prediction, SentikitError, SentimentModel; "
            "import sentikit.errors as e, sentikit.model as m; "
            "print(SentimentModel is m.SentimentModel and Prediction is m.Prediction and ModelError is e.ModelError "
            "and SentikitError is e.SentikitError and set(sentikit.__all__) <= set(dir(sentikit)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:2] == ["[]", "True"]
    with pytest.raises(AttributeError, match="module 'sentikit' has no attribute 'nothing'"):
        sentikit.nothing  # noqa: B018


def test_load_raises_model_error_for_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(sentikit.ModelError, match=r"no model at .*: no such folder$"):
        sentikit.load(tmp_path / "nope")
