"""A manifest that a newer sentikit wrote in the same format version: settings this sentikit does not know, at any
level that shapes predictions, are refused rather than ignored, and the advice is to upgrade sentikit (not to
retrain a model that is fine)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import sentikit
from sentikit.errors import ModelError
from sentikit.text.normalize import TEXT_RULES
from sentikit.training.pipeline import TrainSettings, train

ROWS = [("Отличные наушники, звук чистый", "pos"), ("хорошие отличные вещи", "pos"), ("great films", "pos"),
        ("ужасные наушники", "neg"), ("плохие вещи, звук грязный", "neg"), ("awful films", "neg")]


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory, torch_single_thread: None) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("trained")
    data = folder / "reviews.csv"
    data.write_text("text,label\n" + "".join(f'"{t}",{y}\n' for t, y in ROWS) * 3, encoding="utf-8")
    linear = train(str(data), out=folder / "linear", settings=TrainSettings(arch="nbsvm"))
    neural = train(str(data), out=folder / "neural", settings=TrainSettings(arch="gru"),
                   overrides={"epochs": 1, "embed_dim": 8, "hidden_size": 8, "batch_size": 4, "max_len": 3})
    return {"linear": linear.path, "neural": neural.path}


def _edited(model: Path, tmp_path: Path, edit: Callable[[dict[str, Any]], None]) -> Path:
    copy = Path(shutil.copytree(model, tmp_path / "copy"))
    manifest = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    edit(manifest)
    (copy / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    return copy


@pytest.mark.parametrize("kind", ["linear", "neural"])
def test_models_as_trained_today_load(trained: dict[str, Path], kind: str) -> None:
    """Every key that training writes is known (else every model would be refused)."""
    assert sentikit.load(trained[kind]).predict(["great films"])[0].label in ("pos", "neg")


@pytest.mark.parametrize("kind", ["linear", "neural"])
@pytest.mark.parametrize("section", ["predictor", "preprocess_state"])
def test_an_unknown_setting_is_refused_with_advice_to_upgrade(trained: dict[str, Path], tmp_path: Path,
                                                              kind: str, section: str) -> None:
    copy = _edited(trained[kind], tmp_path, lambda d: d[section].update(calibration={"temperature": 2.0}))
    with pytest.raises(ModelError) as info:
        sentikit.load(copy)
    assert str(info.value) == (f"{copy}: unknown {section} setting(s) in the manifest: calibration "
                               "(made by a newer sentikit? upgrade sentikit; if not, retrain the model)")


def test_the_advice_names_a_newer_version_on_record(trained: dict[str, Path], tmp_path: Path) -> None:
    def edit(d: dict[str, Any]) -> None:
        d["predictor"]["calibration"] = 2.0
        d["sentikit_version"] = "99.0.0"

    copy = _edited(trained["linear"], tmp_path, edit)
    with pytest.raises(ModelError, match=r"calibration \(it was made by sentikit 99\.0\.0: upgrade sentikit\)$"):
        sentikit.load(copy)


@pytest.mark.parametrize(("kind", "section"), [("linear", "preprocess"), ("linear", "predictor.features"),
                                             ("neural", "predictor.model"), ("neural", "predictor.sequence")])
@pytest.mark.parametrize("version", ["99.0.0", None])
def test_one_level_down_the_advice_is_the_same(trained: dict[str, Path], tmp_path: Path, kind: str, section: str,
                                              version: str | None) -> None:
    def edit(d: dict[str, Any]) -> None:
        *parents, key = section.split(".")
        (d[parents[0]] if parents else d)[key]["newopt"] = True
        if version:
            d["sentikit_version"] = version

    copy = _edited(trained[kind], tmp_path, edit)
    with pytest.raises(ModelError) as info:
        sentikit.load(copy)
    if version:
        assert str(info.value) == (f"{copy}: unknown {section} setting(s) in the manifest: newopt "
                                   "(it was made by sentikit 99.0.0: upgrade sentikit)")
    else:  # no newer version on record: a hand edit, as likely
        assert "unknown" in str(info.value) and "newopt" in str(info.value) and "retrain the model" in str(info.value)


def test_newer_text_rules_advise_upgrading_not_retraining(trained: dict[str, Path], tmp_path: Path) -> None:
    def edit(d: dict[str, Any]) -> None:
        d["preprocess_state"]["rules"] = TEXT_RULES + 1
        d["sentikit_version"] = "99.0.0"

    copy = _edited(trained["linear"], tmp_path, edit)
    with pytest.raises(ModelError) as info:
        sentikit.load(copy)
    assert str(info.value) == (f"model at {copy} was made by a newer sentikit (text rules {TEXT_RULES + 1}, "
                               "sentikit 99.0.0); upgrade sentikit")


def test_invalid_text_rules_still_advise_retraining(trained: dict[str, Path], tmp_path: Path) -> None:
    copy = _edited(trained["linear"], tmp_path, lambda d: d["preprocess_state"].update(rules=0))
    with pytest.raises(ModelError, match=r"rules 0 is not one of .*\(retrain the model\)$"):
        sentikit.load(copy)


def test_cli_says_it_in_one_line(trained: dict[str, Path], tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from sentikit.cli.app import app

    copy = _edited(trained["linear"], tmp_path, lambda d: d["predictor"].update(calibration=1))
    result = CliRunner().invoke(app, ["predict", "--model", str(copy), "great films"])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        f"error: {copy}: unknown predictor setting(s) in the manifest: calibration (made by a newer sentikit? "
        "upgrade sentikit; if not, retrain the model)"]
