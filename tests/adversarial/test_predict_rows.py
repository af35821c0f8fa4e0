"""`sentikit predict` keeps one output row per input row, whatever the source: `-` reads stdin, empty texts get
a placeholder row, and the rows read before a data error are written before the error line."""

from __future__ import annotations

import csv
import io
import json
import select
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import assert_error, cli, sentikit_cmd, subprocess_env, write_csv

from sentikit.errors import DataError
from sentikit.predict import batched

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


def test_stdin_rows_stream_before_the_input_ends(nb_model: Path, tmp_path: Path) -> None:
    """Behind `tail -f` each line is answered while stdin stays open, rather than when a batch fills up."""
    proc = subprocess.Popen(sentikit_cmd("-q", "predict", "--model", nb_model), stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path, env=subprocess_env())
    assert proc.stdin and proc.stdout
    try:
        for text in ("nice", "awful"):
            proc.stdin.write(f"{text}\n".encode())
            proc.stdin.flush()
            ready, _, _ = select.select([proc.stdout], [], [], 30)
            assert ready, f"no row for {text!r} while stdin is open"
            assert json.loads(proc.stdout.readline())["text"] == text
        _, err = proc.communicate(timeout=30)  # closes stdin: the end of the input
        assert proc.returncode == 0 and err == b"", err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_stdin_that_cannot_be_polled_still_gets_every_row(nb_model: Path, tmp_path: Path) -> None:
    """select() takes only sockets on Windows: a pipe it refuses means full batches, not a crash."""
    code = textwrap.dedent(f"""
        import select, sys
        def refuse(*args):
            raise OSError(10038, "An operation was attempted on something that is not a socket")
        select.select = refuse
        sys.argv = ["sentikit", "-q", "predict", "--model", {str(nb_model)!r}]
        from sentikit.cli import main
        main()
    """)
    done = subprocess.run([sys.executable, "-c", code], input="".join(t + "\n" for t in GOOD), cwd=tmp_path,
                          capture_output=True, text=True, timeout=60, env=subprocess_env())
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert [row["text"] for row in output_rows(done.stdout, "jsonl")] == GOOD


def test_batches_end_early_when_asked_and_keep_what_was_read_before_an_error() -> None:
    seen: list[str] = []

    def texts() -> Iterator[str]:
        for text in ["a", "", "b", "c", "d"]:
            seen.append(text)
            yield text
        raise DataError("line 6: bad byte")

    got: list[list[str]] = []
    with pytest.raises(DataError, match="line 6"):
        # The input pauses after "a" (as behind `tail -f`): that batch goes at once, the next one fills up.
        for batch in batched(texts(), 3, flush=lambda: seen[-1] == "a"):
            got.append(batch)
    assert got == [["a"], ["", "b", "c"], ["d"]]
    assert list(batched(["a", "", "b"], 2)) == [["a", ""], ["b"]]
