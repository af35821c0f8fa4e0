"""Tests for what sentikit.corpus makes of a corpus's structure: one format-sniffing rule for stdin and for files
whose extension does not say, header columns that must be unique, JSONL values of the wrong type, and messages
that show the control characters they quote."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from sentikit.corpus import CorpusOptions, read_corpus
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


@pytest.mark.parametrize(("data", "columns"), [
    (b"column_2,,text\na,b,c\n", ["column_2", "column_2_2"]),
    (b",column_1,column_1_2,text\na,b,c,d\n", ["column_1_3", "column_1", "column_1_2"]),
])
def test_a_name_for_an_unnamed_column_is_free(tmp_path: Path, data: bytes, columns: list[str]) -> None:
    path = tmp_path / "c.csv"
    path.write_bytes(data)
    (record,) = read(path)
    assert sorted(record.extra) == sorted(columns)


# -- labels: one rule for every format -------------------------------------------------------------------------------

LABELS = {"1.0": "1", "-1.00": "-1", "+1.0": "+1", "+1": "+1", "-0.0": "-0", "-0": "-0", "0.0": "0", "01.0": "01",
          "1.": "1.", ".0": ".0", "1.5": "1.5", "1.0.0": "1.0.0", "1e3": "1e3", "pos": "pos", " 2.0 ": "2",
          "١.٠": "١.٠", "9" * 5000 + ".0": "9" * 5000, "9" * 5000: "9" * 5000}


@pytest.mark.parametrize("fmt", ["csv", "tsv", "jsonl", "json"])
def test_every_format_reads_string_labels_by_one_rule(tmp_path: Path, fmt: str) -> None:
    """A whole number written with an all-zero fraction loses it; any other label is kept as written."""
    path = tmp_path / f"l.{fmt}"
    if fmt in ("csv", "tsv"):
        sep = "," if fmt == "csv" else "\t"
        path.write_text(f"text{sep}label\n" + "".join(f"t{sep}{label}\n" for label in LABELS), encoding="utf-8")
    else:
        records = [json.dumps({"text": "t", "label": label}) for label in LABELS]
        path.write_text("\n".join(records) if fmt == "jsonl" else f"[{','.join(records)}]", encoding="utf-8")
    assert [r.label for r in read(path, need_labels=True)] == list(LABELS.values())


@pytest.mark.parametrize(("fmt", "value"), [("jsonl", "label"), ("json", "label"), ("jsonl", "id"),
                                            ("json", "id")])
def test_a_json_integer_too_long_to_read_is_a_data_error(tmp_path: Path, fmt: str, value: str) -> None:
    path = tmp_path / f"big.{fmt}"
    record = f'{{"text": "a", "{value}": {"9" * 5000}}}'
    path.write_text(record if fmt == "jsonl" else f"[\n{record}]", encoding="utf-8")
    expect_error(path, [f"{path}: line {1 if fmt == 'jsonl' else 2}: a JSON number too long to read",
                        "JSON string"])


@pytest.mark.parametrize("data", ['{"text":{"0":"a","1":"b"},"label":{"0":"pos","1":"neg"}}',
                                  '{"0":{"text":"a","label":"pos"},"1":{"text":"b","label":"neg"}}'])
@pytest.mark.parametrize("name", ["p.json", "p.jsonl", "p.txt"])
def test_pandas_default_to_json_layout_is_named(tmp_path: Path, data: str, name: str) -> None:
    path = tmp_path / name
    path.write_text(data, encoding="utf-8")
    expect_error(path, [f"{path}: line 1: a JSON object of columns (pandas' default to_json() layout), not records",
                        "to_json(orient='records', lines=True)"])


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
    expect_error(path, [f"{path}: line 2: the 'label' field is {kind}, not a string or a whole number",
                        "--label-col"], need_labels=True)


@pytest.mark.parametrize(("value", "label"), [
    ("0.73", "0.73"), ("true", "true"), ('["pos", "neg"]', '["pos","neg"]'), ('{"a": 1}', '{"a":1}'),
    ("Infinity", "Infinity"), ("2.0", "2"), ("null", ""), ("9" * 400, "9" * 400), ("1e3", "1e3"),
])
@pytest.mark.parametrize("fmt", ["jsonl", "json"])
def test_labels_that_are_not_needed_are_kept_as_written(tmp_path: Path, value: str, label: str,
                                                        fmt: str) -> None:
    """preprocess and predict --input carry the label along, as they do a CSV cell: its type does not matter."""
    path = tmp_path / f"s.{fmt}"
    record = f'{{"text": "great film", "sentiment": {value}}}'
    path.write_text(record if fmt == "jsonl" else f"[{record}]", encoding="utf-8")
    assert [(r.text, r.label) for r in read(path)] == [("great film", label)]


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


# -- line breaks of plain lines -----------------------------------------------------------------------------------

LINE_BREAKS = [
    (b"good\rbad\nugly\n", ["good\rbad", "ugly"]),  # a lone CR inside a line is part of the text
    (b"one\rtwo\r\nthree\r", ["one\rtwo", "three"]),
    (b"abc\r\r\nd\n", ["abc", "d"]),
    (b"x\r\ny\r\n", ["x", "y"]),
    (b"a\rb\rc\r", ["a", "b", "c"]),  # a CR-terminated file (classic Mac OS)
    (b"a\rb", ["a", "b"]),
    (b"a\r", ["a"]),
    (b"\r\n\rx\n", ["", "\rx"]),
    (b"a\rb\rc\nd\n", ["a\rb\rc", "d"]),  # an LF after several lone CRs: still an LF file
    (b"a\r" * 70 + b"b\n", ["a"] * 70 + ["b"]),  # none in the first 64 lines: a CR file
]


@pytest.mark.parametrize(("data", "lines"), LINE_BREAKS)
@pytest.mark.parametrize("via", ["path", "stdin"])
def test_plain_lines_end_at_lf_or_crlf_and_at_a_lone_cr_only_in_a_cr_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data: bytes, lines: list[str], via: str) -> None:
    """Output row N is input line N as `wc -l` and `paste` count them: a lone CR splits no line, except in a file
    whose lines all end in one."""
    source = tmp_path / "lines.txt"
    source.write_bytes(data)
    if via == "stdin":
        monkeypatch.setattr(sys, "stdin", FakeStdin(data))
    records = list(read_corpus("-" if via == "stdin" else source, keep_empty_text=True))
    assert [r.text for r in records] == lines
    assert [r.line for r in records] == list(range(1, len(lines) + 1))


def test_line_numbers_after_a_lone_cr_count_lines_not_pieces(tmp_path: Path) -> None:
    path = tmp_path / "lines.txt"
    path.write_bytes(b"a\rb\rc\nfine\n\nlast\n")
    expect_error(path, ["line 3: empty text"], CorpusOptions(strict=True))
    path.write_bytes(b"a\rb\rc\nfine\n\xff\n")
    expect_error(path, ["line 3", "0xff"])
