"""Test-suite settings and shared fixtures: under CI, hypothesis runs derandomized so a green run is
reproducible."""

import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from tests.artifact_samples import sample_arrays, sample_texts

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(scope="module")
def torch_single_thread() -> Iterator[None]:
    """Tiny models gain nothing from intra-op threads, and on a busy 2-core box spinning OpenMP workers make
    their tests several times slower."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    """A small saved model folder (arrays and texts from `tests.artifact_samples`)."""
    from sentikit.artifacts import save_model

    return save_model(tmp_path / "model", {"labels": ["neg", "pos"]}, sample_arrays(), sample_texts())


@pytest.fixture
def provide(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[bytes, str, str], str]:
    """provide(data, name, via) -> the source to pass to read_corpus: a file, or '-' with `data` on stdin."""
    from tests.test_corpus import FakeStdin

    def make(data: bytes, name: str, via: str) -> str:
        if via == "stdin":
            monkeypatch.setattr(sys, "stdin", FakeStdin(data))
            return "-"
        path = tmp_path / name
        path.write_bytes(data)
        return str(path)

    return make
