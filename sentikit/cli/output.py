"""Rendering: results to stdout (a Rich table on a terminal, JSON lines/TSV/CSV when piped), everything else
(progress, warnings, summaries) to stderr. Colours only on a terminal; Rich honours NO_COLOR.
"""

from __future__ import annotations

import csv
import json
import logging
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from sentikit.cli.errors import one_line
from sentikit.corpus_json import json_ready
from sentikit.errors import UsageError

OUTPUT_FORMATS = ("table", "jsonl", "tsv", "csv")
_state = {"quiet": False}


def is_quiet() -> bool:
    return bool(_state["quiet"])


def set_quiet(quiet: bool) -> None:
    _state["quiet"] = quiet
    stderr_console.cache_clear()


@lru_cache(maxsize=1)
def stderr_console() -> Console:
    return Console(stderr=True, quiet=False, highlight=False)


_buffered: list[Console] = []  # set by `stdout_all_or_nothing`: where stdout_console() renders meanwhile
_held: list[list[tuple[str, str | None]]] = []  # and the info lines it holds back until that output is out


def stdout_console() -> Console:
    return _buffered[-1] if _buffered else Console(highlight=False)


@contextmanager
def stdout_all_or_nothing() -> Iterator[None]:
    """Render what the block prints through `stdout_console` into memory, as the terminal would show it, and
    write it only when the block succeeds: a command that fails part-way prints its error alone, not half a
    result followed by an error. Its `info` notes (a table's left-out columns) follow the output, not precede it."""
    import io

    real = Console(highlight=False)
    buffer = io.StringIO()
    _buffered.append(Console(file=buffer, highlight=False, width=real.width, force_terminal=real.is_terminal,
                             color_system=real.color_system, no_color=real.no_color))
    _held.append([])
    try:
        yield
    finally:
        _buffered.pop()
        notes = _held.pop()
    sys.stdout.write(buffer.getvalue())
    sys.stdout.flush()
    for message, style in notes:
        info(message, style)


def info(message: str, style: str | None = None) -> None:
    """A progress/summary line on stderr (suppressed by --quiet). Plain text, never Rich markup: messages
    quote file names, labels and columns, and "[red]pos" is a label like any other; their control characters
    are written as escapes (see `shown`)."""
    if _held:
        _held[-1].append((message, style))
    elif not _state["quiet"]:
        stderr_console().print(Text(shown(message), style=style or ""), highlight=False, soft_wrap=True)


def warn(message: str) -> None:
    """A warning line on stderr (suppressed by --quiet), plain text like `info`."""
    if not _state["quiet"]:
        stderr_console().print(Text.assemble(("warning:", "yellow"), " ", shown(message)), highlight=False,
                               soft_wrap=True)


class _StderrHandler(logging.Handler):
    """The library's log records on stderr: warnings as "warning: …", information (what the reader guessed) as a
    plain line, like the command's own progress lines."""

    def emit(self, record: logging.LogRecord) -> None:
        (warn if record.levelno >= logging.WARNING else info)(record.getMessage())


def setup_logging() -> None:
    logger = logging.getLogger("sentikit")
    if not any(isinstance(h, _StderrHandler) for h in logger.handlers):
        logger.addHandler(_StderrHandler())
    logger.setLevel(logging.INFO)
    logger.propagate = False


def resolve_format(fmt: str | None, choices: Sequence[str] = OUTPUT_FORMATS) -> str:
    """Default: a table on a terminal, JSON lines when stdout is a pipe or file."""
    if fmt is None:
        return "table" if sys.stdout.isatty() and "table" in choices else "jsonl"
    if fmt not in choices:
        raise UsageError(f"invalid --format {fmt!r}", hint=f"choose one of: {', '.join(choices)}")
    return fmt


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4f}"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else str(value)


class RowWriter:
    """Writes result rows one at a time; flushes each line when stdout is not a terminal (pipes, `tail -f`).

    Tables need all rows, so the table format collects them and renders at `close()`, with a column for every
    field of any row. CSV and TSV stream, so their header comes from the first row (or `columns`): a field
    that only later rows have is left out, with a warning on stderr when it first appears (and one more at
    `close()` naming any other such fields found after it). They cannot carry NUL either (see `_write_csv_row`).
    """

    def __init__(self, fmt: str, columns: Sequence[str] | None = None, title: str | None = None) -> None:
        self.fmt = fmt
        self.columns = list(columns) if columns else None
        self.title = title
        self._rows: list[dict[str, Any]] = []
        self._csv: Any = None
        self._csv_quoted: Any = None
        self._flush = not sys.stdout.isatty()
        self._written = 0
        self._in_header: set[str] = set()
        self._left_out: dict[str, None] = {}  # fields not in the CSV header, in the order they appeared
        self._left_out_reported = 0
        self._nul_reported = False

    def write(self, row: dict[str, Any]) -> None:
        out = sys.stdout
        self._written += 1
        if self.fmt == "table":
            self._rows.append(row)
            return
        if self.fmt == "lines":
            out.write(str(row["text"]) + "\n")
        elif self.fmt == "jsonl":
            out.write(json.dumps({key: json_ready(value) for key, value in row.items()}, ensure_ascii=False) + "\n")
        else:
            if self.columns is None:
                self.columns = list(row)
            if self._csv is None:
                delimiter = "\t" if self.fmt == "tsv" else ","
                self._csv = csv.writer(out, delimiter=delimiter, lineterminator="\n")
                # csv quotes "\n" but not a lone "\r" (not in the line terminator), which readers take for a
                # line break: rows holding one are written with every field quoted.
                self._csv_quoted = csv.writer(out, delimiter=delimiter, lineterminator="\n", quoting=csv.QUOTE_ALL)
                self._in_header = set(self.columns)
                self._write_csv_row([str(c) for c in self.columns])
            if not self._in_header.issuperset(row):
                self._leave_out([key for key in row if key not in self._in_header])
            self._write_csv_row([_cell(row.get(c)) for c in self.columns])
        if self._flush:
            out.flush()

    def _write_csv_row(self, cells: list[str]) -> None:
        if any("\0" in cell for cell in cells):
            # A JSON input can hold "\u0000", but CSV and TSV files cannot carry NUL portably: sentikit refuses
            # such a file as binary, and so do many other tools. Written as U+FFFD, the file can be read again
            # and the cell keeps a visible mark (the model read the NUL as a space anyway); JSON lines keep it.
            cells = [cell.replace("\0", "\ufffd") for cell in cells]
            if not self._nul_reported:
                warn(f"row {self._written} has NUL characters (\\u0000), which {self.fmt} cannot carry: written "
                     "as U+FFFD (\ufffd) here and in any later row (--format jsonl keeps them)")
                self._nul_reported = True
        (self._csv_quoted if any("\r" in cell for cell in cells) else self._csv).writerow(cells)

    def _leave_out(self, fields: list[str]) -> None:
        """Fields a row has beyond the CSV header. The first time, warn at once (behind `tail -f` the end may
        be far off); fields first seen after that are named once, at `close()`."""
        for name in fields:
            self._left_out.setdefault(name)
        if not self._left_out_reported:
            warn(f"row {self._written} has field(s) that the first row did not have: {field_names(self._left_out)}; "
                 f"the {self.fmt} columns come from the first row, so they are left out (--format jsonl keeps "
                 "every field)")
            self._left_out_reported = len(self._left_out)

    def close(self) -> None:
        if self.fmt == "table" and self._rows:
            # All rows are at hand: a field that only later rows have still gets its column.
            columns = self.columns or list(dict.fromkeys(key for row in self._rows for key in row))
            render_table(self._rows, columns, self.title)
        if len(self._left_out) > self._left_out_reported:
            later = list(self._left_out)[self._left_out_reported:]
            warn(f"later rows had more field(s), also left out of the {self.fmt} output: {field_names(later)}")
            self._left_out_reported = len(self._left_out)


def field_names(fields: Iterable[str], limit: int = 10) -> str:
    """Field names for a one-line message, with how many more there are."""
    fields = list(fields)
    shown = ", ".join(repr(name) for name in fields[:limit])
    return f"{shown} and {len(fields) - limit} more" if len(fields) > limit else shown


MIN_TEXT_WIDTH = 20  # narrower, a review shows two or three words a line: trailing columns give way first
FOLD_WIDTH = 6  # the last resort, when even the columns before a review leave it less than MIN_TEXT_WIDTH
_WORD = re.compile(r"\S+")  # Rich wraps text at whitespace and folds only a word wider than its column


def shown(text: str) -> str:
    """`text` for a human on a terminal: one line, its control characters written as escapes (as in error
    lines: data can hold escape sequences that set the window title or clear the screen) and tabs as spaces
    (Rich counts a tab as no width when it sizes a table column)."""
    return one_line(text).replace("\t", " ")


def shown_cell(value: Any) -> str:
    return shown(_cell(value))


_NUMBER_TEXT = re.compile(r"-?\d[\d,]*(?:\.\d+)?")


def _is_numeric(rows: Sequence[dict[str, Any]], col: str) -> bool:
    """Judged by the first value present (a compare row of a linear model has no best_epoch); a number already
    formatted for a table ("16,135") counts, so that it is right-aligned too."""
    value = next((row[col] for row in rows if row.get(col) is not None), None)
    if isinstance(value, str):
        return _NUMBER_TEXT.fullmatch(value) is not None
    return isinstance(value, int | float) and not isinstance(value, bool)


def _natural_widths(rows: Sequence[dict[str, Any]], cols: Sequence[str]) -> tuple[list[int], list[int]]:
    """Per column, in terminal cells: its widest value (at least 1), and that or its header if wider."""
    from rich.cells import cell_len

    values = [max([1, *(cell_len(shown_cell(row.get(col))) for row in rows)]) for col in cols]
    return values, [max(value, cell_len(shown_cell(col))) for value, col in zip(values, cols, strict=True)]


def _word_widths(rows: Sequence[dict[str, Any]], cols: Sequence[str]) -> tuple[list[int], list[int]]:
    """Per column, in terminal cells: the widest word of its values, and that or of its header if wider."""
    from rich.cells import cell_len

    def widest(text: str) -> int:
        return max([0, *(cell_len(word) for word in _WORD.findall(text))])

    values = [max([1, *(widest(shown_cell(row.get(col))) for row in rows)]) for col in cols]
    return values, [max(value, widest(shown_cell(col))) for value, col in zip(values, cols, strict=True)]


def _fill(least: list[int], most: list[int], room: int) -> list[int]:
    """Widths between `least` and `most` that use at most `room` cells, taken from the widest columns first:
    every column is capped at one width (the largest that fits), a column narrower than the cap keeps its
    width, and cells left under the cap go to the leftmost columns it held back."""
    if sum(most) <= room or sum(least) >= room:
        return list(most) if sum(most) <= room else list(least)

    def capped(cap: int) -> list[int]:
        return [max(lo, min(hi, cap)) for lo, hi in zip(least, most, strict=True)]

    fits, too_wide = 0, max(most)  # capped(0) == least fits, capped(max(most)) == most does not
    while too_wide - fits > 1:
        cap = (fits + too_wide) // 2
        fits, too_wide = (cap, too_wide) if sum(capped(cap)) <= room else (fits, cap)
    widths, spare = capped(fits), room - sum(capped(fits))
    for i, (lo, hi) in enumerate(zip(least, most, strict=True)):
        if spare and lo <= fits < hi:
            widths[i] += 1
            spare -= 1
    return widths


def _column_widths(rows: Sequence[dict[str, Any]], cols: Sequence[str], numeric: dict[str, bool],
                   width: int) -> list[int] | None:
    """Widths of the leading columns that fit `width` cells, or None when all fit unsqueezed (Rich lays them
    out).

    Free-text columns (text values wider than MIN_TEXT_WIDTH: reviews, long carried fields) take what the
    others leave, shared fairly (the widest gives way first), and wrap. Every other column keeps its natural
    width, header included, so a label, a number or a short header is never split; its text may at most wrap
    at spaces ("true \\ predicted"). Trailing columns are left out while the free text would get less than
    MIN_TEXT_WIDTH (or half the width, if less), or, with no free text, while the rest do not fit.

    Only when the columns up to the first free text do not fit so (leaving out the free text itself would not
    give it room) is everything squeezed further, in steps: see `_squeezed`. A number is never split across
    lines: Rich would fold 0.6667 into "0.666" over "7"."""
    values, natural = _natural_widths(rows, cols)
    if sum(natural) + 3 * len(cols) + 1 <= width:  # 3: padding and right edge of each column; 1: left edge
        return None
    words = _word_widths(rows, cols)[1]
    free = [not numeric[col] and value > MIN_TEXT_WIDTH for col, value in zip(cols, values, strict=True)]
    # Half the width on a terminal under 40 cells: there a second column (predict's label) is worth more than
    # a few more cells of review.
    least_text = min(MIN_TEXT_WIDTH, width // 2)
    readable = [least_text if is_free else n for n, is_free in zip(natural, free, strict=True)]
    wrapped = [lo if is_free else max(word, value) if numeric[col] else word
               for lo, is_free, word, value, col in zip(readable, free, words, values, cols, strict=True)]
    first_free = free.index(True) if True in free else 0  # leaving it out would not give it room
    for kept in range(len(cols), first_free, -1):
        room = width - 1 - 3 * kept
        if sum(readable[:kept]) <= room:
            return _fill(readable[:kept], natural[:kept], room)
        if sum(wrapped[:kept]) <= room:
            return _fill(wrapped[:kept], readable[:kept], room)
    lead = first_free + 1
    return _squeezed(cols[:lead], values[:lead], natural[:lead], words[:lead], free[:lead], numeric, width)


def _squeezed(cols: Sequence[str], values: list[int], natural: list[int], words: list[int], free: list[bool],
              numeric: dict[str, bool], width: int) -> list[int]:
    """The last resort of `_column_widths`, for a terminal too narrow for even the leading columns: squeezing
    goes in steps, the widest columns first within each: text wraps at spaces only; then free-text columns
    split words, so that labels and headers stay whole while a review can still wrap; then every column
    does, down to FOLD_WIDTH (a number column to its widest value); columns that cannot fit even so are left
    out."""
    least = [value if numeric[col] else min(n, FOLD_WIDTH)
             for value, n, col in zip(values, natural, cols, strict=True)]
    used, kept = 1, 0
    for need in least:
        used += need + 3
        if used > width and kept:
            break
        kept += 1
    natural, least = natural[:kept], least[:kept]
    whole_words = [max(lo, word) for lo, word in zip(least, words[:kept], strict=True)]
    free_text = [lo if is_free else whole for lo, whole, is_free in zip(least, whole_words, free[:kept], strict=True)]
    steps = [natural, whole_words, free_text, least]
    room = width - 1 - 3 * kept
    step = next((n for n in range(1, len(steps)) if sum(steps[n]) <= room), len(steps) - 1)
    return _fill(steps[step], steps[step - 1], room)


def columns_left_out(title: str | None, columns: Sequence[str], left_out: Sequence[str], width: int) -> None:
    """Say on stderr which columns a table too wide for the terminal leaves out."""
    info(f"{title or 'table'}: showing {len(columns) - len(left_out)} of {len(columns)} columns, as many as fit "
         f"{width}; left out: {', '.join(left_out)} (a wider terminal or another --format shows them all)")


def render_table(rows: Iterable[dict[str, Any]], columns: Sequence[str] | None = None,
                 title: str | None = None) -> None:
    rows = list(rows)
    cols = list(columns) if columns else list(rows[0]) if rows else []
    numeric = {col: _is_numeric(rows, col) for col in cols}
    console = stdout_console()
    widths = _column_widths(rows, cols, numeric, console.width)
    if widths is not None and len(widths) < len(cols):  # rather than cropped mid-number at the edge
        columns_left_out(title, cols, cols[len(widths):], console.width)
    # Text, not str: cells, headers and titles hold user data, which Rich must not read as markup; `shown`
    # keeps their control characters off the terminal.
    table = Table(title=Text(shown(title)) if title else None, show_lines=False)
    drawn = cols if widths is None else cols[: len(widths)]
    for n, col in enumerate(drawn):
        table.add_column(Text(shown_cell(col), no_wrap=False, overflow="fold"),
                         justify="right" if numeric[col] else "left", overflow="fold", no_wrap=numeric[col],
                         width=None if widths is None else widths[n])
    for row in rows:
        table.add_row(*[Text(shown_cell(row.get(c))) for c in drawn])
    console.print(table)


def columns_that_fit(rows: Sequence[dict[str, Any]], columns: Sequence[str], width: int) -> int:
    """How many leading `columns` `render_table` can draw in `width` cells without squeezing any, headers
    included (at least 1)."""
    used = 1  # the table's left edge
    for n, need in enumerate(_natural_widths(rows, columns)[1]):
        used += need + 3  # padding and right edge
        if used > width:
            return max(n, 1)
    return len(columns)


@contextmanager
def file_progress(source: str, description: str) -> Iterator[Callable[[int], None]]:
    """A progress bar over the lines of a (non-gzip) file when stderr is a terminal; a no-op otherwise.
    Yields `advance(line_number)`."""
    path = Path(source)
    if _state["quiet"] or source == "-" or not sys.stderr.isatty() or not path.is_file() or path.suffix == ".gz":
        yield lambda line: None
        return
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TimeRemainingColumn

    with path.open("rb") as f:
        total = sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))
    with Progress("[progress.description]{task.description}", BarColumn(), TaskProgressColumn(),
                  TimeRemainingColumn(), console=stderr_console(), transient=True) as progress:
        task = progress.add_task(description, total=max(total, 1))
        yield lambda line: progress.update(task, completed=line)


def write_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    sys.stdout.flush()
