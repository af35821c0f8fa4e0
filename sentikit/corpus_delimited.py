"""CSV and TSV rows: the delimiter of a CSV (comma, semicolon, tab or pipe, as spreadsheets in many locales write
it: named by --delimiter or Excel's `sep=` line, else told by the header's names), CSV quoting by the book, and
the header and columns of both; TSV rows themselves are read by `sentikit.corpus_tsv`, the way most tools write
them.
"""

from __future__ import annotations

import csv
import logging
import re
import sys
from collections.abc import Iterator
from itertools import chain

from sentikit.corpus_columns import (
    LABEL_COLUMNS,
    TEXT_COLUMNS,
    CorpusOptions,
    Record,
    delimiter_flag_value,
    listed,
    pick_columns,
    refuse_duplicate_columns,
    visible,
)
from sentikit.corpus_lines import LineCounter
from sentikit.corpus_tsv import TsvRows, without_newline
from sentikit.errors import DataError

log = logging.getLogger("sentikit")

# Quoted fields may legitimately be huge (a 10 MB review is still a review).
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))

# The most lines a quoted CSV or TSV field may span: more is an unclosed quote, and reading on would hold the file.
MAX_FIELD_LINES = 10_000
_KNOWN = {*TEXT_COLUMNS, *LABEL_COLUMNS}
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
# Excel's optional first line naming the delimiter ("sep=;"), which it writes and reads itself.
_SEP_LINE = re.compile(r"sep=([^\w\s\"']|\t)", re.IGNORECASE)


def shell_quoted(text: str) -> str:
    """`text` as a shell word in a hint: `'|'` and `';'` would otherwise be a pipe and a command separator."""
    return text if text.isalnum() or text == "," else f"'{text}'"


def delimiter_name(delimiter: str) -> str:
    """"comma", "semicolon", ... or the character itself (a `sep=` line may name any punctuation)."""
    return DELIMITER_NAMES.get(delimiter, repr(delimiter))


def header_fields(line: str, delimiter: str, *, strict: bool = False) -> list[str]:
    """One line split by CSV's rules; [] when it cannot be (`strict`: a stray quote counts as that too)."""
    try:
        return next(csv.reader([line], delimiter=delimiter, strict=strict), [])
    except csv.Error:
        return []


def sep_line(line: str) -> str | None:
    """The delimiter an Excel `sep=X` line names, or None when `line` is no such line."""
    match = _SEP_LINE.fullmatch(without_newline(line).strip(" "))
    return match.group(1) if match else None


def sniff_delimiter(header: str, options: CorpusOptions | None = None) -> str:
    """The delimiter of a CSV from its header line, split by CSV rules (quotes respected) on each candidate: the
    one whose fields hold the most of the columns named by --text-col/--label-col, else of the known text and
    label columns (a name may hold another candidate: "Оценка, 1-5" in a semicolon header); among equals, the one
    that splits the header into the most columns, a comma before a semicolon before a tab. A pipe is taken only
    for a known or named column."""
    line = without_newline(header)
    split = {d: header_fields(line, d) for d in (",", ";", "\t", "|")}
    named = [c.strip().casefold() for c in (options.text_col, options.label_col) if c] if options else []
    scores: dict[str, tuple[int, int, int]] = {}
    for delimiter, fields in split.items():
        keys = {f.strip().casefold() for f in fields}
        scores[delimiter] = (sum(n in keys for n in named), len(keys & _KNOWN), len(fields))
    if scores["|"][:2] == (0, 0):
        del scores["|"]
    return max(scores, key=lambda d: scores[d])  # the first of equals: the order of `split`


def delimited_records(fmt: str, lines: Iterator[str], counter: LineCounter, name: str, options: CorpusOptions,
                      need_labels: bool, *, guessed: bool = False) -> Iterator[Record]:
    """The records of a CSV (any delimiter) or TSV; blank lines (empty or spaces only), also before the header,
    are skipped. The delimiter is --delimiter, else the one a `sep=` line names, else (CSV) the one the header
    suggests. `guessed`: the input was taken for a table by a guess from its first line, which one line says."""
    first = next((line for line in lines if line.strip()), None)
    sep = sep_line(first) if first is not None and fmt == "csv" else None
    if sep is not None:
        first = next((line for line in lines if line.strip()), None)
    if first is None:
        if sep is None and counter.line:  # (an empty input: the caller says so)
            raise DataError(f"{name}: no documents, only blank lines", hint="pass a file with one document per row")
        return
    delimiter = options.delimiter or sep or ("\t" if fmt == "tsv" else sniff_delimiter(first, options))
    # TSV's own quoting rules for a .tsv, and for a CSV file that turns out to hold tabs (a TSV under another
    # name); CSV's rules when the user or Excel's sep line named the tab.
    tsv_rules = fmt == "tsv" or (delimiter == "\t" and options.delimiter is None and sep is None)
    everything = chain([first], lines)
    rows = (iter(TsvRows(everything, counter, name, MAX_FIELD_LINES)) if tsv_rules
            else _csv_rows(everything, counter, name, delimiter))
    _, line, header = next(rows)
    header = _named(header)
    refuse_duplicate_columns(header, name, line)
    try:
        text_col, label_col = pick_columns(header, options, need_labels, name)
    except DataError as exc:
        # The most frequent other delimiter in the one column, most likely the file's.
        others = sorted((d for d in DELIMITER_NAMES if d != delimiter and d in header[0]), key=header[0].count,
                        reverse=True)
        if len(header) == 1 and others:  # the wrong delimiter, most likely
            flag = f"--delimiter {shell_quoted(delimiter_flag_value(others[0]))}"
            check = f"pass {flag}" if options.delimiter else f"pass {flag}, or check --input-format"
            raise DataError(exc.args[0], hint=f"the header was read as one {delimiter_name(delimiter)}-separated "
                                              f"column; {check}") from exc
        raise
    if guessed:
        read_as = "TSV" if tsv_rules else "CSV" if delimiter == "," else f"{delimiter_name(delimiter)}-separated CSV"
        log.info("%s: read as %s with the header %s (line %d); pass --input-format txt to read each line as a "
                 "document", name, read_as, listed(header), line)
    t_i = header.index(text_col)
    l_i = header.index(label_col) if label_col else -1
    for start, line, row in rows:
        if len(row) != len(header):
            # A row over several lines: a quoted field opened on its first line (a stray quote, often).
            where = f"line {line}" if start == line else f"lines {start}-{line}"
            raise DataError(f"{name}: {where}: {len(row)} fields where the header has {len(header)}",
                            hint=f"check the quoting and the delimiter; the rows were read as "
                                 f"{delimiter_name(delimiter)}-separated")
        extra = {h: v for i, (h, v) in enumerate(zip(header, row)) if i not in (t_i, l_i)}
        yield Record(text=row[t_i], label=row[l_i] if l_i >= 0 else None, extra=extra, line=line)


def _named(header: list[str]) -> list[str]:
    """The header with a name for each unnamed column (a spreadsheet's empty header cell): its position, so two
    of them stay two, made unique if a named column has it already ("column_2" beside "column_2_2")."""
    names = [h.strip() for h in header]
    taken = set(names)
    for i, name in enumerate(names):
        if not name:
            free = f"column_{i + 1}"
            k = 2
            while free in taken:
                free = f"column_{i + 1}_{k}"
                k += 1
            names[i] = free
            taken.add(free)
    return names


def _is_blank(row: list[str], line: str) -> bool:
    """Whether `row`, parsed from `line` alone, is a line of spaces: a blank line, skipped like an empty one. A
    quoted field of spaces (`"   "`) is a row with an empty text, which keeps its place in the output."""
    return len(row) == 1 and row[0].isspace() and '"' not in line


def _csv_rows(lines: Iterator[str], counter: LineCounter, name: str,
              delimiter: str) -> Iterator[tuple[int, int, list[str]]]:
    """(line where the row starts, line where it ends, fields) for each row of a CSV, blank lines (empty or
    spaces only) skipped. A quoted field may span at most `MAX_FIELD_LINES` lines (more is an unclosed quote, and
    reading on would hold the file); one that spans many lines most of which look like rows gets a warning, since
    a stray quote swallows rows so."""
    start = counter.line + 1  # the line where the row being parsed begins (the header's is already read)

    last = [""]  # the line read last: the whole of a row that did not span lines

    def capped() -> Iterator[str]:
        for line in lines:
            last[0] = line
            if counter.line - start >= MAX_FIELD_LINES:
                raise DataError(f"{name}: line {start}: a quoted field starting on this line does not close within "
                                f"{MAX_FIELD_LINES} lines",
                                hint="check for an unclosed or stray quote; double a quote inside a field")
            yield line

    reader = csv.reader(capped(), delimiter=delimiter, strict=True)
    warned = False
    width = 0  # the header's field count, once read
    try:
        for row in reader:
            if row and not (start == counter.line and _is_blank(row, last[0])):
                width = width or len(row)
                if not warned and counter.line - start >= _SWALLOW_LINES and _swallowed_rows(row, delimiter, width):
                    warned = True
                    log.warning("%s: lines %d-%d were read as one row: a quoted field spans them, and most of its "
                                "lines look like rows (if they are, a quote on line %d is unbalanced)",
                                name, start, counter.line, start)
                yield start, counter.line, row
            start = counter.line + 1
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            # The quote opened where the row began; the reader only noticed at the end of the file.
            raise DataError(f"{name}: line {start}: a quoted field starting on this line is never closed",
                            hint="check for an unclosed or stray quote; double a quote inside a field") from exc
        if counter.line > start:
            # The row runs over lines: a quoted field opened on its first line, most likely by a stray quote.
            raise DataError(f"{name}: line {start}: malformed CSV ({visible(str(exc))} on line {counter.line}, "
                            f"in a row whose quoted field opens on line {start})",
                            hint=f"check for a stray quote on line {start}; double a quote inside a field") from exc
        raise DataError(f"{name}: line {counter.line}: malformed CSV ({visible(str(exc))})",
                        hint="check for an unclosed or stray quote") from exc


# A quoted CSV field over this many lines, most of them shaped like rows, looks like rows a stray quote swallowed.
_SWALLOW_LINES = 100
_SHORT_VALUE = re.compile(r"\S{1,30}")  # a label or an id, as a row has: one short word


def _swallowed_rows(row: list[str], delimiter: str, width: int) -> bool:
    """Whether a field of `row` holds lines most of which look like rows: as many fields as the header, one of
    them a single short word. A review's lines rarely do ("The plot was slow, but the acting was great."), the
    rows a stray quote swallows do ("отзыв 12,neg"); blank lines count for neither."""
    for field in row:
        inner = [line for line in field.splitlines() if line.strip()]
        if len(inner) < _SWALLOW_LINES:
            continue
        rowlike = 0
        for line in inner:
            parts = line.split(delimiter)
            rowlike += len(parts) == width and any(_SHORT_VALUE.fullmatch(p.strip()) for p in parts)
        if 2 * rowlike > len(inner):
            return True
    return False
