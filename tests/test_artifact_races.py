"""Model and feature folders under the awkward conditions of a shared filesystem: links that loop or lead
nowhere, a FIFO where a file should be, a model replaced while another process reads it, and two runs writing
one vectorize folder at once."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

from sentikit import artifacts
from sentikit.artifact_targets import check_save_target
from sentikit.artifacts import load_model, save_model
from sentikit.errors import OutputError
from sentikit.features import workflow


@contextmanager
def fails_instead_of_hanging(seconds: int = 20) -> Iterator[None]:
    def waited(signum: int, frame: object) -> None:
        raise AssertionError(f"still waiting after {seconds} s")

    previous = signal.signal(signal.SIGALRM, waited)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_an_output_link_that_loops_is_a_one_line_error(tmp_path: Path) -> None:
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    for call in (lambda: check_save_target(loop), lambda: save_model(loop, {}, {})):
        with pytest.raises(OutputError, match="symbolic link that loops"):
            call()


@pytest.mark.parametrize("link_to", ["nowhere", "itself"])
def test_a_link_to_nowhere_above_the_output_is_refused_before_training(tmp_path: Path, link_to: str) -> None:
    """save_model could not create the folders below it: check_save_target (run before any data is read) says so."""
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "nowhere" if link_to == "nowhere" else link)
    with pytest.raises(OutputError, match=r"link.*: it is a symbolic link to .*, which does not exist or loops"):
        check_save_target(link / "model")
    assert not (tmp_path / "nowhere").exists()


def test_a_fifo_as_manifest_of_the_folder_to_replace_is_refused_not_waited_on(saved: Path, tmp_path: Path) -> None:
    folder = tmp_path / "fake"
    folder.mkdir()
    os.mkfifo(folder / "manifest.json")
    with fails_instead_of_hanging(), pytest.raises(OutputError, match="not a sentikit model"):
        check_save_target(folder, force=True)


def test_a_model_replaced_while_it_is_read_loads_as_the_new_model(saved: Path, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """`train --force` elsewhere renames a new folder into place between the manifest read and the file reads:
    the reader must not call the model corrupt, but read the new one."""
    new = save_model(tmp_path / "new", {"labels": ["neg", "pos"], "v": 2}, {"x": np.arange(3, dtype=np.float32)})
    read_manifest = artifacts._read_manifest
    swaps = []

    def read_then_swap(folder: Path) -> dict[str, object]:
        manifest = read_manifest(folder)
        if not swaps:  # the first read sees the old manifest, then the folder is replaced
            saved.rename(tmp_path / "old")
            new.rename(saved)
            swaps.append(folder)
        return manifest

    monkeypatch.setattr(artifacts, "_read_manifest", read_then_swap)
    model = load_model(saved)
    assert swaps and model.manifest["v"] == 2 and model.arrays["x"].tolist() == [0.0, 1.0, 2.0]


def test_a_damaged_model_is_still_refused_when_nothing_replaced_it(saved: Path) -> None:
    weights = saved / "weights.safetensors"
    data = bytearray(weights.read_bytes())
    data[-1] ^= 1
    weights.write_bytes(bytes(data))
    with pytest.raises(artifacts.ModelError, match="corrupt or was modified"):
        load_model(saved)


def test_two_writers_of_one_feature_folder_rename_their_files_in_turn(tmp_path: Path) -> None:
    """While one run renames its matrix and vocabulary into place, another run waits: the pair left is one run's."""
    def writer(text: str) -> dict[str, Callable[[str], object]]:
        return {name: (lambda path: Path(path).write_text(text)) for name in ("matrix.npz", "vocab.json")}

    done = threading.Event()
    with workflow._renaming(tmp_path):  # another run is renaming
        second = threading.Thread(target=lambda: (workflow._write_atomically(tmp_path, writer("B")), done.set()))
        second.start()
        assert not done.wait(0.5)  # its renames wait for the lock
        for name in ("matrix.npz", "vocab.json"):
            (tmp_path / name).write_text("A")
    second.join(20)
    assert done.is_set()
    assert {(tmp_path / name).read_text() for name in ("matrix.npz", "vocab.json")} == {"B"}
