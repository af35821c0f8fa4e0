"""Tests for sentikit.artifacts: round trips, atomic replacement and interruption (loading bad folders:
test_artifact_loading.py)."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest

import sentikit
from sentikit import artifacts
from sentikit.artifact_encoding import TextTable
from sentikit.artifact_targets import check_save_target, is_model_folder
from sentikit.artifacts import (
    FORMAT_VERSION,
    ModelFolder,
    load_model,
    save_model,
)
from sentikit.errors import OutputError
from tests.artifact_samples import sample_arrays, sample_texts

REPO_ROOT = Path(artifacts.__file__).resolve().parent.parent


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def hidden_leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith("."))


# ---------------------------------------------------------------------------------------------- round trip


def test_round_trip_is_bit_identical(tmp_path: Path) -> None:
    arrays, texts = sample_arrays(), sample_texts()
    caller_manifest = {
        "labels": ["neg", "pos"],
        "metrics": {"macro_f1": np.float32(0.5), "n": np.int64(3)},
        "library_versions": {"torch": "2.3.0"},
        "format": "ignored",
    }
    before = json.dumps(caller_manifest, default=str)
    path = save_model(tmp_path / "m", caller_manifest, arrays, texts)
    assert path == (tmp_path / "m").resolve()
    assert json.dumps(caller_manifest, default=str) == before  # the caller's dict is not mutated

    model = load_model(path)
    assert isinstance(model, ModelFolder)
    assert model.path == path
    assert set(model.arrays) == set(arrays)
    for name, array in arrays.items():
        loaded = model.arrays[name]
        assert loaded.dtype == array.dtype and loaded.shape == array.shape, name
        assert loaded.tobytes() == np.ascontiguousarray(array).tobytes(), name
    assert model.texts == texts

    manifest = model.manifest
    assert manifest["labels"] == ["neg", "pos"]
    assert manifest["metrics"] == {"macro_f1": 0.5, "n": 3}
    assert manifest["format"] == "sentikit-model"
    assert manifest["format_version"] == FORMAT_VERSION == 1
    assert manifest["sentikit_version"] == getattr(sentikit, "__version__", "0.0.0")
    created = datetime.fromisoformat(manifest["created"])
    assert created.utcoffset() == timezone.utc.utcoffset(None)
    assert abs((datetime.now(timezone.utc) - created).total_seconds()) < 60
    assert manifest["library_versions"]["numpy"] == np.__version__
    assert "safetensors" in manifest["library_versions"]
    assert manifest["library_versions"]["torch"] == "2.3.0"
    expected_files = {"weights.safetensors", "vocab.txt", "labels.txt", "nothing.txt"}
    assert set(manifest["files"]) == expected_files
    for name, entry in manifest["files"].items():
        data = (path / name).read_bytes()
        assert entry == {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    assert (path / "labels.txt").read_text(encoding="utf-8") == "negative\nneutral\npositive\n"
    assert sorted(p.name for p in path.iterdir()) == sorted(expected_files | {"manifest.json"})
    assert hidden_leftovers(tmp_path) == []


@pytest.mark.parametrize("entries", [[], [""], ["a", "", "b c", "ё"], ["x"] * 3])
def test_text_tables_load_lazily_and_read_like_lists(tmp_path: Path, entries: list[str]) -> None:
    path = save_model(tmp_path / "m", {}, sample_arrays(), {"table": entries})
    table = load_model(path).texts["table"]
    assert isinstance(table, TextTable)
    assert len(table) == len(entries)
    assert table._text is not None  # the length alone does not split the file
    assert table == entries and entries == table and table == tuple(entries) and table != [*entries, "z"]
    assert list(table) == entries and table[:] == entries and table[1:] == entries[1:]
    if entries:
        assert table[-1] == entries[-1] and table.index(entries[0]) == 0 and entries[0] in table


def test_empty_arrays_still_write_a_valid_weights_file(tmp_path: Path) -> None:
    path = save_model(tmp_path / "m", {}, {})
    assert (path / "weights.safetensors").stat().st_size > 0
    model = load_model(path)
    assert model.arrays == {} and model.texts == {}


def test_is_model_folder(saved: Path, tmp_path: Path) -> None:
    assert is_model_folder(saved) and is_model_folder(str(saved))
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "manifest.json").write_text('{"name": "something else"}')
    (tmp_path / "file").write_text("x")
    for path in (tmp_path / "missing", tmp_path / "file", tmp_path / "other", tmp_path):
        assert not is_model_folder(path)


def test_load_without_verify(saved: Path) -> None:
    model = load_model(saved, verify=False)
    assert model.texts["labels"] == ["negative", "neutral", "positive"]


def test_missing_parent_is_created(tmp_path: Path) -> None:
    path = save_model(tmp_path / "a" / "b" / "m", {}, {"x": np.ones(2, np.float32)})
    assert load_model(path).arrays["x"].tolist() == [1.0, 1.0]


def test_symlink_target_is_replaced_and_link_kept(saved: Path, tmp_path: Path) -> None:
    link = tmp_path / "latest"
    link.symlink_to(saved, target_is_directory=True)
    save_model(link, {"v": 2}, {}, force=True)
    assert link.is_symlink() and load_model(link).manifest["v"] == 2
    assert load_model(saved).manifest["v"] == 2


@pytest.mark.parametrize(
    ("arrays", "texts", "error"),
    [
        ({}, {"vocab": ["a", "b\nc"]}, ValueError),
        ({}, {"vocab": ["a\r", "b"]}, ValueError),
        ({}, {"../evil": ["a"]}, ValueError),
        ({}, {"vocab": ["a", 3]}, TypeError),
        ({}, {"vocab": ["\ud800"]}, ValueError),
        ({"x": np.array([object()])}, None, ValueError),
        ({"x": np.ones(2, dtype=np.complex128)}, None, ValueError),
        ({"x": [1, 2]}, None, TypeError),
        ({"__metadata__": np.ones(1)}, None, ValueError),
    ],
)
def test_bad_inputs_fail_before_writing(
    tmp_path: Path, arrays: dict, texts: dict | None, error: type
) -> None:
    with pytest.raises(error):
        save_model(tmp_path / "m", {}, arrays, texts)
    assert list(tmp_path.iterdir()) == []


def test_unserialisable_manifest_fails_before_writing(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="JSON"):
        save_model(tmp_path / "m", {"bad": object()}, {})
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------------------------------- replacing


def test_existing_model_without_force_is_refused_and_untouched(saved: Path) -> None:
    before = snapshot(saved)
    with pytest.raises(OutputError, match=r"model exists at .*model; use --force to replace it"):
        save_model(saved, {}, {"new": np.zeros(1)})
    assert snapshot(saved) == before


def test_force_replaces_model(saved: Path, tmp_path: Path) -> None:
    save_model(saved, {"version": 2}, {"new": np.arange(3)}, {"vocab": ["x"]}, force=True)
    model = load_model(saved)
    assert model.manifest["version"] == 2
    assert list(model.arrays) == ["new"] and model.texts == {"vocab": ["x"]}
    assert not (saved / "labels.txt").exists()
    assert hidden_leftovers(tmp_path) == []


@pytest.mark.parametrize("extra", [["reviews.csv"], ["notes.txt", "sub/"], [f"{n}.csv" for n in range(7)]])
def test_force_never_deletes_what_the_manifest_does_not_list(saved: Path, tmp_path: Path,
                                                              extra: list[str]) -> None:
    for name in extra:  # a corpus, notes or a folder put into the model folder by hand
        (saved / name).mkdir() if name.endswith("/") else (saved / name).write_text("keep me")
    before = snapshot(saved)
    shown = ", ".join(extra) if len(extra) <= 5 else f"{', '.join(sorted(extra)[:5])} and 2 more"
    for check in (lambda: check_save_target(saved, force=True),
                  lambda: save_model(saved, {}, {"new": np.zeros(1)}, force=True)):
        with pytest.raises(OutputError) as info:
            check()
        assert str(info.value) == (f"the model folder {saved} also holds {shown}, which replacing it would "
                                   "delete; move them out, or choose another path for the model")
    assert snapshot(saved) == before and all((saved / name).exists() for name in extra)
    assert hidden_leftovers(tmp_path) == []


def test_non_model_folder_is_never_replaced(tmp_path: Path) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "cat.jpg").write_bytes(b"meow")
    (folder / "manifest.json").write_text('{"format": "something-else"}')
    before = snapshot(folder)
    for force in (False, True):
        with pytest.raises(OutputError, match="not a sentikit model"):
            save_model(folder, {}, {}, force=force)
    assert snapshot(folder) == before
    assert hidden_leftovers(tmp_path) == []


def test_existing_file_is_never_replaced(tmp_path: Path) -> None:
    file = tmp_path / "notes.txt"
    file.write_text("keep me")
    with pytest.raises(OutputError, match="is a file"):
        save_model(file, {}, {}, force=True)
    assert file.read_text() == "keep me"


def test_empty_folder_is_used(tmp_path: Path) -> None:
    (tmp_path / "m").mkdir()
    save_model(tmp_path / "m", {}, {})
    assert is_model_folder(tmp_path / "m")


def test_parent_that_is_a_file_is_reported(tmp_path: Path) -> None:
    (tmp_path / "blocker").write_text("x")
    with pytest.raises(OutputError, match="blocker"):
        save_model(tmp_path / "blocker" / "m", {}, {})


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root ignores permissions")
def test_read_only_parent_is_reported(tmp_path: Path) -> None:
    parent = tmp_path / "ro"
    parent.mkdir()
    parent.chmod(0o500)
    try:
        with pytest.raises(OutputError, match=str(parent)):
            save_model(parent / "m", {}, {})
    finally:
        parent.chmod(0o700)


def test_unwritable_parent_is_reported_simulated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Same as above for runs as root, which ignores permission bits: creating the temp folder fails.
    real_mkdir = Path.mkdir

    def mkdir(self: Path, *args: object, **kwargs: object) -> None:
        if self.name.startswith(".m.tmp-"):
            raise PermissionError(13, "Permission denied", str(self))
        real_mkdir(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", mkdir)
    with pytest.raises(OutputError, match=rf"cannot write to folder {tmp_path} \(Permission denied\)"):
        save_model(tmp_path / "m", {}, {})
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------------------------------- interruption


@pytest.mark.parametrize(
    ("raised", "expected"),
    [
        (OSError(28, "No space left on device"), OutputError),
        (RuntimeError("boom"), RuntimeError),
        (KeyboardInterrupt(), KeyboardInterrupt),
    ],
)
@pytest.mark.parametrize("replace", [True, False])
def test_failure_mid_save_keeps_old_model(
    saved: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    raised: BaseException,
    expected: type,
    replace: bool,
) -> None:
    target = saved if replace else tmp_path / "fresh"
    before = snapshot(saved)
    real_write = artifacts._write_file
    calls = []

    def failing_write(path: Path, data: bytes) -> None:
        calls.append(path.name)
        real_write(path, data)
        raise raised  # weights were written first, so this is the second file

    monkeypatch.setattr(artifacts, "_write_file", failing_write)
    with pytest.raises(expected):
        save_model(target, {}, {"w": np.ones(3)}, {"vocab": ["a"]}, force=True)
    assert calls == ["vocab.txt"]
    assert snapshot(saved) == before
    assert not (tmp_path / "fresh").exists()
    assert hidden_leftovers(tmp_path) == []


@pytest.mark.parametrize("replace", [True, False])
def test_disk_full_while_writing_weights_is_a_write_error(
    saved: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, replace: bool
) -> None:
    import safetensors.numpy
    from safetensors import SafetensorError

    def full_disk(arrays: object, path: object, metadata: object = None) -> None:
        Path(os.fspath(path)).write_bytes(b"partial")  # type: ignore[arg-type]
        raise SafetensorError("Error while serializing: I/O error: No space left on device (os error 28)")

    target = saved if replace else tmp_path / "fresh"
    before = snapshot(saved)
    monkeypatch.setattr(safetensors.numpy, "save_file", full_disk)
    with pytest.raises(OutputError, match=r"^cannot write .*weights\.safetensors \(No space left on device\); "
                                          r"check permissions and free space$"):
        save_model(target, {}, {"w": np.ones(3)}, force=True)
    assert snapshot(saved) == before
    assert not (tmp_path / "fresh").exists()
    assert hidden_leftovers(tmp_path) == []


@pytest.mark.parametrize("below", ["sub", "a/b"])
def test_model_inside_a_model_folder_is_refused(saved: Path, below: str) -> None:
    before = snapshot(saved)
    for check in (lambda path: check_save_target(path, force=True),
                  lambda path: save_model(path, {}, {"w": np.ones(3)}, force=True)):
        with pytest.raises(OutputError, match=rf"is inside the model folder {saved}, which a save there would "
                                              r"replace; choose a path outside it"):
            check(saved / below)
    assert snapshot(saved) == before


def test_folder_that_appears_during_save_is_not_overwritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "race"
    real_rename = os.rename

    def rename(src: str | Path, dst: str | Path) -> None:
        if Path(dst) == target:  # another save (or anyone) got there first
            target.mkdir()
            (target / "theirs.txt").write_text("kept")
        real_rename(src, dst)

    monkeypatch.setattr(artifacts.os, "rename", rename)
    with pytest.raises(OutputError, match=rf"^{target} appeared while saving \(another save at the same time\?\); "
                                          r"nothing was overwritten"):
        save_model(target, {}, {"w": np.ones(3)})
    assert snapshot(target) == {"theirs.txt": b"kept"}
    assert hidden_leftovers(tmp_path) == []


def test_failure_after_old_model_moved_aside_puts_it_back(
    saved: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(saved)
    real_rename = os.rename

    def rename(src: str | Path, dst: str | Path) -> None:
        if Path(src).name.startswith(".model.tmp-"):
            raise KeyboardInterrupt  # after `model` was renamed aside, before the new one takes its place
        real_rename(src, dst)

    monkeypatch.setattr(artifacts.os, "rename", rename)
    with pytest.raises(KeyboardInterrupt):
        save_model(saved, {}, {}, force=True)
    monkeypatch.undo()
    assert snapshot(saved) == before
    assert hidden_leftovers(tmp_path) == []


def test_sigterm_handler_is_restored(tmp_path: Path) -> None:
    before = signal.getsignal(signal.SIGTERM)
    save_model(tmp_path / "m", {}, {})
    assert signal.getsignal(signal.SIGTERM) is before


CHILD = textwrap.dedent(
    """
    import signal, sys, time
    import numpy as np
    import safetensors.numpy
    from sentikit.artifacts import save_model

    if sys.argv[2] == "custom":
        def on_term(signum, frame):
            raise SystemExit(143)
        signal.signal(signal.SIGTERM, on_term)
    save_model(sys.argv[1], {"version": 1}, {"w": np.zeros(4)}, {"vocab": ["old"]})

    def slow_save_file(arrays, filename):
        print("saving", flush=True)
        time.sleep(60)

    safetensors.numpy.save_file = slow_save_file
    save_model(sys.argv[1], {"version": 2}, {"w": np.ones(1000)}, {"vocab": ["new"]}, force=True)
    print("finished", flush=True)
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize(("handler", "returncode"), [("default", -signal.SIGTERM), ("custom", 143)])
def test_sigterm_during_save_keeps_old_model(tmp_path: Path, handler: str, returncode: int) -> None:
    target = tmp_path / "model"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), os.environ.get("PYTHONPATH", "")])}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(target), handler],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline() == "saving\n", child.stderr.read() if child.stderr else ""
        assert any(p.name.startswith(".model.tmp-") for p in tmp_path.iterdir())
        child.send_signal(signal.SIGTERM)
        out, err = child.communicate(timeout=30)
    finally:
        child.kill()
    assert child.returncode == returncode, err
    assert "finished" not in out
    model = load_model(target)
    assert model.manifest["version"] == 1 and model.texts == {"vocab": ["old"]}
    assert hidden_leftovers(tmp_path) == []
