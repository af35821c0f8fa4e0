"""Rendering: results to stdout (a Rich table on a terminal, JSON lines/TSV/CSV when piped), everything else
(progress, warnings, summaries) to stderr. Colours only on a terminal; Rich honours NO_COLOR.
"""

from __future__ import annotations

import csv
import json
import logging
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from sentikit.cli.cells import cell_text, column_widths, is_numeric, shown, shown_cell
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
            self._write_csv_row([cell_text(row.get(c)) for c in self.columns])
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


def columns_left_out(title: str | None, columns: Sequence[str], left_out: Sequence[str], width: int) -> None:
    """Say on stderr which columns a table too wide for the terminal leaves out."""
    info(f"{title or 'table'}: showing {len(columns) - len(left_out)} of {len(columns)} columns, as many as fit "
         f"{width}; left out: {', '.join(left_out)} (a wider terminal or another --format shows them all)")


def render_table(rows: Iterable[dict[str, Any]], columns: Sequence[str] | None = None,
                 title: str | None = None) -> None:
    rows = list(rows)
    cols = list(columns) if columns else list(rows[0]) if rows else []
    numeric = {col: is_numeric(rows, col) for col in cols}
    console = stdout_console()
    widths = column_widths(rows, cols, numeric, console.width)
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
