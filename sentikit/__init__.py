"""sentikit: sentiment analysis for Russian and English reviews.

Library first: `sentikit.load(path).predict(["..."])`. Heavy modules (torch, scikit-learn, nltk) are imported
lazily, only by the code paths that need them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from sentikit.model import SentimentModel


def load(path: Any) -> SentimentModel:
    """Load a trained model folder (no pickles: safe for folders from strangers)."""
    from sentikit.model import load_model

    return load_model(path)


__all__ = ["__version__", "load"]
