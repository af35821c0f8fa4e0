"""`sentikit predict` keeps one output row per input row, whatever the source: `-` reads stdin, empty texts get
a placeholder row, and the rows read before a data error are written before the error line."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from conftest import assert_error, cli, write_csv

GOOD = [f"nice {i}" if i % 2 else f"awful {i}" for i in range(300)]  # more than one batch of 256 rows


def output_rows(stdout: str, fmt: str) -> list[dict[str, str]]:
    if fmt == "jsonl":
        return [json.loads(line) for line in stdout.splitlines()]
    return list(csv.DictReader(io.StringIO(stdout, newline=""), delimiter="\t" if fmt == "tsv" else ","))


def test_dash_alone_reads_stdin(nb_model: Path) -> None:
    piped = cli("-q", "predict", "--model", nb_model, "-", input="nice\nawful\n")
    plain = cli("-q", "predict", "--model", nb_model, input="nice\nawful\n")
    assert piped.exit_code == plain.exit_code == 0, piped.stderr
    assert piped.stderr == ""
    assert [row["text"] for row in output_rows(piped.stdout, "jsonl")] == ["nice", "awful"]
    assert piped.stdout == plain.stdout


def test_dash_among_other_texts_is_a_usage_error(nb_model: Path) -> None:
    result = cli("-q", "predict", "--model", nb_model, "nice", "-", input="awful\n")
    assert_error(result, 2, "stdin", "alone")
    assert result.stdout == ""


EMPTY_ROWS = [("nice", "positive", "a"), ("", "negative", "b"), ("   ", "neutral", "c"), ("awful", "", "d")]


def _corpus(tmp_path: Path, input_format: str) -> Path:
    if input_format == "csv":
        return write_csv(tmp_path / "rows.csv", EMPTY_ROWS, header=("text", "label", "id"))
    path = tmp_path / "rows.jsonl"
    path.write_text("".join(json.dumps({"text": t, "label": lab, "id": i}) + "\n" for t, lab, i in EMPTY_ROWS),
                    encoding="utf-8")
    return path


@pytest.mark.parametrize("input_format", ["csv", "jsonl"])
@pytest.mark.parametrize("fmt", ["jsonl", "csv", "tsv"])
def test_input_file_keeps_a_row_for_every_row(input_format: str, fmt: str, nb_model: Path, tmp_path: Path) -> None:
    source = _corpus(tmp_path, input_format)
    result = cli("-q", "predict", "--model", nb_model, "--input", source, "--format", fmt)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    rows = output_rows(result.stdout, fmt)
    assert [row["text"] for row in rows] == ["nice", "", "   ", "awful"]
    assert [row["id"] for row in rows] == ["a", "b", "c", "d"]
    assert [row["gold_label"] for row in rows] == ["positive", "negative", "neutral", ""]
    assert [bool(row["label"]) for row in rows] == [True, False, False, True]  # an empty label is still predicted
    if fmt == "jsonl":
        assert [row.get("note") for row in rows] == [None, "empty text", "empty text", None]
        assert rows[1]["probabilities"] is None and rows[3]["probabilities"]
    else:
        assert rows[1]["p_positive"] == "" and rows[3]["p_positive"]


def test_empty_rows_look_the_same_from_a_file_and_from_stdin(nb_model: Path, tmp_path: Path) -> None:
    texts = [text for text, _, _ in EMPTY_ROWS]
    from_file = cli("-q", "predict", "--model", nb_model, "--input", _corpus(tmp_path, "csv"))
    from_stdin = cli("-q", "predict", "--model", nb_model, input="".join(t + "\n" for t in texts))
    assert from_file.exit_code == from_stdin.exit_code == 0, from_file.stderr + from_stdin.stderr
    keys = ("text", "label", "probabilities", "note")
    file_rows = [{k: row.get(k) for k in keys} for row in output_rows(from_file.stdout, "jsonl")]
    assert file_rows == [{k: row.get(k) for k in keys} for row in output_rows(from_stdin.stdout, "jsonl")]


def test_strict_still_refuses_an_empty_text(nb_model: Path, tmp_path: Path) -> None:
    result = cli("-q", "predict", "--model", nb_model, "--input", _corpus(tmp_path, "csv"), "--strict")
    assert_error(result, 1, "line 3: empty text", "--strict")


# source → (the bad line, as bytes, and what the error says); the good rows come first.
MID_STREAM = {
    "stdin-bad-byte": ("stdin", b"caf\xe9\n", ["<stdin>: line 301", "not valid utf-8"]),
    "stdin-nul": ("stdin", b"n\x00l\n", ["<stdin>: line 301", "NUL"]),
    "csv-bad-byte": ("csv", b"caf\xe9,positive\n", ["line 302", "not valid utf-8"]),
    "csv-ragged-row": ("csv", b"a,b,c\n", ["line 302", "3 fields"]),
    "jsonl-bad-json": ("jsonl", b'{"text": oops}\n', ["line 301", "not valid JSON"]),
}


def _good_then(source: str, bad: bytes, tmp_path: Path) -> tuple[list[str], bytes | None]:
    """The predict arguments and stdin for GOOD rows followed by one bad line."""
    if source == "stdin":
        return [], "".join(t + "\n" for t in GOOD).encode() + bad
    if source == "csv":
        path = tmp_path / "rows.csv"
        path.write_bytes(write_csv(tmp_path / "good.csv", [(t, "positive") for t in GOOD]).read_bytes() + bad)
    else:
        path = tmp_path / "rows.jsonl"
        path.write_bytes("".join(json.dumps({"text": t}) + "\n" for t in GOOD).encode() + bad)
    return ["--input", str(path)], None


@pytest.mark.parametrize("case", list(MID_STREAM))
@pytest.mark.parametrize("fmt", ["jsonl", "csv", "table"])
def test_rows_before_a_data_error_are_written_first(case: str, fmt: str, nb_model: Path, tmp_path: Path) -> None:
    source, bad, fragments = MID_STREAM[case]
    args, stdin = _good_then(source, bad, tmp_path)
    result = cli("-q", "predict", "--model", nb_model, "--format", fmt, *args, input=stdin)
    assert_error(result, 1, *fragments)
    if fmt == "table":
        assert GOOD[0] in result.stdout and GOOD[-1] in result.stdout
    else:
        assert [row["text"] for row in output_rows(result.stdout, fmt)] == GOOD
