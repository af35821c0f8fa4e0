"""Fields of JSON input that sentikit carries along keep their JSON values in JSON Lines output."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sentikit.cli.app import app
from sentikit.corpus import read_corpus
from sentikit.corpus_json import json_ready

RECORD = {"text": "great value", "id": 7, "score": 0.73, "ok": True, "tags": ["a"], "meta": {"k": 1}, "n": None,
          "s": "7"}
AS_TEXT = {"id": "7", "score": "0.73", "ok": "true", "tags": '["a"]', "meta": '{"k":1}', "n": "", "s": "7"}


@pytest.fixture
def jsonl(tmp_path: Path) -> Path:
    path = tmp_path / "scores.jsonl"
    path.write_text(json.dumps(RECORD) + "\n", encoding="utf-8")
    return path


def test_a_carried_field_is_its_text_and_keeps_its_json_value(jsonl: Path) -> None:
    (record,) = read_corpus(jsonl)
    assert record.extra == AS_TEXT  # what a CSV cell or a table shows
    assert {key: json_ready(value) for key, value in record.extra.items()} == {
        key: value for key, value in RECORD.items() if key != "text"}


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("models") / "nb"
    result = CliRunner().invoke(app, ["train", "bundled:en", "--arch", "nb", "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    return out


@pytest.mark.parametrize("command", ["predict", "preprocess"])
def test_jsonl_output_writes_json_fields_back_as_they_were(model: Path, jsonl: Path, command: str) -> None:
    args = (["predict", "--model", str(model), "--input", str(jsonl), "--format", "jsonl"] if command == "predict"
            else ["preprocess", str(jsonl), "--format", "jsonl"])
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.stderr
    row = json.loads(result.stdout)
    assert {key: row[key] for key in AS_TEXT} == {key: RECORD[key] for key in AS_TEXT}


def test_csv_output_writes_json_fields_as_text(model: Path, jsonl: Path) -> None:
    result = CliRunner().invoke(app, ["predict", "--model", str(model), "--input", str(jsonl), "--format", "csv"])
    assert result.exit_code == 0, result.stderr
    (row,) = csv.DictReader(io.StringIO(result.stdout))
    assert {key: row[key] for key in AS_TEXT} == AS_TEXT


def test_numbers_beyond_a_float_stay_valid_json(tmp_path: Path) -> None:
    """JSON has no Infinity: a carried 1e400 is written as the string of its spelling, also inside a list."""
    path = tmp_path / "huge.jsonl"
    path.write_text('{"text": "ok", "score": 1e400, "l": [-1e999, 1.5, NaN]}\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["preprocess", str(path), "--format", "jsonl"])
    assert result.exit_code == 0, result.stderr
    row = json.loads(result.stdout, parse_constant=lambda name: pytest.fail(f"{name} is not JSON"))
    assert (row["score"], row["l"]) == ("1e400", ["-1e999", 1.5, None])
    # A CSV cell holds the same list as JSON text, so it reads back as JSON too.
    result = CliRunner().invoke(app, ["preprocess", str(path), "--format", "csv"])
    (cells,) = csv.DictReader(io.StringIO(result.stdout))
    assert cells["score"] == "1e400" and cells["l"] == '["-1e999",1.5,null]'
