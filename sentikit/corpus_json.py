"""JSON Lines and JSON arrays of records: parsing them, deciding which keys hold the text and the label, and what
the values mean (a document's text, its label, and the other fields as text).

JSON has types that CSV lacks; a value of the wrong type is refused with the file and line rather than spelled
out (`true` as the class "True", an object as the text '{"a": 1}'), which would train and predict on strings
nobody wrote.

Records need not all have the same keys: a record without the text or the label field has an empty one (skipped
and counted, or an error with --strict), as `null` is. Which keys are the text and the label is decided from the
first records that have such a key, looking at most `LOOK_AHEAD` records ahead.
"""

from __future__ import annotations

import json
import math
import re
import sys
from collections.abc import Iterable, Iterator
from typing import Any

from sentikit.corpus_columns import (
    LABEL_COLUMNS,
    TEXT_COLUMNS,
    CorpusOptions,
    Record,
    find_column,
    missing_column,
    same_column,
)
from sentikit.corpus_lines import LineCounter
from sentikit.errors import DataError

# A JSON escape for a lone UTF-16 surrogate ("\ud800") decodes to a str that cannot be written out as UTF-8.
SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_SURROGATE = re.compile("[\ud800-\udfff]")


def without_surrogates(value: str) -> str:
    """`value` with lone surrogates replaced by U+FFFD, so it can be written as UTF-8."""
    return _SURROGATE.sub("\ufffd", value)


class JsonInt(int):
    """A JSON integer that keeps how it was written ("-0"): a label or a carried field is text as written, as a
    CSV cell is, so the classes of a corpus do not depend on its format."""

    literal: str

    def __new__(cls, literal: str) -> JsonInt:
        number = super().__new__(cls, literal)  # more than 4300 digits: ValueError, reported as too long
        number.literal = literal
        return number


class JsonFloat(float):
    """A JSON number with a fraction or an exponent that keeps how it was written ("1.0e1", "-0.0")."""

    literal: str

    def __new__(cls, literal: str) -> JsonFloat:
        number = super().__new__(cls, literal)
        number.literal = literal
        return number


# Every JSON value the reader decodes comes from here, so every number knows its spelling.
DECODER = json.JSONDecoder(parse_int=JsonInt, parse_float=JsonFloat)


def _spelled(value: object) -> str:
    """A number as the file writes it, anything else (true, [1,2]) as compact JSON it (valid JSON: see
    `_finite`)."""
    literal = getattr(value, "literal", None)
    if isinstance(literal, str):
        return literal
    return json.dumps(_finite(value) if isinstance(value, list | dict) else value, ensure_ascii=False,
                      separators=(",", ":"))  # compact, as pandas and JavaScript write it


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
    """A label: a string or a whole number, as written (the reader then reads "1.0" as the class "1", as it does
    a CSV cell; "1.0e1" stays "1.0e1"); null (or NaN) is no label, which counts as an empty one. Booleans,
    fractions, infinities, lists and objects are refused."""
    if _missing(value):
        return None
    if isinstance(value, str):
        return value
    whole = _whole_number(value)
    if whole is not None:
        return whole
    raise DataError(f"{where} is {_kind(value)}, not a string or a whole number",
                    hint='labels must be strings such as "pos" or integers such as 1; check --label-col')


def _label_as_written(value: object) -> str:
    """A label value that is not needed, whatever its type: a whole number as json_label makes it, anything else
    as JSON writes it (0.73, true, ["a"])."""
    if isinstance(value, str):
        return value
    return _spelled(value)


def _whole_number(value: object) -> str | None:
    """A JSON whole number as written ("1", "1.0", "1e3"); None for anything else (booleans included)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return _spelled(value) if isinstance(value, JsonInt) else str(value)
    if isinstance(value, float) and value.is_integer():
        return _spelled(value) if isinstance(value, JsonFloat) else str(int(value))
    return None


class JsonField(str):
    """A carried field of a JSON record that is not a string: its text, as a CSV cell or a table shows it (numbers
    as written, true/false, lists and objects as compact JSON, null as ""), and `value`, the JSON value itself,
    which JSON Lines output writes back as it was (7 stays a number, null stays null)."""

    value: Any

    def __new__(cls, text: str, value: Any = None) -> JsonField:
        field = super().__new__(cls, text)
        field.value = value
        return field


def as_text(value: object) -> str:
    """Any other field, carried along as text (a `JsonField` unless it is a JSON string)."""
    if isinstance(value, str):
        return value
    if _missing(value):
        return JsonField("", None)  # NaN too: JSON has no NaN, and null is what it meant
    # Numbers as written; JSON spelling for the rest: true/false, not Python's True/False.
    return JsonField(_spelled(value), value)


def json_ready(value: Any) -> Any:
    """`value` for JSON output: a carried JSON field as the JSON value it was, anything else unchanged. A number
    too large for a float (1e400) is written as the string of its spelling: JSON has no Infinity."""
    return _finite(value.value) if isinstance(value, JsonField) else value


def _finite(value: Any) -> Any:
    """`value` with the floats JSON cannot write replaced: NaN by null (as a NaN field is read: no value), a number
    too large for a float by the string of its spelling ("1e400")."""
    if isinstance(value, float) and not math.isfinite(value):
        return None if value != value else _spelled(value)
    if isinstance(value, list):
        return [_finite(item) for item in value]
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    return value


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    return {list: "a list", dict: "an object"}.get(type(value), type(value).__name__)


# -- parsing -----------------------------------------------------------------------------------------------------

LOOK_AHEAD = 1000  # records held back at most while the text and label keys are not yet known
_JSONL_HINT = 'each line must be one JSON object, e.g. {"text": "...", "label": "pos"}'
ARRAY_HINT = ("write a JSON array of objects (pandas: to_json(orient='records')) or JSON Lines, one object per "
               "line")
WHITESPACE = re.compile(r"[ \t\n\r]*")

JsonObject = tuple[int, dict[str, Any], bool]  # (line, object, whether its source held a surrogate escape)
_ABSENT = object()  # a key the record lacks


def json_hint(hint: str, sniffed: bool) -> str:
    # An input taken for JSON by its content (stdin, .txt) may be plain text whose first line looks like JSON.
    return f"{hint}; if the input is plain text, one document per line, pass --input-format txt" if sniffed else hint


def too_long_number(name: str, line: int) -> DataError:
    """Python refuses to read an integer of more than `sys.get_int_max_str_digits()` digits (4300)."""
    limit = getattr(sys, "get_int_max_str_digits", lambda: 4300)()
    return DataError(f"{name}: line {line}: a JSON number too long to read (more than {limit} digits)",
                     hint="write such a value as a JSON string")


def jsonl_objects(lines: Iterable[str], counter: LineCounter, name: str, sniffed: bool = False
                  ) -> Iterator[JsonObject]:
    """The objects of a JSON Lines file, one per non-blank line; `counter.line` is the line just read."""
    for line in lines:
        if not line.strip():
            continue
        try:
            obj = DECODER.decode(line)
        except json.JSONDecodeError as exc:
            raise DataError(f"{name}: line {counter.line}: not valid JSON ({exc.msg})",
                            hint=json_hint(_JSONL_HINT, sniffed)) from exc
        except ValueError as exc:
            raise too_long_number(name, counter.line) from exc
        except RecursionError as exc:
            raise DataError(f"{name}: line {counter.line}: JSON nested too deeply") from exc
        if not isinstance(obj, dict):
            raise DataError(f"{name}: line {counter.line}: expected a JSON object per line",
                            hint=json_hint(_JSONL_HINT, sniffed))
        yield counter.line, obj, SURROGATE_ESCAPE.search(line) is not None


def columns_layout(value: object) -> bool:
    """Whether `value` is laid out as pandas' to_json() writes a frame by default: one object whose values are
    all objects, one per column keyed by the row numbers (or, orient='index', one per row number)."""
    if not (isinstance(value, dict) and value and all(isinstance(v, dict) and v for v in value.values())):
        return False
    return all(k.isdigit() for k in value) or all(k.isdigit() for v in value.values() for k in v)


def layout_error(name: str, line: int) -> DataError:
    return DataError(f"{name}: line {line}: a JSON object of columns (pandas' default to_json() layout), not "
                     "records", hint="write one record per row: to_json(orient='records', lines=True) for JSON "
                                     "Lines, or to_json(orient='records') for an array")


# -- columns -----------------------------------------------------------------------------------------------------


class _Keys:
    """The keys that hold the text and the label, decided as records come in."""

    def __init__(self, options: CorpusOptions, need_labels: bool, name: str) -> None:
        self.options = options
        self.name = name
        self.text: str | None = None
        self.label: str | None = None
        self.label_needed = need_labels or options.label_col is not None
        self.seen: dict[str, None] = {}

    def see(self, obj: dict[str, Any]) -> None:
        keys = list(obj)
        self.seen.update(dict.fromkeys(keys))
        opts = self.options
        if self.label is None and opts.label_col is not None:
            self.label = find_column(keys, opts.label_col, LABEL_COLUMNS, "--label-col", self.name)
        # A column found automatically is never the one the other role has (while that is undecided, this
        # record lacks it: it was just looked for).
        if self.text is None:
            self.text = find_column(keys, opts.text_col, TEXT_COLUMNS, "--text-col", self.name, avoid={self.label})
        if self.label is None and opts.label_col is None:
            self.label = find_column(keys, None, LABEL_COLUMNS, "--label-col", self.name, avoid={self.text})
        if self.text is not None and self.text == self.label:
            raise same_column(self.text)

    @property
    def decided(self) -> bool:
        return self.text is not None and (self.label is not None or not self.label_needed)

    def missing(self, scope: str) -> DataError:
        seen = list(self.seen)
        if self.text is None:
            return missing_column("text", self.options.text_col, seen, self.name, taken=self.label, scope=scope)
        return missing_column("label", self.options.label_col, seen, self.name, taken=self.text, scope=scope)


def json_records(objects: Iterable[JsonObject], options: CorpusOptions, need_labels: bool,
                 name: str) -> Iterator[Record]:
    """Records from JSON objects, decoding the columns as records come (see the module's docstring)."""
    keys = _Keys(options, need_labels, name)
    held: list[JsonObject] = []
    for item in objects:
        if not keys.seen and columns_layout(item[1]):
            raise layout_error(name, item[0])
        if keys.decided:
            if keys.label is None:  # an optional label may still turn up
                keys.see(item[1])
            yield _record(item, keys, options, need_labels, name)
            continue
        keys.see(item[1])
        held.append(item)
        if keys.decided:
            for waiting in held:
                yield _record(waiting, keys, options, need_labels, name)
            held.clear()
        elif len(held) >= LOOK_AHEAD:
            raise keys.missing(f" in the first {LOOK_AHEAD} records")
    if held:  # the input ended before the columns were decided
        raise keys.missing("")


def _record(item: JsonObject, keys: _Keys, options: CorpusOptions, need_labels: bool, name: str) -> Record:
    line, obj, escaped = item
    text_key, label_key = keys.text, keys.label
    assert text_key is not None
    value = obj.get(text_key, _ABSENT)
    if type(value) is str:  # the common case first: no message built for it
        text = value
    elif value is not _ABSENT:
        text = json_text(value, f"{name}: line {line}: the {text_key!r} field")
    elif options.strict:
        raise DataError(f"{name}: line {line}: no {text_key!r} field", hint="drop --strict to skip such rows")
    else:
        text = ""  # as a null text: skipped and counted (or kept empty, for predict's one row per record)
    value = _ABSENT if label_key is None else obj.get(label_key, _ABSENT)
    if type(value) is str:
        label: str | None = value
    elif value is not _ABSENT and (need_labels or _missing(value)):
        label = json_label(value, f"{name}: line {line}: the {label_key!r} field")
    elif value is not _ABSENT:  # not needed (predict, preprocess): carried along, as a CSV cell is
        label = _label_as_written(value)
    elif label_key is not None and need_labels and options.strict:
        raise DataError(f"{name}: line {line}: no {label_key!r} field", hint="drop --strict to skip such rows")
    else:
        label = None
    if label is None and label_key is not None:
        label = ""  # an empty label, as an empty CSV cell is; None says the input has no label column
    extra = {k: as_text(v) for k, v in obj.items() if k != text_key and k != label_key}
    if escaped:  # lone surrogates (from escapes like "\ud800") cannot be written as UTF-8
        fix = without_surrogates
        return Record(text=fix(text), label=None if label is None else fix(label),
                      extra={fix(k): fix(v) for k, v in extra.items()}, line=line)
    return Record(text=text, label=label, extra=extra, line=line)
