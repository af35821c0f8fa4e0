"""Encoding what goes into a model folder, checked before anything is written: arrays safetensors can store,
text tables as one UTF-8 entry per line, and the manifest as JSON (numpy values and paths made plain); and
`TextTable`, the read side of a text table."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np

# Text table names become file names, so keep them to one harmless path component.
TEXT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")
# Besides bool and every integer kind, what safetensors can store from numpy (checked before writing).
FLOAT_DTYPES = ("float16", "float32", "float64", "complex64")


def prepare_arrays(arrays: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    prepared: dict[str, np.ndarray] = {}
    for name, array in arrays.items():
        if not isinstance(name, str) or not name or name == "__metadata__":
            raise ValueError(f"invalid array name {name!r}: use a non-empty string other than '__metadata__'")
        if not isinstance(array, np.ndarray):
            raise TypeError(f"array {name!r} is a {type(array).__name__}, expected numpy.ndarray")
        if not (array.dtype.kind in "biu" or array.dtype.name in FLOAT_DTYPES):
            raise ValueError(f"array {name!r} has dtype {array.dtype}, which safetensors cannot store")
        # safetensors copies raw memory from the data pointer, so views (transposes, slices) are compacted;
        # not np.ascontiguousarray, which turns 0-d arrays into 1-d ones.
        prepared[name] = array if array.flags.c_contiguous else array.copy(order="C")
    return prepared


class InvalidWeights(ValueError):
    """Arrays read back from a model folder that cannot be what was saved (wrong dtype, NaN, wrong shape, an
    unsorted table): the loader reports the weights, not the manifest, as the problem."""


def stored_floats(array: Any, name: str) -> np.ndarray:
    """`array`, read back from a model folder, if it holds float32/float64 values, all finite: a stored NaN
    would come out as a NaN probability, and bool or integer weights mean the file is not what was saved."""
    if not isinstance(array, np.ndarray) or array.dtype.name not in ("float32", "float64"):
        raise InvalidWeights(f"{name} holds {getattr(array, 'dtype', type(array).__name__)}, not float32 or float64")
    if not np.isfinite(array).all():
        raise InvalidWeights(f"{name} holds NaN or infinite values")
    return array


def stored_ints(array: Any, name: str) -> np.ndarray:
    """`array`, read back from a model folder, if it is a 1-d integer table (an index table cast from floats
    would quietly point at other columns)."""
    if not isinstance(array, np.ndarray) or array.dtype.kind not in "iu" or array.ndim != 1:
        raise InvalidWeights(f"{name} is not a 1-d integer table")
    return array


def stored_sorted_keys(array: Any, name: str) -> np.ndarray:
    """`array`, read back from a model folder, if it is a 1-d integer table in strictly increasing order, as
    the binary searches over it assume (out of order, they would silently miss keys)."""
    stored_ints(array, name)
    if array.size > 1 and not (array[1:] > array[:-1]).all():
        raise InvalidWeights(f"{name} is not sorted")
    return array


def encode_texts(texts: Mapping[str, Sequence[str]]) -> dict[str, bytes]:
    encoded: dict[str, bytes] = {}
    for name, entries in texts.items():
        if not isinstance(name, str) or not TEXT_NAME.fullmatch(name):
            raise ValueError(f"invalid text table name {name!r}: use letters, digits, '_', '-' or '.'")
        entries = entries if isinstance(entries, (list, tuple)) else list(entries)
        if not entries:
            encoded[name] = b""
            continue
        try:
            joined = "\n".join(entries)
        except TypeError as exc:
            raise TypeError(f"text table {name!r} must hold only str entries ({exc})") from exc
        # One count over the joined text is far cheaper than testing a million entries one by one.
        if joined.count("\n") != len(entries) - 1 or "\r" in joined:
            bad = next(i for i, entry in enumerate(entries) if "\n" in entry or "\r" in entry)
            raise ValueError(f"entry {bad} of text table {name!r} contains a line break: {entries[bad]!r}")
        try:
            encoded[name] = (joined + "\n").encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ValueError(
                f"text table {name!r} holds text that cannot be encoded as UTF-8 ({exc})"
            ) from exc
    return encoded


def manifest_bytes(manifest: Mapping[str, Any]) -> bytes:
    try:
        text = json.dumps(manifest, indent=2, ensure_ascii=False, default=json_default)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"model manifest cannot be written as JSON: {exc}") from exc
    return (text + "\n").encode("utf-8")


def json_default(value: Any) -> Any:
    # Metrics and configs often carry numpy scalars/arrays and paths; store them as plain JSON values.
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


class TextTable(Sequence[str]):
    """One text table's entries, split into a list on first use. Its length is known at once (a count of
    line ends), so a million-term vocabulary that prediction never reads costs no split at load: the
    integer gram tables answer the lookups (an IMDB nbsvm model loads ~0.07 s faster)."""

    def __init__(self, text: str) -> None:
        self._text: str | None = text  # every entry ends with "\n" (checked by _decode_lines)
        self._lines: list[str] = []
        self._len = text.count("\n")

    def _entries(self) -> list[str]:
        if self._text is not None:
            self._lines = self._text.split("\n")[:-1]
            self._text = None
        return self._lines

    def __len__(self) -> int:
        return self._len

    def __getitem__(self, index: Any) -> Any:
        return self._entries()[index]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, TextTable | list | tuple):
            return len(self) == len(other) and list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable-looking sequence, like list

    def __repr__(self) -> str:
        return f"TextTable({self._len} entries)"
