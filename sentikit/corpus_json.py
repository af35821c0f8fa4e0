"""What the values of a JSONL corpus mean: a document's text, its label, and the other fields as text.

JSON has types that CSV lacks; a value of the wrong type is refused with the file and line rather than spelled
out (`true` as the class "True", an object as the text '{"a": 1}'), which would train and predict on strings
nobody wrote.
"""

from __future__ import annotations

import json
import re

from sentikit.errors import DataError

# A JSON escape for a lone UTF-16 surrogate ("\ud800") decodes to a str that cannot be written out as UTF-8.
SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_SURROGATE = re.compile("[\ud800-\udfff]")


def without_surrogates(value: str) -> str:
    """`value` with lone surrogates replaced by U+FFFD, so it can be written as UTF-8."""
    return _SURROGATE.sub("\ufffd", value)


def _missing(value: object) -> bool:
    # null, and NaN (Python's json writes float("nan") as NaN), mean "no value" as an empty CSV cell does.
    return value is None or (isinstance(value, float) and value != value)


def json_text(value: object, where: str) -> str:
    """A document's text: a string; null (or NaN) is an empty text, skipped like "". Numbers, booleans, lists
    and objects are refused: a text field holding them is almost always the wrong field."""
    if _missing(value):
        return ""
    if isinstance(value, str):
        return value
    raise DataError(f"{where} is {_kind(value)}, not a string", hint="texts must be JSON strings; check --text-col")


def json_label(value: object, where: str) -> str | None:
    """A label: a string or a whole number (1 and 1.0 are both the class "1"); null (or NaN) is no label, which
    counts as an empty one. Booleans, fractions, infinities, lists and objects are refused."""
    if _missing(value):
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    raise DataError(f"{where} is {_kind(value)}, not a string or a whole number",
                    hint='labels must be strings such as "pos" or integers such as 1; check --label-col')


def as_text(value: object) -> str:
    """Any other field, carried along as text (objects and lists as compact JSON)."""
    if _missing(value):
        return ""
    if isinstance(value, bool | int | float | str):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    return {list: "a list", dict: "an object"}.get(type(value), type(value).__name__)
