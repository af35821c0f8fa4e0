"""Tests for what sentikit.corpus makes of a corpus's structure: one format-sniffing rule for stdin and for files
whose extension does not say, header columns that must be unique, JSONL values of the wrong type, and messages
that show the control characters they quote."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from sentikit.corpus import CorpusOptions
from tests.test_corpus import FakeStdin, expect_error, read

# -- one detection rule -------------------------------------------------------------------------------------------

TSV = b"text\tlabel\nloved it, really\tpos\nawful\tneg\n"


@pytest.mark.parametrize("name", ["tabs.txt", "tabs", "tabs.data", "tabs.txt.gz", "-"])
def test_file_without_a_deciding_extension_is_read_as_stdin_is(tmp_path: Path, name: str,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    import gzip

    monkeypatch.setattr(sys, "stdin", FakeStdin(TSV))
    path = tmp_path / name
    path.write_bytes(gzip.compress(TSV) if name.endswith(".gz") else TSV)
    records = read("-" if name == "-" else path, need_labels=True)
    assert [(r.text, r.label) for r in records] == [("loved it, really", "pos"), ("awful", "neg")]


PLAIN = [
    b"Great phone\tthe battery lasts\nbad\n",  # a tab, but no column names
    b"review\tI loved it: best purchase ever!\nmeh\n",  # a column name, but the rest is a sentence
    b"Review, in short: great\nmeh\n",
    b"text,label but this is a sentence about the text, not a header of columns at all\nmeh\n",
]


@pytest.mark.parametrize("data", PLAIN)
@pytest.mark.parametrize("via", ["file", "stdin"])
def test_plain_lines_with_a_tab_or_comma_stay_plain_lines(tmp_path: Path, data: bytes, via: str,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", FakeStdin(data))
    path = tmp_path / "reviews.txt"
    path.write_bytes(data)
    records = read("-" if via == "stdin" else path)
    assert [r.text for r in records] == data.decode().splitlines()


def test_input_format_still_overrides_the_sniffing(tmp_path: Path) -> None:
    path = tmp_path / "tabs.txt"
    path.write_bytes(TSV)
    assert [r.text for r in read(path, CorpusOptions(input_format="txt"))] == TSV.decode().splitlines()


# -- header columns -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "data", "column"), [
    ("dup.csv", b"text,label,text\na,pos,b\n", "text"),
    ("dup.tsv", b"id\ttext\tlabel\tlabel\n1\ta\tpos\tneg\n", "label"),
    ("dup.txt", b"text\tnote\tnote\na\tx\ty\n", "note"),  # also a column that is neither text nor label
    ("spaces.csv", b"text, label,label \na,pos,neg\n", "label"),  # names are compared stripped
])
def test_duplicate_column_names_are_refused(tmp_path: Path, name: str, data: bytes, column: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    expect_error(path, [f"{path}: line 1: the header has two columns named {column!r}", "rename one"])


def test_unnamed_columns_may_repeat(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(b",text,label,,\n0,a,pos,,\n")  # a pandas index and trailing delimiters
    (record,) = read(path, need_labels=True)
    assert (record.text, record.label) == ("a", "pos")


# -- JSONL value types --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "label"), [
    ('"pos"', "pos"), ("1", "1"), ("-3", "-3"), ("1.0", "1"), ("12345678901234567890", "12345678901234567890"),
])
def test_jsonl_labels_may_be_strings_or_whole_numbers(tmp_path: Path, value: str, label: str) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text(f'{{"text": "a", "label": {value}}}\n', encoding="utf-8")
    assert [r.label for r in read(path, need_labels=True)] == [label]


@pytest.mark.parametrize(("value", "kind"), [
    ("true", "the boolean true"), ("false", "the boolean false"), ('{"a": 1}', "an object"), ('["pos"]', "a list"),
    ("0.5", "the number 0.5"), ("Infinity", "the number inf"),
])
def test_jsonl_labels_of_other_types_are_refused(tmp_path: Path, value: str, kind: str) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text(f'{{"text": "ok", "label": "pos"}}\n{{"text": "a", "label": {value}}}\n', encoding="utf-8")
    for need_labels in (True, False):  # predict reads the label column too, and writes it out
        expect_error(path, [f"{path}: line 2: the 'label' field is {kind}, not a string or a whole number",
                            "--label-col"], need_labels=need_labels)


@pytest.mark.parametrize(("value", "kind"), [
    ("5", "the number 5"), ("true", "the boolean true"), ('["a"]', "a list"), ('{"a": "b"}', "an object"),
])
def test_jsonl_texts_must_be_strings(tmp_path: Path, value: str, kind: str) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text(f'{{"review": {value}}}\n', encoding="utf-8")
    expect_error(path, [f"{path}: line 1: the 'review' field is {kind}, not a string", "--text-col"])


def test_jsonl_null_text_and_label_count_as_empty(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text('{"text": null, "label": "pos"}\n{"text": "b", "label": null}\n{"text": "c", "label": 0}\n',
                    encoding="utf-8")
    assert [(r.text, r.label) for r in read(path, need_labels=True)] == [("c", "0")]
    expect_error(path, ["line 1: empty text"], CorpusOptions(strict=True))


# -- control characters in messages ---------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "data", "fragment"), [
    ("cols.csv", b'"a\tb",c\r\n1,2\n', "no text column found (columns found: a\\tb, c)"),
    ("cols.tsv", b"a\x01\tb\n1\t2\n", "columns found: a\\x01, b"),
])
def test_messages_show_control_characters(tmp_path: Path, name: str, data: bytes, fragment: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    message = expect_error(path, [fragment])
    assert not any(ch < " " for ch in message), repr(message)
