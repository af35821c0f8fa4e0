"""Tests for sentikit.corpus on formats as other tools write them: JSON arrays of records, TSV whose cells hold
quotes, byte order marks in any encoding, whole-number labels written as floats, and paths that are no paths."""

from __future__ import annotations

import csv
import io
import itertools
import json
import logging
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from sentikit.corpus import CorpusOptions, read_corpus
from sentikit.errors import UsageError
from tests.test_corpus import FakeStdin, expect_error, read

# -- JSON arrays of records ----------------------------------------------------------------------------------------

RECORDS = [{"text": "отлично", "label": "positive", "id": 1}, {"text": "ужасно", "label": "negative", "id": 2}]


@pytest.fixture(params=["whole", "in-pieces"])
def pieces(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """An array read as usual, or in pieces of 3 characters with decoded text let go after 4: every record,
    line number and error must come out the same when records and escapes are cut anywhere."""
    if request.param == "in-pieces":
        from sentikit import corpus_json_array, corpus_lines

        monkeypatch.setattr(corpus_lines, "_PIECE", 3)
        monkeypatch.setattr(corpus_json_array, "_KEEP", 4)
    return str(request.param)


@pytest.mark.parametrize("indent", [None, 2], ids=["one-line", "indented"])
@pytest.mark.parametrize("via", ["a.json", "a.json.gz", "a.txt", "stdin"])
def test_json_array_of_records(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, indent: int | None,
                               via: str, pieces: str) -> None:
    import gzip

    data = json.dumps(RECORDS, ensure_ascii=False, indent=indent).encode()
    if via == "stdin":
        monkeypatch.setattr(sys, "stdin", FakeStdin(data))
        source: str | Path = "-"
    else:
        source = tmp_path / via
        source.write_bytes(gzip.compress(data) if via.endswith(".gz") else data)
    records = read(source, need_labels=True)
    assert [(r.text, r.label, r.extra) for r in records] == [("отлично", "positive", {"id": "1"}),
                                                             ("ужасно", "negative", {"id": "2"})]
    if indent:
        assert [r.line for r in records] == [2, 7]  # the line where each record starts


def test_records_cut_anywhere_come_out_whole(tmp_path: Path, pieces: str) -> None:
    # Written with ASCII escapes: the emoji is the 12-character "\ud83d\ude00", the lone surrogate "\udfff".
    records = [{"text": "с эмодзи 😀 и \\u-escape é", "label": 1, "n": [1.5, {"k": None}]},
               {"text": "второй\r\nс переводом строки", "label": "neg", "lone": "\udfff"}] * 3
    written = json.dumps(records, indent=1).replace("\n", "\r\n")
    path = tmp_path / "a.json"
    path.write_text(written, encoding="utf-8", newline="")
    starts = [n for n, line in enumerate(written.split("\r\n"), 1) if line == " {"]
    read_back = read(path, need_labels=True)
    assert [(r.text, r.label, r.line) for r in read_back] == [
        (record["text"], str(record["label"]), line) for record, line in zip(records, starts, strict=True)]
    assert read_back[1].extra["lone"] == "\ufffd"


def test_a_json_array_is_read_as_it_arrives() -> None:
    """Records come while the input goes on, without end here: memory holds a record, not the array."""
    from sentikit.corpus_json_array import json_array_objects

    read = 0

    def endless() -> Iterator[str]:
        nonlocal read
        yield "["
        for n in itertools.count():
            piece = f'{{"text": "отзыв {n}", "label": "pos"}},\n' * 100
            read += len(piece)
            yield piece

    records = json_array_objects(endless(), "in")
    for expected in range(5_000):
        line, record, _ = next(records)
        assert (line, record["text"]) == (expected + 1, f"отзыв {expected // 100}")
    assert read < 1 << 20  # 5,000 records are about 0.2 MiB; the window reads ahead 64 KiB at most


def test_json_lines_saved_as_json(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_text("".join(json.dumps(r) + "\n" for r in RECORDS), encoding="utf-8")
    assert [r.label for r in read(path, need_labels=True)] == ["positive", "negative"]


@pytest.mark.parametrize("name", ["records", "records.json", "records.txt"])
def test_json_lines_under_input_format_json(tmp_path: Path, name: str) -> None:
    path = tmp_path / name  # a .json file of JSON Lines is read; so is any file given as --input-format json
    path.write_text("\n  \n" + "".join(json.dumps(r) + "\n" for r in RECORDS), encoding="utf-8")
    records = read(path, CorpusOptions(input_format="json"), need_labels=True)
    assert [(r.text, r.label, r.line) for r in records] == [("отлично", "positive", 3), ("ужасно", "negative", 4)]


def test_input_format_json(tmp_path: Path) -> None:
    path = tmp_path / "records"
    path.write_text(' \n[{"review": "a"}, {"review": "b", "label": null}]', encoding="utf-8")
    # None: no label column known yet; "": the record has the label column, and it is empty (null).
    assert [(r.text, r.label) for r in read(path, CorpusOptions(input_format="json"))] == [("a", None), ("b", "")]


def test_a_text_that_starts_with_a_bracket_stays_a_line(tmp_path: Path) -> None:
    path = tmp_path / "reviews.txt"
    path.write_text("[UPDATE] still great\n[1/2] ok\n", encoding="utf-8")
    assert [r.text for r in read(path)] == ["[UPDATE] still great", "[1/2] ok"]


@pytest.mark.parametrize(("data", "fragments"), [
    ('{\n "text": {"0": "a"},\n "label": {"0": "pos"}\n}', ["line 1: a JSON object of columns (pandas' default "
                                                        "to_json() layout)", "orient='records', lines=True"]),
    ('{\n "text": "a",\n "label": "pos"\n}', ["a JSON object, not an array of records", "orient='records'"]),
    ('[{"text": "a"},\n "b"]', ["line 2: expected a JSON object in the array"]),
    ('[{"text": "a"},\n {"text": oops}]', ["line 2: not valid JSON"]),
    ('[{"text": "a"}', ["not valid JSON", "never closed"]),
    ('[{"text": "a"}] [', ["line 1: not valid JSON", "after the array"]),
    ("[]", ["the JSON array is empty"]),
    ('[{"text": "a"},\n' + "[" * 100_000, ["line 2", "nested too deeply"]),
])
def test_bad_json_arrays(tmp_path: Path, data: str, fragments: list[str], pieces: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(data, encoding="utf-8")
    message = expect_error(path, [f"{path}:", *fragments])
    assert "\n" not in message


# -- TSV: quotes are quoting only around a whole field ------------------------------------------------------------


def test_tsv_cells_that_start_with_a_quote_are_read_as_written(tmp_path: Path) -> None:
    path = tmp_path / "q.tsv"
    path.write_text('text\tlabel\n"Лучший" магазин\tpositive\n"a"\t"b"c\n', encoding="utf-8")
    assert [(r.text, r.label) for r in read(path)] == [('"Лучший" магазин', "positive"), ("a", '"b"c')]


def test_a_stray_tsv_quote_does_not_merge_rows(tmp_path: Path) -> None:
    path = tmp_path / "q6.tsv"
    path.write_text('text\tlabel\n"Лучший магазин\tpositive\nужасно\tnegative\nнорм, так себе"\tneutral\n'
                    "плохо\tnegative\n", encoding="utf-8")
    assert [(r.text, r.label) for r in read(path)] == [
        ('"Лучший магазин', "positive"), ("ужасно", "negative"), ('норм, так себе"', "neutral"),
        ("плохо", "negative")]


def test_tsv_as_csv_writers_quote_it(tmp_path: Path) -> None:
    """pandas (to_csv(sep="\\t")) and Python's csv quote a field that holds a quote, a tab or a line break."""
    rows = [('He said "meh"', "neg"), ("tab\there", "pos"), ("line one\nline two", "neu"), ('"', "x"),
            ("multi\nline\twith a tab", "pos"), ("", "empty")]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter="\t", lineterminator="\n")
    writer.writerow(["text", "label"])
    writer.writerows(rows)
    path = tmp_path / "pandas.tsv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    records = read(path, CorpusOptions(), stats=None)
    assert [(r.text, r.label) for r in records] == [r for r in rows if r[0]]
    assert [r.line for r in records] == [2, 3, 5, 6, 8]  # the line where each record ends


def test_a_quoted_tsv_field_over_lines_with_tabs_is_read_with_a_warning(tmp_path: Path,
                                                                       caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "q.tsv"
    path.write_text('text\tlabel\n"stray\nужасно\tnegative\nend"\tpos\nok\tneg\n', encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="sentikit"):
        records = read(path)
    assert [(r.text, r.label) for r in records] == [("stray\nужасно\tnegative\nend", "pos"), ("ok", "neg")]
    assert [r.getMessage() for r in caplog.records] == [
        f"{path}: lines 2-4 were read as one row: a quoted field spans them and holds tabs "
        "(if they are separate rows, a quote on line 2 is unbalanced)"]


def test_a_quoted_field_over_lines_in_the_last_tsv_column(tmp_path: Path) -> None:
    """pandas and csv write the last column so when it holds a line break; so does `predict --format tsv`."""
    path = tmp_path / "last.tsv"
    path.write_text('label\ttext\npositive\t"line one\nline two"\nnegative\tok\n', encoding="utf-8")
    records = read(path)
    assert [(r.text, r.label, r.line) for r in records] == [("line one\nline two", "positive", 3),
                                                            ("ok", "negative", 4)]


@pytest.mark.parametrize("columns", [["label", "text"], ["text", "label"], ["id", "text", "label"],
                                     ["text", "id", "label"]])
def test_a_quoted_tsv_field_over_lines_in_any_column(tmp_path: Path, columns: list[str]) -> None:
    values = {"text": "line one\n\nline \"two\"\r\nthree", "label": "pos", "id": "a\nb"}
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter="\t", lineterminator="\n")
    writer.writerow(columns)
    writer.writerow([values[c] for c in columns])
    writer.writerow(["x" if c == "text" else "y" for c in columns])
    path = tmp_path / "any.tsv"
    path.write_text(buffer.getvalue(), encoding="utf-8", newline="")
    records = read(path)
    assert [(r.text, r.label) for r in records] == [(values["text"], "pos"), ("x", "y")]


def test_a_stray_quote_in_the_last_tsv_column_does_not_merge_rows(tmp_path: Path,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    # An unquoting writer: each line is a whole row, and the field that a quote opens would hold tabs.
    path = tmp_path / "stray.tsv"
    path.write_text('label\ttext\npos\t"Лучший магазин\nneg\tужасно\nneu\tтак себе"\npos\t"a"\n',
                    encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="sentikit"):
        records = read(path)
    assert [(r.text, r.label) for r in records] == [('"Лучший магазин', "pos"), ("ужасно", "neg"),
                                                    ('так себе"', "neu"), ("a", "pos")]
    assert [r.getMessage() for r in caplog.records] == [
        f"{path}: line 2 was read as a row of its own, although a quote on it opens a field that closes on line 4 "
        "(the field would hold tabs; if it is one field, read the file as CSV: --input-format csv --delimiter tab)"]


def test_an_unclosed_quote_in_a_whole_tsv_row_keeps_the_row(tmp_path: Path) -> None:
    path = tmp_path / "open.tsv"
    path.write_text('text\n"Лучший магазин\nхорошо\nплохо\n', encoding="utf-8")
    assert [r.text for r in read(path)] == ['"Лучший магазин', "хорошо", "плохо"]


def test_a_quoted_tsv_field_is_not_joined_over_too_many_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sentikit import corpus_delimited

    monkeypatch.setattr(corpus_delimited, "MAX_FIELD_LINES", 3)
    short = tmp_path / "short.tsv"
    short.write_text('text\tlabel\n"a\nb\nc\nd\ne"\tpos\n', encoding="utf-8")
    expect_error(short, ["line 2: a quoted field starting on this line does not close within 3 lines"])
    short.write_text('text\tlabel\n"a\nb\nc"\tpos\n', encoding="utf-8")
    assert [r.text for r in read(short)] == ["a\nb\nc"]


@pytest.mark.parametrize(("data", "fragments"), [
    (b'text\tlabel\n"never closed\nmore\n', ["line 2: a quoted field starting on this line is never closed"]),
    (b"text\tlabel\nok\tpos\textra\n", ["line 2: 3 fields where the header has 2", "tab-separated"]),
    (b'text\tlabel\n"two\nlines"x\tpos\n', ["line 2: 1 fields where the header has 2"]),
])
def test_bad_tsv(tmp_path: Path, data: bytes, fragments: list[str]) -> None:
    path = tmp_path / "bad.tsv"
    path.write_bytes(data)
    expect_error(path, [f"{path}:", *fragments])


# -- byte order marks ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-16le", "utf-16be", "utf-16", "utf-8", "utf-32le"])
@pytest.mark.parametrize("fmt", ["csv", "txt"])
def test_a_byte_order_mark_is_dropped_in_every_encoding(tmp_path: Path, encoding: str, fmt: str) -> None:
    path = tmp_path / f"u.{fmt}"
    body = "text,label\r\nотлично,positive\r\n" if fmt == "csv" else "отлично\r\n"
    bom = "" if encoding == "utf-16" else "\ufeff"  # Python's utf-16 writes its own
    path.write_bytes((bom + body).encode(encoding))
    (record,) = read(path, CorpusOptions(encoding=encoding))
    assert record.text == "отлично"


# -- whole-number labels written as floats ------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_float_spelled_whole_number_labels_read_as_in_jsonl(tmp_path: Path, fmt: str) -> None:
    sep = "," if fmt == "csv" else "\t"
    labels = ["1.0", "-1.0", "0.0", "2", "1.5", "positive", "1.0.0", "nan", " 3.00 "]
    path = tmp_path / f"c.{fmt}"
    path.write_text(f"text{sep}label\n" + "".join(f"t{i}{sep}{lab}\n" for i, lab in enumerate(labels)),
                    encoding="utf-8")
    assert [r.label for r in read(path, need_labels=True)] == ["1", "-1", "0", "2", "1.5", "positive", "1.0.0",
                                                               "3"]
    jsonl = tmp_path / "c.jsonl"
    jsonl.write_text('{"text": "a", "label": 1.0}\n{"text": "b", "label": -1.0}\n', encoding="utf-8")
    assert [r.label for r in read(jsonl)] == ["1", "-1"]


# -- paths ---------------------------------------------------------------------------------------------------------


def test_an_empty_path_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="empty path"):
        list(read_corpus(""))


def test_an_unclosed_csv_quote_is_refused_within_the_line_bound(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from sentikit import corpus_delimited

    monkeypatch.setattr(corpus_delimited, "MAX_FIELD_LINES", 5)
    path = tmp_path / "open.csv"
    path.write_text('text,label\n"Лучший магазин,pos\n' + "".join(f"отзыв {i},neg\n" for i in range(20)),
                    encoding="utf-8")
    expect_error(path, ["line 2: a quoted field starting on this line does not close within 5 lines"])


def test_a_csv_quote_that_swallows_rows_is_reported(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "merge.csv"
    path.write_text('text,label\n"Лучший магазин,pos\n' + "".join(f"отзыв {i},neg\n" for i in range(200))
                    + 'экран 15",pos\n', encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="sentikit"):
        assert len(read(path)) == 1  # what CSV's rules say; the warning is what tells the user
    assert "lines 2-203 were read as one row" in caplog.text
    caplog.clear()
    # A long review of paragraphs with commas, as pandas writes it, is no such thing.
    paragraphs = tmp_path / "long_review.csv"
    review = "\n\n".join(["The plot was slow, but the acting was great."] * 60 + ["Wow, fine"] * 60)
    with paragraphs.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([["text", "label"], [review, "pos"], ["x", "neg"]])
    with caplog.at_level(logging.WARNING, logger="sentikit"):
        assert [r.text for r in read(paragraphs)] == [review, "x"]
    assert caplog.text == ""


def test_bundled_corpora_are_named_as_the_caller_names_them() -> None:
    from sentikit.datasets import bundled_corpus, resolve_corpus_path
    from sentikit.errors import DataError

    assert Path(resolve_corpus_path("bundled:ru")) == bundled_corpus("ru") and bundled_corpus("en").is_file()
    with pytest.raises(DataError) as info:
        resolve_corpus_path("bundled:fr")
    assert str(info.value) == "no bundled corpus 'bundled:fr' (choose one of: bundled:ru, bundled:en)"
    with pytest.raises(DataError) as info:
        bundled_corpus("fr")
    assert str(info.value) == "no bundled corpus 'fr' (choose one of: 'ru', 'en')"


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"], ids=["LF", "CRLF", "CR"])
@pytest.mark.parametrize("bad", ["\x00", "\udcff"], ids=["NUL", "undecodable"])
def test_a_bad_character_in_a_json_array_is_named_by_its_line(tmp_path: Path, pieces: str, newline: str,
                                                               bad: str) -> None:
    """Counted as the line reader counts lines, whatever ends them, and wherever the pieces cut a CRLF."""
    lines = ["[", '{"text": "a", "label": "pos"},', '{"text": "b", "label": "neg"},', f'{{"text": "c{bad}"}}', "]"]
    path = tmp_path / "a.json"
    path.write_bytes(newline.join(lines).encode("utf-8", "surrogateescape"))
    expect_error(path, [f"{path}: line 4 "], need_labels=True)


@pytest.mark.parametrize("via", ["a.json", "a.txt", "records", "stdin"])
@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"], ids=["no-bom", "bom"])
def test_a_one_line_array_longer_than_a_piece_reads_the_same(monkeypatch: pytest.MonkeyPatch,
                                                              provide: Callable[..., str], via: str,
                                                              bom: bytes) -> None:
    """pandas' to_json(orient='records') writes the whole array on one line: past a piece (16 characters here),
    it goes to the array reader without being read whole first, with the same records and errors."""
    from sentikit import corpus_lines

    monkeypatch.setattr(corpus_lines, "_PIECE", 16)
    data = bom + json.dumps(RECORDS * 3, ensure_ascii=False).encode()
    options = CorpusOptions(input_format="json") if via == "records" else None
    source = provide(data, via, via)
    assert [(r.text, r.label, r.line) for r in read(source, options, need_labels=True)] == [
        (r["text"], r["label"], 1) for r in RECORDS * 3]


class _OneLineArray(io.RawIOBase):
    """An array of records on one line, 64 MiB long: a reader that wants the whole line reads all of it."""

    def __init__(self) -> None:
        self.data = io.BytesIO(b"[" + b'{"text": "good", "label": "pos"}, ' * ((64 << 20) // 34) + b"{}]")
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self.data.readinto(buffer)
        self.read_bytes += n
        return n


def test_a_one_line_array_is_read_as_it_arrives(monkeypatch: pytest.MonkeyPatch) -> None:
    stream = _OneLineArray()

    class Stdin:
        buffer = io.BufferedReader(stream)

    monkeypatch.setattr(sys, "stdin", Stdin())
    records = read_corpus("-", need_labels=True)
    assert [next(records).text for _ in range(10_000)] == ["good"] * 10_000
    assert stream.read_bytes < 8 << 20  # 10,000 records are 0.3 MiB: a piece or two of the line, not all of it


@pytest.mark.parametrize(("data", "name", "piece", "options", "expected"), [
    # Only one byte order mark is dropped at the start, as ever: a second is text.
    (b"\xef\xbb\xbf" * 3 + b"hello\n", "f.txt", None, {}, [("\ufeffhello", None, 1)]),
    (b"\xef\xbb\xbf" * 2, "f.txt", None, {}, "f.txt: no documents, only blank lines"),
    # A mark before a first line that fills a piece up to its CR: the LF after it is not another line.
    ("\ufeffsep=,\r\ntext,label\r\nhi,pos\r\n".encode("utf-16-le"), "f.csv", 7, {"encoding": "utf-16-le"},
     [("hi", "pos", 3)]),
    # A one-line array under --input-format json is no plain text taken for JSON: no hint about plain lines.
    (b'[{"text": "' + b"a" * 40 + b'"}] x', "f", 16, {"input_format": "json"},
     "f: line 1: not valid JSON (more data after the array) (write a JSON array of objects (pandas: "
     "to_json(orient='records')) or JSON Lines, one object per line)"),
    # "[{" at the end of a piece is not "[{" at the end of the line: this review stays a review.
    (b"[{}] ok\nsecond\n", "f", 2, {}, [("[{}] ok", None, 1), ("second", None, 2)]),
    # An undecodable UTF-16 unit deep in an array is named by its line.
    (("[\n" + "".join(f'{{"text": "row {i}"}},\n' for i in range(1000))).encode("utf-16-le") + b"\x00\xd8a\x00",
     "u.json", None, {"encoding": "utf-16-le"}, "u.json: line 1002 is not valid utf-16-le"),
], ids=["three-boms", "two-boms-only", "bom-crlf-at-a-piece-end", "explicit-json", "cut-opening", "utf16-line"])
def test_what_reading_in_pieces_must_not_change(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data: bytes,
                                                name: str, piece: int | None, options: dict[str, Any],
                                                expected: Any) -> None:
    """Cases a differential fuzzer (reader of 2026-11-27 vs this one, pieces of 1-64 characters) found."""
    from sentikit import corpus_lines

    if piece:
        monkeypatch.setattr(corpus_lines, "_PIECE", piece)
    (tmp_path / name).write_bytes(data)
    monkeypatch.chdir(tmp_path)
    if isinstance(expected, str):
        assert expect_error(name, [expected], CorpusOptions(**options)).startswith(expected)
    else:
        assert [(r.text, r.label, r.line) for r in read(name, CorpusOptions(**options))] == expected
