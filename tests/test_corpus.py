"""Tests for sentikit.corpus: every format from a path or stdin, gzip or not; column detection; every bad input
becomes a DataError that names the file, the line and what to do. Encodings and line endings:
test_corpus_encodings.py."""

from __future__ import annotations

import csv
import gzip
import io
import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sentikit.corpus import (
    CorpusOptions,
    ReadStats,
    Record,
    load_labelled,
    read_corpus,
    report_skipped,
)
from sentikit.errors import DataError, UsageError

# Texts with the awkward bits: commas, quotes, a tab-free multi-line text, Cyrillic, emoji, a BOM-looking char.
ROWS = [
    ("Отличный фильм, всем советую!", "pos"),
    ('He said "meh", twice', "neg"),
    ("line one\nline two", "neutral"),
    ("😀 ёлка", "pos"),
]
EXTENSIONS = {"csv": ".csv", "tsv": ".tsv", "jsonl": ".jsonl", "txt": ".txt"}


def serialise(fmt: str, rows: list[tuple[str, str]], newline: str = "\n") -> bytes:
    buffer = io.StringIO()
    if fmt in ("csv", "tsv"):
        writer = csv.writer(buffer, delimiter="\t" if fmt == "tsv" else ",", lineterminator=newline)
        writer.writerow(["text", "label"])
        writer.writerows(rows)
    elif fmt == "jsonl":
        for text, label in rows:
            buffer.write(json.dumps({"text": text, "label": label}, ensure_ascii=False) + newline)
    else:
        for text, _ in rows:
            buffer.write(text + newline)
    return buffer.getvalue().encode("utf-8")


class FakeStdin:
    """What sys.stdin looks like to the reader: a text stream over a buffered binary one."""

    def __init__(self, data: bytes) -> None:
        self.buffer = io.BufferedReader(io.BytesIO(data))  # type: ignore[arg-type]


def read(source: str | Path, options: CorpusOptions | None = None, *, need_labels: bool = False,
         stats: ReadStats | None = None) -> list[Record]:
    return list(read_corpus(source, options, need_labels=need_labels, stats=stats))


def expect_error(source: str | Path, fragments: list[str], options: CorpusOptions | None = None,
                 need_labels: bool = False, error: type[Exception] = DataError) -> str:
    with pytest.raises(error) as info:
        read(source, options, need_labels=need_labels)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    return message


# -- formats × gzip × path/stdin ---------------------------------------------------------------------------------


@pytest.mark.parametrize("via", ["path", "stdin"])
@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gzip"])
@pytest.mark.parametrize("fmt", ["csv", "tsv", "jsonl", "txt"])
def test_every_format(provide: Callable[[bytes, str, str], str], fmt: str, gz: bool, via: str) -> None:
    rows = ROWS if fmt != "txt" else [(t.replace("\n", " "), "") for t, _ in ROWS]
    data = serialise(fmt, rows)
    name = "corpus" + EXTENSIONS[fmt] + (".gz" if gz else "")
    source = provide(gzip.compress(data) if gz else data, name, via)  # stdin: format found from the content
    records = read(source, need_labels=fmt != "txt")
    assert [r.text for r in records] == [t for t, _ in rows]
    assert [r.label for r in records] == ([label for _, label in rows] if fmt != "txt" else [None] * len(rows))


def test_stdin_stays_open_after_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeStdin(b"one\ntwo\n")
    monkeypatch.setattr(sys, "stdin", fake)
    assert [r.text for r in read("-")] == ["one", "two"]
    assert not fake.buffer.closed


@pytest.mark.parametrize(
    ("name", "data", "fmt"),
    [
        ("data", b"text,label\nhi,pos\n", "csv"),
        ("data", b"review\tsentiment\nhi\tpos\n", "tsv"),
        ("data", b'{"text": "hi", "label": "pos"}\n', "jsonl"),
        ("data", b"hi there\n", "txt"),
        ("data.ndjson", b'{"text": "hi"}\n', "jsonl"),
        ("data.tab", b"text\nhi\n", "tsv"),
        ("data.TXT", b"text,label\nhi,pos\n", "csv"),  # .txt does not decide: sniffed as stdin is
    ],
)
def test_format_detection(tmp_path: Path, name: str, data: bytes, fmt: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    records = read(path)
    expected = {"csv": "hi", "tsv": "hi", "jsonl": "hi", "txt": data.decode().splitlines()[0]}[fmt]
    assert records[0].text == expected


def test_explicit_input_format_overrides_the_extension(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("text,label\nhi,pos\n", encoding="utf-8")
    assert [r.text for r in read(path, CorpusOptions(input_format="txt"))] == ["text,label", "hi,pos"]


# -- columns -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "text_at", "label_at"),
    [
        (["text", "label"], 0, 1),
        (["id", "review", "sentiment"], 1, 2),
        (["Text", "Label"], 0, 1),  # case-insensitive
        ([" content ", "class"], 0, 1),  # surrounding spaces
        (["tweet", "target", "date"], 0, 1),
        (["polarity", "comment"], 1, 0),
        (["document", "y"], 0, 1),
    ],
)
def test_column_detection(tmp_path: Path, header: list[str], text_at: int, label_at: int) -> None:
    row = [f"v{i}" for i in range(len(header))]
    path = tmp_path / "c.csv"
    path.write_text(",".join(header) + "\n" + ",".join(row) + "\n", encoding="utf-8")
    (record,) = read(path, need_labels=True)
    assert (record.text, record.label) == (row[text_at], row[label_at])
    others = {h.strip(): v for i, (h, v) in enumerate(zip(header, row)) if i not in (text_at, label_at)}
    assert record.extra == others


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_explicit_columns(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"c.{fmt}"
    if fmt == "csv":
        path.write_text("text,body_ru,y_true\nignored,Привет,1\n", encoding="utf-8")
    else:
        path.write_text('{"text": "ignored", "body_ru": "Привет", "y_true": 1}\n', encoding="utf-8")
    (record,) = read(path, CorpusOptions(text_col="body_ru", label_col="y_true"), need_labels=True)
    assert (record.text, record.label, record.extra) == ("Привет", "1", {"text": "ignored"})


def test_labels_are_optional_unless_needed(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("text,stars\nok,5\n", encoding="utf-8")
    (record,) = read(path)
    assert (record.label, record.extra) == (None, {"stars": "5"})
    expect_error(path, [str(path), "no label column found", "columns found: text, stars", "--label-col"],
                 need_labels=True)


def test_jsonl_values_become_text(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text('{"text": "a", "label": 1, "meta": {"k": [1, "ё"]}, "ok": true, "none": null}\n'
                    '\n'  # blank lines are skipped
                    '{"text": "b", "label": 2.0}\n', encoding="utf-8")
    records = read(path, need_labels=True)
    assert [(r.text, r.label) for r in records] == [("a", "1"), ("b", "2")]
    assert records[0].extra == {"meta": '{"k":[1,"ё"]}', "ok": "true", "none": ""}
    assert records[1].line == 3


def test_jsonl_lone_surrogate_escapes_become_replacement_characters(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text('{"text": "bad \\ud800 half", "label": "\\udfff", "x": "\\ud83d\\ude00"}\n', encoding="utf-8")
    (record,) = read(path)
    assert (record.text, record.label, record.extra) == ("bad \ufffd half", "\ufffd", {"x": "😀"})
    record.text.encode("utf-8")


# -- empty rows and labels ----------------------------------------------------------------------------------------


def test_empty_texts_are_skipped_and_counted(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "c.csv"
    path.write_text('text,label\nok,pos\n,neg\n"   ",pos\n"\n",neg\nfine,neg\n', encoding="utf-8")
    stats = ReadStats()
    assert [r.text for r in read(path, stats=stats)] == ["ok", "fine"]
    assert (stats.rows, stats.empty_text, stats.empty_label) == (5, 3, 0)
    with caplog.at_level(logging.WARNING, logger="sentikit"):
        report_skipped(str(path), stats)
    assert [r.getMessage() for r in caplog.records] == [f"{path}: skipped 3 row(s) with an empty text"]
    expect_error(path, [str(path), "line 3: empty text", "--strict"], CorpusOptions(strict=True))


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_empty_or_nan_labels_when_labels_are_needed(tmp_path: Path, fmt: str) -> None:
    labels = ["pos", "", "nan", "NaN", "None", "null", " ", "neg"]
    path = tmp_path / f"c.{fmt}"
    if fmt == "csv":
        path.write_text("text,label\n" + "".join(f"t{i},{lab}\n" for i, lab in enumerate(labels)), encoding="utf-8")
    else:
        lines = [json.dumps({"text": f"t{i}", "label": lab}) for i, lab in enumerate(labels)]
        lines.append('{"text": "t8", "label": null}')
        lines.append('{"text": "t9", "label": NaN}')
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    stats = ReadStats()
    # "None" is a real class name in many corpora; nan and null are how exports spell a missing value.
    assert [(r.text, r.label) for r in read(path, need_labels=True, stats=stats)] == [
        ("t0", "pos"), ("t4", "None"), ("t7", "neg")]
    assert stats.empty_label == (5 if fmt == "csv" else 7)
    first_bad = 3 if fmt == "csv" else 2
    expect_error(path, [str(path), f"line {first_bad}: empty label", "--strict"], CorpusOptions(strict=True),
                 need_labels=True)
    # Without the need for labels, the rows are kept as they are.
    assert len(read(path)) == len(labels) + (0 if fmt == "csv" else 2)


def test_load_labelled(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("text,label\nхорошо,pos\nbad,\nплохо,neg\n", encoding="utf-8")
    corpus = load_labelled(path)
    assert (corpus.texts, corpus.labels, corpus.source) == (["хорошо", "плохо"], ["pos", "neg"], str(path))
    assert corpus.sha256 == load_labelled(path).sha256
    other = tmp_path / "d.csv"
    other.write_text("text,label\nхорошо,pos\nплохо,pos\n", encoding="utf-8")
    assert load_labelled(other).sha256 != corpus.sha256
    other.write_text("text,label\nхорошо,\n", encoding="utf-8")
    with pytest.raises(DataError, match="no usable rows"):
        load_labelled(other)


# -- bad inputs -------------------------------------------------------------------------------------------------

BAD_INPUTS = [
    # name, content, options, need_labels, fragments of the message (besides the file name)
    ("stray-quote.csv", b'text,label\n"ok",pos\n"bad"x,neg\n', {}, False, ["line 3", "malformed CSV", "quote"]),
    ("unclosed.csv", b'text,label\nok,pos\n"never closed,neg\nmore,pos\nmore,neg\n', {}, False,
     ["line 3", "never closed", "quote"]),
    ("fields.csv", b"text,label\nok,pos\na,b,c\n", {}, False, ["line 3", "3 fields", "2", "delimiter"]),
    ("pipes.csv", b"review_body|stars\nok|pos\n", {}, False, ["no text column", "columns found: review_body|stars",
                                                               "read as one comma-separated column", "--delimiter"]),
    ("nocol.csv", b"foo,bar\n1,2\n", {}, False, ["no text column found", "columns found: foo, bar", "--text-col"]),
    ("wrongcol.csv", b"text,label\nok,pos\n", {"text_col": "body"}, False,
     ["no column 'body'", "columns found: text, label", "--text-col"]),
    ("nolabel.tsv", b"text\tstars\nok\t5\n", {}, True, ["no label column", "columns found: text, stars"]),
    ("empty.csv", b"", {}, False, ["empty"]),
    ("empty.txt", b"", {}, False, ["empty"]),
    ("header.csv", b"text,label\n", {}, False, ["no documents after the header", "line 1"]),
    ("header-crlf.csv", b"text,label\r\n\r\n", {}, False, ["no documents after the header"]),
    ("bad.jsonl", b'{"text": "ok"}\n{"text": oops}\n', {}, False, ["line 2", "not valid JSON", "JSON object"]),
    ("list.jsonl", b'["text", "label"]\n', {}, False, ["line 1", "JSON object"]),
    ("missing.jsonl", b'{"text": "a"}\n{"body": "b"}\n', {"strict": True}, False, ["line 2", "no 'text' field"]),
    ("deep.jsonl", b'{"text": ' + b"[" * 100_000 + b"\n", {}, False, ["line 1", "JSON"]),
    ("latin.csv", b"text,label\ncaf\xe9,pos\n", {}, False, ["line 2", "not valid utf-8", "byte 0xe9", "--encoding"]),
    ("nul.csv", b"text,label\nok,pos\nb\x00d,neg\n", {}, False, ["line 3", "NUL"]),
    ("binary.txt", bytes(range(256)) * 4, {}, False, ["line 1", "NUL", "binary"]),  # line 1 is "\x00...\n"
    ("binary-late-nul.txt", b"\x89PNG\r\n" + bytes(range(1, 256)) * 4 + b"\x00", {}, False,
     ["line 1", "not valid utf-8", "NUL", "binary"]),  # the NUL comes lines after the first bad byte
    ("utf16.csv", "text,label\nok,pos\n".encode("utf-16"), {}, False, ["line 1", "NUL", "--encoding utf-16"]),
    ("utf16-le.csv", "text\nok\n".encode("utf-16-le"), {"encoding": "utf-16"}, False, ["does not start with BOM"]),
    ("truncated.csv.gz", gzip.compress(b"text,label\n" + b"ok,pos\n" * 1000)[:-20], {}, False,
     ["cannot decompress", "truncated or corrupt"]),
    ("corrupt.gz", gzip.compress(b"text,label\n" + b"ok,pos\n" * 1000)[:30] + b"\xff" * 50, {}, False,
     ["cannot decompress"]),
]


@pytest.mark.parametrize(("name", "data", "options", "need_labels", "fragments"), BAD_INPUTS,
                         ids=[case[0] for case in BAD_INPUTS])
def test_bad_inputs_name_the_file_the_line_and_the_fix(tmp_path: Path, name: str, data: bytes,
                                                       options: dict[str, str], need_labels: bool,
                                                       fragments: list[str]) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    expect_error(path, [f"{path}:", *fragments], CorpusOptions(**options), need_labels)  # type: ignore[arg-type]


@pytest.mark.parametrize("encoding", ["utf-8", "cp1251"])
@pytest.mark.parametrize("via", ["file", "stdin"])
def test_lines_before_an_undecodable_byte_are_read_first(provide: Callable[[bytes, str, str], str], encoding: str,
                                                         via: str) -> None:
    """The decoder reads several kilobytes at once; the lines before a bad byte in them still come out."""
    bad = {"utf-8": b"caf\xe9", "cp1251": b"\x98"}[encoding]  # 0x98 is the one byte cp1251 leaves undefined
    source = provide(b"fine\n" * 1000 + bad + b"\nnever read\n", "lines.txt", via)
    records: list[Record] = []
    with pytest.raises(DataError, match=f"line 1001 is not valid {encoding} \\(byte 0x{bad[-1]:02x}\\)"):
        records.extend(read_corpus(source, CorpusOptions(encoding=encoding)))
    assert [r.text for r in records] == ["fine"] * 1000


def test_bad_input_on_stdin_is_named_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", FakeStdin(b"text,label\nok,pos\n\xff,neg\n"))
    expect_error("-", ["<stdin>: line 3", "not valid utf-8"])


def test_missing_file_and_folder(tmp_path: Path) -> None:
    expect_error(tmp_path / "nope.csv", [f"{tmp_path / 'nope.csv'}: no such file"])
    expect_error(tmp_path, [f"{tmp_path}: is a folder"])


@pytest.mark.parametrize("encoding", ["klingon", "hex", "rot13"])
def test_unknown_or_non_text_encoding_is_a_usage_error(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "c.txt"
    path.write_text("hi\n", encoding="utf-8")
    expect_error(path, [f"unknown encoding {encoding!r}", "cp1251"], CorpusOptions(encoding=encoding),
                 error=UsageError)


def test_unknown_input_format_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="unknown input format 'xls'"):  # when the options are made, before reading
        CorpusOptions(input_format="xls")  # type: ignore[arg-type]


# -- property test: arbitrary bytes -------------------------------------------------------------------------------

structured = st.sampled_from([b"text,label\n", b"review\tsentiment\n", b'{"text": "a", "label": 1}\n', b'{"text":',
                              b'"', b"\r\n", b"\n", b",", b"\t", b"\xef\xbb\xbf", b"\x00", b"\xff", b"\xd0\xb0",
                              b"nan", b"\\ud800", b";", b'[{"text": "a"}', b"[\n", b"]", b"1.0"])
contents = st.lists(st.one_of(st.binary(max_size=40), structured), max_size=12).map(b"".join)
maybe_gzipped = st.one_of(contents, contents.map(gzip.compress),
                          contents.map(lambda b: gzip.compress(b)[: max(2, len(b) // 2)]))


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=maybe_gzipped, suffix=st.sampled_from(["", ".csv", ".tsv", ".jsonl", ".json", ".txt", ".csv.gz"]),
       input_format=st.sampled_from(["auto", "csv", "tsv", "jsonl", "json", "txt"]),
       text_col=st.sampled_from([None, "text", "Text", "label"]),
       encoding=st.sampled_from(["utf-8", "cp1251", "utf-16"]), need_labels=st.booleans(), strict=st.booleans())
def test_reader_raises_only_data_or_usage_errors(fuzz_dir: Path, data: bytes, suffix: str, input_format: str,
                                                 text_col: str | None, encoding: str, need_labels: bool,
                                                 strict: bool) -> None:
    path = fuzz_dir / f"input{suffix}"
    path.write_bytes(data)
    try:
        options = CorpusOptions(input_format=input_format, encoding=encoding, strict=strict,  # type: ignore[arg-type]
                                text_col=text_col)
        for record in read_corpus(path, options, need_labels=need_labels):
            assert record.text.strip()
            record.text.encode("utf-8")
            if need_labels:
                assert record.label
    except (DataError, UsageError) as exc:
        assert str(exc)
