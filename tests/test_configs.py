"""Validation shared by the config dataclasses (sentikit.configs): every float setting refuses NaN and infinity,
every seed is an integer numpy and scikit-learn accept, and training checks every setting up front."""

from __future__ import annotations

import dataclasses
import math
import re
from pathlib import Path
from typing import Any

import pytest

from sentikit.configs import SEED_MAX, checked_seed, finite_number
from sentikit.corpus import CorpusOptions
from sentikit.errors import UsageError
from sentikit.features.sequences import SequenceConfig
from sentikit.features.vectorize import FeatureConfig
from sentikit.models.config import NeuralConfig
from sentikit.models.linear import LinearConfig
from sentikit.text.config import PreprocessConfig
from sentikit.training.config import TrainConfig
from sentikit.training.pipeline import TrainSettings
from sentikit.training.trainers import ARCHITECTURES, check_overrides

REPO = Path(__file__).resolve().parent.parent

# Every float setting of every config a training run builds.
FLOAT_SETTINGS: list[tuple[type, str]] = [
    (TrainConfig, "lr"), (TrainConfig, "weight_decay"), (TrainConfig, "clip"), (TrainConfig, "ema"),
    (TrainConfig, "dev_fraction"), (TrainSettings, "dev_fraction"),
    (NeuralConfig, "embed_init"), (NeuralConfig, "dropout"), (NeuralConfig, "embed_dropout"),
    (NeuralConfig, "word_dropout"),
    (LinearConfig, "C"), (LinearConfig, "nb_alpha"), (LinearConfig, "nbsvm_beta"), (FeatureConfig, "max_df"),
]


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, 10**400])
@pytest.mark.parametrize(("config", "name"), FLOAT_SETTINGS, ids=lambda x: getattr(x, "__name__", x))
def test_every_float_setting_must_be_finite(config: type, name: str, value: float) -> None:
    with pytest.raises(UsageError, match=rf"^invalid {name} {value!r} \(expected "):
        config(**{name: value})


@pytest.mark.parametrize(("kwargs", "expected"), [
    ({"low": 0.0, "low_open": True}, "a finite number > 0"),
    ({"low": 0.0}, "a finite number >= 0"),
    ({"low": 0.0, "high": 1.0, "high_open": True}, "a number in [0, 1)"),
    ({"low": 0.0, "high": 1.0, "low_open": True, "expected": "a share"}, "a share"),
])
def test_finite_number_says_what_it_expected(kwargs: dict[str, Any], expected: str) -> None:
    assert finite_number("x", 0.5, **kwargs) == 0.5
    for bad in (-1, True, "0.5", None, math.nan):
        with pytest.raises(UsageError) as info:
            finite_number("x", bad, **kwargs)
        assert str(info.value) == f"invalid x {bad!r} (expected {expected})"


@pytest.mark.parametrize("config", [TrainConfig, TrainSettings])
def test_seeds_are_unsigned_32_bit_integers(config: type) -> None:
    assert config(seed=0).seed == 0 and config(seed=SEED_MAX).seed == SEED_MAX == 4294967295
    for bad in (-1, SEED_MAX + 1, 99999999999999999999, True, 1.0, "13"):
        with pytest.raises(UsageError, match=r"invalid seed .* \(expected an integer in 0\.\.4294967295\)"):
            config(seed=bad)
    assert checked_seed(13) == 13


@pytest.mark.parametrize("arch", ARCHITECTURES)
@pytest.mark.parametrize(("setting", "fragment"), [
    ({"schedule": "foo"}, "invalid schedule 'foo'"),  # a neural setting, given to any architecture
    ({"weight_decay": math.nan}, "invalid weight_decay nan"),
    ({"C": math.inf}, "invalid C inf"),  # a linear one
    ({"embed_init": math.inf}, "invalid embed_init inf"),
])
def test_every_setting_is_checked_whatever_the_architecture(arch: str, setting: dict[str, Any],
                                                            fragment: str) -> None:
    with pytest.raises(UsageError, match=fragment):
        check_overrides(arch, setting)


def test_a_missing_gpu_is_refused_for_neural_architectures_only(monkeypatch: pytest.MonkeyPatch) -> None:
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(UsageError, match="device 'cuda' requested but no CUDA GPU is available"):
        check_overrides("gru", {"device": "cuda"})
    check_overrides("logreg", {"device": "cuda"})  # linear models never use the device


@pytest.mark.parametrize(("overrides", "message"), [
    ({"epoch": 1}, "unknown setting(s): epoch (did you mean 'epochs'?)"),
    ({"vectros": "v.vec", "zzz": 1}, "unknown setting(s): vectros, zzz (did you mean 'vectors'?)"),
    ([("C", 1.0)], "overrides must be a dict of settings, not list"),
    # None would mean "the default", which is not what char_ngrams=None says (FeatureConfig reads it as "off").
    ({"char_ngrams": None, "epochs": 2}, "setting(s) given as None: char_ngrams (leave a setting out for its "
                                         "default; char_ngrams='none' turns character n-grams off)"),
    ({"max_len": None, "C": None}, "setting(s) given as None: C, max_len (leave a setting out for its default)"),
])
def test_an_unknown_setting_is_refused_not_ignored(overrides: Any, message: str) -> None:
    """The command line cannot pass one; a library caller's typo would train with the default, unsaid."""
    with pytest.raises(UsageError) as info:
        check_overrides("gru", overrides)
    assert str(info.value) == message


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"data": None}, "train(): data must be str or Path, not NoneType"),
    ({"settings": {"arch": "nb"}}, "train(): settings must be TrainSettings or None, not dict"),
    ({"prep": {"morph": "stem"}}, "train(): prep must be PreprocessConfig or None, not dict"),
    ({"out": 5}, "train(): out must be str or Path or None, not int"),
    ({"out": " "}, "train(): out is an empty path (pass a folder for the model, or None for the default)"),
    ({"force": "no"}, "train(): force must be bool, not str"),  # truthy: it would replace a model
    ({"corpus_options": {"delimiter": ","}}, "train(): corpus_options must be CorpusOptions or None, not dict"),
    ({"dev": 5}, "train(): dev must be str or Path or None, not int"),
    ({"overrides": [("C", 1.0)]}, "train(): overrides must be dict or None, not list"),
    ({"on_event": 5}, "train(): on_event must be a function or None, not int"),
])
def test_train_says_what_a_wrong_argument_should_be(tmp_path: Path, kwargs: dict[str, Any], message: str) -> None:
    from sentikit.training.pipeline import train

    arguments: dict[str, Any] = {"data": "data/reviews_en.csv", "out": tmp_path / "m", **kwargs}
    with pytest.raises(UsageError) as info:
        train(arguments.pop("data"), **arguments)
    assert str(info.value) == message and not (tmp_path / "m").exists()


def test_train_takes_its_paths_as_str_too(tmp_path: Path) -> None:
    from sentikit.training.pipeline import train

    outcome = train(str(REPO / "data" / "reviews_en.csv"), out=str(tmp_path / "m"), settings=TrainSettings(arch="nb"))
    assert outcome.path == tmp_path / "m" and (tmp_path / "m" / "manifest.json").is_file()


def test_the_training_example_in_the_python_docs_runs_as_shown(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    import sentikit

    docs = (REPO / "docs" / "python-api.md").read_text(encoding="utf-8")
    section = docs[docs.index("## Training"):]
    code = section[section.index("```python") + len("```python"):section.index("```\n", section.index("```python") + 9)]
    (tmp_path / "data").mkdir()
    shutil.copy(REPO / "data" / "reviews_en.csv", tmp_path / "data")
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, Any] = {}
    exec(compile(code, "python-api.md", "exec"), namespace)  # the documented example, as written
    outcome, events = namespace["outcome"], namespace["events"]
    assert outcome.path == tmp_path / "models" / "en-nbsvm" and 0 < outcome.dev_metrics["macro_f1"] <= 1
    assert events[0] == {"event": "data", "train": 324, "dev": 36, "labels": ["negative", "neutral", "positive"]}
    assert {e["event"] for e in events} == {"data", "stage"}
    assert sentikit.load(outcome.path).manifest["configs"]["linear"]["C"] == 0.5


@pytest.mark.parametrize("config_class, field, bad", [
    (TrainConfig, "lr", math.nan), (NeuralConfig, "dropout", 7.0),
    (SequenceConfig, "max_len", 0), (LinearConfig, "C", -1.0), (FeatureConfig, "max_df", 2.0),
    (PreprocessConfig, "morph", "soundex"),
])
def test_configs_are_checked_once_so_they_cannot_be_changed_afterwards(config_class: type, field: str,
                                                                        bad: Any) -> None:
    config = config_class()
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(config, field, bad)
    with pytest.raises(UsageError, match=field):  # the way to a changed copy checks the new value
        dataclasses.replace(config, **{field: bad})


@pytest.mark.parametrize(("make", "message"), [
    (lambda: TrainSettings(arch=["nb"]), "invalid arch ['nb']"),
    (lambda: CorpusOptions(encoding=5), "invalid encoding 5 (expected a str)"),
    (lambda: CorpusOptions(delimiter=5), "invalid delimiter 5 (expected a str or None)"),
    (lambda: CorpusOptions(strict="no"), "invalid strict 'no' (expected true or false)"),
    (lambda: CorpusOptions(text_col=0), "invalid text_col 0 (expected a str or None)"),
    (lambda: CorpusOptions(input_format="xml"), "unknown input format 'xml'"),
])
def test_settings_of_the_wrong_type_are_refused_when_made(make: Any, message: str) -> None:
    with pytest.raises(UsageError, match=re.escape(message)):
        make()


def test_a_model_path_the_system_refuses_is_a_model_error() -> None:
    import sentikit

    with pytest.raises(sentikit.ModelError, match="File name too long"):
        sentikit.load("x" * 5000)


def test_numpy_bools_count_as_bools(tmp_path: Path) -> None:
    import numpy as np

    from sentikit.training.pipeline import train

    assert CorpusOptions(strict=np.True_).strict is True
    outcome = train(str(REPO / "data" / "reviews_en.csv"), out=tmp_path / "m", settings=TrainSettings(arch="nb"),
                    force=np.bool_(False))
    assert outcome.path == tmp_path / "m"
    with pytest.raises(UsageError, match=r"force must be bool, not numpy\.float32"):
        train(str(REPO / "data" / "reviews_en.csv"), out=tmp_path / "m", force=np.float32(1))
