"""Durable file writing for model folders: fsync'd files and folders, streaming SHA-256, the process umask,
and a guard that turns SIGTERM into an exception while a save is under way (so its rollback runs)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CHUNK = 4 * 1024 * 1024


def sha256_file(file_path: Path, *, fsync: bool = False) -> str:
    digest = hashlib.sha256()
    with open(file_path, "rb+" if fsync else "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
        if fsync:
            os.fsync(handle.fileno())
    return digest.hexdigest()


def umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_file(file_path: Path, data: bytes) -> None:
    with open(file_path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def fsync_dir(folder: Path) -> None:
    # Makes renames durable on POSIX; Windows cannot open folders this way, and there it is moot.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class Terminated(BaseException):
    """Raised by the temporary SIGTERM handler; a BaseException so that no `except Exception` swallows it."""


@contextmanager
def sigterm_raises() -> Iterator[None]:
    """Turn SIGTERM into an exception while saving, so a rollback can run.

    Only the main thread may install handlers, and a process that ignores SIGTERM keeps ignoring it.
    A second SIGTERM is dropped so it cannot interrupt the rollback; the first is re-sent afterwards.
    """
    import signal
    import threading

    previous = signal.getsignal(signal.SIGTERM)
    if threading.current_thread() is not threading.main_thread() or previous in (None, signal.SIG_IGN):
        yield
        return
    raised = False

    def handler(signum: int, frame: object) -> None:
        nonlocal raised
        if not raised:
            raised = True
            raise Terminated

    signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
