"""Single files of a model folder: reading them only when they are regular files (no symlink out of the
folder, no FIFO), the manifest's size checked before any byte is read; parsing and writing the safetensors
weights; and the error messages about such files."""

from __future__ import annotations

import errno
import os
import re
import stat
from pathlib import Path

import numpy as np
import safetensors.numpy as st_numpy

from sentikit.errors import ModelError

FORMAT_NAME = "sentikit-model"
MANIFEST_FILE = "manifest.json"
REDO = "retrain the model"
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)  # absent on Windows, where lstat alone has to do


def parse_weights(data: bytes, file_path: Path) -> dict[str, np.ndarray]:
    try:
        return st_numpy.load(data)
    except Exception as exc:  # SafetensorError, bad header, unknown dtype: all mean a bad file
        # Sniff, never unpickle: pickle protocol 2+ starts with 0x80, torch.save writes a zip ("PK").
        if (len(data) >= 2 and data[0] == 0x80 and 2 <= data[1] <= 5) or data[:2] == b"PK":
            raise ModelError(f"{file_path} is a pickle (or a torch.save zip), which can run code when "
                             f"loaded, so it was not opened; {REDO} with sentikit") from exc
        raise ModelError(f"cannot read {file_path} as safetensors ({exc}); {REDO}") from exc


def read_regular(file_path: Path, size: int | None) -> bytes:
    """The bytes of `file_path`, which must be a regular file in the model folder itself: a symlink could
    point outside it (or at a huge file), a FIFO could block forever. With `size` (the manifest's), a
    file of another size is refused from its metadata alone, before a single byte is read."""
    try:
        info = os.lstat(file_path)
    except FileNotFoundError:
        raise ModelError(
            f"model at {file_path.parent} is incomplete: {file_path.name} is missing; {REDO}"
        ) from None
    except OSError as exc:
        raise unreadable(file_path, exc) from exc
    check_regular(file_path, info)
    if size is not None and info.st_size != size:
        raise corrupt(file_path)
    try:
        # O_NOFOLLOW and fstat close the gap between the lstat above and the open (a swap in between).
        flags = os.O_RDONLY | _NOFOLLOW | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
        fd = os.open(file_path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise not_regular(file_path, "a symbolic link") from exc
        raise unreadable(file_path, exc) from exc
    with os.fdopen(fd, "rb") as handle:
        try:
            info = os.fstat(handle.fileno())
            check_regular(file_path, info)
            if size is not None and info.st_size != size:
                raise corrupt(file_path)
            return handle.read() if size is None else handle.read(size)
        except OSError as exc:
            raise unreadable(file_path, exc) from exc


def check_regular(file_path: Path, info: os.stat_result) -> None:
    if stat.S_ISLNK(info.st_mode):
        raise not_regular(file_path, "a symbolic link")
    if not stat.S_ISREG(info.st_mode):
        raise not_regular(file_path, "not a regular file")


def not_regular(file_path: Path, what: str) -> ModelError:
    return ModelError(f"{file_path} is {what}, which a model folder may not hold; {REDO}")


def unreadable(file_path: Path, exc: OSError) -> ModelError:
    return ModelError(f"cannot read {file_path} ({why(exc)}); check its permissions")


def why(exc: OSError) -> str:
    return exc.strerror or str(exc)


def corrupt(file_path: Path) -> ModelError:
    return ModelError(f"file {file_path} is corrupt or was modified; {REDO}")


def save_weights(arrays: dict[str, np.ndarray], weights_path: Path) -> None:
    from safetensors import SafetensorError

    try:
        st_numpy.save_file(arrays, weights_path)
    except SafetensorError as exc:
        # Its I/O failures (a full disk) are OSErrors in disguise: unwrap them so they are reported, and
        # rolled back, like any other failed write.
        code = re.search(r"os error (\d+)", str(exc))
        if code is None:
            raise OSError(None, str(exc), str(weights_path)) from exc
        raise OSError(int(code[1]), os.strerror(int(code[1])), str(weights_path)) from exc
