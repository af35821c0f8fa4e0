"""Tests for sentikit.corpus: encodings, byte order marks, line endings and quoting, from files and gzip."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path
from typing import Any

import pytest

from sentikit import corpus_lines
from sentikit.corpus import CorpusOptions
from sentikit.corpus_lines import LineCounter
from sentikit.errors import DataError
from tests.test_corpus import EXTENSIONS, expect_error, read, serialise

# -- encodings, BOM, line endings, quoting ------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "tsv", "jsonl", "txt"])
def test_utf8_bom_is_ignored(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"c{EXTENSIONS[fmt]}"
    path.write_bytes(b"\xef\xbb\xbf" + serialise(fmt, [("hi", "pos")]))
    (record,) = read(path)
    assert record.text == "hi"


def test_bom_does_not_hide_the_header_from_detection(tmp_path: Path) -> None:
    path = tmp_path / "noext"
    path.write_bytes(b"\xef\xbb\xbftext,label\nhi,pos\n")
    assert [(r.text, r.label) for r in read(path)] == [("hi", "pos")]


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["LF", "CRLF"])
@pytest.mark.parametrize("fmt", ["csv", "tsv", "jsonl", "txt"])
def test_line_endings(tmp_path: Path, fmt: str, newline: str) -> None:
    rows = [("first", "a"), ("second", "b")]
    path = tmp_path / f"c{EXTENSIONS[fmt]}"
    path.write_bytes(serialise(fmt, rows, newline))
    records = read(path)
    assert [r.text for r in records] == ["first", "second"]
    assert [r.line for r in records] == ([2, 3] if fmt in ("csv", "tsv") else [1, 2])


@pytest.mark.parametrize("fmt", ["csv", "txt", "jsonl"])
def test_mixed_line_endings(tmp_path: Path, fmt: str) -> None:
    body = {"csv": b"text,label\r\none,a\ntwo,b\r\nthree,c", "txt": b"one\r\ntwo\nthree",
            "jsonl": b'{"text":"one"}\r\n{"text":"two"}\n{"text":"three"}'}[fmt]  # and no final newline
    path = tmp_path / f"c.{fmt}"
    path.write_bytes(body)
    assert [r.text for r in read(path)] == ["one", "two", "three"]


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["LF", "CRLF"])
def test_quoted_fields_with_newlines_inside(tmp_path: Path, newline: str) -> None:
    path = tmp_path / "c.csv"
    path.write_bytes(f'text,label{newline}"one{newline}two, ""three""{newline}",pos{newline}next,neg{newline}'
                     .encode())
    records = read(path)
    assert [(r.text, r.label) for r in records] == [(f'one{newline}two, "three"{newline}', "pos"), ("next", "neg")]
    assert [r.line for r in records] == [4, 5]  # the line where each record ends


@pytest.mark.parametrize(("encoding", "text"), [("cp1251", "Отличный фильм: ёлка"), ("latin-1", "café crème"),
                                                ("utf-16", "ёлка 😀")])
def test_other_encodings_read_fine_with_encoding(tmp_path: Path, encoding: str, text: str) -> None:
    path = tmp_path / "c.csv"
    path.write_bytes(f"text,label\n{text},pos\n".encode(encoding))
    assert [r.text for r in read(path, CorpusOptions(encoding=encoding))] == [text]


@pytest.mark.parametrize("encoding", ["cp1251", "latin-1"])
def test_other_encodings_without_encoding_name_the_line(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "c.csv"
    path.write_bytes("text,label\nplain ascii,pos\nfine,neg\nОтличный café,pos\n".encode(encoding, "replace"))
    expect_error(path, [str(path), "line 4", "not valid utf-8", "--encoding cp1251"])


def test_bad_byte_far_into_a_gzip_file_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "c.csv.gz"
    path.write_bytes(gzip.compress(b"text,label\n" + b"good movie,pos\n" * 20000 + b"bad \xff,neg\n"))
    expect_error(path, [str(path), "line 20002", "byte 0xff"])


def test_ten_megabyte_single_line_documents(tmp_path: Path) -> None:
    big = "слово word " * (10 * 2**20 // 16)
    for name, data in [("big.csv", f'text,label\n"{big}",pos\n'), ("big.txt", big + "\n"),
                       ("big.jsonl", json.dumps({"text": big}) + "\n")]:
        path = tmp_path / name
        path.write_text(data, encoding="utf-8")
        (record,) = read(path)
        assert record.text == big


# -- lines read in pieces -------------------------------------------------------------------------------------------


def _counter(raw: io.RawIOBase | bytes) -> LineCounter:
    binary = io.BufferedReader(raw) if isinstance(raw, io.RawIOBase) else io.BytesIO(raw)
    return LineCounter(io.TextIOWrapper(binary, encoding="utf-8", newline=""), "in", "utf-8")


@pytest.mark.parametrize("data", ["abc\r\ndef\n", "abcd\r\nx", "abcd\rxyzwv\rq", "abcdefghij\nk", "abcd\r",
                                  "abcd\n\n", "abcdefgh", "ab\rcd\r\n\r\r\nefghijklm\r", "ёжик\r\nёлка"])
def test_long_lines_come_in_pieces_but_whole(monkeypatch: pytest.MonkeyPatch, data: str) -> None:
    """Lines are read 4 characters at a time here: every line (LF, CRLF or lone CR ending, a CR at a piece's end
    included) comes out as the text layer's own readlines() gives it, numbered the same."""
    monkeypatch.setattr(corpus_lines, "_PIECE", 4)
    counter = _counter(data.encode())
    expected = io.TextIOWrapper(io.BytesIO(data.encode()), encoding="utf-8", newline="").readlines()
    assert (list(counter), counter.line) == (expected, len(expected))


class _Zeros(io.RawIOBase):
    """/dev/zero (up to 64 MiB): NUL bytes, counting how many were read."""

    def __init__(self) -> None:
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.read_bytes >= 64 << 20:  # an end after all, so that a reader that wants the whole line fails
            return 0
        buffer[:] = bytes(len(buffer))
        self.read_bytes += len(buffer)
        return len(buffer)


def test_an_endless_line_of_nul_bytes_is_refused_at_once() -> None:
    zeros = _Zeros()
    with pytest.raises(DataError, match="in: line 1 contains NUL bytes; this looks like a binary file"):
        next(_counter(zeros))
    assert zeros.read_bytes < 8 << 20  # one piece of the line, not the whole of it
