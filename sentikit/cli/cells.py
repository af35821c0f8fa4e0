"""What a value looks like in a terminal table, and how wide the columns of a table get: the cell text of a
value, its escaped form for a terminal (`shown`), and the width planning that keeps labels and numbers whole
while a review wraps in what is left (`column_widths`). Text only; drawing is `sentikit.cli.output`'s.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from sentikit.cli.errors import one_line


def cell_text(value: Any) -> str:
    """A value as a table or CSV cell writes it: floats to 4 decimals, JSON for objects and lists, '' for None."""
    if isinstance(value, float):
        return f"{value:.4f}"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else str(value)


MIN_TEXT_WIDTH = 20  # narrower, a review shows two or three words a line: trailing columns give way first
FOLD_WIDTH = 6  # the last resort, when even the columns before a review leave it less than MIN_TEXT_WIDTH
_WORD = re.compile(r"\S+")  # Rich wraps text at whitespace and folds only a word wider than its column


def shown(text: str) -> str:
    """`text` for a human on a terminal: one line, its control characters written as escapes (as in error
    lines: data can hold escape sequences that set the window title or clear the screen) and tabs as spaces
    (Rich counts a tab as no width when it sizes a table column)."""
    return one_line(text).replace("\t", " ")


def shown_cell(value: Any) -> str:
    return shown(cell_text(value))


_NUMBER_TEXT = re.compile(r"-?\d[\d,]*(?:\.\d+)?")


def is_numeric(rows: Sequence[dict[str, Any]], col: str) -> bool:
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


def column_widths(rows: Sequence[dict[str, Any]], cols: Sequence[str], numeric: dict[str, bool],
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
    """The last resort of `column_widths`, for a terminal too narrow for even the leading columns: squeezing
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


def columns_that_fit(rows: Sequence[dict[str, Any]], columns: Sequence[str], width: int) -> int:
    """How many leading `columns` `render_table` can draw in `width` cells without squeezing any, headers
    included (at least 1)."""
    used = 1  # the table's left edge
    for n, need in enumerate(_natural_widths(rows, columns)[1]):
        used += need + 3  # padding and right edge
        if used > width:
            return max(n, 1)
    return len(columns)
