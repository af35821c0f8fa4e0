"""A model rebuilt from its manifest uses the settings it was trained with, never today's defaults: a
manifest that lacks a setting that can change a prediction is refused (sentikit.configs.require_saved_settings),
while settings that only shaped training may be missing."""

from __future__ import annotations

import json
import shutil
from dataclasses import fields
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import sentikit
from sentikit.configs import require_saved_settings
from sentikit.errors import ModelError
from sentikit.features.sequences import SequenceConfig
from sentikit.features.vectorize import FeatureConfig
from sentikit.model import SentimentModel
from sentikit.models.config import NeuralConfig
from sentikit.text.config import PreprocessConfig
from sentikit.training.pipeline import TrainSettings, train

ROWS = [("Отличные наушники, звук чистый", "pos"), ("хорошие отличные вещи", "pos"), ("great films", "pos"),
        ("ужасные наушники", "neg"), ("плохие вещи, звук грязный", "neg"), ("awful films", "neg")]
TEXTS = ["Отличные наушники, звук чистый", "плохие вещи", "great films"]

# (config class, where a model's manifest keeps it)
SECTIONS: list[tuple[type, str]] = [
    (PreprocessConfig, "preprocess"),
    (FeatureConfig, "predictor.features"),
    (SequenceConfig, "predictor.sequence"),
    (NeuralConfig, "predictor.model"),
]
REQUIRED = [(cls, where, f.name) for cls, where in SECTIONS for f in fields(cls)
            if f.name not in cls.OPTIONAL_IN_MANIFEST]
OPTIONAL = [(cls, where, name) for cls, where in SECTIONS for name in sorted(cls.OPTIONAL_IN_MANIFEST)]


def _ids(case: tuple[type, str, str]) -> str:
    return f"{case[1]}.{case[2]}"


@pytest.mark.parametrize("case", REQUIRED, ids=_ids)
def test_every_setting_that_can_change_a_prediction_is_required(case: tuple[type, str, str]) -> None:
    cls, where, name = case
    data = cls().to_dict()
    require_saved_settings(cls, data, where)  # complete: fine
    del data[name]
    with pytest.raises(ValueError, match=rf"^missing setting '{name}' in {where}$"):
        require_saved_settings(cls, data, where)
    assert cls.from_dict(data) == cls.from_dict(cls().to_dict())  # user input: a missing key is the default


@pytest.mark.parametrize("case", OPTIONAL, ids=_ids)
def test_settings_that_only_shaped_training_may_be_missing(case: tuple[type, str, str]) -> None:
    cls, where, name = case
    assert name in {f.name for f in fields(cls)}  # no stale names in the list
    data = cls().to_dict()
    del data[name]
    require_saved_settings(cls, data, where)


def test_several_missing_settings_are_named_together() -> None:
    with pytest.raises(ValueError, match=r"^missing settings 'max_len', 'truncate' in predictor\.sequence$"):
        require_saved_settings(SequenceConfig, {"max_vocab": 3, "min_count": 1}, "predictor.sequence")
    with pytest.raises(TypeError, match=r"^predictor\.sequence must be a mapping, got list$"):
        require_saved_settings(SequenceConfig, [], "predictor.sequence")


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory, torch_single_thread: None) -> dict[str, Path]:
    """A stemming linear model and a tiny neural one whose settings all differ from today's defaults where a
    default would change what they predict."""
    folder = tmp_path_factory.mktemp("trained")
    data = folder / "reviews.csv"
    data.write_text("text,label\n" + "".join(f'"{t}",{y}\n' for t, y in ROWS) * 3, encoding="utf-8")
    linear = train(str(data), out=folder / "linear",
                   settings=TrainSettings(arch="logreg"), prep=PreprocessConfig(morph="stem"),
                   overrides={"encoding": "count", "sublinear_tf": False})
    neural = train(str(data), out=folder / "neural", settings=TrainSettings(arch="gru"),
                   overrides={"epochs": 1, "embed_dim": 8, "hidden_size": 8, "batch_size": 4, "max_len": 3,
                              "truncate": "tail", "pool": "last"})
    return {"linear": linear.path, "neural": neural.path}


def _without(model: Path, dotted: str, tmp_path: Path) -> Path:
    copy = Path(shutil.copytree(model, tmp_path / "copy"))
    manifest = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    *parents, key = dotted.split(".")
    section = manifest
    for parent in parents:
        section = section[parent]
    del section[key]
    (copy / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    return copy


@pytest.mark.parametrize(("kind", "dotted"), [
    ("linear", "preprocess.morph"),
    ("linear", "preprocess_state.stopwords"),
    ("linear", "preprocess_state.en_lemmatizer"),
    ("linear", "predictor.features.encoding"),
    ("linear", "predictor.features.sublinear_tf"),
    ("neural", "predictor.sequence.max_len"),
    ("neural", "predictor.sequence.truncate"),
    ("neural", "predictor.model.pool"),
])
def test_a_manifest_missing_a_setting_is_refused_not_replaced_by_a_default(
        trained: dict[str, Path], kind: str, dotted: str, tmp_path: Path) -> None:
    *parents, key = dotted.split(".")
    with pytest.raises(ModelError, match="incomplete or inconsistent") as info:
        sentikit.load(_without(trained[kind], dotted, tmp_path))
    assert f"missing setting '{key}' in {'.'.join(parents)}" in str(info.value)


@pytest.mark.parametrize(("kind", "dotted"), [
    ("linear", "preprocess.remove_stopwords"),
    ("linear", "preprocess.lang"),
    ("linear", "preprocess_state.stopword_sources"),
    ("linear", "predictor.features.min_df"),
    ("neural", "predictor.sequence.max_vocab"),
    ("neural", "predictor.model.dropout"),
    ("neural", "predictor.model.embed_init"),
])
def test_a_manifest_missing_a_training_only_setting_predicts_the_same(
        trained: dict[str, Path], kind: str, dotted: str, tmp_path: Path) -> None:
    model: SentimentModel = sentikit.load(trained[kind])
    edited = sentikit.load(_without(trained[kind], dotted, tmp_path))
    assert edited.tokens(TEXTS) == model.tokens(TEXTS)
    np.testing.assert_array_equal(edited.predict_proba(TEXTS), model.predict_proba(TEXTS))


def test_the_trained_models_differ_from_the_defaults(trained: dict[str, Path]) -> None:
    """The refusals above matter: with today's defaults these models would predict differently."""
    linear: Any = sentikit.load(trained["linear"])
    assert linear.tokens(TEXTS[:1]) == [["отличн", "наушник", "звук", "чист"]]
    assert linear.predictor.vectorizer.config.encoding == "count"
    neural: Any = sentikit.load(trained["neural"])
    assert (neural.predictor.seq_config.max_len, neural.predictor.seq_config.truncate) == (3, "tail")
    assert neural.predictor.config.pool == "last"


@pytest.mark.parametrize("kind", ["linear", "neural"])
@pytest.mark.parametrize("arch", ["nb", "bigru", None, 7])
def test_the_manifest_names_the_architecture_its_weights_are(trained: dict[str, Path], kind: str,
                                                              arch: str | None, tmp_path: Path) -> None:
    """`show` and `predict` name the model by the manifest's "arch": one that differs from what the weights were
    trained as (an edit) would have the card describe another model than the one that answers."""
    built = sentikit.load(trained[kind]).arch
    copy = _without(trained[kind], "arch", tmp_path)
    assert sentikit.load(copy).arch == "?"  # none named (a hand edit, or a very old model): the card says so
    manifest = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    (copy / "manifest.json").write_text(json.dumps({**manifest, "arch": arch}), encoding="utf-8")
    with pytest.raises(ModelError) as info:
        sentikit.load(copy)
    assert str(info.value) == (f"{copy}: the manifest names the architecture {arch!r}, but its weights are "
                               f"{built}'s (retrain the model)")
