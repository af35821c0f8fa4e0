"""Model folders edited by hand so that every file still matches the manifest's checksums: what could change a
model's predictions without a word (or exhaust memory while loading) is refused with a ModelError."""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import safetensors.numpy as st_numpy

import sentikit
from sentikit.training.pipeline import TrainSettings, train

REPO = Path(__file__).resolve().parent.parent
TINY = {"epochs": 1, "max_len": 16, "embed_dim": 8, "hidden_size": 8, "conv_filters": 4}


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("models")
    settings = {"gru": TINY, "conv1d": TINY, "logreg": {}, "nbsvm": {}}
    return {arch: train(str(REPO / "data" / "reviews_en.csv"), out=folder / arch,
                        settings=TrainSettings(arch=arch), overrides=overrides).path
            for arch, overrides in settings.items()}


def _vouch(model: Path, name: str) -> None:
    """Record the current bytes of `name` in the manifest, as an editor covering their tracks would."""
    manifest = json.loads((model / "manifest.json").read_text(encoding="utf-8"))
    data = (model / name).read_bytes()
    manifest["files"][name] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    (model / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def _edit_lines(model: Path, name: str, change: Callable[[list[str]], None]) -> None:
    lines = (model / name).read_text(encoding="utf-8").split("\n")[:-1]
    change(lines)
    (model / name).write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    _vouch(model, name)


def _edit_weights(model: Path, change: Callable[[dict[str, np.ndarray]], None]) -> None:
    arrays = dict(st_numpy.load_file(str(model / "weights.safetensors")))
    change(arrays)
    st_numpy.save_file(arrays, str(model / "weights.safetensors"))
    _vouch(model, "weights.safetensors")


def _edit_manifest(model: Path, path: str, value: Any) -> None:
    manifest = json.loads((model / "manifest.json").read_text(encoding="utf-8"))
    *parents, key = path.split(".")
    node = manifest
    for parent in parents:
        node = node[parent]
    node[key] = value
    (model / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def _duplicate_second_word(lines: list[str]) -> None:
    lines[3] = lines[2]


def _blank_a_word(lines: list[str]) -> None:
    lines[3] = ""


def _swap_pad_and_unk(lines: list[str]) -> None:
    lines[0], lines[1] = lines[1], lines[0]


def _negate_idf(arrays: dict[str, np.ndarray]) -> None:
    arrays["idf"] = -arrays["idf"]


def _add_table(arrays: dict[str, np.ndarray]) -> None:
    arrays["x"] = np.zeros(2, dtype=np.float32)


CASES: list[tuple[str, Callable[[Path], None], str]] = [
    ("gru", lambda m: _edit_lines(m, "vocab.txt", _duplicate_second_word), "vocab.txt lists a word twice"),
    ("gru", lambda m: _edit_lines(m, "vocab.txt", _blank_a_word), "vocab.txt has an empty entry"),
    ("gru", lambda m: _edit_lines(m, "vocab.txt", _swap_pad_and_unk), "must start with <pad> and <unk>"),
    ("gru", lambda m: _edit_manifest(m, "predictor.model.num_layers", 10**9), "gru network of 4,000,000,003 weight"),
    ("conv1d", lambda m: _edit_manifest(m, "predictor.model.conv_widths", [3, 4, 10**9]), "weight tensors, but"),
    ("logreg", lambda m: _edit_weights(m, _negate_idf), "idf weights below 1"),
    ("logreg", lambda m: _edit_manifest(m, "predictor.features.encoding", "tf"), "holds idf, which a linear"),
    ("nbsvm", lambda m: _edit_weights(m, _add_table), "holds x, which a linear model"),
]


@pytest.mark.parametrize(("arch", "edit", "message"), CASES, ids=[c[2][:30] for c in CASES])
def test_an_edited_model_is_refused(trained: dict[str, Path], tmp_path: Path, arch: str,
                                    edit: Callable[[Path], None], message: str) -> None:
    model = Path(shutil.copytree(trained[arch], tmp_path / arch))
    sentikit.load(model)  # the copy loads before the edit
    edit(model)
    started = time.perf_counter()
    with pytest.raises(sentikit.ModelError, match=message):
        sentikit.load(model)
    assert time.perf_counter() - started < 5  # refused from the counts, before anything is built


@pytest.mark.parametrize("settings", [{"arch": "conv1d"}, {"arch": "conv1d", "conv_input": "embedding"},
                                      {"arch": "conv1d", "conv_widths": (2, 5)}, {"arch": "gru"},
                                      {"arch": "bilstm", "num_layers": 3}, {"arch": "rnn", "num_layers": 2}])
def test_the_tensor_count_checked_first_is_the_count_of_the_shapes(settings: dict[str, Any]) -> None:
    from sentikit.models.config import NeuralConfig
    from sentikit.models.neural_predictor import _tensor_count
    from sentikit.models.numpy_forward import weight_shapes

    config = NeuralConfig(**settings)
    assert _tensor_count(config) == len(weight_shapes(config, 10, 3))
