"""From bytes to counted text lines: opening a corpus path or stdin, and decoding it so that every bad byte or
NUL is reported on its own line, after every good line before it has been handed out."""

from __future__ import annotations

import codecs
import io
import logging
import os
import re
import stat
import sys
import zlib
from collections.abc import Iterator
from itertools import chain
from pathlib import Path
from typing import IO

from sentikit.datasets import resolve_corpus_path
from sentikit.errors import DataError, UsageError

log = logging.getLogger("sentikit")

# What the "surrogateescape" error handler makes of a byte the encoding cannot decode (0x80-0xff).
_UNDECODABLE = re.compile("[\udc80-\udcff]")
_NUL = re.compile("\x00")
_CR_PEEK = 64  # lines read to tell a CR-terminated file (no LF in them) from lines with a stray CR
_PIECE = 1 << 20  # characters of a line read and checked at a time
_BINARY_PEEK = 8192  # characters after a bad line searched for NUL, to tell a binary file from a stray byte


def open_binary(path: str | Path) -> IO[bytes]:
    if str(path) == "-":
        return sys.stdin.buffer
    if isinstance(path, str) and not path.strip():  # Path("") would be ".", the working folder
        raise UsageError(f"an empty path {path!r} was given for a corpus", hint="pass a file, or - for stdin")
    p = Path(resolve_corpus_path(path))
    if not p.exists():
        raise DataError(f"{p}: no such file")
    if p.is_dir():
        raise DataError(f"{p}: is a folder, not a corpus file")
    try:
        return p.open("rb")
    except OSError as exc:
        raise DataError(f"{p}: cannot open ({exc.strerror})") from exc


class LineCounter(io.TextIOBase):
    """Text wrapper that counts physical lines, so decode and CSV errors can name the line, and refuses NUL
    characters (a binary file, or UTF-16 read as something else).

    The text layer decodes with "surrogateescape", so a byte that is not valid in the encoding reaches this
    wrapper inside its own line and is refused there: every line before it has been handed out by then. (A
    strict decoder fails on the whole chunk of several lines it decodes at once, losing the good lines in it.)
    """

    def __init__(self, text: IO[str], name: str, encoding: str) -> None:
        self._text = text
        self._name = name
        self._encoding = encoding
        self._again: list[str] = []  # lines handed back, to be read again (in reverse order)
        self._pending = ""  # the start of the next line, read to see whether a CR was followed by LF
        self.line = 0

    def readable(self) -> bool:
        return True

    @property
    def streaming(self) -> bool:
        """Whether the input arrives as it is written (a pipe, a terminal, a FIFO) rather than from a file that is
        all there: readers that read ahead for speed then read only what they need, so each record comes out
        as soon as it is in."""
        try:
            return not stat.S_ISREG(os.fstat(self._text.fileno()).st_mode)
        except (OSError, ValueError, AttributeError):  # in-memory text: all there
            return False

    def __iter__(self) -> Iterator[str]:
        return self

    def push_back(self, lines: list[str]) -> None:
        """Hand back `lines`, the last ones read, to be read again (with their line numbers)."""
        self._again.extend(reversed(lines))
        self.line -= len(lines)

    def __next__(self) -> str:
        if self._again:
            self.line += 1
            return self._again.pop()
        # In pieces, each checked as it comes: a stream of NULs with no line break (/dev/zero) is refused at
        # once instead of being read until memory runs out.
        piece, self._pending = self._pending or self._text.readline(_PIECE), ""
        if not piece:
            raise StopIteration
        self.line += 1
        self._check(piece)
        if len(piece) < _PIECE or piece.endswith("\n"):
            return piece  # nearly every line
        return self._rest_of_line(piece)

    def _rest_of_line(self, piece: str) -> str:
        """A line longer than a piece: `piece`, its start, joined with the pieces that follow it."""
        pieces = [piece]
        while len(piece) == _PIECE and not piece.endswith("\n"):
            piece = self._text.readline(_PIECE)
            if pieces[-1].endswith("\r") and piece != "\n":  # that CR ended the line: this is the next one
                self._pending = piece
                break
            if not piece:
                break
            self._check(piece)
            pieces.append(piece)
        return "".join(pieces)

    def peek(self) -> tuple[str, bool]:
        """The start of the next line, up to a piece (`_PIECE` characters), left to be read next, and whether
        that is all of the line. A longer line is not read whole."""
        if self._again:
            return self._again[-1], True
        if not self._pending:
            self._pending = self._text.readline(_PIECE)
        return self._pending, len(self._pending) < _PIECE or self._pending.endswith(("\n", "\r"))

    def drop_bom(self) -> None:
        """Drop a byte order mark that starts the next piece (`peek` leaves it, as `__next__` would read it)."""
        self._pending = self._pending.removeprefix("\ufeff")

    def pieces(self) -> Iterator[str]:
        """The rest of the input as it comes, in checked pieces of up to `_PIECE` characters that need not end at
        a line break: for a JSON array, which is read by its own syntax, one line of it may be the whole file."""
        while self._again:
            self.line += 1
            yield self._again.pop()
        piece, self._pending = self._pending, ""
        # Lines are counted as `__next__` counts them (LF, CRLF or a lone CR ends one); a CRLF may be split
        # between two pieces.
        cr = False  # the last piece ended in CR: an LF starting this one is part of that line break
        last = ""
        # By lines (or `_PIECE` characters of a longer one), as `__next__` reads: a byte the encoding cannot decode
        # is then named by its line (`decode_error_line` counts from the lines handed out).
        while piece or (piece := self._text.readline(_PIECE)):
            split = cr and piece.startswith("\n")
            self._check(piece, self.line + 1 - split)
            self.line += _line_breaks(piece) - split
            cr = piece.endswith("\r")
            last, piece = piece, ""
            yield last
        if last and not last.endswith(("\n", "\r")):
            self.line += 1  # a last line without a line break counts too

    def _check(self, piece: str, first_line: int | None = None) -> None:
        """Refuse a piece of text that holds an undecodable byte or NUL; `first_line`: the line the piece starts
        on (by default the one being read)."""
        bad = _UNDECODABLE.search(piece)
        if bad is None:
            if "\x00" not in piece:  # nearly always: this is all a line costs
                return
            bad = _NUL.search(piece)
            assert bad is not None
        line = (self.line if first_line is None else first_line) + _line_breaks(piece[:bad.start()])
        if bad.group() != "\x00":
            raise decode_error(self._name, line, self._encoding, ord(bad.group()) - 0xDC00,
                               binary="\x00" in piece or "\x00" in self._peek())
        raise DataError(f"{self._name}: line {line} contains NUL bytes; this looks like a binary file, "
                        "not a text corpus", hint="if it is UTF-16 text, pass --encoding utf-16")

    def _peek(self) -> str:
        """Some text after a bad line (which ends the reading anyway), or "" when even that cannot be read."""
        try:
            return self._text.read(_BINARY_PEEK)
        except (UnicodeError, OSError, EOFError, zlib.error):
            return ""

    def readline(self, size: int = -1) -> str:  # csv only iterates; readline serves the first line
        try:
            return next(self)
        except StopIteration:
            return ""


def _line_breaks(text: str) -> int:
    return text.count("\n") + text.count("\r") - text.count("\r\n")


def plain_lines(counter: LineCounter) -> Iterator[tuple[str, int]]:
    """(line without its line break, its number) for one-document-per-line input.

    Lines end at LF or CRLF. A lone CR ends a line only in a file whose lines end that way (classic Mac OS,
    Excel's "CSV (Macintosh)"): one with no LF in its first `_CR_PEEK` lines. Anywhere else a lone CR is a
    character of the text, as for `wc -l`, `head` or `paste`, so that output row N stays input line N. (The text
    layer breaks lines at every CR: the pieces are joined again here.)
    """
    pieces = iter(counter)
    head: list[str] = []
    for piece in pieces:  # up to the first piece that does not end in a lone CR
        head.append(piece)
        if not piece.endswith("\r") or len(head) == _CR_PEEK:
            break
    if head and not head[-1].endswith("\n"):  # no LF so far: every piece is a line
        for number, piece in enumerate(chain(head, pieces), 1):
            yield piece.rstrip("\r\n"), number
        return
    text = ""
    for piece in chain(head, pieces):
        if text:  # the piece before ended in a lone CR: this one continues its line
            counter.line -= 1
        text += piece
        if not text.endswith("\r"):
            yield text.rstrip("\r\n"), counter.line
            text = ""
    if text:
        yield text.rstrip("\r\n"), counter.line


def drop_utf8_bom(binary: IO[bytes], encoding: str, name: str) -> None:
    """Skip a UTF-8 byte order mark at the start of `binary`, whatever `encoding` says: the three bytes can only
    mean UTF-8 (in cp1251 or latin-1 they would be the column name "п»їtext"). Only for encodings that share
    ASCII's bytes: in UTF-16 or UTF-32 they would not be a mark at all."""
    peek = getattr(binary, "peek", None)
    if peek is None or not peek(3).startswith(codecs.BOM_UTF8):
        return
    codec = codecs.lookup(encoding).name
    if codec not in ("utf-8", "utf-8-sig") and not _ascii_compatible(encoding):
        return
    binary.read(3)
    if codec not in ("utf-8", "utf-8-sig"):
        log.warning("%s: starts with a UTF-8 byte order mark, but is read as %s (if it is UTF-8, drop --encoding)",
                    name, encoding)


def _ascii_compatible(encoding: str) -> bool:
    try:
        return "text,\n".encode(encoding) == b"text,\n"
    except (UnicodeError, LookupError):
        return False


def decode_error(name: str, line: int, encoding: str, byte: int, binary: bool) -> DataError:
    if binary:
        return DataError(f"{name}: line {line} is not valid {encoding} and has NUL bytes; this looks like a "
                         "binary file, not a text corpus", hint="if it is UTF-16 text, pass --encoding utf-16")
    return DataError(f"{name}: line {line} is not valid {encoding} (byte 0x{byte:02x})",
                     hint="pass --encoding cp1251 or --encoding latin-1 if that is the file's encoding")


def decode_error_line(exc: UnicodeDecodeError, lines_read: int) -> int:
    """The line of the bad byte. The text layer decodes a chunk of several lines at once and, when it fails,
    has returned no line of that chunk yet; so count the line breaks in the chunk before the bad byte."""
    before = exc.object[: exc.start]
    if not isinstance(before, bytes | bytearray):  # pragma: no cover - decoders always see bytes
        return lines_read + 1
    return lines_read + 1 + before.count(b"\n") + before.count(b"\r") - before.count(b"\r\n")


def check_encoding(encoding: str) -> None:
    """A UsageError for an --encoding Python does not know, or a codec that is not a text encoding (hex, rot13)."""
    try:
        io.TextIOWrapper(io.BytesIO(), encoding=encoding)
    except LookupError as exc:
        raise UsageError(f"unknown encoding {encoding!r}", hint="try utf-8, cp1251 or latin-1") from exc
