"""Terminal tables on narrow terminals: labels, numbers and short headers keep their width, a free-text column
such as a review takes the rest and wraps, and trailing columns that would leave it too narrow to read are left
out with a note on stderr instead of being squeezed or cropped; numbers are never split across lines."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from rich.cells import cell_len
from typer.testing import CliRunner, Result

from sentikit.cli.app import app
from sentikit.cli.cells import MIN_TEXT_WIDTH
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


def test_show_keeps_the_early_stopping_column_of_the_history_on_a_narrow_terminal(
        corpus: Path, tmp_path: Path, torch_single_thread: None) -> None:
    out = tmp_path / "gru"
    trained = invoke("-q", "train", corpus, "--arch", "gru", "--epochs", "2", "--embed-dim", "8", "--hidden-size", "8",
                     "--max-len", "20", "--out", out)
    assert trained.exit_code == 0, trained.stderr
    result = invoke("show", out, "--format", "table", columns=60)
    assert result.exit_code == 0, result.stderr
    history = result.stdout[result.stdout.index("training history"):]
    assert header_rows(history)[0][:3] == ["epoch", "dev_macro_f1", "dev_accuracy"]
    assert "training history: showing" in result.stderr  # the narrow terminal did leave columns out
    assert [row[0] for row in body_rows(history)][:2] == ["1", "2"]


REVIEW = ("Great value, works exactly as described! Delivery was fast, the box arrived intact, the seller was "
          "polite, and I recommend it to all my friends")


def header_rows(stdout: str) -> list[list[str]]:
    """The cells of every header line (┃) that holds any text."""
    return [cells for line in stdout.splitlines() if line.startswith("┃")
            if any(cells := [cell.strip() for cell in line.strip("┃").split("┃")])]


def column_widths(stdout: str) -> list[int]:
    """The width of each column of the first table, from its top border (padding left out)."""
    top = next(line for line in stdout.splitlines() if line.startswith("┏"))
    return [len(part) - 2 for part in top.strip("┏┓").split("┳")]


def texts_and_labels(stdout: str) -> list[tuple[list[str], str]]:
    """Per body row: the lines of its first cell (the text, wrapped), and the second cell (the label)."""
    rows: list[tuple[list[str], str]] = []
    for cells in body_rows(stdout):
        if cells[1] or not rows:
            rows.append(([cells[0]], cells[1]))
        else:  # a continuation line of a wrapped text: every other cell is blank
            assert not any(cells[1:]), cells
            rows[-1][0].append(cells[0])
    return rows


def test_the_review_wraps_before_labels_and_headers_split(model: Path) -> None:
    """A long review on a terminal too narrow for it: the review column wraps at spaces (to whatever room the
    others leave, even one cell short of its natural width), while the labels and the headers stay whole."""
    labels = [json.loads(line)["label"] for line in
              invoke("predict", "--model", model, "--format", "jsonl", REVIEW, "awful").stdout.splitlines()]
    wide = invoke("predict", "--model", model, "--format", "table", REVIEW, "awful", columns=250)
    natural = max(cell_len(line) for line in wide.stdout.splitlines())
    rest = 8 + 10 + 9 + 10 + 3 * 5 + 1  # label and p_* columns whole, padding and edges
    for columns in (natural - 1, natural - 2, 100, 80, rest + MIN_TEXT_WIDTH):
        result = invoke("predict", "--model", model, "--format", "table", REVIEW, "awful", columns=columns)
        assert result.exit_code == 0, result.stderr
        assert max(cell_len(line) for line in result.stdout.splitlines()) <= columns
        assert header_rows(result.stdout) == [["text", "label", "p_negative", "p_neutral", "p_positive"]]
        assert column_widths(result.stdout)[0] == columns - rest and "showing" not in result.stderr
        rows = texts_and_labels(result.stdout)
        assert [label for _, label in rows] == labels, result.stdout
        assert [" ".join(lines) for lines, _ in rows] == [REVIEW, "awful"]  # wrapped at spaces, words whole


def test_a_review_too_narrow_to_read_leaves_out_trailing_columns(model: Path) -> None:
    """Rather than a review a few letters wide: the probabilities give way, from the last, then the label."""
    rest = 8 + 10 + 9 + 10 + 3 * 5 + 1
    for columns, shown in ((rest + MIN_TEXT_WIDTH - 1, 4), (64, 4), (50, 3), (30, 2)):
        result = invoke("predict", "--model", model, "--format", "table", REVIEW, "awful", columns=columns)
        assert result.exit_code == 0, result.stderr
        header = ["text", "label", "p_negative", "p_neutral", "p_positive"][:shown]
        assert header_rows(result.stdout) == [header] and f"showing {shown} of 5 columns" in result.stderr
        left_out = ["text", "label", "p_negative", "p_neutral", "p_positive"][shown:]
        assert (f"left out: {', '.join(left_out)} (" in result.stderr) == bool(left_out)
        widths = column_widths(result.stdout)
        assert widths[1:] == [8, 10, 9, 10][: shown - 1] and widths[0] >= min(MIN_TEXT_WIDTH, columns // 2)
        assert sum(widths) + 3 * shown + 1 == columns  # the review takes every cell the others leave
        assert [" ".join(lines) for lines, _ in texts_and_labels(result.stdout)] == [REVIEW, "awful"]


@pytest.mark.parametrize("columns", [80, 60])
def test_a_scored_corpus_keeps_the_review_wide_and_labels_whole(model: Path, tmp_path: Path, columns: int) -> None:
    """predict --input with carried columns (domain, gold_label): the review keeps a readable width and no
    label or domain is split; the columns that do not fit beside it are left out, with a note."""
    corpus = tmp_path / "small.csv"
    corpus.write_text("".join((REPO / "data" / "reviews_en.csv").read_text(encoding="utf-8").splitlines(True)[:6]),
                      encoding="utf-8")
    scored = invoke("predict", "--model", model, "--input", corpus, "--format", "jsonl")
    expected = [json.loads(line) for line in scored.stdout.splitlines()]
    result = invoke("predict", "--model", model, "--input", corpus, "--format", "table", columns=columns)
    assert result.exit_code == 0, result.stderr
    assert max(cell_len(line) for line in result.stdout.splitlines()) <= columns
    [header] = header_rows(result.stdout)
    assert header == ["text", "label", "p_negative", "p_neutral", "p_positive", "domain", "gold_label"][: len(header)]
    assert f"showing {len(header)} of 7 columns" in result.stderr
    widths = column_widths(result.stdout)
    assert widths[0] >= MIN_TEXT_WIDTH and widths[1:] == [8, 10, 9, 10][: len(widths) - 1]
    rows = texts_and_labels(result.stdout)
    assert [" ".join(lines) for lines, _ in rows] == [row["text"] for row in expected]  # no word split
    assert [label for _, label in rows] == [row["label"] for row in expected]


def test_squeezing_takes_the_free_text_column_first() -> None:
    from sentikit.cli.cells import column_widths

    rows = [{"text": REVIEW, "label": "positive", "p_negative": 0.0118, "p_neutral": 0.0288},
            {"text": "awful", "label": "negative", "p_negative": 0.9116, "p_neutral": 0.0458}]
    cols = list(rows[0])
    numeric = {"text": False, "label": False, "p_negative": True, "p_neutral": True}
    rest = 8 + 10 + 9 + 3 * len(cols) + 1  # the other columns whole, padding and edges
    assert column_widths(rows, cols, numeric, rest + len(REVIEW)) is None
    for width in range(rest + MIN_TEXT_WIDTH, rest + len(REVIEW)):
        assert column_widths(rows, cols, numeric, width) == [width - rest, 8, 10, 9]
    # Narrower still, the review would get less than MIN_TEXT_WIDTH: the last column is left out instead, and
    # the review takes its room. The others never get narrower than their labels, numbers and headers.
    three = 8 + 10 + 3 * 3 + 1
    for width in range(three + MIN_TEXT_WIDTH, rest + MIN_TEXT_WIDTH):
        assert column_widths(rows, cols, numeric, width) == [width - three, 8, 10]
    two = 8 + 3 * 2 + 1
    for width in range(two + MIN_TEXT_WIDTH, three + MIN_TEXT_WIDTH):
        assert column_widths(rows, cols, numeric, width) == [width - two, 8]
    # On a terminal under 2 * MIN_TEXT_WIDTH, half the width is enough to keep the label beside the review.
    assert column_widths(rows, cols, numeric, 30) == [30 - two, 8]
    assert column_widths(rows, cols, numeric, 28) == [28 - 4]
    assert column_widths(rows, cols, numeric, 12) == [12 - 4]  # alone, the review takes whatever there is


def test_several_free_text_columns_share_the_room() -> None:
    from sentikit.cli.cells import column_widths

    note = "carried from the input file, a long note that is free text too"
    rows = [{"text": REVIEW, "label": "positive", "note": note}]
    numeric = {"text": False, "label": False, "note": False}
    room = 100 - (3 * 3 + 1) - 8
    assert column_widths(rows, list(rows[0]), numeric, 100) == [room - room // 2, 8, room // 2]
    # Shorter than its share, a column keeps its natural width and the other takes the rest.
    assert column_widths(rows, list(rows[0]), numeric, 200) == [200 - 10 - 8 - len(note), 8, len(note)]
    # Too narrow for both to be readable: the trailing one is left out.
    assert column_widths(rows, list(rows[0]), numeric, 10 + 8 + 2 * MIN_TEXT_WIDTH - 1) == [
        2 * MIN_TEXT_WIDTH - 1 + 3, 8]


def test_no_free_text_leaves_out_columns_rather_than_split_headers() -> None:
    from sentikit.cli.cells import column_widths

    rows = [{"true \\ predicted": "negative", "negative": 120, "neutral": 0, "positive": 0}]
    numeric = {"true \\ predicted": False, "negative": True, "neutral": True, "positive": True}
    # Whole, the columns need 16 + 8 + 7 + 8 cells: wrapping the first header at its space keeps a column more.
    assert column_widths(rows, list(rows[0]), numeric, 40) == [40 - 8 - 7 - 10, 8, 7]
    assert column_widths(rows, list(rows[0]), numeric, 24) == [9, 8]  # "true \\" over "predicted"
    assert column_widths(rows, list(rows[0]), numeric, 20) == [16]


def test_text_columns_wrap_at_spaces_before_splitting_words() -> None:
    from sentikit.cli.cells import FOLD_WIDTH, column_widths

    rows = [{"option": "preprocess.stopwords", "value": "a b c d e f g h i j k l m n o p"}]
    numeric = {"option": False, "value": False}
    # 20 + 31 cells of text do not fit in 40, nor does the option name with MIN_TEXT_WIDTH of value; leaving out
    # the value would not give it room: it wraps at its spaces, narrower, while the option name stays whole.
    assert column_widths(rows, list(rows[0]), numeric, 40) == [20, 40 - 20 - 7]
    # Narrower than the option name and the widest word of a review: the review splits words first, then the
    # option name does, down to FOLD_WIDTH.
    rows = [{"option": "preprocess.stopwords", "value": REVIEW}]
    assert column_widths(rows, list(rows[0]), numeric, 34) == [20, 34 - 20 - 7]
    assert column_widths(rows, list(rows[0]), numeric, 30) == [30 - 7 - FOLD_WIDTH, FOLD_WIDTH]


def test_compare_figures_are_shown_at_their_own_precision(corpus: Path) -> None:
    """Scores to 4 decimals, seconds and KB to 1, rates and parameter counts whole with separators; JSON keeps
    the numbers as they are."""
    result = invoke("compare", corpus, "--arch", "nb,logreg", "--format", "table", columns=200)
    assert result.exit_code == 0 and "showing" not in result.stderr
    for cells in body_rows(result.stdout):
        accuracy, macro_f1, seconds, rate, parameters, kb = cells[1:7]
        assert re.fullmatch(r"\d\.\d{4}", accuracy) and re.fullmatch(r"\d\.\d{4}", macro_f1)
        assert re.fullmatch(r"[\d,]+\.\d", seconds) and re.fullmatch(r"[\d,]+\.\d", kb)
        assert re.fullmatch(r"\d{1,3}(,\d{3})*", rate) and re.fullmatch(r"\d{1,3}(,\d{3})*", parameters)
    rows = json.loads(invoke("compare", corpus, "--arch", "nb", "--format", "json").stdout)
    assert isinstance(rows[0]["parameters"], int) and isinstance(rows[0]["predict_docs_per_s"], float)
    # CSV: at most 4 decimals, no padding zeros (no "14960.0000"), and the same figures as JSON to that precision.
    lines = invoke("compare", corpus, "--arch", "nb", "--format", "csv").stdout.splitlines()
    header, cells = lines[0].split(","), lines[1].split(",")
    csv_row = dict(zip(header, cells, strict=True))
    assert re.fullmatch(r"\d+(\.\d{1,4})?", csv_row["accuracy"]) and csv_row["parameters"].isdigit()
    for key in ("train_seconds", "predict_docs_per_s", "artifact_kb"):
        assert re.fullmatch(r"\d+\.\d{1,4}", csv_row[key]) and not csv_row[key].endswith("00"), csv_row
    assert float(csv_row["artifact_kb"]) == rows[0]["artifact_kb"]
    # JSON lines: numbers, not text, rounded like the CSV.
    line = json.loads(invoke("compare", corpus, "--arch", "nb", "--format", "jsonl").stdout.splitlines()[0])
    assert all(isinstance(line[key], float) for key in ("accuracy", "macro_f1", "train_seconds", "artifact_kb"))
    assert isinstance(line["parameters"], int) and line["artifact_kb"] == float(csv_row["artifact_kb"])
