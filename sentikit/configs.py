"""What every config dataclass shares (there is one per concern: preprocessing, features, linear model,
neural model, sequences, training): reading one back from a manifest's JSON, refusing keys it does not know,
requiring the ones a saved model needs, and the checks of numbers and seeds their `__post_init__` validation
shares."""

from __future__ import annotations

import math
from collections.abc import Iterable
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


def require_saved_settings(cls: type, data: Any, section: str) -> None:
    """Raise ValueError naming the settings of `cls` that `data`, read from the `section` of a model's
    manifest, lacks; those in `cls.OPTIONAL_IN_MANIFEST` may be missing.

    Only for configs rebuilt from a manifest: there, `from_dict`'s default for a missing key would be today's
    default rather than the value the model was trained with, and its predictions would change without a word
    (a stemming model fed lemmas). A user's options and config files keep the defaults. The settings a
    manifest may lack are those that cannot change a prediction: the ones that only shaped training, whose
    outcome (a vocabulary, stopword list or weights) the folder stores itself, and the ones older models did
    not record, for which `from_dict` fills in the value they had."""
    if not isinstance(data, dict):
        raise TypeError(f"{section} must be a mapping, got {type(data).__name__}")
    optional = getattr(cls, "OPTIONAL_IN_MANIFEST", frozenset())
    require_keys(data, [f.name for f in fields(cls) if f.name not in optional], section)


def require_keys(data: dict[str, Any], names: Iterable[str], section: str) -> None:
    """Raise ValueError naming those of `names` that `data` (the `section` of a manifest) lacks."""
    missing = [name for name in names if name not in data]
    if missing:
        plural = "s" if len(missing) > 1 else ""
        raise ValueError(f"missing setting{plural} {', '.join(map(repr, missing))} in {section}")


SEED_MAX = 2**32 - 1  # numpy's and scikit-learn's seeds are unsigned 32-bit integers


def finite_number(name: str, value: Any, *, low: float = -math.inf, high: float = math.inf,
                  low_open: bool = False, high_open: bool = False, expected: str | None = None) -> float:
    """`value` as a finite float within [low, high] (`*_open`: excluding that bound), else a UsageError naming
    `name` (and `expected`, what a valid value is, when the range alone would not say it).

    Every float setting goes through here: a comparison alone lets NaN through (every comparison with it is
    false) and infinity through an open-ended range, and either trains a model of NaNs."""
    number = _as_float(value)
    if not math.isfinite(number) or number < low or number > high or (low_open and number == low) \
            or (high_open and number == high):
        wanted = expected or _range_text(low, high, low_open, high_open)
        raise UsageError(f"invalid {name} {value!r}", hint=f"expected {wanted}")
    return number


def _as_float(value: Any) -> float:
    """The number as a float; NaN for what is not a number (bool is an int subclass, but True is no rate)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return math.nan
    try:
        return float(value)
    except OverflowError:  # an int beyond float range (10**400)
        return math.inf


def _range_text(low: float, high: float, low_open: bool, high_open: bool) -> str:
    if math.isinf(high):
        return f"a finite number {'>' if low_open else '>='} {low:g}"
    return f"a number in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"


def fraction_below_one(name: str, value: Any) -> float:
    """`value` as a float in [0, 1) (dropout rates, averaging decays), else a UsageError naming `name`."""
    return finite_number(name, value, low=0.0, high=1.0, high_open=True)


def checked_seed(value: Any) -> int:
    """`value` as a random seed: an integer in 0..2**32-1, the range numpy and scikit-learn accept."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= SEED_MAX:
        raise UsageError(f"invalid seed {value!r}", hint=f"expected an integer in 0..{SEED_MAX}")
    return value


def is_bool(value: Any) -> bool:
    """True for a bool, numpy's included (`np.bool_` is no `bool` subclass); not for 0/1, None or a string."""
    return isinstance(value, bool) or (type(value).__module__ == "numpy" and type(value).__name__ in ("bool", "bool_"))


def type_name(value: Any) -> str:
    """The type of `value` for a message: `int`, or `numpy.float32` where the bare name would mislead."""
    kind = type(value)
    return kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
