"""Sample model-folder contents shared by the artifact tests."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np


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


def rewrite_manifest(folder: Path, **changes: object) -> None:
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    for key, value in changes.items():
        if value is None:
            manifest.pop(key, None)
        else:
            manifest[key] = value
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
