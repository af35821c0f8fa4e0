"""Tests for how sentikit.corpus finds a corpus's columns: the delimiter of a CSV (comma, semicolon or tab), column
options that make sniffed input tabular, names matched regardless of case and spacing, the text and the label never
one column, and JSONL keys decided over the records rather than from the first one."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from sentikit.corpus import CorpusOptions, ReadStats
from sentikit.errors import DataError, UsageError
from tests.test_corpus import FakeStdin, expect_error, read

RUSSIAN = "Отзыв,Тональность\nотлично,positive\nужасно,negative\n".encode()
EXPECTED = [("отлично", "positive"), ("ужасно", "negative")]


def _source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data: bytes, via: str) -> str | Path:
    if via == "stdin":
        monkeypatch.setattr(sys, "stdin", FakeStdin(data))
        return "-"
    path = tmp_path / via
    path.write_bytes(data)
    return path


# -- column options make sniffed input tabular ---------------------------------------------------------------------


@pytest.mark.parametrize("via", ["stdin", "reviews.txt", "reviews"])
@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_column_options_make_sniffed_input_tabular(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, via: str,
                                                   delimiter: str) -> None:
    data = RUSSIAN.replace(b",", delimiter.encode())
    options = CorpusOptions(text_col="Отзыв", label_col="Тональность")
    source = _source(tmp_path, monkeypatch, data, via)
    assert [(r.text, r.label) for r in read(source, options, need_labels=True)] == EXPECTED
    # The text column alone: the rest is carried along, the header is not a document.
    records = read(_source(tmp_path, monkeypatch, data, via), CorpusOptions(text_col="Отзыв"))
    assert [(r.text, r.extra) for r in records] == [("отлично", {"Тональность": "positive"}),
                                                   ("ужасно", {"Тональность": "negative"})]


def test_a_label_column_alone_makes_sniffed_input_tabular_too(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    source = _source(tmp_path, monkeypatch, RUSSIAN, "stdin")
    expect_error(source, ["<stdin>: no text column found (columns found: Отзыв, Тональность)", "--text-col"],
                 CorpusOptions(label_col="Тональность"), need_labels=True)


@pytest.mark.parametrize("columns", [{"text_col": "text"}, {"label_col": "label"}])
def test_column_options_with_plain_lines_are_a_usage_error(columns: dict[str, str]) -> None:
    with pytest.raises(UsageError, match="plain lines"):
        CorpusOptions(input_format="txt", **columns)  # type: ignore[arg-type]


@pytest.mark.parametrize("via", ["stdin", "reviews.txt"])
def test_labels_from_plain_lines_are_refused_with_a_hint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         via: str) -> None:
    source = _source(tmp_path, monkeypatch, RUSSIAN, via)
    name = "<stdin>" if via == "stdin" else str(source)
    expect_error(source, [f"{name}: read as plain lines", "no labels", "--input-format csv", "--text-col"],
                 need_labels=True)
    source = _source(tmp_path, monkeypatch, RUSSIAN, via)
    expect_error(source, ["read as plain lines", "--input-format csv"], CorpusOptions(input_format="txt"),
                 need_labels=True)
    assert len(read(_source(tmp_path, monkeypatch, RUSSIAN, via))) == 3  # plain lines are fine without labels


# -- delimiters -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("via", ["semi.csv", "semi.txt", "stdin"])
def test_semicolon_separated_csv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, via: str) -> None:
    data = 'text;label;note\nотлично;positive;"a; b"\n"ужасно, жаль";negative;\n'.encode()
    source = _source(tmp_path, monkeypatch, data, via)
    records = read(source, need_labels=True)
    assert [(r.text, r.label, r.extra) for r in records] == [("отлично", "positive", {"note": "a; b"}),
                                                             ("ужасно, жаль", "negative", {"note": ""})]


def test_tsv_saved_as_csv(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b'text\tlabel\nok, fine\tpositive\n"Best" shop\tpositive\n')
    assert [(r.text, r.label) for r in read(path, need_labels=True)] == [("ok, fine", "positive"),
                                                                       ('"Best" shop', "positive")]


@pytest.mark.parametrize(("data", "expected"), [
    (b'"a;b"\nx;y\n', ["x;y"]),  # one quoted column whose name holds a semicolon
    (b"text\nx;y\nz\tw\n", ["x;y", "z\tw"]),  # one column: nothing to split the header on
    (b"text,label\nx;y,pos\n", ["x;y"]),  # commas split the header: semicolons are text
])
def test_a_comma_header_keeps_semicolons_and_tabs_in_fields(tmp_path: Path, data: bytes,
                                                            expected: list[str]) -> None:
    path = tmp_path / "c.csv"
    path.write_bytes(data)
    assert [r.text for r in read(path, CorpusOptions(text_col="a;b" if data.startswith(b'"') else None))] == expected


def test_field_count_errors_name_the_delimiter(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_bytes(b"text;label\nok;pos;extra\n")
    expect_error(path, [f"{path}: line 2: 3 fields where the header has 2", "semicolon"])


@pytest.mark.parametrize(("name", "data", "options", "shown", "flag"), [
    ("c.csv", b"review_body|stars\nok|pos\n", {}, "review_body|stars", "--delimiter '|'"),
    ("c.csv", b"text,label\nok,pos\n", {"input_format": "tsv"}, "'text,label'", "--delimiter ,"),
])
def test_a_header_read_as_one_column_names_the_delimiter(tmp_path: Path, name: str, data: bytes,
                                                         options: dict[str, str], shown: str, flag: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    delimiter = "tab" if options else "comma"
    expect_error(path, [f"{path}: no text column found (columns found: {shown})",
                        f"read as one {delimiter}-separated column", "--input-format", f"pass {flag}"],
                 CorpusOptions(**options))  # type: ignore[arg-type]


def test_a_pipe_header_with_a_known_name_is_read(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_bytes(b"text|label\nok, fine|pos\n")
    assert [(r.text, r.label) for r in read(path)] == [("ok, fine", "pos")]


# -- names: exact first, else unique regardless of case and spacing ------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
@pytest.mark.parametrize(("text_col", "label_col"), [("text", "label"), ("TEXT", "Label "), (" text", "LABEL")])
def test_explicit_names_ignore_case_and_spacing(tmp_path: Path, fmt: str, text_col: str, label_col: str) -> None:
    path = tmp_path / f"caps.{fmt}"
    path.write_text("Text,Label\nотлично,positive\n" if fmt == "csv"
                    else '{"Text": "отлично", "Label": "positive"}\n', encoding="utf-8")
    (record,) = read(path, CorpusOptions(text_col=text_col, label_col=label_col), need_labels=True)
    assert (record.text, record.label) == ("отлично", "positive")


def test_the_closest_name_wins_and_an_ambiguous_one_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("Text,text,TEXT,label\nA,b,C,pos\n", encoding="utf-8")
    for wanted, text in (("TEXT", "C"), ("text", "b"), (" Text ", "A")):  # as written, else but for spaces
        (record,) = read(path, CorpusOptions(text_col=wanted))
        assert record.text == text
    expect_error(path, [f"{path}: --text-col 'teXt' matches several columns: 'Text', 'text', 'TEXT'",
                        "exactly as written"], CorpusOptions(text_col="teXt"))


# -- the text column is never the label column --------------------------------------------------------------------


def test_the_same_explicit_column_for_text_and_label_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="--text-col and --label-col"):
        CorpusOptions(text_col="label", label_col="label")
    path = tmp_path / "c.csv"
    path.write_text("Text,label\nok,pos\n", encoding="utf-8")
    # Two spellings that resolve to one column.
    expect_error(path, ["--text-col and --label-col", "'Text'"], CorpusOptions(text_col="text", label_col="TEXT"),
                 error=UsageError)


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_automatic_detection_skips_the_chosen_column(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"c.{fmt}"
    path.write_text("text,label\nok,pos\n" if fmt == "csv" else '{"text": "ok", "label": "pos"}\n',
                    encoding="utf-8")
    # --text-col label: no other label column, so no label (and the label never leaks into the text).
    expect_error(path, ["no label column found", "columns found: text, label"], CorpusOptions(text_col="label"),
                 need_labels=True)
    (record,) = read(path, CorpusOptions(text_col="label"))
    assert (record.text, record.label, record.extra) == ("pos", None, {"text": "ok"})
    # --label-col text: no other text column.
    expect_error(path, ["no text column found"], CorpusOptions(label_col="text"))


def test_automatic_detection_takes_the_next_candidate(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("review,text,label,sentiment\nr,t,l,s\n", encoding="utf-8")
    (record,) = read(path, CorpusOptions(label_col="text"), need_labels=True)
    assert (record.text, record.label) == ("r", "t")
    (record,) = read(path, CorpusOptions(text_col="label"), need_labels=True)
    assert (record.text, record.label) == ("l", "s")


# -- JSONL keys over the records -----------------------------------------------------------------------------------


def test_jsonl_label_missing_from_the_first_record(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    path.write_text('{"text":"ok"}\n{"text":"плохо","label":"negative"}\n', encoding="utf-8")
    for options in (CorpusOptions(), CorpusOptions(label_col="label")):
        stats = ReadStats()
        assert [(r.text, r.label) for r in read(path, options, need_labels=True, stats=stats)] == [
            ("плохо", "negative")]
        assert (stats.rows, stats.empty_label) == (2, 1)
    expect_error(path, [f"{path}: line 1: no 'label' field", "--strict"], CorpusOptions(strict=True),
                 need_labels=True)
    # Without the need for labels, the first record has none and the second its own.
    assert [r.label for r in read(path)] == [None, "negative"]


def test_jsonl_text_missing_from_the_first_record(tmp_path: Path) -> None:
    path = tmp_path / "j2.jsonl"
    path.write_text('{"id":1,"label":"positive"}\n{"text":"ok","label":"positive","id":2}\n', encoding="utf-8")
    stats = ReadStats()
    assert [(r.text, r.label, r.extra) for r in read(path, need_labels=True, stats=stats)] == [
        ("ok", "positive", {"id": "2"})]
    assert (stats.rows, stats.empty_text) == (2, 1)
    expect_error(path, [f"{path}: line 1: no 'text' field", "--strict"], CorpusOptions(strict=True))
    # One row per record for predict: the record without a text is an empty text.
    from sentikit.corpus import read_corpus

    kept = list(read_corpus(path, keep_empty_text=True))
    assert [(r.text, r.line) for r in kept] == [("", 1), ("ok", 2)]


def test_jsonl_without_a_text_key_in_its_first_records_names_every_key_seen(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    path.write_text('{"id": 1}\n{"id": 2, "note": "x"}\n{"stars": 5}\n', encoding="utf-8")
    expect_error(path, [f"{path}: no text column found (columns found: id, note, stars)", "--text-col"])
    expect_error(path, [f"{path}: no column 'review' (columns found: id, note, stars)"],
                 CorpusOptions(text_col="review"))
    assert [r.text for r in read(path, CorpusOptions(text_col="note"), stats=ReadStats())] == ["x"]


def test_jsonl_decides_from_a_bounded_look_ahead(tmp_path: Path) -> None:
    from sentikit.corpus_json import LOOK_AHEAD

    path = tmp_path / "j.jsonl"
    path.write_text('{"id": 1}\n' * LOOK_AHEAD + '{"text": "late"}\n', encoding="utf-8")
    with pytest.raises(DataError, match=f"no text column found in the first {LOOK_AHEAD} records"):
        read(path)
    path.write_text('{"id": 1}\n' * (LOOK_AHEAD - 1) + '{"text": "late"}\n', encoding="utf-8")
    assert [r.text for r in read(path)] == ["late"]
