"""Terminal tables on narrow terminals: numbers are never split across lines (text cells and headers may
wrap), and columns that cannot fit are left out with a note on stderr instead of being squeezed or cropped."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from rich.cells import cell_len
from typer.testing import CliRunner, Result

from sentikit.cli.app import app
from tests.corpus_samples import english_sample

REPO = Path(__file__).resolve().parent.parent
BODY = re.compile(r"^│(.*)│$")


def invoke(*args: str | Path, columns: int = 40) -> Result:
    return CliRunner().invoke(app, [str(a) for a in args], prog_name="sentikit", env={"COLUMNS": str(columns)})


def body_rows(stdout: str) -> list[list[str]]:
    """The cells of every body line of every table (header lines use ┃, body lines │)."""
    return [[cell.strip() for cell in m.group(1).split("│")] for line in stdout.splitlines()
            if (m := BODY.match(line))]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """60 English reviews of the bundled corpus, 20 per label."""
    return english_sample(tmp_path_factory.mktemp("corpus"), per_label=20)


@pytest.fixture(scope="module")
def model(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("models") / "nb"
    result = invoke("-q", "train", corpus, "--arch", "nb", "--out", out)
    assert result.exit_code == 0, result.stderr
    return out


@pytest.mark.parametrize("columns", [30, 40, 60])
def test_evaluate_numbers_stay_whole(corpus: Path, model: Path, columns: int) -> None:
    report = json.loads(invoke("evaluate", corpus, "--model", model, "--format", "json").stdout)
    result = invoke("evaluate", corpus, "--model", model, "--format", "table", columns=columns)
    assert result.exit_code == 0, result.stderr
    assert max(cell_len(line) for line in result.stdout.splitlines()) <= columns
    rows = body_rows(result.stdout)
    assert ["accuracy", f"{report['accuracy']:.4f}"] in rows and ["macro_f1", f"{report['macro_f1']:.4f}"] in rows
    for label, figures in report["per_class"].items():
        cells = next(row for row in rows if row[0].startswith(label[:6]))  # a label may wrap, its numbers not
        assert cells[1:] == [f"{figures[k]:.4f}" if isinstance(figures[k], float) else str(figures[k])
                             for k in figures][: len(cells) - 1]
    for cells in rows:  # no continuation line holding the rest of a number
        assert all(re.fullmatch(r"|\d+|\d+\.\d{4}|[^\d].*", cell) for cell in cells[1:]), cells


def test_compare_leaves_out_the_columns_that_do_not_fit(corpus: Path) -> None:
    result = invoke("compare", corpus, "--arch", "nb,logreg", "--format", "table")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert max(cell_len(line) for line in lines) <= 40
    rows = body_rows(result.stdout)
    assert [row[0] for row in rows] == ["nb", "logreg"]  # one line per architecture: nothing wrapped
    assert all(re.fullmatch(r"\d+\.\d{4}", cell) for row in rows for cell in row[1:]), rows
    shown = len(rows[0])
    assert 2 <= shown < 8 and f"showing {shown} of 8 columns" in result.stderr


def test_a_wide_terminal_shows_every_column(corpus: Path, model: Path) -> None:
    result = invoke("evaluate", corpus, "--model", model, "--format", "table", columns=200)
    assert result.exit_code == 0 and "showing" not in result.stderr
    header = next(line for line in result.stdout.splitlines() if "precision" in line)
    assert [cell.strip() for cell in header.strip("┃").split("┃")] == ["label", "precision", "recall", "f1", "support"]
