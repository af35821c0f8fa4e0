"""A table drawn one row at a time, for results that arrive over time (`tail -f … | sentikit predict`).

The boxed Rich table (`output.render_table`) sizes its columns from every row, so it can only be drawn once the
input ends: behind `tail -f`, never. This table fixes its column widths before the first row instead, from
what the caller knows in advance (a label column as wide as the model's widest label, probabilities as
"0.1234") and from the first row (which of those columns the rows have), and puts the one column of unknown
width, the text, last, cut to the terminal's width. Every row is written and flushed as soon as it is answered.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from rich.cells import cell_len, set_cell_size
from rich.text import Text

from sentikit.cli.cells import MIN_TEXT_WIDTH, shown, shown_cell
from sentikit.cli.output import columns_left_out, field_names, info, stdout_console

GAP = "  "  # between columns: the table has no rules, so alignment alone must keep them apart
NARROWEST = 6  # a column is never capped below this: "0.1234", "posit…"; narrower, a cut value says nothing


@dataclass(frozen=True)
class Column:
    name: str
    width: int  # in terminal cells; a longer value is cut, with "…"
    numeric: bool = False  # right-aligned


def fitted(text: str, width: int, right: bool = False) -> str:
    """`text` in exactly `width` terminal cells: padded, or cut with "…"."""
    if cell_len(text) > width:
        return set_cell_size(text, width - 1) + "…" if width > 1 else set_cell_size(text, width)
    pad = " " * (width - cell_len(text))
    return pad + text if right else text + pad


class StreamingTable:
    """Writes rows as aligned lines under a header line: `columns`, then `last` (the free text) in the room
    left. The first row decides: a column it does not have is not drawn (as CSV output takes its header from
    the first row). No column is wider than a third of the terminal (a model's label may be any length), and
    columns are dropped from the right while `last` would get less than MIN_TEXT_WIDTH cells (or half the
    width, on a narrow terminal); those and any row field that is none of them are named once on stderr."""

    def __init__(self, columns: Sequence[Column], last: str, title: str = "table") -> None:
        self.columns = list(columns)
        self.last = last
        self.title = title
        self._console: Any = None
        self._noted_fields: set[str] = set()

    def _start(self, row: dict[str, Any]) -> None:
        self._console = console = stdout_console()
        width = console.width
        least = min(MIN_TEXT_WIDTH, width // 2)
        most = max(width // 3, NARROWEST)  # the boxed table wraps a long label; this one cuts it, with "…"
        self.columns = [replace(c, width=min(c.width, most)) for c in self.columns if c.name in row]
        dropped = []
        while len(self.columns) > 1 and sum(c.width + len(GAP) for c in self.columns) + least > width:
            dropped.append(self.columns.pop().name)
        if dropped:  # as render_table says it, rather than a review cut to nothing
            columns_left_out(self.title, [c.name for c in self.columns] + dropped[::-1] + [self.last],
                             dropped[::-1], width)
        self._noted_fields.update(dropped)
        self._header = [c.name for c in self.columns] + [self.last]
        self._note_fields(row)
        header = GAP.join(fitted(shown(c.name), c.width, c.numeric) for c in self.columns)
        console.print(Text(f"{header}{GAP}{shown(self.last)}", style="bold"), no_wrap=True, overflow="ellipsis",
                      crop=True, highlight=False)

    def _note_fields(self, row: dict[str, Any]) -> None:
        hidden = [key for key in row if key not in self._header and key not in self._noted_fields]
        if hidden:
            self._noted_fields.update(hidden)
            info(f"{self.title}: field(s) {field_names(hidden)} not shown in the table drawn as rows arrive "
                 "(--format jsonl or csv keeps every field)")

    def write(self, row: dict[str, Any]) -> None:
        if self._console is None:
            self._start(row)
        elif not self._noted_fields.issuperset(k for k in row if k not in self._header):
            self._note_fields(row)
        cells = GAP.join(fitted(shown_cell(row.get(c.name)), c.width, c.numeric) for c in self.columns)
        # Text, not markup: the text is user data. The console cuts the line at the terminal's edge, with "…".
        self._console.print(Text(f"{cells}{GAP}{shown_cell(row.get(self.last))}".rstrip()), no_wrap=True,
                            overflow="ellipsis", crop=True, highlight=False)
        self._console.file.flush()

    def close(self) -> None:
        """Nothing is held back: every row was written when it came."""
