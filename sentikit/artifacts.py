"""Model folders on disk: the one place that writes, verifies and reads saved models.

A model is a folder holding `manifest.json` (caller metadata plus format, versions and a sha256/size for every
other file), `weights.safetensors` (every numpy array) and one `<name>.txt` per text table (one UTF-8 entry
per line). Nothing here pickles or unpickles: safetensors and plain text cannot run code when loaded, and
files the manifest does not list are never opened.

Saving is all-or-nothing: everything is written to a hidden sibling folder and renamed into place, so a
reader, a crash, Ctrl-C or SIGTERM sees either the previous model or the complete new one.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sentikit.artifact_encoding import TextTable, encode_texts, manifest_bytes, prepare_arrays
from sentikit.artifact_files import FORMAT_NAME, MANIFEST_FILE
from sentikit.artifact_files import REDO as _REDO
from sentikit.artifact_files import corrupt as _corrupt
from sentikit.artifact_files import parse_weights as _parse_weights
from sentikit.artifact_files import read_regular as _read_regular
from sentikit.artifact_files import save_weights as _save_weights
from sentikit.artifact_files import why as _why
from sentikit.artifact_targets import (
    check_target,
    save_target,
)
from sentikit.durable import Terminated as _Terminated
from sentikit.durable import fsync_dir as _fsync_dir
from sentikit.durable import sha256_file as _sha256_file
from sentikit.durable import sigterm_raises as _sigterm_raises
from sentikit.durable import umask as _umask
from sentikit.durable import write_file as _write_file
from sentikit.errors import ModelError, OutputError, UsageError

FORMAT_VERSION = 1
WEIGHTS_FILE = "weights.safetensors"
TEXT_SUFFIX = ".txt"

# Keys save_model owns; a caller's values for them are replaced (library_versions is merged instead).
_RESERVED_KEYS = ("format", "format_version", "sentikit_version", "created", "files")
_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class ModelFolder:
    """A loaded model: its folder, the full manifest, the arrays and the text tables."""

    path: Path
    manifest: dict[str, Any]
    arrays: dict[str, np.ndarray] = field(repr=False)
    texts: dict[str, Sequence[str]] = field(repr=False)


def load_model(path: str | os.PathLike[str], *, verify: bool = True) -> ModelFolder:
    """Read a model folder; with `verify`, every listed file must match its recorded size and sha256."""
    if isinstance(path, str) and not path:  # Path("") is ".", which would be blamed for not being a model
        raise UsageError("empty model path", hint="pass a model folder, e.g. models/reviews-gru")
    folder = Path(path)
    for attempt in range(_READ_ATTEMPTS):
        before = _identity(folder)
        try:
            return _load_once(folder, verify)
        except ModelError:
            # A save elsewhere (`train --force`) renames a whole new folder into place: one read can then mix
            # the old manifest with the new files, or fall between the two renames. Read the new model instead.
            if attempt == _READ_ATTEMPTS - 1 or before is None or _identity(folder) == before:
                raise
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")


_READ_ATTEMPTS = 3


def _identity(folder: Path) -> tuple[int, int] | None:
    try:
        info = os.stat(folder)
    except OSError:
        return None
    return info.st_dev, info.st_ino


def _load_once(folder: Path, verify: bool) -> ModelFolder:
    manifest = _read_manifest(folder)
    files = _listed_files(folder, manifest)
    if WEIGHTS_FILE not in files:
        raise ModelError(f"manifest in {folder} does not list {WEIGHTS_FILE}; {_REDO}")
    arrays: dict[str, np.ndarray] = {}
    texts: dict[str, Sequence[str]] = {}
    for name, (sha256, size) in files.items():
        file_path = folder / name
        if not verify and not (name == WEIGHTS_FILE or name.endswith(TEXT_SUFFIX)):
            continue  # a later format extension: nothing to verify and nothing to interpret
        # Read once, then hash and parse those very bytes: nothing swapped in between is ever used.
        data = _read_regular(file_path, size if verify else None)
        if verify and hashlib.sha256(data).hexdigest() != sha256:
            raise _corrupt(file_path)
        if name.endswith(TEXT_SUFFIX):
            texts[name[: -len(TEXT_SUFFIX)]] = _decode_lines(data, file_path)
        elif name == WEIGHTS_FILE:
            arrays = _parse_weights(data, file_path)
        # Any other listed file belongs to a later format extension: verified above, not interpreted.
    return ModelFolder(path=folder, manifest=manifest, arrays=arrays, texts=texts)


def _read_manifest(folder: Path) -> dict[str, Any]:
    try:
        exists, is_dir = folder.exists(), folder.is_dir()
    except OSError as exc:  # a name too long, say: a ModelError for Python callers, as any unusable path
        raise ModelError(f"{exc.filename or folder}: {exc.strerror or exc}") from exc
    if not exists:
        raise missing_model_error(folder)
    if not is_dir:
        raise ModelError(f"{folder} is a file, not a model folder: pass the folder `sentikit train` wrote")
    manifest_path = folder / MANIFEST_FILE
    if not manifest_path.exists() and not manifest_path.is_symlink():
        raise ModelError(f"{folder} is not a sentikit model folder (no {MANIFEST_FILE}); pass a model folder")
    try:
        manifest = json.loads(_read_regular(manifest_path, None))
    except (ValueError, RecursionError) as exc:
        raise ModelError(f"{manifest_path} is not valid JSON ({exc}); {_REDO}") from exc
    if not isinstance(manifest, dict):
        raise ModelError(f"{manifest_path} is not a JSON object; {_REDO}")
    if manifest.get("format") != FORMAT_NAME:
        raise ModelError(f"{folder} is not a sentikit model folder (manifest format is not {FORMAT_NAME!r})")
    version = manifest.get("format_version")
    if type(version) is not int or version < 1:
        raise ModelError(f"{manifest_path} has no valid format_version; {_REDO}")
    if version > FORMAT_VERSION:
        raise ModelError(
            f"model at {folder} was made by a newer sentikit (format {version}); upgrade sentikit"
        )
    return manifest


def _listed_files(folder: Path, manifest: Mapping[str, Any]) -> dict[str, tuple[str, int]]:
    """Validate the manifest's file table; names must be plain file names so none can point elsewhere."""
    files = manifest.get("files")
    if not isinstance(files, dict):
        raise ModelError(f"manifest in {folder} has no valid 'files' table; {_REDO}")
    listed: dict[str, tuple[str, int]] = {}
    for name, entry in files.items():
        if name in ("", ".", "..", MANIFEST_FILE) or "/" in name or "\\" in name or "\0" in name:
            raise ModelError(f"manifest in {folder} lists an invalid file name {name!r}; {_REDO}")
        sha256 = entry.get("sha256") if isinstance(entry, dict) else None
        size = entry.get("bytes") if isinstance(entry, dict) else None
        if not (isinstance(sha256, str) and _SHA256.fullmatch(sha256)) or type(size) is not int or size < 0:
            raise ModelError(f"manifest in {folder} has a malformed entry for {name}; {_REDO}")
        listed[name] = (sha256, size)
    return listed


def _decode_lines(data: bytes, file_path: Path) -> TextTable:
    # Every entry is written with a trailing "\n", so [] is an empty file and [""] is a single "\n";
    # a non-empty file without the final newline was cut short (only reachable with verify=False).
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _corrupt(file_path) from exc
    if text and not text.endswith("\n"):
        raise _corrupt(file_path)
    return TextTable(text)


def missing_model_error(folder: Path, hint: str | None = None) -> ModelError:
    """The error for a model folder that does not exist. `hint` is what the caller's user can do about it (a
    command names its options; the library has none to name), unless an interrupted save left the previous
    model next to it: then the hint is to rename that back."""
    # A hard kill (SIGKILL, power loss) between save's two renames leaves the old model under a hidden name.
    try:
        aside = sorted(folder.parent.glob(f".{folder.name}.old-*"))
    except OSError:
        aside = []
    if aside:
        hint = f"an interrupted save left the previous model at {aside[0]}; rename it back"
    return ModelError(f"no model at {folder}: no such folder", hint=hint)


def save_model(
    path: str | os.PathLike[str],
    manifest: dict[str, Any],
    arrays: dict[str, np.ndarray],
    texts: dict[str, list[str]] | None = None,
    *,
    force: bool = False,
) -> Path:
    """Write a model folder atomically and return its absolute path.

    An existing model is replaced only with `force`; a file or non-empty folder that is not a sentikit
    model is never replaced. Inputs are validated (ValueError/TypeError) before anything touches the disk.
    """
    target = save_target(path)
    prepared_arrays = prepare_arrays(arrays)
    encoded_texts = {f"{name}{TEXT_SUFFIX}": data for name, data in encode_texts(texts or {}).items()}
    full_manifest = _full_manifest(manifest)
    replacing = check_target(target, force=force)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(
            f"cannot create folder {target.parent} ({_why(exc)}); choose another location"
        ) from exc

    import signal

    try:
        _write_and_swap(target, full_manifest, prepared_arrays, encoded_texts, replacing=replacing)
    except _Terminated:
        # Rollback is done and the previous handler is back: let it decide what SIGTERM means
        # (by default the process ends, exactly as it would have without us).
        signal.raise_signal(signal.SIGTERM)
        raise OutputError(
            f"saving {target} was interrupted by SIGTERM; nothing half-written was left"
        ) from None
    except OSError as exc:
        where = exc.filename or target
        raise OutputError(f"cannot write {where} ({_why(exc)}); check permissions and free space") from exc
    return target


def _write_and_swap(
    target: Path,
    manifest: dict[str, Any],
    arrays: dict[str, np.ndarray],
    texts: dict[str, bytes],
    *,
    replacing: bool,
) -> None:
    import secrets
    import shutil

    parent = target.parent
    # Siblings in the same folder, so both renames stay on one filesystem and are atomic.
    tmp = parent / f".{target.name}.tmp-{secrets.token_hex(6)}"
    old = parent / f".{target.name}.old-{secrets.token_hex(6)}"
    try:
        tmp.mkdir()
    except OSError as exc:
        raise OutputError(f"cannot write to folder {parent} ({_why(exc)}); choose a writable one") from exc
    moved_aside = committed = False
    try:
        with _sigterm_raises():
            try:
                weights_path = tmp / WEIGHTS_FILE
                _save_weights(arrays, weights_path)
                # safetensors creates the file 0600; a model folder is meant to be shared like its other files.
                weights_path.chmod(0o644 & ~_umask())
                sha256 = _sha256_file(weights_path, fsync=True)
                files: dict[str, dict[str, Any]] = {
                    WEIGHTS_FILE: {"sha256": sha256, "bytes": weights_path.stat().st_size}
                }
                for filename, data in texts.items():
                    _write_file(tmp / filename, data)
                    files[filename] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
                manifest["files"] = files
                _write_file(tmp / MANIFEST_FILE, manifest_bytes(manifest))  # last: it vouches for the rest
                _fsync_dir(tmp)
                if replacing:
                    os.rename(target, old)
                    moved_aside = True
                try:
                    os.rename(tmp, target)
                except OSError as exc:
                    if replacing or exc.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                        raise
                    raise OutputError(f"{target} appeared while saving (another save at the same time?); "
                                      "nothing was overwritten and this model was not saved") from exc
                committed = True
            except BaseException:
                if not committed:
                    _roll_back(target, tmp, old if moved_aside else None)
                raise
        _fsync_dir(parent)
    finally:
        if committed and moved_aside:
            shutil.rmtree(old, ignore_errors=True)  # the new model is in place; a leftover only wastes space


def _roll_back(target: Path, tmp: Path, old: Path | None) -> None:
    import shutil

    shutil.rmtree(tmp, ignore_errors=True)
    if old is not None:
        try:
            os.rename(old, target)
        except OSError as exc:
            raise OutputError(
                f"saving {target} failed and the old model is left at {old}; rename it back"
            ) from exc


def _full_manifest(manifest: Mapping[str, Any]) -> dict[str, Any]:
    from datetime import datetime, timezone

    import safetensors

    try:
        from sentikit import __version__ as sentikit_version
    except ImportError:  # the package may not define a version (e.g. a bare source checkout)
        sentikit_version = "0.0.0"
    full = {key: value for key, value in manifest.items() if key not in _RESERVED_KEYS}
    full.update(
        format=FORMAT_NAME,
        format_version=FORMAT_VERSION,
        sentikit_version=str(sentikit_version),
        created=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        library_versions={
            **(manifest.get("library_versions") or {}),
            "numpy": np.__version__,
            "safetensors": safetensors.__version__,
        },
    )
    manifest_bytes(full)  # fail on unserialisable values now, before any file is written
    return full
