"""Tests for sentikit.artifacts: round trips, atomic replacement, interruption, and refusing bad folders."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
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
from sentikit.artifacts import FORMAT_VERSION, ModelFolder, is_model_folder, load_model, save_model
from sentikit.errors import ModelError, OutputError

REPO_ROOT = Path(artifacts.__file__).resolve().parent.parent


def sample_arrays() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    return {
        "coef": rng.standard_normal((3, 5)).astype(np.float32),
        "coef_t": rng.standard_normal((4, 6)).astype(np.float32).T,  # a non-contiguous view
        "ids": np.arange(-3, 7, dtype=np.int64),
        "offsets": np.array([[1, 2], [3, 4]], dtype=np.int32),
        "scalar": np.array(2.5, dtype=np.float64),
        "empty": np.zeros((0, 4), dtype=np.float32),
        "mask": np.array([True, False, True]),
    }


def sample_texts() -> dict[str, list[str]]:
    return {
        "vocab": ["хороший фильм", "not bad at all", "😀", "", "  spaced  ", "ёж", "tab\there"],
        "labels": ["negative", "neutral", "positive"],
        "nothing": [],
    }


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def hidden_leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith("."))


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    return save_model(tmp_path / "model", {"labels": ["neg", "pos"]}, sample_arrays(), sample_texts())


def rewrite_manifest(folder: Path, **changes: object) -> None:
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    for key, value in changes.items():
        if value is None:
            manifest.pop(key, None)
        else:
            manifest[key] = value
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


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


# ---------------------------------------------------------------------------------------------- load errors


def test_load_missing_path(tmp_path: Path) -> None:
    with pytest.raises(
        ModelError, match=r"no model at .*nope: train one with `sentikit train` or pass --model"
    ):
        load_model(tmp_path / "nope")


def test_load_missing_path_points_at_model_left_aside(tmp_path: Path) -> None:
    (tmp_path / ".m.old-abc123").mkdir()
    with pytest.raises(ModelError, match=r"previous model at .*\.m\.old-abc123"):
        load_model(tmp_path / "m")


def test_load_file_instead_of_folder(tmp_path: Path) -> None:
    (tmp_path / "model.bin").write_bytes(b"x")
    with pytest.raises(ModelError, match="is a file, not a model folder"):
        load_model(tmp_path / "model.bin")


def test_load_folder_without_manifest(tmp_path: Path) -> None:
    (tmp_path / "m").mkdir()
    with pytest.raises(ModelError, match="not a sentikit model folder"):
        load_model(tmp_path / "m")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "not a JSON object"),
        ('{"format": "other", "format_version": 1}', "not a sentikit model folder"),
        ('{"format_version": 1}', "not a sentikit model folder"),
    ],
)
def test_load_bad_manifest(saved: Path, content: str, message: str) -> None:
    (saved / "manifest.json").write_text(content)
    with pytest.raises(ModelError, match=message):
        load_model(saved)


def test_load_newer_format_is_refused(saved: Path) -> None:
    rewrite_manifest(saved, format_version=FORMAT_VERSION + 1)
    with pytest.raises(
        ModelError, match=rf"newer sentikit \(format {FORMAT_VERSION + 1}\); upgrade sentikit"
    ):
        load_model(saved)


@pytest.mark.parametrize("version", [None, 0, -1, "1", True, 1.0])
def test_load_invalid_format_version(saved: Path, version: object) -> None:
    rewrite_manifest(saved, format_version=version)
    with pytest.raises(ModelError, match="no valid format_version"):
        load_model(saved)


@pytest.mark.parametrize(
    "files",
    [
        None,
        {"../outside.txt": {"sha256": "0" * 64, "bytes": 1}},
        {"weights.safetensors": {"sha256": "xyz", "bytes": 1}},
        {"weights.safetensors": {"sha256": "0" * 64, "bytes": -1}},
        {"vocab.txt": {"sha256": "0" * 64, "bytes": 0}},  # weights not listed
    ],
)
def test_load_malformed_file_table(saved: Path, files: object) -> None:
    rewrite_manifest(saved, files=files if files is not None else "oops")
    with pytest.raises(ModelError, match="manifest in"):
        load_model(saved)


@pytest.mark.parametrize("name", ["weights.safetensors", "vocab.txt"])
def test_load_listed_file_missing(saved: Path, name: str) -> None:
    (saved / name).unlink()
    with pytest.raises(ModelError, match=rf"incomplete: {name} is missing"):
        load_model(saved, verify=False)


@pytest.mark.parametrize("name", ["weights.safetensors", "vocab.txt"])
def test_load_truncated_file(saved: Path, name: str) -> None:
    data = (saved / name).read_bytes()
    (saved / name).write_bytes(data[:-3])
    with pytest.raises(ModelError, match=rf"file .*{name} is corrupt or was modified"):
        load_model(saved)
    with pytest.raises(ModelError, match=name):  # even unverified, the damage is noticed when parsing
        load_model(saved, verify=False)


@pytest.mark.parametrize("name", ["weights.safetensors", "labels.txt"])
def test_load_tampered_file_same_size(saved: Path, name: str) -> None:
    data = bytearray((saved / name).read_bytes())
    data[-2] ^= 0x01
    (saved / name).write_bytes(bytes(data))
    with pytest.raises(ModelError, match=rf"file .*{name} is corrupt or was modified"):
        load_model(saved)
    load_model(saved, verify=False)  # verify=False trusts the bytes, by design


def test_load_text_that_is_not_utf8(saved: Path) -> None:
    (saved / "labels.txt").write_bytes(b"\xff\xfe\n")
    with pytest.raises(ModelError, match=r"labels\.txt is corrupt"):
        load_model(saved, verify=False)


# ---------------------------------------------------------------------------------------------- no pickle


class _CreatesMarker:
    """Unpickling this creates a file: the proof that something was unpickled."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple:
        return (open, (str(self.marker), "w"))


def evil_pickle(marker: Path) -> bytes:
    return pickle.dumps(_CreatesMarker(marker))


def test_evil_pickle_really_creates_marker(tmp_path: Path) -> None:
    # Control: without this the tests below could pass with a harmless payload.
    marker = tmp_path / "control"
    pickle.loads(evil_pickle(marker)).close()
    assert marker.exists()


@pytest.mark.parametrize("verify", [True, False])
@pytest.mark.parametrize("manifest_updated", [False, True])
def test_pickle_in_place_of_weights_is_never_unpickled(
    saved: Path, tmp_path: Path, verify: bool, manifest_updated: bool
) -> None:
    marker = tmp_path / "pwned"
    payload = evil_pickle(marker)
    (saved / "weights.safetensors").write_bytes(payload)
    if manifest_updated:  # an attacker who also fixes the checksum still gets nowhere
        manifest = json.loads((saved / "manifest.json").read_text(encoding="utf-8"))
        entry = {"sha256": hashlib.sha256(payload).hexdigest(), "bytes": len(payload)}
        rewrite_manifest(saved, files={**manifest["files"], "weights.safetensors": entry})
    with pytest.raises(ModelError, match=r"weights\.safetensors"):
        load_model(saved, verify=verify)
    assert not marker.exists()


def test_stray_pickle_files_are_ignored(saved: Path, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    for name in ("evil.pkl", "model.pkl", "weights.pt"):
        (saved / name).write_bytes(evil_pickle(marker))
    model = load_model(saved)
    assert "evil" not in model.arrays and set(model.texts) == {"vocab", "labels", "nothing"}
    assert not marker.exists()
