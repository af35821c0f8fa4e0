"""Where a model may be saved: whether a folder is a sentikit model (its manifest says so), and the checks run
before a save (and, through `check_save_target`, before training starts) so that nothing that is not a model,
nothing inside a model, and no path that cannot be written is ever replaced or found out too late."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from sentikit.artifact_files import FORMAT_NAME, MANIFEST_FILE, read_regular, why
from sentikit.errors import ModelError, OutputError


def is_model_folder(path: str | os.PathLike[str]) -> bool:
    """True if `path` is a folder whose manifest declares the sentikit model format (files not checked)."""
    return model_manifest(Path(path)) is not None


def model_manifest(folder: Path) -> dict[str, Any] | None:
    """The manifest of `folder` if it declares the sentikit model format, else None."""
    try:  # a regular file only: a FIFO in its place would block forever
        manifest = json.loads(read_regular(folder / MANIFEST_FILE, None))
    except (ModelError, ValueError, RecursionError):
        return None
    return manifest if isinstance(manifest, dict) and manifest.get("format") == FORMAT_NAME else None


def check_outside_models(target: Path) -> None:
    """Refuse an output path inside a model folder: a later `--force` save of that model replaces the whole
    folder, and whatever was written into it would go with it. `target` must be absolute."""
    for ancestor in target.parents:
        if is_model_folder(ancestor):
            raise OutputError(
                f"{target} is inside the model folder {ancestor}, which a save there would replace; "
                "choose a path outside it"
            )


def check_target(target: Path, *, force: bool) -> bool:
    """Return whether `target` exists and may be replaced; refuse to touch anything that is not ours."""
    check_outside_models(target)
    if not target.exists():
        return False
    if not target.is_dir():
        raise OutputError(f"{target} is a file, not a model folder; choose another path for the model")
    manifest = model_manifest(target)
    if manifest is not None:
        if not force:
            raise OutputError(f"model exists at {target}; use --force to replace it")
        foreign = _foreign_entries(target, manifest.get("files"))
        if foreign:
            shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
            raise OutputError(f"the model folder {target} also holds {shown}, which replacing it would delete; "
                              "move them out, or choose another path for the model")
        return True
    try:
        empty = not any(target.iterdir())
    except OSError as exc:
        raise OutputError(f"cannot inspect {target} ({why(exc)}); choose another path") from exc
    if not empty:
        raise OutputError(f"{target} is a folder that is not a sentikit model; choose another path")
    return True  # an empty folder holds nothing to lose


def _foreign_entries(folder: Path, listed: Any) -> list[str]:
    """Names in a model folder that its manifest's `files` table (`listed`) does not hold (a corpus or notes put
    there by hand), sorted; folders end in "/"."""
    try:
        entries = sorted(folder.iterdir())
    except OSError as exc:
        raise OutputError(f"cannot inspect {folder} ({why(exc)}); choose another path") from exc
    ours = {MANIFEST_FILE, *(listed if isinstance(listed, dict) else ())}
    return [entry.name + ("/" if entry.is_dir() else "") for entry in entries if entry.name not in ours]


def save_target(path: str | os.PathLike[str]) -> Path:
    """The absolute folder a save to `path` writes: a symbolic link's target, so that the link keeps working."""
    target = Path(os.path.abspath(os.fspath(path)))
    if target.is_symlink():
        try:
            target = target.resolve(strict=True)
        except FileNotFoundError:
            target = target.resolve()  # a link to a folder yet to be made: the save makes it
        except (OSError, RuntimeError) as exc:  # a loop: RuntimeError before Python 3.13, then OSError (ELOOP)
            raise OutputError(f"cannot save a model as {target}: it is a symbolic link that loops; choose "
                              "another path") from exc
    if not target.name:
        raise OutputError(f"cannot save a model as {target}; pass a folder path such as models/my-model")
    return target


def check_save_target(path: str | os.PathLike[str], *, force: bool = False) -> None:
    """Raise OutputError now if `save_model(path, ..., force=force)` could not write there, so a long training
    run does not end with "cannot write": an existing model without `force`, a file or foreign folder in the
    way, a parent path that runs into a file, or a folder this process cannot create entries in."""
    import tempfile

    target = save_target(path)
    check_target(target, force=force)
    ancestor = target.parent
    while not ancestor.exists() and ancestor != ancestor.parent:
        if ancestor.is_symlink():  # save_model could not create the folders below a link to nowhere
            raise OutputError(f"cannot save a model under {ancestor}: it is a symbolic link to "
                              f"{os.readlink(ancestor)}, which does not exist or loops; choose another path")
        ancestor = ancestor.parent  # save_model creates the missing folders below the nearest existing one
    if not ancestor.is_dir():
        raise OutputError(f"cannot save a model under {ancestor}: it is a file, not a folder; choose another path")
    try:  # the real test of writability (access() says yes to root on a read-only mount)
        os.rmdir(tempfile.mkdtemp(prefix=f".{target.name}.probe-", dir=ancestor))
    except OSError as exc:
        raise OutputError(f"cannot write to folder {ancestor} ({why(exc)}); choose a writable one") from exc
