"""Pretrained word vectors in the word2vec / fastText text format (`.vec`, optionally gzipped).

Owns turning such a file into an embedding matrix aligned with a sentikit vocabulary. Files can hold
millions of rows, so they are streamed line by line and only rows whose word is in the vocabulary are
parsed into floats; every row's field count is still checked so a truncated or wrong-dimension file fails
with its file:line instead of silently yielding a half-filled matrix. Both readers go through `_Rows`, one
pass over the file. `check_vector_file` reads only the first lines, so that a wrong file is refused before
any corpus is read (and nothing from a pipe, which can be read only once).
"""

from __future__ import annotations

import errno
import gzip
import hashlib
import io
import os
import stat
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import numpy as np

from sentikit.errors import DataError

_PAD_ID = 0  # see sentikit.features.sequences
_GZIP_MAGIC = b"\x1f\x8b"
_FLOAT32_MAX = float(np.finfo(np.float32).max)


@dataclass(frozen=True)
class VectorsRead:
    """What reading a vector file found, for the manifest and for warnings about a file that does not fit."""

    name: str  # the file's name, without its folder (which says nothing about the vectors, and is private)
    sha256: str  # of the file as stored (compressed, for .gz)
    dim: int
    rows: int  # vectors in the file
    header_count: int | None  # the count the "count dim" first line announced, if it had one
    covered: np.ndarray = field(repr=False)  # per vocabulary id: the file had its vector (never the PAD row)

    @property
    def found(self) -> int:
        return int(self.covered.sum())


class _Hashing(io.RawIOBase):
    """A raw reader that hashes (and counts) every byte read through it: the SHA-256 of the file comes with the
    one pass that reads it (a vector file can be gigabytes, or a pipe that can be read only once)."""

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self.digest = hashlib.sha256()
        self.size = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        n = self._raw.readinto(buffer)  # type: ignore[attr-defined]
        if n:
            self.digest.update(memoryview(buffer)[:n])
            self.size += n
        return n or 0


def _decoded(stream: IO[bytes], path: Path) -> Iterator[tuple[int, str]]:
    """(line number, text) of every non-blank line, decoded, without the line end and trailing spaces
    (fastText ends rows with a space before "\\n") and without a UTF-8 BOM (Windows editors) on the first."""
    for line_no, raw in enumerate(stream, start=1):
        try:
            line = raw.decode("utf-8").rstrip()
        except UnicodeDecodeError as err:
            if line_no == 1 and raw.startswith(_GZIP_MAGIC):  # a .vec.gz piped in, or renamed without .gz
                raise DataError(f"{path}: gzip-compressed data, not text",
                                hint="give the file its .gz name, or decompress it: --vectors <(zcat FILE.gz)"
                                ) from None
            raise DataError(f"{path}:{line_no}: not valid UTF-8 ({err.reason})") from None
        if line_no == 1:
            line = line.removeprefix("\ufeff")
        if line:
            yield line_no, line


def _header(line: str) -> tuple[int, int] | None:
    """(count, dim) when `line` is the optional "count dim" first line."""
    count, _, dim = line.partition(" ")
    return (int(count), int(dim)) if count.isdigit() and dim.isdigit() else None


def _split_row(line: str, where: str, dim: int) -> tuple[str, str]:
    word, _, rest = line.partition(" ")
    n_values = rest.count(" ") + 1 if rest else 0
    if n_values != dim:
        raise DataError(f"{where}: expected a word and {dim} numbers, found {n_values} numbers")
    return word, rest


def _values(rest: str, word: str, where: str) -> np.ndarray:
    try:
        values = np.array(rest.split(" "), dtype=np.float64)
    except ValueError:
        raise DataError(f"{where}: malformed number in the vector of {word!r}") from None
    # "nan", "inf" and numbers beyond float32 (1e39 casts to inf) parse without complaint; one such row makes
    # the first training step non-finite, reported much later as a diverging lr.
    if not np.isfinite(values).all():
        raise DataError(f"{where}: non-finite number in the vector of {word!r}")
    if np.abs(values).max() > _FLOAT32_MAX:
        raise DataError(f"{where}: number beyond the float32 range in the vector of {word!r}")
    return values


def _read_errors(path: Path, err: BaseException) -> DataError:
    if isinstance(err, FileNotFoundError):
        return DataError(f"{path}: no such word-vector file")
    if isinstance(err, IsADirectoryError):
        return DataError(f"{path} is a folder, not a word-vector file")
    if isinstance(err, (EOFError, gzip.BadGzipFile, zlib.error)):  # as the corpus reader words it
        return DataError(f"{path}: cannot decompress ({err or 'truncated gzip file'})",
                         hint="the gzip file is truncated or corrupt; check the download")
    strerror = getattr(err, "strerror", None)
    return DataError(f"cannot read word vectors {path}: {strerror or err}")


class _Rows:
    """One pass over a vector file: iterating yields (word, its numbers as text, "file:line") for every vector
    row, each checked to hold `dim` numbers (parsing them is the caller's choice: most rows are not wanted).
    The header is checked against `dim` on the way; a file without a single vector fails at the end. After the
    pass, `header_count`, `rows` and `sha256` (of the bytes read, as stored) describe what was read."""

    def __init__(self, path: Path, dim: int) -> None:
        self.path, self.dim = path, dim
        self.header_count: int | None = None
        self.rows = 0
        self._hashing: _Hashing | None = None

    @property
    def sha256(self) -> str:
        return (self._hashing.digest if self._hashing else hashlib.sha256()).hexdigest()

    def __iter__(self) -> Iterator[tuple[str, str, str]]:
        path = self.path
        try:
            with path.open("rb", buffering=0) as raw:
                self._hashing = _Hashing(raw)
                buffered = io.BufferedReader(self._hashing, 1 << 20)
                stream: IO[bytes] = gzip.GzipFile(fileobj=buffered) if path.suffix == ".gz" else buffered
                for line_no, line in _decoded(stream, path):
                    where = f"{path}:{line_no}"
                    if line_no == 1 and (header := _header(line)):
                        if header[1] != self.dim:
                            raise DataError(f"{where}: file has {header[1]}-dimensional vectors, expected {self.dim}")
                        self.header_count = header[0]
                        continue
                    word, rest = _split_row(line, where, self.dim)
                    self.rows += 1
                    yield word, rest, where
        except (OSError, EOFError, zlib.error) as err:
            raise _read_errors(path, err) from None
        if not self.rows:
            raise self._no_vectors()

    def _no_vectors(self) -> DataError:
        if self.header_count is not None:
            return DataError(f"{self.path}: holds only its header line, no word vectors",
                             hint="was the file cut short while it was copied or downloaded?")
        blank = self._hashing is not None and self._hashing.size > 0
        return DataError(f"{self.path}: holds only blank lines, no word vectors" if blank else
                         f"{self.path}: the file is empty")


_STREAM_FOLDERS = ("/dev", "/dev/fd", "/proc/self/fd")


def _recorded_name(path: Path) -> str:
    """The name the manifest records: the file's own, or "<pipe>" for `<(zcat x.vec.gz)` and /dev/stdin,
    whose names ("63", "stdin") say nothing about the vectors (the SHA-256 still does). A named pipe that
    the user made keeps its name."""
    if path.parent.as_posix() in _STREAM_FOLDERS:
        try:
            if not stat.S_ISREG(path.stat().st_mode):
                return "<pipe>"
        except OSError:
            pass
    return path.name


def check_vector_file(path: str | Path, dim: int) -> None:
    """Fail now if `path` cannot give `dim`-dimensional vectors: missing, a folder, unreadable, not UTF-8 (or
    not gzip, for .gz), a header or a first vector of another dimension, a malformed first vector, or no
    vector at all. Reads only up to the first vector, so it costs nothing on a file of millions of rows; the
    rest is checked as `read_word_vectors` goes.

    A pipe, /dev/stdin or another file that is not a regular one (`--vectors <(zcat big.vec.gz)`) is only
    checked to exist and be readable: what this read would be gone when training reads it."""
    path = Path(path)
    try:
        mode = path.stat().st_mode
    except OSError as err:
        raise _read_errors(path, err) from None
    if stat.S_ISDIR(mode):
        raise _read_errors(path, IsADirectoryError())
    if not stat.S_ISREG(mode):
        if not os.access(path, os.R_OK):
            raise _read_errors(path, PermissionError(errno.EACCES, os.strerror(errno.EACCES)))
        return
    for word, rest, where in _Rows(path, dim):
        _values(rest, word, where)
        return  # leaving the loop closes the file


def read_word_vectors(
    path: str | Path, vocab: list[str], dim: int, *, seed: int = 13
) -> tuple[np.ndarray, VectorsRead]:
    """(V, dim) float32 matrix for `vocab`, and what the file held (see `VectorsRead`).

    The optional first line "count dim" is checked against `dim`. Words missing from the file get random
    normal vectors with the spread of the found ones (so the two groups start on the same scale), from a
    generator seeded with `seed`; the PAD row is zero. The first occurrence of a duplicated word wins.
    """
    path = Path(path)
    index = {word: i for i, word in enumerate(vocab)}
    matrix = np.zeros((len(vocab), dim), dtype=np.float32)
    found = np.zeros(len(vocab), dtype=bool)
    rows = _Rows(path, dim)
    for word, rest, where in rows:
        row = index.get(word)
        if row is None or found[row]:
            continue
        matrix[row] = _values(rest, word, where)
        found[row] = True

    found[_PAD_ID] = False
    scale = float(matrix[found].std()) if found.any() else 0.1
    missing = ~found
    missing[_PAD_ID] = False
    rng = np.random.default_rng(seed)
    matrix[missing] = rng.normal(0.0, scale or 0.1, size=(int(missing.sum()), dim)).astype(np.float32)
    matrix[_PAD_ID] = 0.0
    return matrix, VectorsRead(name=_recorded_name(path), sha256=rows.sha256, dim=dim, rows=rows.rows,
                               header_count=rows.header_count, covered=found)
