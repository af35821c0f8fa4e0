"""Reading a JSON array of records as it arrives: the records are decoded one at a time from a window over the
input, so memory holds the record being read (and up to a few MiB around it), never the whole array. The
same holds for an array written on one line, as pandas' `to_json(orient='records')` writes it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from sentikit.corpus_json import (
    ARRAY_HINT,
    DECODER,
    SURROGATE_ESCAPE,
    WHITESPACE,
    JsonObject,
    columns_layout,
    json_hint,
    layout_error,
    too_long_number,
)
from sentikit.errors import DataError

# The input comes in lines (or pieces of a long one); each `more` appends at least _READ characters, since every
# append copies the window. Decoded text beyond _KEEP characters is let go of, which copies what is left: only
# when that is little, so a window that holds one long record is not copied over and over.
_READ = 1 << 16
_KEEP = 1 << 18
# A decoding error this close to the end of the window may be a record cut off by the window's end (an escape
# such as "\ud83d\ude00" is 12 characters): read on before calling it an error.
_CUT_MARGIN = 12


class _Window:
    """The input from line `line` on, as far as it has been read: `text`, filled from `pieces` on demand."""

    def __init__(self, pieces: Iterable[str], streaming: bool = False) -> None:
        self._pieces = iter(pieces)
        # From a stream, read no further ahead than the record needs (a read ahead would wait for the writer),
        # and let go of what is decoded before each read, so that every read copies little.
        self.streaming = streaming
        self._min_read = 1 if streaming else _READ
        self.text = ""
        self.line = 1  # the line text[0] is on
        self._counted = 0  # line_at's last position, and its line
        self._counted_line = 1

    def more(self, wanted: int) -> bool:
        """Append at least `wanted` (and `_READ`) more characters, or all that is left; False when nothing was
        left."""
        chunks, added = [self.text], 0
        while added < max(wanted, self._min_read):
            piece = next(self._pieces, None)
            if piece is None:
                break
            chunks.append(piece)
            added += len(piece)
        if added:  # (one piece into an empty window is taken as it is: no copy)
            self.text = chunks[1] if len(chunks) == 2 and not self.text else "".join(chunks)
        return added > 0

    def _read_to_brace(self) -> bool:
        """Read pieces until one holds a "}"; False when the input ended first with nothing read."""
        read = False
        while True:
            start = len(self.text)
            if not self.more(1):
                return read
            read = True
            if "}" in self.text[start:]:
                return True

    def line_at(self, pos: int) -> int:
        """The line of `pos`; positions asked for only grow (until `drop`), so each character is counted once."""
        if pos < self._counted:
            return self.line + self.text.count("\n", 0, pos)
        self._counted_line += self.text.count("\n", self._counted, pos)
        self._counted = pos
        return self._counted_line

    def drop(self, pos: int) -> int:
        """Let go of the text before `pos` (decoded already); returns where `pos` now is: 0."""
        self.line = self.line_at(pos)
        self.text = self.text[pos:]
        self._counted, self._counted_line = 0, self.line
        return 0

    def skip_space(self, pos: int) -> int:
        """The position of the next character that is not JSON whitespace, reading on as needed; len(text) at the
        end of the input."""
        while True:
            pos = WHITESPACE.match(self.text, pos).end()  # type: ignore[union-attr]
            if pos < len(self.text):
                return pos
            if pos > _KEEP or self.streaming:  # all of it is read: let it go before reading on
                pos = self.drop(pos)
            if not self.more(1):
                return pos

    def decode(self, pos: int, name: str, hint: str) -> tuple[Any, int]:
        """The JSON value at `pos` and where it ends, reading on while it may be cut off by the window's end."""
        while True:
            try:
                return DECODER.raw_decode(self.text, pos)
            except json.JSONDecodeError as exc:
                cut = exc.pos >= len(self.text) - _CUT_MARGIN or exc.msg.startswith("Unterminated string")
                # Doubling, which is linear in the record; from a stream, a short record reads on a piece at a
                # time instead (reading further would wait for records the writer has not written yet), and is
                # decoded again only once a piece brings a "}" that may close it.
                if cut and (self._read_to_brace() if self.streaming and len(self.text) - pos < _READ
                            else self.more(len(self.text) - pos)):
                    continue
                line = self.line + exc.lineno - 1
                raise DataError(f"{name}: line {line}: not valid JSON ({exc.msg})", hint=hint) from exc
            except ValueError as exc:
                raise too_long_number(name, self.line_at(pos)) from exc
            except RecursionError as exc:
                raise DataError(f"{name}: line {self.line_at(pos)}: JSON nested too deeply") from exc


def json_array_objects(pieces: Iterable[str], name: str, sniffed: bool = False,
                       streaming: bool = False) -> Iterator[JsonObject]:
    """The objects of a JSON array of records, each with the line it starts on, from the input's text in pieces
    of any size (`LineCounter.pieces`); with `streaming`, each record as soon as its last piece is in."""
    window = _Window(pieces, streaming)
    hint = json_hint(ARRAY_HINT, sniffed)
    pos = window.skip_space(0)
    if pos == len(window.text):
        return  # blank: the caller says the input is empty
    if window.text[pos] != "[":
        if window.text[pos] == "{":
            try:
                whole = window.decode(pos, name, hint)[0]
            except DataError:
                whole = None
            if columns_layout(whole):
                raise layout_error(name, window.line_at(pos))
            raise DataError(f"{name}: a JSON object, not an array of records", hint=ARRAY_HINT)
        raise DataError(f"{name}: line {window.line_at(pos)}: not a JSON array of records", hint=hint)
    pos += 1
    first = True
    while True:
        pos = window.skip_space(pos)
        if pos == len(window.text):
            raise DataError(f"{name}: not valid JSON (the array is never closed)", hint="the file is truncated?")
        if first and window.text[pos] == "]":
            raise DataError(f"{name}: the JSON array is empty", hint="pass a file with one document per record")
        start = window.line_at(pos)
        obj, end = window.decode(pos, name, hint)
        if not isinstance(obj, dict):
            raise DataError(f"{name}: line {start}: expected a JSON object in the array", hint=hint)
        yield start, obj, SURROGATE_ESCAPE.search(window.text, pos, end) is not None
        pos = window.skip_space(end)
        first = False
        if pos > _KEEP and len(window.text) - pos <= 4 * _KEEP:  # copying what is left is cheap
            pos = window.drop(pos)
        if window.text.startswith(",", pos):
            pos += 1
            continue
        if window.text.startswith("]", pos):
            rest = window.skip_space(pos + 1)
            if rest != len(window.text):
                raise DataError(f"{name}: line {window.line_at(rest)}: not valid JSON (more data after the array)",
                                hint=hint)
            return
        if pos == len(window.text):
            raise DataError(f"{name}: not valid JSON (the array is never closed)", hint="the file is truncated?")
        raise DataError(f"{name}: line {window.line_at(pos)}: not valid JSON (expected ',' or ']' after a record)",
                        hint=hint)
