"""`Preprocessor` keeps scikit-learn's estimator contract without importing scikit-learn."""

from __future__ import annotations

import pickle
import subprocess
import sys
from collections.abc import Callable
from copy import deepcopy
from typing import Any

import pytest
from sklearn.base import clone

from sentikit.errors import NotFittedError
from sentikit.text import PreprocessConfig, Preprocessor

UNFITTED_USES: dict[str, Callable[[Preprocessor], Any]] = {
    "transform": lambda pre: pre.transform(["Hi"]),
    "transform nothing": lambda pre: pre.transform([]),
    "process": lambda pre: pre.process("Hi"),
    "iter_transform": lambda pre: list(pre.iter_transform(["Hi"])),
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
