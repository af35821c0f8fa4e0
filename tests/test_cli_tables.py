"""Terminal tables on narrow terminals: numbers are never split across lines (text cells and headers may
wrap, a free-text column such as a review first, before any label or header is split), and columns that cannot
fit are left out with a note on stderr instead of being squeezed or cropped."""

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


REVIEW = ("Great value, works exactly as described! Delivery was fast, the box arrived intact, the seller was "
          "polite, and I recommend it to all my friends")


def header_rows(stdout: str) -> list[list[str]]:
    """The cells of every header line (┃) that holds any text."""
    return [cells for line in stdout.splitlines() if line.startswith("┃")
            if any(cells := [cell.strip() for cell in line.strip("┃").split("┃")])]


def test_the_review_wraps_before_labels_and_headers_split(model: Path) -> None:
    """A long review on a terminal too narrow for it: the review column wraps (to whatever room the others
    leave, even one cell short of its natural width), while the labels and the headers stay whole."""
    labels = [json.loads(line)["label"] for line in
              invoke("predict", "--model", model, "--format", "jsonl", REVIEW, "awful").stdout.splitlines()]
    wide = invoke("predict", "--model", model, "--format", "table", REVIEW, "awful", columns=250)
    natural = max(cell_len(line) for line in wide.stdout.splitlines())
    for columns in (natural - 1, natural - 2, 80, 64):
        result = invoke("predict", "--model", model, "--format", "table", REVIEW, "awful", columns=columns)
        assert result.exit_code == 0, result.stderr
        assert max(cell_len(line) for line in result.stdout.splitlines()) <= columns
        assert header_rows(result.stdout) == [["text", "label", "p_negative", "p_neutral", "p_positive"]]
        rows = body_rows(result.stdout)
        assert len(rows) > 2 and [row[1] for row in rows if row[1]] == labels, result.stdout


def test_squeezing_takes_the_free_text_column_first() -> None:
    from sentikit.cli.output import MIN_TEXT_WIDTH, _column_widths

    rows = [{"text": REVIEW, "label": "positive", "p_negative": 0.0118, "p_neutral": 0.0288},
            {"text": "awful", "label": "negative", "p_negative": 0.9116, "p_neutral": 0.0458}]
    cols = list(rows[0])
    numeric = {"text": False, "label": False, "p_negative": True, "p_neutral": True}
    rest = 8 + 10 + 9 + 3 * len(cols) + 1  # the other columns whole, padding and edges
    assert _column_widths(rows, cols, numeric, rest + len(REVIEW)) is None
    for width in range(rest + MIN_TEXT_WIDTH, rest + len(REVIEW)):
        assert _column_widths(rows, cols, numeric, width) == [width - rest, 8, 10, 9]
    # Narrower still, the review stays at MIN_TEXT_WIDTH; the widest of the rest give way first, and a number
    # column never gets narrower than its numbers.
    assert _column_widths(rows, cols, numeric, rest + MIN_TEXT_WIDTH - 1) == [MIN_TEXT_WIDTH, 8, 9, 9]
    assert _column_widths(rows, cols, numeric, rest + MIN_TEXT_WIDTH - 4) == [MIN_TEXT_WIDTH, 8, 8, 7]
    assert _column_widths(rows, cols, numeric, 4 * 6 + 3 * 4 + 1) == [MIN_TEXT_WIDTH, 6, 6, 6]
    assert len(_column_widths(rows, cols, numeric, 4 * 6 + 3 * 4) or []) == 3


def test_text_columns_wrap_at_spaces_before_splitting_words() -> None:
    from sentikit.cli.output import _column_widths

    rows = [{"option": "preprocess.stopwords", "value": "a b c d e f g h i j k l m n o p"}]
    numeric = {"option": False, "value": False}
    # 20 + 31 cells of text do not fit in 40; the value wraps at its spaces, the option name stays whole.
    assert _column_widths(rows, list(rows[0]), numeric, 40) == [20, 40 - 20 - 7]
