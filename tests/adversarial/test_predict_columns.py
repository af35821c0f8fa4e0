"""What `sentikit predict` writes besides its prediction: CSV output says which fields of later rows it had no
column for, and a table has a column for every field."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import cli
from test_predict_rows import output_rows


def warnings(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("warning:")]


HETEROGENEOUS = ('{"text": "nice", "label": "positive"}\n{"text": "awful", "label": "negative", "extra": 1}\n'
                 '{"text": "meh", "src": "web", "more": 2}\n{"text": "ok", "extra": 3}\n')


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_csv_names_the_fields_it_has_no_column_for(fmt: str, nb_model: Path, tmp_path: Path) -> None:
    path = tmp_path / "rows.jsonl"
    path.write_text(HETEROGENEOUS, encoding="utf-8")
    result = cli("predict", "--model", nb_model, "--input", path, "--format", fmt)
    assert result.exit_code == 0, result.stderr
    rows = output_rows(result.stdout, fmt)
    assert [row["text"] for row in rows] == ["nice", "awful", "meh", "ok"]
    assert "extra" not in rows[0] and "src" not in rows[0]
    first, later = warnings(result.stderr)  # one when it happens, one at the end for what came after
    assert "row 2" in first and "'extra'" in first and "--format jsonl" in first and "'src'" not in first
    assert "'src', 'more'" in later and "'extra'" not in later
    assert cli("-q", "predict", "--model", nb_model, "--input", path, "--format", fmt).stderr == ""


def test_a_table_has_a_column_for_the_fields_of_later_rows(nb_model: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "250")
    path = tmp_path / "rows.jsonl"
    path.write_text(HETEROGENEOUS, encoding="utf-8")
    result = cli("predict", "--model", nb_model, "--input", path, "--format", "table")
    assert result.exit_code == 0, result.stderr
    header = next(line for line in result.stdout.splitlines() if "text" in line)
    assert all(name in header for name in ("gold_label", "extra", "src", "more")), result.stdout
    assert "web" in result.stdout and warnings(result.stderr) == []
