"""`sentikit predict` as a table on texts that arrive over time (`tail -f reviews.log | sentikit predict`): each row
is drawn as it is answered, aligned under a header line, instead of one boxed table once stdin closes (never,
behind `tail -f`). Arguments, regular files and a stdout that is not a terminal keep the boxed table."""

from __future__ import annotations

import json
import os
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rich.cells import cell_len
from typer.testing import CliRunner

from sentikit.cli.app import app
from sentikit.cli.stream_table import fitted

ROWS = [("Отличные наушники, звук чистый", "pos"), ("хорошие отличные вещи", "pos"), ("great films", "pos"),
        ("ужасные наушники", "neg"), ("плохие вещи, звук грязный", "neg"), ("awful films", "neg")]
HEADER = ["label", "p_neg", "p_pos", "text"]
LONG_LABEL = "очень_положительный_отзыв_с_длинным_названием_класса"


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from sentikit.training.pipeline import TrainSettings, train

    folder = tmp_path_factory.mktemp("streaming")
    data = folder / "reviews.csv"
    data.write_text("text,label\n" + "".join(f'"{t}",{y}\n' for t, y in ROWS) * 3, encoding="utf-8")
    return Path(train(str(data), out=folder / "m", settings=TrainSettings(arch="nb")).path)


@pytest.fixture()
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """stdout taken for a terminal: CliRunner's is a buffer (the real thing: test_a_row_is_drawn_before_stdin_ends)."""
    monkeypatch.setattr("sentikit.cli.cmd_predict._stdout_is_terminal", lambda: True)


def _invoke(*args: str, input: str | None = None, columns: int = 60) -> tuple[int, str, str]:
    env = {"COLUMNS": str(columns), "NO_COLOR": "1", "SENTIKIT_MODEL": ""}
    result = CliRunner().invoke(app, ["predict", *args], input=input, env=env)
    return result.exit_code, result.stdout, result.stderr


def test_a_row_is_drawn_before_stdin_ends(model: Path) -> None:
    """On a terminal, behind a pipe that stays open: the first row shows while stdin is still open."""
    pty = pytest.importorskip("pty")
    main, side = pty.openpty()
    env = dict(os.environ, NO_COLOR="1", COLUMNS="80", PYTHONPATH=os.pathsep.join(sys.path))
    proc = subprocess.Popen([sys.executable, "-m", "sentikit", "predict", "--model", str(model)],
                            stdin=subprocess.PIPE, stdout=side, stderr=subprocess.DEVNULL, env=env)
    os.close(side)
    try:
        assert proc.stdin is not None
        proc.stdin.write(b"great films\n")
        proc.stdin.flush()
        seen, deadline = b"", time.monotonic() + 60
        while b"great films" not in seen and time.monotonic() < deadline:
            if select.select([main], [], [], 1)[0]:
                seen += os.read(main, 4096)
        assert b"great films" in seen, f"nothing drawn while stdin is open: {seen!r}"
        assert re.sub(r"\x1b\[[0-9;]*m", "", seen.decode()).split()[:4] == HEADER  # bold, even with NO_COLOR
        assert proc.poll() is None  # still waiting for more input
    finally:
        proc.kill()
        proc.wait()
        os.close(main)


@pytest.mark.usefixtures("terminal")
def test_rows_are_aligned_under_the_header_and_cut_to_the_width(model: Path) -> None:
    long = "ужасные наушники " * 10
    code, out, err = _invoke("--model", str(model), "--format", "table", input=f"great films\n\n{long}\n")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split() == HEADER and len(lines) == 4
    text_at = lines[0].index("text")
    assert lines[1][text_at:] == "great films" and lines[1].split()[0] in ("pos", "neg")
    assert lines[2] == ""  # an empty text: no label, no probabilities
    assert lines[3][text_at:].startswith("ужасные наушники") and lines[3].endswith("…")
    assert all(cell_len(line) <= 60 for line in lines)
    assert float(lines[1][lines[0].index("p_neg"):].split()[0]) > 0


@pytest.mark.usefixtures("terminal")
def test_columns_that_do_not_fit_are_left_out_with_a_note(model: Path) -> None:
    code, out, err = _invoke("--model", str(model), "--format", "table", input="great films\n", columns=24)
    assert code == 0
    assert out.splitlines()[0].split() == ["label", "text"]
    assert "showing 2 of 4 columns, as many as fit 24; left out: p_neg, p_pos" in err


@pytest.mark.usefixtures("terminal")
def test_a_corpus_on_stdin_streams_with_its_gold_label(model: Path) -> None:
    code, out, err = _invoke("--model", str(model), "--format", "table", "--input", "-",
                             input="id,text,label\n7,great films,pos\n")
    assert code == 0, err
    assert out.splitlines()[0].split() == ["label", "gold_label", "p_neg", "p_pos", "text"]
    assert out.splitlines()[1].split()[1] == "pos"
    assert "field(s) 'id' not shown" in err


@pytest.mark.usefixtures("terminal")
def test_arguments_and_regular_files_keep_the_boxed_table(model: Path, tmp_path: Path) -> None:
    corpus = tmp_path / "in.txt"
    corpus.write_text("great films\n", encoding="utf-8")
    for args in (["great films"], ["--input", str(corpus)]):
        code, out, err = _invoke("--model", str(model), "--format", "table", *args)
        assert code == 0, err
        assert out.startswith("┏"), out


def test_a_table_written_to_a_file_is_the_boxed_one(model: Path) -> None:
    """stdout not a terminal (`… | sentikit predict --format table > out.txt`): every word of the text is kept,
    wrapped in the boxed table, rather than cut at a terminal width that no one reads the file at."""
    long = "great films " * 12
    code, out, err = _invoke("--model", str(model), "--format", "table", input=f"{long}\n")
    assert code == 0, err
    assert out.startswith("┏"), out
    assert "…" not in out and out.count("great") == 12 and out.count("films") == 12


@pytest.mark.usefixtures("terminal")
def test_a_corpus_on_stdin_without_labels_has_no_gold_label_column(model: Path) -> None:
    code, out, err = _invoke("--model", str(model), "--format", "table", "--input", "-",
                             input="id,text\n1,great films\n")
    assert code == 0, err
    assert out.splitlines()[0].split() == HEADER
    assert out.splitlines()[1].endswith("great films")


@pytest.fixture(scope="module")
def long_label_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from sentikit.training.pipeline import TrainSettings, train

    folder = tmp_path_factory.mktemp("long_label")
    data = folder / "reviews.csv"
    rows = [(text, LONG_LABEL if label == "pos" else label) for text, label in ROWS]
    data.write_text("text,label\n" + "".join(f'"{t}",{y}\n' for t, y in rows) * 3, encoding="utf-8")
    return Path(train(str(data), out=folder / "m", settings=TrainSettings(arch="nb")).path)


@pytest.mark.usefixtures("terminal")
def test_a_long_label_is_cut_to_leave_the_text_room(long_label_model: Path) -> None:
    """The boxed table wraps a long label; the streaming one cuts it, at a third of the width."""
    code, out, err = _invoke("--model", str(long_label_model), "--format", "table", input="great films\n",
                             columns=40)
    assert code == 0, err
    header, row = out.splitlines()
    assert header.split() == ["label", "text"]  # the probability columns leave the text too little room
    assert header.index("text") == 40 // 3 + 2
    assert row.endswith("  great films") and row.split()[0] in ("neg", LONG_LABEL[:12] + "…")
    assert cell_len(header) <= 40 and cell_len(row) <= 40


def test_piped_formats_are_unchanged(model: Path) -> None:
    _, out, _ = _invoke("--model", str(model), "--format", "jsonl", input="great films\n")
    assert set(json.loads(out)) == {"text", "label", "probabilities"}
    _, out, _ = _invoke("--model", str(model), "--format", "csv", input="great films\n")
    assert out.splitlines()[0] == "text,label,p_neg,p_pos"


@pytest.mark.parametrize(("text", "width", "right", "expected"), [
    ("pos", 5, False, "pos  "), ("0.5", 5, True, "  0.5"), ("negative", 5, False, "nega…"), ("очень", 3, False, "оч…"),
    ("😀😀", 3, False, "😀…"),
])
def test_fitted(text: str, width: int, right: bool, expected: str) -> None:
    assert fitted(text, width, right) == expected
    assert cell_len(fitted(text, width, right)) == width


@pytest.mark.usefixtures("terminal")
def test_explain_draws_the_evidence_before_the_probabilities(model: Path) -> None:
    """The evidence asked for comes right after the label, so a narrow terminal drops probabilities first."""
    code, out, err = _invoke("--model", str(model), "--format", "table", "--explain", "2",
                             input="great films\nужасные наушники\n", columns=100)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split() == ["label", "evidence", "p_neg", "p_pos", "text"]
    assert "great" in lines[1] and re.search(r"great \+\d", lines[1])
    code, out, err = _invoke("--model", str(model), "--format", "table", "--explain", "2", input="great films\n",
                             columns=60)
    assert out.splitlines()[0].split() == ["label", "evidence", "p_neg", "text"]
    assert "left out: p_pos (" in err
