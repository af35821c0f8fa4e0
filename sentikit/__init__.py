"""sentikit: sentiment analysis for Russian and English reviews.

Library first: `sentikit.load(path).predict(["..."])` (docs/python-api.md). Heavy modules (numpy, torch,
scikit-learn, nltk) are imported lazily, only by the code paths that need them: `import sentikit` alone loads
none, and `SentimentModel` and `Prediction` are imported on first access.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sentikit.errors import ModelError, SentikitError  # plain classes: importing them costs nothing

__version__ = "0.1.0"

if TYPE_CHECKING:
    import os

    from sentikit.model import Prediction, SentimentModel

_FROM_MODEL = ("Prediction", "SentimentModel")  # sentikit.model imports numpy: only when asked for


def __getattr__(name: str) -> Any:
    if name in _FROM_MODEL:
        import sentikit.model

        return getattr(sentikit.model, name)
    raise AttributeError(f"module 'sentikit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_FROM_MODEL))


def load(path: str | os.PathLike[str]) -> SentimentModel:
    """Load a model folder written by `sentikit train` (or `compare --keep`).

    Every file is checked against the size and SHA-256 the manifest records, and nothing is unpickled, so a
    folder from a stranger cannot run code. Raises `ModelError` (a `SentikitError`) when the folder is missing,
    is not a model, is damaged or edited, lacks a setting the model was trained with, or was made by a newer
    sentikit; `UsageError` for an empty path.
    """
    from sentikit.model import load_model

    return load_model(path)


__all__ = ["ModelError", "Prediction", "SentikitError", "SentimentModel", "__version__", "load"]
