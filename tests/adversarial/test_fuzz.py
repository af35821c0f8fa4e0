"""Property and fuzz tests. tests/test_corpus.py already feeds arbitrary bytes to the reader and tests/test_text.py
arbitrary Unicode to the preprocessor (neither may raise anything but DataError/UsageError); here: what a CSV
or JSONL writer produces reads back exactly, every command line keeps output rows aligned with input lines on
arbitrary Unicode, and random CSV fragments through `train` and `evaluate` only ever end cleanly."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from conftest import cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sentikit.corpus import CorpusOptions, read_corpus

FAST = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                        HealthCheck.too_slow])
# Any Unicode a UTF-8 file can hold, except NUL (refused as binary): line separators, controls, RTL marks...
unicode_text = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=40)
cell = st.one_of(unicode_text, st.sampled_from(['"', '""', ",", "\t", "\r", "\n", "\r\n", "\u2028", "\ufeff",
                                               " nan ", "[/]", "é", "ё"]))
SKIPPED_LABELS = ("", "nan", "null")  # "none" is a real class name (sentikit.corpus.MISSING_LABELS)


def _csv_bytes(rows: list[tuple[str, str]], newline: str, bom: bool) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator=newline, quoting=csv.QUOTE_MINIMAL)
    writer.writerow(["text", "label"])
    for text, label in rows:  # csv leaves a lone "\r" unquoted unless it ends lines: quote such rows (as we do)
        (csv.writer(out, lineterminator=newline, quoting=csv.QUOTE_ALL) if "\r" in text + label else writer
         ).writerow([text, label])
    return ("\ufeff" if bom else "").encode() + out.getvalue().encode("utf-8")


@FAST
@given(rows=st.lists(st.tuples(cell, cell), max_size=8), newline=st.sampled_from(["\n", "\r\n"]),
       bom=st.booleans(), fmt=st.sampled_from(["csv", "jsonl"]))
def test_what_a_writer_writes_reads_back_exactly(tmp_path: Path, rows: list[tuple[str, str]], newline: str,
                                                 bom: bool, fmt: str) -> None:
    path = tmp_path / f"written.{fmt}"
    if fmt == "csv":
        path.write_bytes(_csv_bytes(rows, newline, bom))
    else:
        path.write_bytes(("\ufeff" if bom else "").encode() + "".join(
            json.dumps({"text": t, "label": lab}) + newline for t, lab in rows).encode())
    expected = [(t, lab.strip()) for t, lab in rows if t.strip() and lab.strip().lower() not in SKIPPED_LABELS]
    try:
        got = [(r.text, r.label) for r in read_corpus(path, CorpusOptions(), need_labels=True)]
    except Exception as exc:  # only "no documents" is acceptable, and only when nothing was usable
        assert not rows and ("no documents" in str(exc) or "is empty" in str(exc)), exc
        return
    assert got == expected


lines = st.lists(st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00\r\n"), max_size=30),
                 min_size=1, max_size=10)


def _as_read(texts: list[str]) -> list[str]:
    """What the reader makes of these lines: a leading BOM dropped, the rest as written."""
    return [texts[0].removeprefix("\ufeff"), *texts[1:]]


@FAST
@given(texts=lines)
def test_predict_keeps_one_row_per_input_line(models: Path, texts: list[str]) -> None:
    result = cli("-q", "predict", "--model", models / "nb", input="".join(t + "\n" for t in texts).encode())
    assert result.exit_code == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.split("\n")[:-1]]  # JSONL: "\n" ends lines, not U+0085
    assert [r["text"] for r in rows] == _as_read(texts)
    assert [r["label"] is None for r in rows] == [not t.strip() for t in _as_read(texts)]


@FAST
@given(texts=lines)
def test_preprocess_writes_one_line_per_input_line(texts: list[str]) -> None:
    # Plain lines (auto-detection would read a first line starting with "{" as JSONL, by design).
    result = cli("-q", "preprocess", "-", "--input-format", "txt", "--format", "jsonl",
                 input="".join(t + "\n" for t in texts).encode())
    assert result.exit_code == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.split("\n")[:-1]]
    assert len(out) == len(texts)  # a blank line too: output line N is input line N
    assert all(row["text"] == "" for text, row in zip(texts, out) if not text.strip())
    for row in out:
        assert all(token and not any(ch.isspace() for ch in token) for token in row["text"].split(" ") if row["text"])


# -- fuzz: random CSV fragments through train and evaluate ----------------------------------------------------------

fragment = st.one_of(
    st.sampled_from(["text", "label", "review", "sentiment", ",", '"', '""', "\t", ";", "\n", "\r\n", "\r",
                     "positive", "negative", "neutral", "nan", "", " ", "\ufeff", "{", "}", ":", "good film", "é",
                     "[/]", "\x00", "\\", "'"]),
    st.text(max_size=12))
csv_file = st.lists(fragment, max_size=60).map("".join)


def _assert_clean(result_code: int, stderr: str) -> None:
    assert result_code in (0, 1, 2), (result_code, stderr)
    assert "Traceback" not in stderr and "internal error" not in stderr, stderr
    if result_code:
        assert stderr.startswith("error: ") and stderr.count("\n") == 1, repr(stderr)


@FAST
@given(content=csv_file, header=st.sampled_from(["text,label\n", "", "review;sentiment\n", "text\tlabel\n"]),
       suffix=st.sampled_from([".csv", ".tsv", ".txt", ""]))
def test_fuzzed_csv_through_train_ends_cleanly(tmp_path: Path, content: str, header: str, suffix: str) -> None:
    source = tmp_path / f"fuzz{suffix}"
    source.write_bytes((header + content).encode("utf-8", "surrogatepass"))
    out = tmp_path / "model"
    result = cli("-q", "train", source, "--arch", "nb", "--out", out, "--force")
    _assert_clean(result.exit_code, result.stderr)
    if result.exit_code == 0:
        assert cli("-q", "predict", "--model", out, "fine").exit_code == 0


@FAST
@given(content=csv_file, header=st.sampled_from(["text,label\n", "", "text,sentiment,extra\n"]))
def test_fuzzed_csv_through_evaluate_ends_cleanly(models: Path, tmp_path: Path, content: str, header: str) -> None:
    source = tmp_path / "fuzz.csv"
    source.write_bytes((header + content).encode("utf-8", "surrogatepass"))
    result = cli("-q", "evaluate", source, "--model", models / "nb", "--format", "json")
    _assert_clean(result.exit_code, result.stderr)
    if result.exit_code == 0:
        assert 0.0 <= json.loads(result.stdout)["accuracy"] <= 1.0


@pytest.mark.parametrize("payload", ["\x1b[31mred\x1b[0m", "a\nb\rc", "\u2028line", "[bold]x[/]", "\x07bell"])
def test_error_line_stays_one_printable_line(tmp_path: Path, payload: str) -> None:
    """A column name full of line breaks or terminal escapes must not break (or colour) the one error line."""
    source = tmp_path / "odd.csv"
    source.write_text(f'"{payload}",other\nx,y\n', encoding="utf-8", newline="")
    result = cli("-q", "train", source)
    _assert_clean(result.exit_code, result.stderr)
    assert result.exit_code == 1 and "\x1b" not in result.stderr and "\x07" not in result.stderr
