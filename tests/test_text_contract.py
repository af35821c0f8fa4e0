"""`Preprocessor` keeps scikit-learn's estimator contract without importing scikit-learn."""

from __future__ import annotations

import pickle
import subprocess
import sys
from collections.abc import Callable
from copy import deepcopy
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.base import clone

from sentikit.errors import NotFittedError
from sentikit.text import PreprocessConfig, Preprocessor

UNFITTED_USES: dict[str, Callable[[Preprocessor], Any]] = {
    "transform": lambda pre: pre.transform(["Hi"]),
    "transform nothing": lambda pre: pre.transform([]),
    "process": lambda pre: pre.process("Hi"),
    "iter_transform": lambda pre: pre.iter_transform(["Hi"]),  # at the call, as transform: not at the first item
    "get_state": lambda pre: pre.get_state(),
}


def test_params_are_the_constructor_parameters() -> None:
    config = PreprocessConfig(lowercase=False)
    pre = Preprocessor(config)
    assert pre.get_params() == pre.get_params(deep=False) == {"config": config}
    assert Preprocessor(**pre.get_params()).config is config


@pytest.mark.parametrize("fitted", [False, True])
def test_sklearn_clone_copies_the_settings_not_the_fit(fitted: bool) -> None:
    pre = Preprocessor(PreprocessConfig(lowercase=False, remove_stopwords=True))
    if fitted:
        pre.fit()
    copy = clone(pre)
    assert type(copy) is Preprocessor and copy is not pre
    assert copy.config == pre.config
    with pytest.raises(NotFittedError):
        copy.transform(["Hi"])
    assert copy.fit().transform(["Hi the"]) == Preprocessor(pre.config).fit().transform(["Hi the"])


@pytest.mark.parametrize("use", UNFITTED_USES, ids=list(UNFITTED_USES))
def test_use_before_fit_is_an_error_like_sklearns(use: str) -> None:
    with pytest.raises(NotFittedError, match=r"not fitted yet: call fit\(\)") as caught:
        UNFITTED_USES[use](Preprocessor())
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, AttributeError)


@pytest.mark.parametrize("how", ["set_params", "attribute"])
def test_new_settings_after_fit_drop_the_fitted_state(how: str) -> None:
    pre = Preprocessor(PreprocessConfig(lowercase=True)).fit()
    assert pre.transform(["Hi"]) == [["hi"]]
    new = PreprocessConfig(lowercase=False)
    if how == "set_params":
        assert pre.set_params(config=new) is pre
    else:
        pre.config = new
    assert pre.config is new
    with pytest.raises(NotFittedError):
        pre.transform(["Hi"])
    assert pre.fit().transform(["Hi"]) == [["Hi"]]


def test_fit_returns_self_and_learned_state_ends_in_underscore() -> None:
    pre = Preprocessor(PreprocessConfig(remove_stopwords=True))
    assert pre.fit() is pre
    assert {"stopwords_", "stopword_sources_", "en_lemmatizer_"} <= set(vars(pre))


def test_set_params_refuses_unknown_parameters() -> None:
    with pytest.raises(ValueError, match="invalid parameter 'lowercase' for Preprocessor"):
        Preprocessor().set_params(lowercase=False)


def test_the_text_package_does_not_import_sklearn() -> None:
    code = ("import sys; from sentikit.text import Preprocessor; Preprocessor().fit().transform(['Hi']); "
            "print([m for m in sys.modules if m.split('.')[0] in ('sklearn', 'scipy')])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


PICKLE_TEXTS = ["Отличные наушники, звук чистый!", "The movies were running late :)", "не понравилось"]


@pytest.mark.parametrize("morph", ["auto", "lemma", "stem", "none"])
@pytest.mark.parametrize("how", ["pickle", "deepcopy"])
def test_a_fitted_preprocessor_survives_pickle_and_deepcopy_after_use(morph: str, how: str) -> None:
    """The analysers are built on first use (closures and C objects that cannot be pickled): a copy drops
    them, and they are built again when the copy is first used."""
    pre = Preprocessor(PreprocessConfig(morph=morph)).fit()
    expected = pre.transform(PICKLE_TEXTS)
    copy = pickle.loads(pickle.dumps(pre)) if how == "pickle" else deepcopy(pre)
    assert copy.config == pre.config and copy.get_state() == pre.get_state()
    assert copy.transform(PICKLE_TEXTS) == expected
    assert pre.transform(PICKLE_TEXTS) == expected  # the original is untouched


def test_a_pickled_preprocessor_carries_no_cache() -> None:
    """The per-form cache may hold millions of forms: a pickle holds the settings and the fitted state only."""
    pre = Preprocessor(PreprocessConfig(morph="stem")).fit()
    empty = len(pickle.dumps(pre))
    pre.transform([" ".join(f"слово{i}" for i in range(2000))])
    assert len(pickle.dumps(pre)) == empty


def test_an_unfitted_preprocessor_pickles_unfitted() -> None:
    copy = pickle.loads(pickle.dumps(Preprocessor(PreprocessConfig(morph="stem"))))
    with pytest.raises(NotFittedError):
        copy.transform(["Hi"])
    assert copy.fit().transform(["Hi"]) == [["hi"]]


def test_sklearn_check_is_fitted_knows_a_preprocessor() -> None:
    from sklearn.exceptions import NotFittedError as SklearnNotFittedError
    from sklearn.utils.validation import check_is_fitted

    with pytest.raises(SklearnNotFittedError):
        check_is_fitted(Preprocessor())
    check_is_fitted(Preprocessor().fit())
    check_is_fitted(Preprocessor.from_state(PreprocessConfig(), Preprocessor().fit().get_state()))


def test_sklearn_tags_say_a_transformer_of_texts() -> None:
    from sklearn.utils import get_tags

    tags = get_tags(Preprocessor())
    assert tags.transformer_tags is not None and tags.estimator_type is None
    assert tags.input_tags.string and not tags.input_tags.two_d_array
    assert not tags.target_tags.required and tags.requires_fit


def test_a_fitted_sklearn_pipeline_with_a_preprocessor_round_trips_through_joblib(tmp_path: Path) -> None:
    import joblib
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    texts = ["Отличные наушники", "отличный звук", "ужасные наушники", "ужасный звук"] * 3
    labels = ["pos", "pos", "neg", "neg"] * 3
    pipeline = make_pipeline(Preprocessor(PreprocessConfig(morph="stem")), CountVectorizer(analyzer=list),
                             LogisticRegression())
    expected = pipeline.fit(texts, labels).predict_proba(PICKLE_TEXTS)
    joblib.dump(pipeline, tmp_path / "pipeline.joblib")
    loaded = joblib.load(tmp_path / "pipeline.joblib")
    assert loaded.predict_proba(PICKLE_TEXTS).tolist() == expected.tolist()
    assert make_pipeline(Preprocessor().fit()).transform(["Hi"]) == [["hi"]]  # a fitted last step counts as fitted


@pytest.mark.parametrize(("config", "expected"), [
    (None, "Preprocessor()"),
    (PreprocessConfig(), "Preprocessor()"),
    (PreprocessConfig(morph="stem"), "Preprocessor(PreprocessConfig(morph='stem'))"),
    (PreprocessConfig(lowercase=False, extra_stopwords=["ну"], tokens="char2"),
     "Preprocessor(PreprocessConfig(lowercase=False, extra_stopwords=('ну',), tokens='char2'))"),
])
def test_repr_shows_the_settings_that_differ_from_the_defaults(config: PreprocessConfig | None,
                                                               expected: str) -> None:
    pre = Preprocessor(config)
    assert repr(pre) == expected
    namespace = {"Preprocessor": Preprocessor, "PreprocessConfig": PreprocessConfig}
    assert eval(expected, namespace).config == pre.config  # it reads back as the same settings


@pytest.mark.parametrize("method", ["transform", "fit_transform", "fit", "iter_transform"])
@pytest.mark.parametrize(("texts", "message"), [
    ("great film", "{m}() takes a list of texts, not a single str; wrap it: {m}([text])"),
    (["ok", float("nan")], "{m}(): texts[1] is float, expected str"),
    ([None], "{m}(): texts[0] is NoneType, expected str"),
    (["ok", b"bytes"], "{m}(): texts[1] is bytes, expected str (decode it first)"),
    (5, "{m}() takes a list of texts, not int"),
])
def test_transform_refuses_what_is_not_a_list_of_texts(method: str, texts: Any, message: str) -> None:
    """As SentimentModel does: a str would be processed character by character, and a NaN (a missing value in
    a pandas column) failed deep inside with "'float' object has no attribute 'isascii'"."""
    with pytest.raises(TypeError) as info:
        result = getattr(Preprocessor().fit(), method)(texts)
        list(result) if method == "iter_transform" else None  # a generator: checked as the texts come
    assert str(info.value) == message.format(m=method)


@pytest.mark.parametrize("config", [{"morph": "stem"}, "stem", PreprocessConfig().to_dict()])
def test_a_config_that_is_not_a_preprocess_config_is_refused_at_once(config: Any) -> None:
    with pytest.raises(TypeError, match=rf"^config must be a PreprocessConfig, not {type(config).__name__} \(for "):
        Preprocessor(config)
    with pytest.raises(TypeError, match=r"^config must be a PreprocessConfig"):
        Preprocessor().set_params(config=config)


def test_no_config_means_the_defaults_in_set_params_too() -> None:
    pre = Preprocessor(PreprocessConfig(morph="stem")).set_params(config=None).fit()
    assert pre.config == PreprocessConfig() and pre.transform(["Great films"]) == [["great", "films"]]


@pytest.mark.parametrize("wrap", [list, tuple, iter, np.array])
def test_transform_takes_any_iterable_of_texts(wrap: Callable[[Any], Any]) -> None:
    texts = ["Great film", "ужасный фильм"]
    expected = [["great", "film"], ["ужасный", "фильм"]]
    assert Preprocessor().fit().transform(wrap(texts)) == expected
    assert Preprocessor().fit_transform(wrap(texts)) == expected
    assert list(Preprocessor().fit(wrap(texts)).iter_transform(wrap(texts))) == expected
    stream = iter(texts)  # fit does not need the texts: an iterator is left for what follows
    assert list(Preprocessor().fit(stream).iter_transform(stream)) == expected
