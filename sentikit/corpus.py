"""Reading corpora: CSV, TSV, JSONL, JSON arrays of records and plain lines, gzip or not, from a path or stdin;
format detection and validation. Columns: `corpus_columns`; CSV/TSV rows: `corpus_delimited`; JSON:
`corpus_json`; bytes to lines: `corpus_lines`.

Everything here streams: `read_corpus` yields one `Record` at a time, so memory stays flat whatever the input
size (a JSON array, which cannot be read line by line, is the one exception). Every problem becomes a
`DataError` naming the source and the line, with what to do about it.
"""

from __future__ import annotations

import gzip
import io
import json
import logging
import os
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO

from sentikit.corpus_columns import (
    INPUT_FORMATS,
    LABEL_COLUMNS,
    TEXT_COLUMNS,
    CorpusOptions,
    InputFormat,
    Record,
    label_as_read,
)
from sentikit.corpus_delimited import delimited_records, header_fields, sep_line
from sentikit.corpus_json import json_records, jsonl_objects
from sentikit.corpus_json_array import json_array_objects
from sentikit.corpus_lines import (
    LineCounter,
    check_encoding,
    decode_error,
    decode_error_line,
    drop_utf8_bom,
    open_binary,
    plain_lines,
)
from sentikit.datasets import resolve_corpus_path
from sentikit.errors import DataError, UsageError

__all__ = ["INPUT_FORMATS", "LABEL_COLUMNS", "MISSING_LABELS", "TEXT_COLUMNS", "CorpusOptions", "InputFormat",
           "LabelledCorpus", "ReadStats", "Record", "companion_options", "corpus_stem", "detect_format",
           "load_labelled", "read_corpus", "report_skipped", "source_name"]

log = logging.getLogger("sentikit")

# How spreadsheet, pandas and SQL exports spell a missing value in a label cell. "none" is not among them: it is
# a real class name in many corpora (no sentiment, no emotion).
MISSING_LABELS = ("nan", "null")
# Extensions that decide the format. Any other file (.txt, none, unknown) is sniffed like stdin: ".txt" says
# "text", not "one document per line", and TSV exports are often saved as .txt. (".json" holds an array of
# records or, often enough, JSON Lines: its first line tells them apart.)
# Blank lines held while looking for the first line that tells the format; after so many the input is plain lines.
MAX_BLANK_LINES = 10_000
_EXTENSIONS = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json"}
# Suffixes a default model name drops ("reviews.v1.csv" -> "reviews.v1").
_CORPUS_SUFFIXES = {*_EXTENSIONS, ".txt"}
# What a column name looks like when sniffing a header that has a text column but no label column: up to three
# words of letters, digits and the punctuation spreadsheets put in names ("Оценка, 1-5", "#tags", "share %",
# "verified?", "price $"), or pandas' "Unnamed: 0", so a document such as "Review\tloved it!" or "Review, in
# short: great" (no other colon) is not taken for one.
_COLUMN_NAME = re.compile(r"(?=.{0,64}\Z)(?:[\w.()/,#?%$€₽£+&=-]+(?: [\w.()/,#?%$€₽£+&=-]+){0,2}|unnamed: \d+)?")
# The start of a JSON array of records in a sniffed input: "[{" and a key, or "[{" ending the line (one-line
# JSON); "[" alone on its line is one too when a "{" starts the next (indented JSON). A review that starts with a
# bracket ("[UPDATE] still great", "[{spoiler}] great") is none of these.
_JSON_ARRAY = re.compile(r'\[\s*\{\s*(?:"|\Z)')
_JSON_ARRAY_OPENING = re.compile(r'\[\s*\{\s*"')  # the same, in the start of a longer line


@dataclass
class ReadStats:
    """What the reader skipped, reported by the caller once reading is done."""

    rows: int = 0
    empty_text: int = 0
    empty_label: int = 0


def is_blank_text(text: str) -> bool:
    """A text with nothing to classify: empty or whitespace only. The one rule for the reader (which skips such
    rows) and for prediction (which gives them no label)."""
    return not text.strip()


def source_name(path: str | Path) -> str:
    return "<stdin>" if str(path) == "-" else str(path)


def corpus_stem(path: str | Path) -> str:
    """The file name without the corpus suffixes sentikit knows (".gz", then ".csv", ".jsonl", ...). Only
    those go: other dots tell files apart ("reviews.v1.csv" and "reviews.v2.csv")."""
    root, ext = os.path.splitext(Path(path).name)
    if ext.lower() == ".gz":
        root, ext = os.path.splitext(root)
    return root if ext.lower() in _CORPUS_SUFFIXES else root + ext


def _extension_format(name: str) -> str | None:
    suffixes = [s.lower() for s in Path(name).suffixes if s.lower() != ".gz"]
    return _EXTENSIONS.get(suffixes[-1]) if suffixes else None


def detect_format(name: str, first: str, options: CorpusOptions | None = None, *,
                  following: str | None = None) -> str:
    """The format of a corpus: by a known extension, else (stdin, .txt, no or an unknown extension) by its
    first non-blank line `first` (and, after a lone "[", the next non-blank one, `following`; None when it is
    not known, and then the "[" counts as the start of an array).

    By content, a line is JSON Lines only if it is a whole JSON object, and starts a JSON array only as
    `_JSON_ARRAY` says, so a review that starts with a brace or a bracket stays a document. The line is a
    CSV/TSV header if it is Excel's `sep=;` line, or if it splits on one delimiter (tab, comma or semicolon)
    into fields that make a header (`_is_header`: a known text column, and a known label column or short column
    names), so a plain review that holds a tab or a comma stays a document; or if the user named a column or the
    delimiter, which plain lines do not have."""
    line = first.rstrip("\r\n")
    by_extension = _extension_format(name)
    if by_extension is not None:
        return _json_kind(line) if by_extension == "json" else by_extension
    stripped = line.strip()
    if stripped.startswith("{") and _is_json_object(stripped):
        return "jsonl"
    if _JSON_ARRAY.match(stripped) or (stripped == "[" and (following is None or following.lstrip().startswith("{"))):
        return "json"
    if sep_line(line) is not None:
        return "csv"
    split = {d: header_fields(line, d, strict=True) for d in ("\t", ",", ";")}
    for delimiter, fields in split.items():
        if _is_header(fields, delimiter):
            # A delimiter the user names is read with CSV's quoting rules, a tab too (docs/input.md).
            return "tsv" if delimiter == "\t" and (options is None or options.delimiter is None) else "csv"
    if options is not None and options.delimiter is not None:
        return "csv"
    if options is not None and (options.text_col is not None or options.label_col is not None):
        # A named column makes the input a table whatever its header looks like (Отзыв,Тональность).
        return "tsv" if len(split["\t"]) > max(len(split[","]), len(split[";"]), 1) else "csv"
    return "txt"


def companion_options(options: CorpusOptions | None, path: str | Path) -> CorpusOptions | None:
    """The options to read a second corpus with (train's and compare's --dev): --input-format says what DATA is,
    so it applies to the second file only when that file's extension does not say its format (.txt, none or an
    unknown one); a .csv, .tsv, .jsonl or .json file is read by its extension, as --delimiter leaves a JSON file
    alone. The columns and the encoding are the same for both."""
    if options is None or options.input_format == "auto" or str(path) == "-":
        return options
    if _extension_format(str(resolve_corpus_path(path))) is None:
        return options
    return replace(options, input_format="auto")


def _is_header(fields: list[str], delimiter: str) -> bool:
    """Whether a first line split into `fields` on `delimiter` is a table's header, not a document.

    A known text column beside a known label column is a header whatever the other names (a spreadsheet's
    "Date of the review", "price $", an emoji): a document is not made of exact column names. A known text column
    without a label column, as files to score have, is a header only if the other fields look like short names
    (`_COLUMN_NAME`) and no field after the first starts with a space: table writers put none after a comma or
    a semicolon, and a sentence does ("Review, 5 stars" is a review)."""
    names = {f.strip().casefold() for f in fields}
    if not names & set(TEXT_COLUMNS):
        return False
    if names & set(LABEL_COLUMNS):
        return True
    spaced = delimiter != "\t" and any(f[:1].isspace() for f in fields[1:])
    return not spaced and all(_COLUMN_NAME.fullmatch(f.strip().lower()) for f in fields)


def _sure_header(line: str) -> bool:
    """Whether `line` is a header beyond doubt, read as one without a word: Excel's `sep=` line, a known text
    column name alone (a one-column file), or a known text and a known label column among its fields."""
    if sep_line(line) is not None or line.strip().casefold() in TEXT_COLUMNS:
        return True
    for delimiter in ("\t", ",", ";"):
        names = {f.strip().casefold() for f in header_fields(line.rstrip("\r\n"), delimiter, strict=True)}
        if names & set(TEXT_COLUMNS) and names & set(LABEL_COLUMNS):
            return True
    return False


def _is_json_object(line: str) -> bool:
    """Whether `line` is one JSON object; JSON the reader will refuse with a reason (an integer too long, nesting
    too deep) counts as one, so that the reader, not the sniffing, says what is wrong with it."""
    try:
        return isinstance(json.loads(line), dict)
    except json.JSONDecodeError:
        return False
    except (ValueError, RecursionError):
        return True


def _opens_json_array(name: str, head: str, opts: CorpusOptions, by_content: bool) -> bool:
    """Whether `head`, the start of the first line, opens a JSON array that this input is read as (`by_content`:
    its format is told by its content). For a first line too long to read whole (`LineCounter.peek`): an array
    written on one line (pandas' to_json(orient='records')) is then taken piece by piece by the array reader, not
    held whole to detect it."""
    if by_content:  # the line goes on: `[{` must be `[{"`
        return _JSON_ARRAY_OPENING.match(head.lstrip()) is not None
    json_input = opts.input_format == "json" or (opts.input_format == "auto" and _extension_format(name) == "json")
    return json_input and head.lstrip(" \t").startswith("[")


def _json_kind(line: str) -> str:
    """A .json file holds JSON Lines when its first line is a whole object, else (an array of records, or
    anything the JSON reader will then refuse with a reason) one JSON document."""
    stripped = line.strip()
    return "jsonl" if stripped.startswith("{") and _is_json_object(stripped) else "json"


def read_corpus(path: str | Path, options: CorpusOptions | None = None, *, need_labels: bool = False,
                stats: ReadStats | None = None, keep_empty_text: bool = False) -> Iterator[Record]:
    """Yield the documents of a corpus file (or `-` for stdin) one at a time.

    Rows with an empty text (or, when `need_labels`, an empty label) are skipped and counted in `stats`;
    with `options.strict` they are an error instead. `keep_empty_text` yields rows with an empty text
    (still counted) instead of skipping them, for callers whose output has one row per input row.
    """
    opts = options or CorpusOptions()
    stats = stats if stats is not None else ReadStats()
    name = source_name(path)
    check_encoding(opts.encoding)
    raw = open_binary(path)
    try:
        buffered = raw if isinstance(raw, io.BufferedReader) else io.BufferedReader(raw)  # type: ignore[arg-type]
        magic = buffered.peek(2)[:2]
        binary: IO[bytes] = gzip.GzipFile(fileobj=buffered) if magic == b"\x1f\x8b" else buffered  # type: ignore[assignment]
        text = io.TextIOWrapper(binary, encoding=opts.encoding, errors="surrogateescape", newline="")
        counter = LineCounter(text, name, opts.encoding)
        try:
            drop_utf8_bom(binary, opts.encoding, name)
            # A byte order mark is not text, whatever the encoding (utf-16-le and -be keep it as U+FEFF).
            first, whole = counter.peek()
            by_content = opts.input_format == "auto" and _extension_format(name) is None
            if not whole and _opens_json_array(name, first.removeprefix("\ufeff"), opts, by_content):
                counter.drop_bom()  # that line would be the whole array: the array reader takes it in pieces
                fmt, sniffed, content, guessed = "json", by_content, True, False
            else:
                first = counter.readline().removeprefix("\ufeff")
                fmt, sniffed, content, guessed = _format(name, first, counter, opts)
            if fmt == "txt" and need_labels and content:
                piped = "for a '|'-separated table pass --delimiter '|'; " if "|" in first else ""
                raise DataError(f"{name}: read as plain lines (one document per line), which have no labels", hint=(
                    f"{piped}for a CSV, TSV or JSON file pass --input-format csv, tsv, jsonl or json, and --text-col"
                    "/--label-col"))
            if fmt == "txt" and need_labels and first and not content:  # as a CSV of blank lines is told
                raise DataError(f"{name}: no documents, only blank lines", hint="pass a file with one document per row")
            if fmt == "tsv" and opts.delimiter is not None:
                fmt = "csv"  # a .tsv read with a delimiter the user names: CSV's rules (docs/input.md)
            records = _records(fmt, counter, name, opts, need_labels, sniffed, guessed)
            yield from _validated(records, name, fmt, opts, need_labels, stats, counter, keep_empty_text)
        except UnicodeDecodeError as exc:  # what "surrogateescape" cannot carry: bytes below 0x80 (UTF-16)
            raise decode_error(name, decode_error_line(exc, counter.line), opts.encoding,
                                exc.object[exc.start], b"\x00" in exc.object) from exc
        except UnicodeError as exc:  # e.g. "UTF-16 stream does not start with BOM"
            raise DataError(f"{name}: cannot decode as {opts.encoding} ({exc})",
                            hint="pass the file's real encoding with --encoding") from exc
        except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
            raise DataError(f"{name}: cannot decompress ({exc})",
                            hint="the gzip file is truncated or corrupt; check the download") from exc
        except OSError as exc:
            raise DataError(f"{name}: cannot read ({exc})") from exc
    finally:
        if str(path) == "-":
            # Wrappers close what they wrap when collected: detach them so stdin stays usable.
            if "text" in locals():
                text.detach()
            if "buffered" in locals() and buffered is not raw:
                buffered.detach()
        else:
            raw.close()


def _format(name: str, first: str, counter: LineCounter, opts: CorpusOptions) -> tuple[str, bool, bool, bool]:
    """The format (see `detect_format`), whether it was found from the content, whether the input has a
    non-blank line (as far as was read: always when the format was given), and whether it is a table only by a
    guess worth a line on stderr: a header without a known label column, which a document could be too ("id,text"
    and "Review,Rating" are headers, "Review, 5 stars" is not; see `_is_header`). The lines read to decide
    (the first, blank lines before the first non-blank one, and after a lone "[" the next non-blank one) are
    handed back to `counter`, to be read again: nothing more than those is held."""
    peeked = [first]
    if opts.input_format in ("auto", "json"):
        while peeked[-1] and not peeked[-1].strip() and len(peeked) <= MAX_BLANK_LINES:
            peeked.append(counter.readline())
    if opts.input_format == "auto":
        head = peeked[-1]
        following = None
        if head.strip() == "[" and _extension_format(name) is None:
            following = counter.readline()
            peeked.append(following)
            while following and not following.strip():
                following = counter.readline()
                peeked.append(following)
        fmt = detect_format(name, head, opts, following=following)
        # Past MAX_BLANK_LINES blank lines, whatever follows may be content: say what plain lines are.
        sniffed, content = _extension_format(name) is None, bool(head.strip()) or len(peeked) > MAX_BLANK_LINES
    else:
        # JSON Lines is JSON too: read so under --input-format json, as in a .json file.
        fmt = _json_kind(peeked[-1]) if opts.input_format == "json" else opts.input_format
        sniffed, content = False, bool(first)
    told = opts.delimiter is not None or opts.text_col is not None or opts.label_col is not None
    guessed = sniffed and fmt in ("csv", "tsv") and not told and not _sure_header(peeked[-1])
    counter.push_back([line for line in peeked if line])
    return fmt, sniffed, content, guessed


def _records(fmt: str, counter: LineCounter, name: str, opts: CorpusOptions, need_labels: bool,
             sniffed: bool, guessed: bool) -> Iterator[Record]:
    if fmt == "txt":
        for line, number in plain_lines(counter):
            yield Record(text=line, line=number)
    elif fmt == "jsonl":
        # A JSON error in an input taken for JSON by its content may mean that it is plain text after all.
        yield from json_records(jsonl_objects(counter, counter, name, sniffed), opts, need_labels, name)
    elif fmt == "json":
        objects = json_array_objects(counter.pieces(), name, sniffed, streaming=counter.streaming)
        yield from json_records(objects, opts, need_labels, name)
    elif fmt in ("csv", "tsv"):
        yield from delimited_records(fmt, counter, counter, name, opts, need_labels, guessed=guessed)
    else:
        raise UsageError(f"unknown input format {fmt!r}", hint=f"choose one of {', '.join(INPUT_FORMATS)}")


def _validated(records: Iterator[Record], name: str, fmt: str, opts: CorpusOptions, need_labels: bool,
               stats: ReadStats, counter: LineCounter, keep_empty_text: bool) -> Iterator[Record]:
    for record in records:
        stats.rows += 1
        if is_blank_text(record.text):
            if opts.strict:
                raise DataError(f"{name}: line {record.line}: empty text",
                                hint="drop --strict to keep it as a row with an empty text" if keep_empty_text
                                else "drop --strict to skip such rows")
            stats.empty_text += 1
            if not keep_empty_text:
                continue
        label = label_as_read(record.label.strip()) if record.label is not None else None
        if need_labels and (not label or label.lower() in MISSING_LABELS):
            if opts.strict:
                what = f"missing label {label!r}" if label else "empty label"
                raise DataError(f"{name}: line {record.line}: {what}", hint="drop --strict to skip such rows")
            stats.empty_label += 1
            continue
        yield Record(text=record.text, label=label, extra=record.extra, line=record.line)
    if stats.rows == 0:
        if counter.line == 0:
            raise DataError(f"{name}: the input is empty", hint="pass a file with one document per row")
        if fmt in ("csv", "tsv"):
            raise DataError(f"{name}: no documents after the header (line {counter.line} is the last line)",
                            hint="pass a file with one document per row below the header")
        raise DataError(f"{name}: no documents, only blank lines", hint="pass a file with one document per record")


def report_skipped(name: str, stats: ReadStats) -> None:
    """Log one warning line per kind of skipped row."""
    if stats.empty_text:
        log.warning("%s: skipped %d row(s) with an empty text", name, stats.empty_text)
    if stats.empty_label:
        log.warning("%s: skipped %d row(s) with an empty label (or nan/null)", name, stats.empty_label)


@dataclass
class LabelledCorpus:
    """A whole labelled corpus in memory (training needs all of it anyway)."""

    texts: list[str]
    labels: list[str]
    source: str
    sha256: str = ""


def load_labelled(path: str | Path, options: CorpusOptions | None = None) -> LabelledCorpus:
    """Read a labelled corpus into memory, with a SHA-256 of its (text, label) content for the manifest."""
    import hashlib

    stats = ReadStats()
    digest = hashlib.sha256()
    texts: list[str] = []
    labels: list[str] = []
    for record in read_corpus(path, options, need_labels=True, stats=stats):
        texts.append(record.text)
        labels.append(record.label or "")
        digest.update(record.text.encode("utf-8", "surrogatepass"))
        digest.update(b"\x1f")
        digest.update((record.label or "").encode("utf-8", "surrogatepass"))
        digest.update(b"\x1e")
    name = source_name(path)
    report_skipped(name, stats)
    if not texts:
        raise DataError(f"{name}: no usable rows (every row had an empty text or label)")
    return LabelledCorpus(texts=texts, labels=labels, source=name, sha256=digest.hexdigest())
