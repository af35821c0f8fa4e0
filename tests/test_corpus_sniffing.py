"""Tests for sentikit.corpus: what makes a first line a header, the line that says a guessed table was read as one,
blank lines of spaces, where a stray quote is reported, which column wins, how long a message may grow, JSON
numbers kept as written, and the options a --dev file is read with."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import pytest

from sentikit.corpus import CorpusOptions, companion_options, detect_format, read_corpus
from tests.test_corpus import FakeStdin, expect_error, read

# -- which first line is a header -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("first", "fmt"), [
    # A known text and a known label column: a header, whatever the other names hold.
    ("text,label,price $", "csv"),
    ("text\tlabel\tDate of the review", "tsv"),
    ("text;label;Was it useful? Say it in many words", "csv"),
    ("review,sentiment,mood 😀", "csv"),
    ("text,label,a+b=c & d*e!,it's", "csv"),
    ("text, label", "csv"),  # written by hand
    # A known text column alone: the other names must look like names, with no space after the delimiter.
    ("id,text", "csv"),
    ("Review,Rating", "csv"),
    ("text,price $", "csv"),
    ("Review, 5 stars", "txt"),  # a review that starts with the word
    ("Review, in short: great", "txt"),
    ("Review\tloved it!", "txt"),
    ("Text; I would not buy it again", "txt"),
    ("Text, label this one spam", "txt"),
])
def test_what_makes_a_first_line_a_header(first: str, fmt: str) -> None:
    assert detect_format("-", first) == fmt


def test_a_review_that_starts_with_a_column_name_is_a_document(tmp_path: Path) -> None:
    path = tmp_path / "plain.txt"
    path.write_text("Review, 5 stars\nGood value, would buy again\nBroke after a week, avoid\n", encoding="utf-8")
    assert [r.text for r in read(path)] == ["Review, 5 stars", "Good value, would buy again",
                                             "Broke after a week, avoid"]


@pytest.mark.parametrize(("data", "rows"), [
    ("text,label,price $\ngood value,pos,10\nbroke fast,neg,20\n",
     [("good value", "pos", {"price $": "10"}), ("broke fast", "neg", {"price $": "20"})]),
    ("text\tlabel\tDate of the review\ngood product\tpos\t2024-01-01\n",
     [("good product", "pos", {"Date of the review": "2024-01-01"})]),
])
def test_a_header_with_a_long_or_symbolic_name_is_read_as_one(monkeypatch: pytest.MonkeyPatch, data: str,
                                                             rows: list[tuple[str, str, dict[str, str]]]) -> None:
    monkeypatch.setattr(sys, "stdin", FakeStdin(data.encode()))
    assert [(r.text, r.label, r.extra) for r in read("-", need_labels=True)] == rows


def test_a_table_guessed_from_a_header_without_a_label_is_said(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(sys, "stdin", FakeStdin(b"\nid;Review\n1;good\n2;bad\n"))
    with caplog.at_level(logging.INFO, logger="sentikit"):
        read("-")
    assert [r.getMessage() for r in caplog.records] == [
        "<stdin>: read as semicolon-separated CSV with the header id, Review (line 2); pass --input-format txt "
        "to read each line as a document"]
    caplog.clear()
    # Not when a known text and label column, the extension, a named column or the delimiter says it is a table.
    path = tmp_path / "c.csv"
    path.write_text("id,text\n1,good\n", encoding="utf-8")
    txt = tmp_path / "c.txt"
    txt.write_text("id,text\n1,good\n", encoding="utf-8")
    both = tmp_path / "both.txt"
    both.write_text("text\tlabel\tDate of the review\ngood\tpos\t2024\n", encoding="utf-8")
    one = tmp_path / "one.txt"
    one.write_text("text\ngood\n", encoding="utf-8")
    with caplog.at_level(logging.INFO, logger="sentikit"):
        read(both)
        read(one)
        read(path)
        read(txt, CorpusOptions(text_col="text"))
        read(txt, CorpusOptions(delimiter=","))
        read(txt, CorpusOptions(input_format="csv"))
    assert caplog.records == []


# -- blank lines ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["trail.csv", "trail.tsv", "trail.txt"])
@pytest.mark.parametrize("blank", [" ", "   \r", "\u00a0"])
def test_a_line_of_spaces_is_a_blank_line(tmp_path: Path, name: str, blank: str) -> None:
    sep = "\t" if name.endswith(".tsv") else ","
    path = tmp_path / name
    path.write_text(f"text{sep}label\n{blank}\ngood{sep}pos\n{blank}\nbad{sep}neg\n{blank}\n", encoding="utf-8")
    assert [(r.text, r.label, r.line) for r in read(path, need_labels=True)] == [("good", "pos", 3),
                                                                                  ("bad", "neg", 5)]


def test_a_quoted_field_of_spaces_is_a_row_not_a_blank_line(tmp_path: Path) -> None:
    """Output row N is input row N: a text written as "   " (or a quoted line break) keeps its place."""
    path = tmp_path / "one_column.csv"
    path.write_text('text\nхорошо\n"   "\n"\n"\nплохо\n   \n', encoding="utf-8")
    records = read_corpus(path, keep_empty_text=True)
    assert [r.text for r in records] == ["хорошо", "   ", "\n", "плохо"]


@pytest.mark.parametrize("name", ["b.csv", "b.tsv", "b.txt", "stdin"])
def test_only_blank_lines_have_no_header(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    # Plain lines (.txt, stdin) are documents, so blank ones are told apart only where labels are needed.
    path: str | Path = tmp_path / name
    if name == "stdin":
        monkeypatch.setattr(sys, "stdin", FakeStdin(b"\n  \n\n"))
        path = "-"
    else:
        path.write_text("\n  \n\n", encoding="utf-8")
    shown = "<stdin>" if name == "stdin" else path
    message = expect_error(path, [f"{shown}: no documents, only blank lines"], need_labels=True)
    assert "header" not in message


# -- a stray quote -------------------------------------------------------------------------------------------------


def test_a_stray_quote_is_reported_where_it_opens(tmp_path: Path) -> None:
    path = tmp_path / "q.csv"
    rows = "".join(f"r{i},pos\n" for i in range(150))
    path.write_text(f'text,label\na,pos\n"b x,neg\n{rows}c" y,neg\n', encoding="utf-8")
    expect_error(path, [f"{path}: line 3: malformed CSV", "on line 154", "opens on line 3", "stray quote on line 3"])


def test_a_row_over_several_lines_of_the_wrong_width_names_them(tmp_path: Path) -> None:
    path = tmp_path / "q.csv"
    path.write_text('text,label\na,pos\n"b x,neg\nc",neg,3\n', encoding="utf-8")
    expect_error(path, [f"{path}: lines 3-4: 3 fields where the header has 2"])


# -- which column -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("header", "text"), [
    (["Text", "text", "label"], "bad one"),
    (["TEXT", "text ", "label"], "bad one"),  # CSV strips the name; in JSON the space is closer than the case
    (["Review", "text", "label"], "bad one"),  # the first known name still decides before the spelling
])
def test_a_column_spelled_exactly_wins(tmp_path: Path, header: list[str], text: str) -> None:
    path = tmp_path / "two.csv"
    path.write_text(",".join(header) + "\nGOOD ONE,bad one,pos\n", encoding="utf-8")
    assert [r.text for r in read(path)] == [text]
    jsonl = tmp_path / "two.jsonl"
    jsonl.write_text(json.dumps(dict(zip(header, ["GOOD ONE", "bad one", "pos"], strict=True))) + "\n",
                     encoding="utf-8")
    assert [r.text for r in read(jsonl)] == [text]


def test_long_column_names_are_cut_in_messages(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    path.write_text(",".join(f"c{i}" + "x" * 5000 for i in range(30)) + "\na,b\n", encoding="utf-8")
    message = expect_error(path, ["no text column found", "…", "(18 more)"])
    assert len(message) < 1000
    dup = tmp_path / "dup.csv"
    dup.write_text("text," + "y" * 5000 + "," + "y" * 5000 + "\na,b,c\n", encoding="utf-8")
    message = expect_error(dup, ["two columns named", "…"])
    assert len(message) < 200


# -- JSON numbers as written --------------------------------------------------------------------------------------


LITERALS = {"1.0e1": "1.0e1", "-0.0": "-0", "-0": "-0", "1.0": "1", "10": "10", "1e3": "1e3", "2.50E+1": "2.50E+1"}


@pytest.mark.parametrize("fmt", ["jsonl", "json", "csv"])
def test_json_number_labels_are_kept_as_written(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"n.{fmt}"
    if fmt == "csv":
        path.write_text("text,label,score\n" + "".join(f"t,{v},{v}\n" for v in LITERALS), encoding="utf-8")
    else:
        records = [f'{{"text": "t", "label": {v}, "score": {v}}}' for v in LITERALS]
        path.write_text("\n".join(records) if fmt == "jsonl" else f"[{','.join(records)}]", encoding="utf-8")
    records = read(path, need_labels=True)
    assert [r.label for r in records] == list(LITERALS.values())
    assert [r.extra["score"] for r in records] == list(LITERALS)  # other fields: exactly as written


# -- the --dev file -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("dev", "fmt"), [("dev.jsonl", "auto"), ("dev.csv.gz", "auto"), ("dev.json", "auto"),
                                          ("dev.txt", "csv"), ("dev", "csv"), ("dev.data", "csv"), ("-", "csv")])
def test_a_dev_file_with_a_known_extension_is_read_by_it(tmp_path: Path, dev: str, fmt: str) -> None:
    options = CorpusOptions(input_format="csv", text_col="t", delimiter=";")
    dev_options = companion_options(options, tmp_path / dev if dev != "-" else dev)
    assert dev_options is not None
    assert (dev_options.input_format, dev_options.text_col, dev_options.delimiter) == (fmt, "t", ";")
    assert companion_options(None, "dev.jsonl") is None


def test_a_dev_jsonl_beside_a_forced_csv_reads(tmp_path: Path) -> None:
    dev = tmp_path / "dev.jsonl"
    dev.write_text('{"text": "a", "label": "pos"}\n', encoding="utf-8")
    options = companion_options(CorpusOptions(input_format="csv"), dev)
    assert [(r.text, r.label) for r in read(dev, options, need_labels=True)] == [("a", "pos")]
