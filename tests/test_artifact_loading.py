"""Tests for sentikit.artifacts loading: clear errors for folders that are missing, not models, corrupt, tampered
with or from a newer sentikit, and no pickle ever being loaded."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
from pathlib import Path

import pytest

from sentikit.artifacts import FORMAT_VERSION, load_model
from sentikit.errors import ModelError
from tests.artifact_samples import rewrite_manifest

# ---------------------------------------------------------------------------------------------- load errors


def test_load_missing_path(tmp_path: Path) -> None:
    """The library's words: how a command's user gets a model (`sentikit train`, --model) is the CLI's to say."""
    with pytest.raises(ModelError) as info:
        load_model(tmp_path / "nope")
    assert str(info.value) == f"no model at {tmp_path / 'nope'}: no such folder"


@pytest.mark.parametrize("given", ["--model", "env"])
def test_commands_add_how_to_get_a_model(tmp_path: Path, given: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from sentikit.predict import MODEL_ENV, resolve_model_path

    monkeypatch.setenv(MODEL_ENV, str(tmp_path / "nope"))
    with pytest.raises(ModelError) as info:
        resolve_model_path(tmp_path / "nope" if given == "--model" else None)
    named_by = "$SENTIKIT_MODEL names it; " if given == "env" else ""  # a name the user did not type here
    assert str(info.value) == (f"no model at {tmp_path / 'nope'}: no such folder "
                               f"({named_by}train one with `sentikit train` or pass --model DIR)")


def test_load_missing_path_points_at_model_left_aside(tmp_path: Path) -> None:
    from sentikit.predict import resolve_model_path

    (tmp_path / ".m.old-abc123").mkdir()
    expected = (f"no model at {tmp_path / 'm'}: no such folder (an interrupted save left the previous model at "
                f"{tmp_path / '.m.old-abc123'}; rename it back)")
    with pytest.raises(ModelError) as info:
        load_model(tmp_path / "m")
    assert str(info.value) == expected
    with pytest.raises(ModelError) as info:  # a command says the same: renaming it back is what to do
        resolve_model_path(tmp_path / "m")
    assert str(info.value) == expected


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


# ---------------------------------------------------------------------------------------------- links, sizes


@pytest.mark.parametrize("name", ["weights.safetensors", "vocab.txt", "manifest.json"])
def test_symlinked_file_is_refused_even_with_matching_bytes(saved: Path, tmp_path: Path, name: str) -> None:
    # The link's target has exactly the recorded bytes, so only the link itself can be refused.
    outside = tmp_path / f"outside-{name}"
    outside.write_bytes((saved / name).read_bytes())
    (saved / name).unlink()
    (saved / name).symlink_to(outside)
    with pytest.raises(ModelError, match=rf"{name} is a symbolic link, which a model folder may not hold"):
        load_model(saved)


@pytest.mark.parametrize("name", ["weights.safetensors", "vocab.txt"])
def test_listed_file_that_is_not_regular_is_refused(saved: Path, name: str) -> None:
    (saved / name).unlink()
    os.mkfifo(saved / name)  # opening a FIFO for reading would block until a writer came
    with pytest.raises(ModelError, match=rf"{name} is not a regular file"):
        load_model(saved)


def test_symlinked_model_folder_still_loads(saved: Path, tmp_path: Path) -> None:
    (tmp_path / "link").symlink_to(saved)
    assert load_model(tmp_path / "link").texts["labels"] == ["negative", "neutral", "positive"]


@pytest.mark.parametrize("name", ["weights.safetensors", "vocab.txt"])
def test_wrong_size_is_refused_before_reading(saved: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    with open(saved / name, "ab") as handle:
        handle.write(b"x" * 1000)
    opened: list[str] = []
    real_open, real_path_open = os.open, Path.open

    def spy_open(path: object, *args: object, **kwargs: object) -> object:
        opened.append(Path(os.fspath(path)).name)  # type: ignore[arg-type]
        return real_open(path, *args, **kwargs)  # type: ignore[arg-type]

    def spy_path_open(self: Path, *args: object, **kwargs: object) -> object:
        opened.append(self.name)
        return real_path_open(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", spy_open)
    monkeypatch.setattr(Path, "open", spy_path_open)
    with pytest.raises(ModelError, match=rf"file .*{name} is corrupt or was modified"):
        load_model(saved)
    assert name not in opened


def test_weights_are_parsed_from_the_bytes_that_were_hashed(saved: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Reopening the file after hashing it would let a swap in between load unverified bytes.
    import safetensors.numpy

    def reopen(*args: object, **kwargs: object) -> None:
        raise AssertionError("the weights file was opened a second time")

    monkeypatch.setattr(safetensors.numpy, "load_file", reopen)
    assert load_model(saved).arrays["ids"].tolist() == list(range(-3, 7))
