"""How options are typed and described: help text with literal brackets and the range and default tags Typer
cannot write itself, and a float range that refuses nan and infinities in the option's own terms."""

from __future__ import annotations

import math
from typing import Any

try:  # typer >= 0.20 vendors click, and takes only its own copy's types (see errors.py)
    from typer._click.types import FloatRange
except ImportError:  # pragma: no cover
    from click.types import FloatRange  # type: ignore[assignment]


class FiniteRange(FloatRange):
    """click's FloatRange, which lets `nan` through (every comparison with it is false), refusing it and infinities
    in the option's own terms rather than leaving the library to name its wider range."""

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value} is not a finite number.", param, ctx)
        return number


def literal_help(text: str) -> str:
    """Help texts are Rich markup (the app's rich_markup_mode), in which "[default: x]" or "[a|b]" is a style
    tag that silently vanishes from --help: escape such brackets so they show as written."""
    from rich.markup import escape

    return escape(text)


def with_default(text: str, default: object) -> str:
    """Help ending in "[default: ...]" like Typer's own, for defaults it cannot show: decided at run time, or
    living in a config dataclass rather than in the option."""
    return literal_help(f"{text} [default: {default}]")


def choice_help(text: str, choices: tuple[str, ...]) -> str:
    return literal_help(f"{text} [{'|'.join(choices)}]")
