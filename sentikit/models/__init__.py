"""Classifier definitions. Importing this package stays light: torch loads only when a torch-backed name
(`ARCHITECTURES`, `build_model`, `count_parameters`) is first accessed, so the numpy prediction path and the
CLI's option parsing never pay for it."""

from __future__ import annotations

from typing import Any

from sentikit.models.config import ARCH_NAMES, COMBINE_MODES, POOL_MODES, NeuralConfig

_TORCH_NAMES = ("ARCHITECTURES", "build_model", "count_parameters")

__all__ = ["ARCH_NAMES", "COMBINE_MODES", "POOL_MODES", "NeuralConfig", *_TORCH_NAMES]


def __getattr__(name: str) -> Any:
    if name in _TORCH_NAMES:
        from sentikit.models import nets

        return getattr(nets, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
