"""Tests for sentikit.corpus: how the format and the delimiter are recognised (and when they are not to be): a CSV
delimiter from the header's names, --delimiter, Excel's `sep=` line, plain reviews that start like JSON, blank
lines before the first line, and byte order marks in another encoding."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from sentikit.corpus import CorpusOptions, ReadStats, detect_format
from sentikit.errors import UsageError
from tests.test_corpus import FakeStdin, expect_error, read

# -- the delimiter of a CSV --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "data"), [
    ("qh.csv", 'text;"Оценка, 1-5";label\nхорошо;5;pos\n'),
    ("qh2.csv", "text;Оценка, 1-5;label\nхорошо;5;pos\n"),
    ("qh3.csv", 'text\t"a, b"\tlabel\nхорошо\t5\tpos\n'),
    ("pipe.csv", "text|a, b|label\nхорошо|5|pos\n"),
    ("qh.txt", 'text;"Оценка, 1-5";label\nхорошо;5;pos\n'),  # sniffed: then --text-col names it a table
])
def test_the_delimiter_whose_fields_hold_a_known_column_wins(tmp_path: Path, name: str, data: str) -> None:
    path = tmp_path / name
    path.write_text(data, encoding="utf-8")
    options = CorpusOptions(text_col="text") if name.endswith(".txt") else None
    assert [(r.text, r.label) for r in read(path, options, need_labels=True)] == [("хорошо", "pos")]


def test_a_named_column_decides_the_delimiter(tmp_path: Path) -> None:
    path = tmp_path / "sc1.csv"
    path.write_text("Текст отзыва;Оценка, 1-5;Тональность\nхорошо;5;positive\n", encoding="utf-8")
    # Without a name, the header splits on semicolons (Excel does not quote "Оценка, 1-5") as it does on commas.
    expect_error(path, ["no text column found", "columns found: Текст отзыва, 'Оценка, 1-5', Тональность"])
    records = read(path, CorpusOptions(text_col="Текст отзыва", label_col="Тональность"), need_labels=True)
    assert [(r.text, r.label, r.extra) for r in records] == [("хорошо", "positive", {"Оценка, 1-5": "5"})]


@pytest.mark.parametrize(("data", "texts"), [
    ("text,label\nа;б,pos\n", ["а;б"]),  # a comma header keeps semicolons in fields
    ("text,label;x\nа,pos;1\n", ["а"]),  # both split it into a known name: the comma, as before
    ("a;b\n1;2\n", None),  # no known name: the old rule (a semicolon, as the comma does not split it)
])
def test_without_a_known_name_the_old_rule_stands(tmp_path: Path, data: str, texts: list[str] | None) -> None:
    path = tmp_path / "c.csv"
    path.write_text(data, encoding="utf-8")
    if texts is None:
        expect_error(path, ["columns found: a, b"])
    else:
        assert [r.text for r in read(path)] == texts


@pytest.mark.parametrize(("delimiter", "sep"), [(",", ","), (";", ";"), ("\t", "\t"), ("|", "|")])
def test_the_delimiter_option(tmp_path: Path, delimiter: str, sep: str) -> None:
    path = tmp_path / "d.csv"
    path.write_text(f'text{sep}label\n"a, b; c | d"{sep}pos\n', encoding="utf-8")
    records = read(path, CorpusOptions(delimiter=delimiter))
    assert [(r.text, r.label) for r in records] == [("a, b; c | d", "pos")]


def test_the_delimiter_option_overrides_the_sniffing(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("text,x;label\nа,1;pos\n", encoding="utf-8")
    assert [(r.text, r.label) for r in read(path)] == [("а", None)]  # a tie: the comma, as before
    expect_error(path, ["no text column found (columns found: 'text,x', label)"], CorpusOptions(delimiter=";"))
    records = read(path, CorpusOptions(delimiter=";", text_col="text,x"))
    assert [(r.text, r.label) for r in records] == [("а,1", "pos")]


def test_the_delimiter_option_makes_sniffed_input_a_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", FakeStdin("Отзыв;Тональность\nхорошо;pos\n".encode()))
    records = read("-", CorpusOptions(delimiter=";", text_col="Отзыв"))
    assert [(r.text, r.label) for r in records] == [("хорошо", None)]
    path = tmp_path / "t.txt"
    path.write_text("text|label\nхорошо|pos\n", encoding="utf-8")
    assert [(r.text, r.label) for r in read(path, CorpusOptions(delimiter="|"))] == [("хорошо", "pos")]


def test_a_tsv_read_with_another_delimiter_is_read_as_csv(tmp_path: Path) -> None:
    path = tmp_path / "semi.tsv"
    path.write_text("text;label\nхорошо;pos\n", encoding="utf-8")
    assert [(r.text, r.label) for r in read(path, CorpusOptions(delimiter=";"))] == [("хорошо", "pos")]


@pytest.mark.parametrize(("options", "fragments"), [
    ({"input_format": "json", "delimiter": ";"}, ["--delimiter", "CSV"]),
    ({"input_format": "jsonl", "delimiter": ","}, ["--delimiter", "CSV"]),
    ({"input_format": "txt", "delimiter": ","}, ["--delimiter", "plain lines"]),
    ({"input_format": "tsv", "delimiter": ";"}, ["--input-format tsv", "--input-format csv"]),
    ({"delimiter": "::"}, ["invalid --delimiter"]),
])
def test_delimiter_combinations_that_cannot_work(options: dict[str, str], fragments: list[str]) -> None:
    with pytest.raises(UsageError) as info:
        CorpusOptions(**options)  # type: ignore[arg-type]
    for fragment in fragments:
        assert fragment in str(info.value), (fragment, str(info.value))


def test_a_json_file_ignores_the_delimiter(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text('{"text": "a", "label": "pos"}\n', encoding="utf-8")
    assert [r.label for r in read(path, CorpusOptions(delimiter=";"))] == ["pos"]


@pytest.mark.parametrize("name", ["x.csv", "x.txt", "stdin"])
@pytest.mark.parametrize("sep", [";", ",", "\t", "|"])
def test_excel_sep_line(provide: Callable[[bytes, str, str], str], name: str, sep: str) -> None:
    data = f"sep={sep}\r\ntext{sep}Оценка, 1-5{sep}label\r\nхорошо{sep}5{sep}pos\r\n".encode()
    if sep == ",":
        data = data.replace(b"\xd0\x9e\xd1\x86\xd0\xb5\xd0\xbd\xd0\xba\xd0\xb0, 1-5", b'"Rating, 1-5"')
    records = read(provide(data, name, name), need_labels=True)
    assert [(r.text, r.label, r.line) for r in records] == [("хорошо", "pos", 3)]


def test_the_delimiter_option_wins_over_a_sep_line(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("sep=;\ntext,label\nа,pos\n", encoding="utf-8")
    assert [(r.text, r.label) for r in read(path, CorpusOptions(delimiter=","))] == [("а", "pos")]


# -- plain reviews that start like JSON ----------------------------------------------------------------------------


@pytest.mark.parametrize("data", [
    "{sarcasm} great film, loved it\nterrible plot\n",
    "[{spoiler}] great film\nawful\n",
    "[ {sarcasm} ] great\nok\n",
    "[\nawful\n",
    "\n[\n\nawful\n",
    '{"unclosed": \nok\n',
])
@pytest.mark.parametrize("via", ["txt", "stdin", "noext"])
def test_reviews_that_start_like_json_are_plain_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data: str,
                                                      via: str) -> None:
    if via == "stdin":
        monkeypatch.setattr(sys, "stdin", FakeStdin(data.encode()))
        source: str | Path = "-"
    else:
        source = tmp_path / ("r.txt" if via == "txt" else "r")
        source.write_text(data, encoding="utf-8")
    assert [r.text for r in read(source)] == [line for line in data.splitlines() if line]


@pytest.mark.parametrize(("first", "following", "fmt"), [
    ('{"text": "a"}', None, "jsonl"),
    ("{}", None, "jsonl"),
    ("{sarcasm} great", None, "txt"),
    ('[{"text": "a"},', None, "json"),
    ('[ {"text": "a"},', None, "json"),
    ("[{", None, "json"),
    ("[{spoiler}] great", None, "txt"),
    ("[", None, "json"),  # not known what follows: an array, as before
    ("[", "  {", "json"),
    ("[", '{"text": "a"}', "json"),
    ("[", "awful", "txt"),
    ("Unnamed: 0,text,label", None, "csv"),  # what pandas writes for an index column
    ('text;"Оценка, 1-5";label', None, "csv"),
    ("text,label,#tags,verified?,share %", None, "csv"),
])
def test_detect_format_by_content(first: str, following: str | None, fmt: str) -> None:
    assert detect_format("-", first, following=following) == fmt


def test_detect_format_keeps_jsonl_and_json_files() -> None:
    assert detect_format("a.jsonl", "{sarcasm} great") == "jsonl"
    assert detect_format("a.json", "[{spoiler}] great") == "json"


@pytest.mark.parametrize(("name", "data", "fragments"), [
    ("r.txt", '{"text": "a"}\n{sarcasm} great\n', ["line 2: not valid JSON", "--input-format txt"]),
    ("r.txt", '[{"text": "a"},\n {sarcasm}]\n', ["line 2: not valid JSON", "--input-format txt"]),
    ("r.jsonl", "{sarcasm} great\n", ["line 1: not valid JSON"]),
])
def test_json_errors_on_sniffed_input_point_to_plain_lines(tmp_path: Path, name: str, data: str,
                                                           fragments: list[str]) -> None:
    path = tmp_path / name
    path.write_text(data, encoding="utf-8")
    message = expect_error(path, fragments)
    assert ("--input-format txt" in message) == name.endswith(".txt")


# -- blank lines first --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("data", "texts", "labels"), [
    ("\ntext,label\ngreat,pos\nbad,neg\n", ["great", "bad"], ["pos", "neg"]),
    ("\r\n \ntext\tlabel\ngreat\tpos\n", ["great"], ["pos"]),
    ('\n\n{"text": "great", "label": "pos"}\n', ["great"], ["pos"]),
    ('\n[{"text": "great", "label": "pos"}]\n', ["great"], ["pos"]),
])
def test_blank_lines_before_the_first_line_do_not_hide_the_format(monkeypatch: pytest.MonkeyPatch, data: str,
                                                                  texts: list[str], labels: list[str]) -> None:
    monkeypatch.setattr(sys, "stdin", FakeStdin(data.encode()))
    records = read("-", need_labels=True)
    assert [(r.text, r.label) for r in records] == list(zip(texts, labels, strict=True))


def test_blank_lines_before_plain_lines_keep_their_line_numbers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", FakeStdin(b"\n\none\n\ntwo\n"))
    from sentikit.corpus import read_corpus

    records = list(read_corpus("-", keep_empty_text=True))
    assert [(r.text, r.line) for r in records] == [("", 1), ("", 2), ("one", 3), ("", 4), ("two", 5)]
    monkeypatch.setattr(sys, "stdin", FakeStdin(b"\n\none\n"))
    expect_error("-", ["<stdin>: line 1: empty text"], CorpusOptions(strict=True))


# -- byte order marks in another encoding ------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["cp1251", "latin-1", "utf-8", "utf-8-sig"])
def test_a_utf8_byte_order_mark_is_dropped_in_any_encoding(tmp_path: Path, encoding: str,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "b.csv"
    path.write_bytes(b"\xef\xbb\xbftext,label\nx,y\n")
    with caplog.at_level(logging.WARNING, logger="sentikit"):
        assert [(r.text, r.label) for r in read(path, CorpusOptions(encoding=encoding))] == [("x", "y")]
    warned = [r.getMessage() for r in caplog.records]
    if encoding.startswith("utf-8"):
        assert warned == []
    else:
        assert warned == [f"{path}: starts with a UTF-8 byte order mark, but is read as {encoding} (if it is "
                          "UTF-8, drop --encoding)"]


def test_a_byte_order_mark_inside_a_name_is_shown(tmp_path: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_bytes(b"id,\xef\xbb\xbfreview\n1,x\n")
    message = expect_error(path, ["columns found: id, \\ufeffreview"])
    assert "\ufeff" not in message


def test_an_unknown_sep_delimiter_gives_data_errors_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "colon.csv"
    path.write_text("sep=:\ntext:label\nхорошо:pos\nплохо:neg:extra\n", encoding="utf-8")
    expect_error(path, ["line 4: 3 fields where the header has 2", "read as ':'-separated"])


def test_a_stray_quote_in_a_one_column_tsv_does_not_merge_rows(tmp_path: Path,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    # With one column no tab tells a stray quote from a field over lines: each line stays a row.
    path = tmp_path / "one.tsv"
    path.write_text('text\n"Не советую, обман\nотзыв 3\nотзыв 4\nну и цены"\nотзыв 6\n', encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="sentikit"):
        texts = [r.text for r in read(path)]
    assert texts == ['"Не советую, обман', "отзыв 3", "отзыв 4", 'ну и цены"', "отзыв 6"]
    assert len(caplog.records) == 1 and "one-column TSV is read a line per row" in caplog.records[0].getMessage()


@pytest.mark.parametrize("source", ["h.txt", "h.csv", "-"])
def test_a_named_tab_reads_with_csv_rules_whatever_the_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                              source: str) -> None:
    data = 'text\tlabel\n"Цена:\t100\nотлично"\tpos\nплохо\tneg\n'
    if source == "-":
        monkeypatch.setattr(sys, "stdin", FakeStdin(data.encode()))
    else:
        source = str(tmp_path / source)
        Path(source).write_text(data, encoding="utf-8")
    records = read(source, CorpusOptions(delimiter="\t"), need_labels=True)
    assert [(r.text, r.label) for r in records] == [("Цена:\t100\nотлично", "pos"), ("плохо", "neg")]


def test_a_json_file_starting_with_a_too_long_number_says_so(tmp_path: Path) -> None:
    path = tmp_path / "long.json"
    path.write_text('{"text": "a", "id": ' + "9" * 5000 + "}\n", encoding="utf-8")
    expect_error(path, ["line 1: a JSON number too long to read"])


def test_a_blank_file_is_not_said_to_be_plain_lines_without_labels(tmp_path: Path) -> None:
    # Only a file with a document in it has lines that could have been a corpus: this one has none at all.
    path = tmp_path / "blank.txt"
    path.write_text("\n\n  \n", encoding="utf-8")
    message = expect_error(path, [f"{path}: no documents, only blank lines"], need_labels=True)
    assert "plain lines" not in message
    stats = ReadStats()  # where labels are not needed, each is a row with an empty text
    assert [r.text for r in read(path, stats=stats)] == [] and stats.empty_text == 3


def test_blank_lines_held_to_find_the_format_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    from sentikit import corpus

    monkeypatch.setattr(corpus, "MAX_BLANK_LINES", 3)
    monkeypatch.setattr(sys, "stdin", FakeStdin(b"\n\n\n\n\ntext,label\ngood,pos\n"))
    # Past the bound the input counts as plain lines: the header line is then a document like any other, and a
    # command that needs labels says what plain lines are.
    assert [r.text for r in read("-")] == ["text,label", "good,pos"]
    monkeypatch.setattr(sys, "stdin", FakeStdin(b"\n\n\n\n\ntext,label\ngood,pos\n"))
    expect_error("-", ["read as plain lines", "--input-format csv"], need_labels=True)
