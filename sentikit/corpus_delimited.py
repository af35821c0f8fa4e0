"""CSV and TSV rows: the delimiter of a CSV (comma, else semicolon or tab, as spreadsheets in many locales write
it), CSV quoting by the book, and TSV read the way most tools write it.

TSV writers disagree about quotes: many never quote (a cell `"Лучший" магазин` is just text), while pandas and
spreadsheets quote a cell that holds a quote, a tab or a line break. So a TSV field is read as quoted only when
the whole field is a well-formed quoted one (`"..."`, with any quote inside doubled); any other quote is an
ordinary character. A quoted field may run over several lines only when the line it starts on holds fewer fields
than the header, so a stray quote cannot swallow the rows after it.
"""

from __future__ import annotations

import csv
import logging
import re
import sys
from collections.abc import Iterator
from itertools import chain

from sentikit.corpus_columns import CorpusOptions, Record, pick_columns, refuse_duplicate_columns, visible
from sentikit.corpus_lines import LineCounter
from sentikit.errors import DataError

log = logging.getLogger("sentikit")

# Quoted fields may legitimately be huge (a 10 MB review is still a review).
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))

DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}
# A whole number as pandas writes it when the column also holds a missing value (1 -> 1.0).
_INTEGRAL = re.compile(r"\s*([+-]?[0-9]+)\.0*\s*")


def integral_label(label: str) -> str:
    """`label` with a whole number written as a float ("1.0", "-1.0") turned into the integer ("1", "-1"), as
    JSONL's 1.0 is; anything else is left as it is ("1.5", "pos")."""
    match = _INTEGRAL.fullmatch(label) if "." in label else None
    return str(int(match.group(1))) if match else label


def _fields(line: str, delimiter: str) -> list[str]:
    try:
        return next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:
        return []


def sniff_delimiter(header: str) -> str:
    """The delimiter of a CSV from its header line: a comma when it splits the header; else a semicolon or a tab,
    whichever splits it into more columns (a quoted name may hold either); else a comma (one column)."""
    line = header.rstrip("\r\n")
    if len(_fields(line, ",")) > 1:
        return ","
    counts = {d: len(_fields(line, d)) for d in ("\t", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 1 else ","


def delimited_records(fmt: str, lines: Iterator[str], counter: LineCounter, name: str, options: CorpusOptions,
                      need_labels: bool) -> Iterator[Record]:
    """The records of a CSV (any delimiter) or TSV; blank lines, also before the header, are skipped."""
    first = next((line for line in lines if _without_newline(line)), None)
    if first is None:
        return
    delimiter = "\t" if fmt == "tsv" else sniff_delimiter(first)
    everything = chain([first], lines)
    rows = _tsv_rows(everything, counter, name) if delimiter == "\t" else _csv_rows(everything, counter, name,
                                                                                      delimiter)
    line, header = next(rows)
    # An unnamed column (a spreadsheet's empty header cell) gets its position as a name, so two of them stay two.
    header = [h.strip() or f"column_{i}" for i, h in enumerate(header, 1)]
    refuse_duplicate_columns(header, name, line)
    try:
        text_col, label_col = pick_columns(header, options, need_labels, name)
    except DataError as exc:
        if len(header) == 1 and any(d in header[0] for d in ",;\t|"):  # the wrong delimiter, most likely
            raise DataError(exc.args[0], hint=f"the header was read as one {DELIMITER_NAMES[delimiter]}-separated "
                                              "column; check --input-format (csv reads commas, semicolons and "
                                              "tabs)") from exc
        raise
    t_i = header.index(text_col)
    l_i = header.index(label_col) if label_col else -1
    for line, row in rows:
        if len(row) != len(header):
            raise DataError(f"{name}: line {line}: {len(row)} fields where the header has {len(header)}",
                            hint=f"check the quoting and the delimiter; the rows were read as "
                                 f"{DELIMITER_NAMES[delimiter]}-separated")
        extra = {h: v for i, (h, v) in enumerate(zip(header, row)) if i not in (t_i, l_i)}
        yield Record(text=row[t_i], label=integral_label(row[l_i]) if l_i >= 0 else None, extra=extra, line=line)


def _csv_rows(lines: Iterator[str], counter: LineCounter, name: str,
              delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(line where the row ends, fields) for each row of a CSV, blank lines skipped."""
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    start = counter.line  # the line where the row being parsed begins (the header's is already read)
    try:
        for row in reader:
            if row:
                yield counter.line, row
            start = counter.line + 1
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            # The quote opened where the row began; the reader only noticed at the end of the file.
            raise DataError(f"{name}: line {start}: a quoted field starting on this line is never closed",
                            hint="check for an unclosed or stray quote; double a quote inside a field") from exc
        raise DataError(f"{name}: line {counter.line}: malformed CSV ({visible(str(exc))})",
                        hint="check for an unclosed or stray quote") from exc


def _without_newline(line: str) -> str:
    if line.endswith("\r\n"):
        return line[:-2]
    return line[:-1] if line.endswith(("\n", "\r")) else line


def _unquoted(value: str) -> str:
    """A field that is wholly a well-formed quoted field, unquoted; any other field as written."""
    if len(value) >= 2 and value[0] == value[-1] == '"' and '"' not in value[1:-1].replace('""', ""):
        return value[1:-1].replace('""', '"')
    return value


def _split_quoted(text: str) -> tuple[str, list[str]]:
    """The fields of `text` when a field that starts with a quote is a quoted field: ("ok", fields); ("open", [])
    when a quoted field is still open at the end of `text`; ("bad", []) when text follows a closing quote."""
    fields: list[str] = []
    i, end = 0, len(text)
    while True:
        if i < end and text[i] == '"':
            parts: list[str] = []
            j = i + 1
            while True:
                k = text.find('"', j)
                if k < 0:
                    return "open", []
                parts.append(text[j:k])
                if text.startswith('"', k + 1):  # a doubled quote stands for one
                    parts.append('"')
                    j = k + 2
                    continue
                i = k + 1
                break
            fields.append("".join(parts))
            if i == end:
                return "ok", fields
            if text[i] != "\t":
                return "bad", []
            i += 1
        else:
            k = text.find("\t", i)
            if k < 0:
                fields.append(text[i:])
                return "ok", fields
            fields.append(text[i:k])
            i = k + 1


def _tsv_rows(lines: Iterator[str], counter: LineCounter, name: str) -> Iterator[tuple[int, list[str]]]:
    """(line where the row ends, fields) for each row of a TSV, blank lines skipped; see the module's docstring.
    A row whose fields cannot match the header comes out as its literal fields, for the caller to refuse."""
    width: int | None = None  # the header's field count, once read
    warned = False
    for line in lines:
        start = counter.line
        text = _without_newline(line)
        if not text:
            continue
        if '"' not in text:  # the common case, and the fast one
            fields = text.split("\t")
        else:
            state, quoted = _split_quoted(text)
            literal = [_unquoted(f) for f in text.split("\t")]
            if state == "ok" and (width is None or len(quoted) == width):
                fields = quoted
            elif width is None or len(literal) >= width or state != "open":
                fields = literal
            else:  # an open quoted field on a line too short for a row: it goes on over the next lines
                parts = [line]
                for more in lines:
                    parts.append(more)
                    if '"' in more:  # only a quote can close the field
                        state, quoted = _split_quoted(_without_newline("".join(parts)))
                        if state != "open":
                            break
                else:
                    raise DataError(f"{name}: line {start}: a quoted field starting on this line is never closed",
                                    hint="check for an unclosed or stray quote; double a quote inside a field")
                if state != "ok" or len(quoted) != width:
                    yield start, literal
                    return
                fields = quoted
                if not warned and any("\t" in f and ("\n" in f or "\r" in f) for f in fields):
                    # pandas writes such a field for a text holding both; a stray quote makes one too.
                    log.warning("%s: lines %d-%d were read as one row: a quoted field spans them and holds tabs "
                                "(if they are separate rows, a quote on line %d is unbalanced)", name, start,
                                counter.line, start)
                    warned = True
        if width is None:
            width = len(fields)
        yield counter.line, fields
