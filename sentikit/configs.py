"""What every config dataclass shares (there is one per concern: preprocessing, features, linear model,
neural model, sequences, training): reading one back from a manifest's JSON, refusing keys it does not know."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from sentikit.errors import UsageError


def reject_unknown_keys(cls: type, data: Any, what: str) -> None:
    """Raise a UsageError naming the unknown keys and the valid ones (e.g. a manifest from another version)."""
    if not isinstance(data, dict):
        raise UsageError(f"{what} settings must be a mapping, got {type(data).__name__}")
    known = [f.name for f in fields(cls)]
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise UsageError(f"unknown {what} setting(s): {', '.join(unknown)}", hint=f"valid keys: {', '.join(known)}")


def fraction_below_one(name: str, value: Any) -> float:
    """`value` as a float in [0, 1) (dropout rates, averaging decays), else a UsageError naming `name`."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value < 1.0:
        raise UsageError(f"invalid {name} {value!r}", hint="expected a number in [0, 1)")
    return float(value)
