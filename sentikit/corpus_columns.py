"""What a corpus row becomes and which columns make it: `Record`, the reading options, and the one rule for finding
the text and the label columns that CSV, TSV, JSONL and JSON arrays share.

A column the user names is matched as written, else regardless of surrounding spaces, else regardless of case
too; a column found automatically is never the other one, so a label cannot leak into the text.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Literal

from sentikit.configs import is_bool
from sentikit.errors import DataError, UsageError

InputFormat = Literal["auto", "csv", "tsv", "jsonl", "json", "txt"]
INPUT_FORMATS: tuple[str, ...] = ("auto", "csv", "tsv", "jsonl", "json", "txt")
TEXT_COLUMNS = ("text", "review", "review_text", "content", "body", "sentence", "comment", "tweet", "document")
# gold_label first: a file scored by `predict --input` holds the gold label there and the prediction in label.
LABEL_COLUMNS = ("gold_label", "label", "sentiment", "labels", "class", "polarity", "rating_label", "target", "y")

# Control characters, and characters that show as nothing (a byte order mark, zero-width spaces and joiners, line
# and paragraph separators): in a column name they make "no column 'text'" beside a listed 'text' a riddle.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\u2060\ufeff]")
_ESCAPES = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}
_ZERO_FRACTION = re.compile(r"([+-]?[0-9]+)\.0+")


@dataclass(frozen=True)
class Record:
    """One document: its text, its label (None when the corpus has none) and every other column."""

    text: str
    label: str | None = None
    extra: dict[str, str] = field(default_factory=dict)
    line: int = 0


@dataclass(frozen=True)
class CorpusOptions:
    """How to read a corpus; the CLI's --input-format/--text-col/--label-col/--encoding/--strict.

    Options that cannot work together are refused when they are made, before any data is read."""

    input_format: InputFormat = "auto"
    text_col: str | None = None
    label_col: str | None = None
    encoding: str = "utf-8"
    strict: bool = False
    delimiter: str | None = None  # of a CSV; None: from the file (a `sep=` line, else its header)

    def __post_init__(self) -> None:
        if not is_bool(self.strict):
            raise UsageError(f"invalid strict {self.strict!r}", hint="expected true or false")
        object.__setattr__(self, "strict", bool(self.strict))
        for name, kinds in (("input_format", str), ("text_col", (str, type(None))), ("label_col", (str, type(None))),
                            ("encoding", str), ("delimiter", (str, type(None)))):
            value = getattr(self, name)
            if not isinstance(value, kinds):  # a Python caller's mistake, said before any file is opened
                raise UsageError(f"invalid {name} {value!r}",
                                 hint="expected a str" + (" or None" if isinstance(kinds, tuple) else ""))
        if self.input_format not in INPUT_FORMATS:
            raise UsageError(f"unknown input format {self.input_format!r}",
                             hint=f"choose one of {', '.join(INPUT_FORMATS)}")
        if self.delimiter is not None:
            self._check_delimiter(self.delimiter)
        named = [flag for flag, value in (("--text-col", self.text_col), ("--label-col", self.label_col)) if value]
        if self.input_format == "txt" and named:
            # Plain lines have no columns: the option would be ignored and the header scored as a document.
            raise UsageError(f"{' and '.join(named)} name{'s' if len(named) == 1 else ''} a column, but the input is "
                             "read as plain lines, which have none",
                             hint="leave --input-format auto or name the CSV/TSV/JSON format; predict reads "
                                  "stdin as a corpus with --input -")
        if self.text_col is not None and self.text_col == self.label_col:
            raise same_column(self.text_col)

    def _check_delimiter(self, delimiter: str) -> None:
        if delimiter not in DELIMITERS.values():
            raise UsageError(f"invalid --delimiter {visible(delimiter)!r}",
                             hint="choose one of: ',' ';' tab '|', or auto")
        shown = delimiter_flag_value(delimiter)
        if self.input_format in ("json", "jsonl", "txt"):
            what = "plain lines, which have no columns" if self.input_format == "txt" else "JSON"
            raise UsageError(f"--delimiter {shown} applies to CSV input, but --input-format {self.input_format} "
                             f"reads {what}", hint="drop one of them")
        if self.input_format == "tsv" and delimiter != "\t":
            raise UsageError(f"--input-format tsv reads tab-separated rows, not --delimiter {shown}",
                             hint=f"pass --input-format csv --delimiter {shown}")


# What --delimiter accepts; "auto" (None) takes it from the file.
DELIMITERS = {",": ",", ";": ";", "tab": "\t", "|": "|"}
_DELIMITER_ALIASES = {"\\t": "\t", "\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}


def parse_delimiter(text: str) -> str | None:
    """The delimiter --delimiter names (a character, or tab as \\t, a tab or "tab"); None for auto."""
    key = text if text == "\t" else text.strip().lower()
    if key == "auto":
        return None
    return DELIMITERS.get(key) or _DELIMITER_ALIASES.get(key) or text  # anything else: refused by CorpusOptions


def delimiter_flag_value(delimiter: str) -> str:
    """How --delimiter spells `delimiter` in a hint ("tab" for a tab); `corpus_delimited.delimiter_name` names it."""
    return "tab" if delimiter == "\t" else delimiter


def label_as_read(label: str) -> str:
    """A label as written, but for a whole number written with an all-zero fraction, which loses it: "1.0" is the
    class "1" (pandas writes 1 so when the column also holds a missing value), "-1.00" is "-1", "+1.0" is "+1".
    One rule for every format: a JSON string "1.0" and a CSV cell 1.0 are the class "1", as the JSON number 1.0
    is; "1.5", "1e3" and "pos" stay as written."""
    if "." in label:
        match = _ZERO_FRACTION.fullmatch(label)
        if match:
            return match.group(1)
    return label


def same_column(column: str) -> UsageError:
    return UsageError(f"--text-col and --label-col both name the column {column!r}",
                      hint="the label would be read as the text; pass two different columns")


def visible(text: str) -> str:
    """`text` with control characters written as escapes: messages quote delimiters and column names from
    the data, and a raw tab or carriage return in a message cannot be seen."""
    return _CONTROL.sub(lambda m: _ESCAPES.get(m.group()) or _escape(ord(m.group())), text)


def _escape(code: int) -> str:
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


# A message names at most so many columns, each cut to so many characters: a header is data, and a 100 KB one
# (a file read with the wrong delimiter, a binary file) must still give a one-line message.
_LISTED_COLUMNS = 12
_NAME_CHARS = 50


def shortened(text: str, limit: int = _NAME_CHARS) -> str:
    """`text` cut to `limit` characters, an ellipsis marking the cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def listed(columns: Sequence[str]) -> str:
    """Column names for a message, comma-separated; a name that holds a comma or surrounding spaces is quoted.
    Long names are cut, and past `_LISTED_COLUMNS` names the rest are counted."""
    shown = [shortened(c) for c in columns[:_LISTED_COLUMNS]]
    text = ", ".join(repr(c) if "," in c or c != c.strip() else c for c in shown)
    if len(columns) > _LISTED_COLUMNS:
        text += f", … ({len(columns) - _LISTED_COLUMNS} more)"
    return visible(text) or "none"


def refuse_duplicate_columns(header: list[str], name: str, line: int) -> None:
    # Rows become dicts keyed by column name, so a second column of the same name would silently lose its
    # values (and which one is the text would be a guess). Unnamed columns (a trailing delimiter, a pandas
    # index) are never picked by name and may repeat.
    seen: set[str] = set()
    for column in header:
        if column and column in seen:
            raise DataError(f"{name}: line {line}: the header has two columns named {visible(shortened(column))!r}",
                            hint="rename one of them")
        seen.add(column)


def match_name(columns: Sequence[str], wanted: str, flag: str, name: str) -> str | None:
    """The column `wanted` names: itself; else the one equal to it but for surrounding spaces; else the one equal
    to it regardless of case as well. None when there is none; several equally close ones are an error."""
    if wanted in columns:
        return wanted
    for key in (str.strip, lambda s: s.strip().casefold()):
        hits = [c for c in dict.fromkeys(columns) if key(c) == key(wanted)]
        if len(hits) > 1:
            raise DataError(f"{name}: {flag} {shortened(wanted)!r} matches several columns: "
                            f"{listed([repr(shortened(h)) for h in hits])}",
                            hint="pass one of them exactly as written")
        if hits:
            return hits[0]
    return None


def find_column(columns: Sequence[str], wanted: str | None, candidates: Sequence[str], flag: str, name: str,
                avoid: Collection[str | None] = ()) -> str | None:
    """The column the user named (see `match_name`), or the first of `candidates` among `columns` (regardless of
    case and spacing) that is not in `avoid`, the column already taken for the other role. Among the columns
    that match one candidate, the closest wins as for a named one: `text` before `text ` before `Text`."""
    if wanted is not None:
        return match_name(columns, wanted, flag, name)
    by_key: dict[str, list[str]] = {}
    for column in columns:
        if column not in avoid:
            by_key.setdefault(column.strip().casefold(), []).append(column)
    for candidate in candidates:
        hits = by_key.get(candidate)
        if hits:
            return min(hits, key=lambda c: (c != candidate, c.strip() != candidate))
    return None


def missing_column(what: str, wanted: str | None, columns: Sequence[str], name: str, taken: str | None = None,
                   scope: str = "") -> DataError:
    """The error for a column not found; `taken` is the column that has the other role, `scope` says how much of
    the input was looked at when that is not all of it."""
    if wanted is not None:
        return DataError(f"{name}: no column {shortened(wanted)!r}{scope} (columns found: {listed(columns)})",
                         hint=f"pass --{what}-col with one of them")
    # Say so when the column that would have been found is the one the other role took (--text-col label).
    wanted_kind = TEXT_COLUMNS if what == "text" else LABEL_COLUMNS
    taken_here = taken is not None and taken.strip().casefold() in wanted_kind
    role = "label" if what == "text" else "text"
    other = f"; {shortened(taken)!r} is the {role} column" if taken is not None and taken_here else ""
    return DataError(f"{name}: no {what} column found{scope} (columns found: {listed(columns)})",
                     hint=f"pass --{what}-col NAME{other}")


def pick_columns(columns: Sequence[str], options: CorpusOptions, need_labels: bool,
                 name: str) -> tuple[str, str | None]:
    """The text column and the label column (None when there is none and none is needed) of a header."""
    text = find_column(columns, options.text_col, TEXT_COLUMNS, "--text-col", name) if options.text_col else None
    if options.text_col and text is None:
        raise missing_column("text", options.text_col, columns, name)
    label = find_column(columns, options.label_col, LABEL_COLUMNS, "--label-col", name) if options.label_col else None
    if options.label_col and label is None:
        raise missing_column("label", options.label_col, columns, name)
    if text is None:
        text = find_column(columns, None, TEXT_COLUMNS, "--text-col", name, avoid={label})
        if text is None:
            raise missing_column("text", None, columns, name, taken=label)
    if label is None and options.label_col is None:
        label = find_column(columns, None, LABEL_COLUMNS, "--label-col", name, avoid={text})
        if label is None and need_labels:
            raise missing_column("label", None, columns, name, taken=text)
    if text == label:
        raise same_column(text)
    return text, label
