"""TSV rows read the way most tools write them (see `sentikit.corpus_delimited` for CSV and the delimiter).

TSV writers disagree about quotes: many never quote (a cell `"Лучший" магазин` is just text), while pandas and
spreadsheets quote a cell that holds a quote, a tab or a line break. So a TSV field is read as quoted only when
the whole field is a well-formed quoted one (`"..."`, with any quote inside doubled); any other quote is an
ordinary character. A quoted field may run over several lines, in any column; but when the line it starts on is a
row of its own with its quotes read as ordinary characters (as many fields as the header), the lines are joined
only if no field then spanning lines holds a tab, so a stray quote in an unquoting writer's file cannot swallow
the rows after it.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterator

from sentikit.corpus_lines import LineCounter
from sentikit.errors import DataError

log = logging.getLogger("sentikit")


def without_newline(line: str) -> str:
    if line.endswith("\r\n"):
        return line[:-2]
    return line[:-1] if line.endswith(("\n", "\r")) else line


def _unquoted(value: str) -> str:
    """A field that is wholly a well-formed quoted field, unquoted; any other field as written."""
    if len(value) >= 2 and value[0] == value[-1] == '"' and '"' not in value[1:-1].replace('""', ""):
        return value[1:-1].replace('""', '"')
    return value


def _scan(text: str, fields: list[str], parts: list[str] | None) -> tuple[str, list[str] | None]:
    """Go on reading a TSV row with `text`, one line without its line break. `fields` (appended to) holds the
    row's finished fields; `parts` the pieces of a quoted field that earlier lines left open, or None when `text`
    starts a field. A field is quoted when it starts with a quote. Returns ("ok", None) when the row ends with the
    line, ("open", parts) when a quoted field is still open at its end, ("bad", None) when text follows a
    closing quote."""
    i, end = 0, len(text)
    while True:
        if parts is None and i < end and text[i] == '"':
            parts = []
            i += 1
        if parts is not None:
            while True:
                k = text.find('"', i)
                if k < 0:
                    parts.append(text[i:])
                    return "open", parts
                parts.append(text[i:k])
                if text.startswith('"', k + 1):  # a doubled quote stands for one
                    parts.append('"')
                    i = k + 2
                    continue
                i = k + 1
                break
            fields.append("".join(parts))
            parts = None
            if i == end:
                return "ok", None
            if text[i] != "\t":
                return "bad", None
            i += 1
        else:
            k = text.find("\t", i)
            if k < 0:
                fields.append(text[i:])
                return "ok", None
            fields.append(text[i:k])
            i = k + 1


def _spans_lines_with_tabs(fields: list[str]) -> bool:
    return any("\t" in f and ("\n" in f or "\r" in f) for f in fields)


class TsvRows:
    """(line where the row starts, line where it ends, fields) for each row of a TSV, blank lines (empty or spaces
    only) skipped; see the module's docstring.
    A row whose fields cannot match the header comes out as its literal fields, for the caller to refuse.

    Lines read ahead for a quoted field that then turns out not to be one are read again as rows of their own;
    at most `max_field_lines` are held, so memory stays flat whatever a stray quote does."""

    def __init__(self, lines: Iterator[str], counter: LineCounter, name: str, max_field_lines: int) -> None:
        self.lines = lines
        self.counter = counter
        self.name = name
        self.max_field_lines = max_field_lines
        self.again: deque[tuple[int, str]] = deque()  # (line number, line) to be read again
        self.width: int | None = None  # the header's field count, once read
        self.warned: set[str] = set()

    def _pull(self) -> tuple[int, str] | None:
        if self.again:
            return self.again.popleft()
        line = next(self.lines, None)
        return None if line is None else (self.counter.line, line)

    def __iter__(self) -> Iterator[tuple[int, int, list[str]]]:
        again, lines, counter = self.again, self.lines, self.counter
        while True:
            if again:
                start, line = again.popleft()
            else:
                line = next(lines, "")
                if not line:
                    return
                start = counter.line
            text = without_newline(line)
            if not text or (text.isspace() and "\t" not in text):  # a line of tabs is a row of empty fields
                continue
            end = start
            if '"' not in text:  # the common case, and the fast one
                fields = text.split("\t")
            else:
                fields = []
                state, parts = _scan(text, fields, None)
                width = self.width
                if state == "ok" and (width is None or len(fields) == width):
                    pass
                elif state == "open" and width == 1:
                    # One column: no tab tells a quoted field over lines from a stray quote that would swallow
                    # the rows after it, so each line stays a row.
                    self._warn("single", "%s: line %d: a quote opens a field that does not close on this line; a "
                               "one-column TSV is read a line per row (if fields span lines, read the file as CSV: "
                               "--input-format csv --delimiter tab)", start)
                    fields = [_unquoted(f) for f in text.split("\t")]
                elif state == "open" and width is not None and len(fields) < width:
                    assert parts is not None
                    end, fields = self._join(start, line, text, fields, parts, width)
                else:
                    fields = [_unquoted(f) for f in text.split("\t")]
            if self.width is None:
                self.width = len(fields)
            yield start, end, fields

    def _join(self, start: int, line: str, text: str, fields: list[str], parts: list[str],
              width: int) -> tuple[int, list[str]]:
        """The row that the quoted field left open at the end of line `start` makes with the lines after it.

        A line that is a row of its own when its quotes are read as ordinary characters (as many fields as the
        header: an unquoting writer's row with a stray quote) is joined only when no field that then spans
        lines holds a tab, since the lines it would swallow are such rows; a shorter or longer line cannot be
        a row, and is joined (with a warning when such a field holds tabs) or refused."""
        literal = [_unquoted(f) for f in text.split("\t")]
        parts.append(line[len(text):])
        read: list[tuple[int, str]] = []
        end, state = start, "open"
        while (pulled := self._pull()) is not None:
            end, more = pulled
            read.append(pulled)
            if len(read) > self.max_field_lines:
                state = "long"
                break
            more_text = without_newline(more)
            if '"' not in more_text:  # only a quote can close the field
                parts.append(more)
                continue
            state, open_parts = _scan(more_text, fields, parts)
            if state != "open":
                break
            if len(fields) >= width:  # the row would be wider than the header
                state = "wide"
                break
            assert open_parts is not None
            parts = open_parts
            parts.append(more[len(more_text):])
        else:
            state = "eof"
        whole = len(literal) == width
        if state == "ok" and len(fields) == width:
            if not _spans_lines_with_tabs(fields):
                return end, fields
            if not whole:
                # pandas writes such a field for a text holding both; a stray quote makes one too.
                self._warn("joined", "%s: lines %d-%d were read as one row: a quoted field spans them and holds "
                           "tabs (if they are separate rows, a quote on line %d is unbalanced)", start, end, start)
                return end, fields
            self._warn("apart", "%s: line %d was read as a row of its own, although a quote on it opens a field "
                       "that closes on line %d (the field would hold tabs; if it is one field, read the file as "
                       "CSV: --input-format csv --delimiter tab)", start, end)
        if not whole and state in ("eof", "long"):
            within = "is never closed" if state == "eof" else f"does not close within {self.max_field_lines} lines"
            raise DataError(f"{self.name}: line {start}: a quoted field starting on this line {within}",
                            hint="check for an unclosed or stray quote; double a quote inside a field")
        if state == "long":
            self._warn("long", "%s: line %d: a quoted field starting on this line does not close within %d lines; "
                       "the line was read as written", start, self.max_field_lines)
        self.again.extendleft(reversed(read))
        return start, literal

    def _warn(self, kind: str, message: str, *args: object) -> None:
        if kind not in self.warned:  # once per file and kind: a file with one such line often has many
            self.warned.add(kind)
            log.warning(message, self.name, *args)
