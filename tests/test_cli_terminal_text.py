"""What is drawn for a human (tables, info and warning lines, the model card) shows the control characters of
the data as escapes, as the error line does: a review or a label holding "\\x1b]0;...\\x07" (set the window
title) or "\\x1b[2J" (clear the screen) must not reach the terminal raw. Machine formats (JSON lines, CSV,
TSV) keep the data exactly."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from sentikit.cli.app import app
from sentikit.cli.cells import shown
from tests.corpus_samples import english_sample

TITLE, CLEAR, CSI = "\x1b]0;pwned\x07", "\x1b[2J", "\x9b2J"  # CSI: the one-byte (C1) form of "\x1b["
REVIEW = f"evil {TITLE} {CLEAR} text{CSI}\tend"
LABEL = f"pos{CLEAR}itive"  # replaces "positive"
RAW = ("\x1b", "\x07", "\x9b")


def invoke(*args: str | Path) -> Result:
    # Wide enough that no cell wraps, so escapes can be looked for whole.
    return CliRunner().invoke(app, [str(a) for a in args], prog_name="sentikit", env={"COLUMNS": "400"})


def assert_printable(text: str) -> None:
    assert not any(raw in text for raw in RAW), ascii(text)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """60 English reviews of the bundled corpus, 'positive' relabelled LABEL."""
    path = english_sample(tmp_path_factory.mktemp("corpus"), per_label=20)
    path.write_text(path.read_text(encoding="utf-8").replace(",positive\n", f',"{LABEL}"\n'), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def training(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The model trained on `corpus`, and what training wrote on stderr."""
    out = tmp_path_factory.mktemp("models") / "nb"
    result = invoke("train", corpus, "--arch", "nb", "--out", out)
    assert result.exit_code == 0, result.stderr
    return out, result.stderr


@pytest.fixture(scope="module")
def model(training: tuple[Path, str]) -> Path:
    return training[0]


def test_shown_escapes_like_the_error_line() -> None:
    assert shown(REVIEW) == "evil \\x1b]0;pwned\\x07 \\x1b[2J text\\x9b2J end"
    assert shown("two\r\nlines\nhere") == "two lines here"


@pytest.mark.parametrize("mark", ["\u202e", "\u202a", "\u2066", "\u2069"])
def test_shown_escapes_the_marks_that_reorder_a_line(mark: str) -> None:
    """A right-to-left override in a review would show the rest of its table row (or error line) reversed."""
    assert shown(f"rlo {mark}evil") == f"rlo \\u{ord(mark):04x}evil"
    assert shown("שלום мир") == "שלום мир"  # right-to-left text itself is shown as it is


def test_info_lines_show_escapes(training: tuple[Path, str]) -> None:
    stderr = training[1]
    assert_printable(stderr)
    assert f"labels: negative, neutral, {shown(LABEL)}" in stderr


def test_tables_show_escapes(model: Path) -> None:
    result = invoke("predict", "--model", model, "--format", "table", REVIEW)
    assert result.exit_code == 0, result.stderr
    assert_printable(result.stdout)
    assert shown(REVIEW) in result.stdout and f"p_{shown(LABEL)}" in result.stdout  # a cell and a header
    card = invoke("show", model, "--format", "table")
    assert card.exit_code == 0, card.stderr
    assert_printable(card.stdout)
    assert f"labels: negative, neutral, {shown(LABEL)}" in card.stdout


def test_evaluate_tables_and_warnings_show_escapes(corpus: Path, model: Path, tmp_path: Path) -> None:
    unknown = tmp_path / "unknown.csv"
    unknown.write_text(corpus.read_text(encoding="utf-8") + f'some text,"new{TITLE}"\n', encoding="utf-8")
    result = invoke("evaluate", unknown, "--model", model, "--format", "table")
    assert result.exit_code == 0, result.stderr
    assert_printable(result.stdout + result.stderr)
    assert shown(LABEL) in result.stdout  # per-class rows and confusion-matrix headers
    assert f"counted as errors: new{shown(TITLE)} (1 rows)" in result.stderr


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "tsv"])
def test_machine_formats_keep_the_data(model: Path, fmt: str) -> None:
    result = invoke("predict", "--model", model, "--format", fmt, REVIEW)
    assert result.exit_code == 0, result.stderr
    if fmt == "jsonl":
        row = json.loads(result.stdout)
        assert row["text"] == REVIEW and LABEL in row["probabilities"]
    else:
        header, row = list(csv.reader(io.StringIO(result.stdout), delimiter="\t" if fmt == "tsv" else ","))
        assert row[0] == REVIEW and f"p_{LABEL}" in header
