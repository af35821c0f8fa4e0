"""Reading corpora: CSV, TSV, JSONL and plain lines, gzip or not, from a path or stdin; validation; dev splits.

Everything here streams: `read_corpus` yields one `Record` at a time, so memory stays flat whatever the input
size. Every problem becomes a `DataError` naming the source and the line, with what to do about it.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import logging
import os
import re
import sys
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Literal

from sentikit.corpus_json import SURROGATE_ESCAPE, as_text, json_label, json_text, without_surrogates
from sentikit.corpus_lines import LineCounter, decode_error, decode_error_line, open_binary
from sentikit.errors import DataError, UsageError

log = logging.getLogger("sentikit")

InputFormat = Literal["auto", "csv", "tsv", "jsonl", "txt"]
INPUT_FORMATS: tuple[str, ...] = ("auto", "csv", "tsv", "jsonl", "txt")
TEXT_COLUMNS = ("text", "review", "review_text", "content", "body", "sentence", "comment", "tweet", "document")
# How spreadsheet, pandas and SQL exports spell a missing value in a label cell. "none" is not among them: it is
# a real class name in many corpora (no sentiment, no emotion).
MISSING_LABELS = ("nan", "null")
LABEL_COLUMNS = ("label", "sentiment", "labels", "class", "polarity", "rating_label", "target", "y")
# Extensions that decide the format. Any other file (.txt, none, unknown) is sniffed like stdin: ".txt" says
# "text", not "one document per line", and TSV exports are often saved as .txt.
_EXTENSIONS = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl"}
# Suffixes a default model name drops ("reviews.v1.csv" -> "reviews.v1").
_CORPUS_SUFFIXES = {*_EXTENSIONS, ".txt", ".json"}
# What a column name looks like when sniffing a header: at most three short words of letters, digits and a
# few separators, so a document such as "Review\tloved it!" or "review, in short: great" is not taken for one.
_COLUMN_NAME = re.compile(r"(?=.{0,64}\Z)(?:[\w.()/-]+(?: [\w.()/-]+){0,2})?")

# Quoted fields may legitimately be huge (a 10 MB review is still a review).
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_ESCAPES = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


@dataclass(frozen=True)
class Record:
    """One document: its text, its label (None when the corpus has none) and every other column."""

    text: str
    label: str | None = None
    extra: dict[str, str] = field(default_factory=dict)
    line: int = 0


@dataclass
class ReadStats:
    """What the reader skipped, reported by the caller once reading is done."""

    rows: int = 0
    empty_text: int = 0
    empty_label: int = 0


@dataclass(frozen=True)
class CorpusOptions:
    """How to read a corpus; the CLI's --input-format/--text-col/--label-col/--encoding/--strict."""

    input_format: InputFormat = "auto"
    text_col: str | None = None
    label_col: str | None = None
    encoding: str = "utf-8"
    strict: bool = False


def source_name(path: str | Path) -> str:
    return "<stdin>" if str(path) == "-" else str(path)


def corpus_stem(path: str | Path) -> str:
    """The file name without the corpus suffixes sentikit knows (".gz", then ".csv", ".jsonl", ...). Only
    those go: other dots tell files apart ("reviews.v1.csv" and "reviews.v2.csv")."""
    root, ext = os.path.splitext(Path(path).name)
    if ext.lower() == ".gz":
        root, ext = os.path.splitext(root)
    return root if ext.lower() in _CORPUS_SUFFIXES else root + ext


def _detect_format(name: str, head: str) -> str:
    """The format of a corpus: by a known extension, else (stdin, .txt, no or an unknown extension) by its
    first line. That line is a CSV/TSV header only if it splits on one delimiter (a tab when it has one,
    else a comma) into fields that all look like column names, one of them a known text column, so a plain
    review that holds a tab or a comma stays a document."""
    suffixes = [s.lower() for s in Path(name).suffixes if s.lower() != ".gz"]
    if suffixes and suffixes[-1] in _EXTENSIONS:
        return _EXTENSIONS[suffixes[-1]]
    first = head.lstrip("\ufeff").rstrip("\r\n")
    if first.lstrip().startswith("{"):
        return "jsonl"
    delimiter = "\t" if "\t" in first else ","
    try:
        fields = next(csv.reader([first], delimiter=delimiter, strict=True), [])
    except csv.Error:
        return "txt"
    names = [f.strip().lower() for f in fields]
    if all(_COLUMN_NAME.fullmatch(n) for n in names) and set(names) & set(TEXT_COLUMNS):
        return "tsv" if delimiter == "\t" else "csv"
    return "txt"


def _pick_column(columns: Sequence[str], wanted: str | None, candidates: Sequence[str], what: str,
                 name: str, required: bool) -> str | None:
    if wanted is not None:
        if wanted in columns:
            return wanted
        raise DataError(f"{name}: no column {wanted!r} (columns found: {_listed(columns)})",
                        hint=f"pass --{what}-col with one of them")
    lowered = {c.strip().lower(): c for c in columns}
    for candidate in candidates:
        if candidate in lowered:
            return lowered[candidate]
    if required:
        raise DataError(f"{name}: no {what} column found (columns found: {_listed(columns)})",
                        hint=f"pass --{what}-col NAME")
    return None


def _visible(text: str) -> str:
    """`text` with control characters written as escapes: messages quote delimiters and column names from
    the data, and a raw tab or carriage return in a message cannot be seen."""
    return _CONTROL.sub(lambda m: _ESCAPES.get(m.group(), f"\\x{ord(m.group()):02x}"), text)


def _listed(columns: Sequence[str]) -> str:
    return _visible(", ".join(columns)) or "none"


def _refuse_duplicate_columns(header: list[str], name: str, line: int) -> None:
    # Rows become dicts keyed by column name, so a second column of the same name would silently lose its
    # values (and which one is the text would be a guess). Unnamed columns (a trailing delimiter, a pandas
    # index) are never picked by name and may repeat.
    seen: set[str] = set()
    for column in header:
        if column and column in seen:
            raise DataError(f"{name}: line {line}: the header has two columns named {column!r}",
                            hint="rename one of them")
        seen.add(column)


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
    try:  # also refuses codecs that are not text encodings (hex, rot13, ...)
        io.TextIOWrapper(io.BytesIO(), encoding=opts.encoding)
    except LookupError as exc:
        raise UsageError(f"unknown encoding {opts.encoding!r}", hint="try utf-8, cp1251 or latin-1") from exc
    raw = open_binary(path)
    try:
        buffered = raw if isinstance(raw, io.BufferedReader) else io.BufferedReader(raw)  # type: ignore[arg-type]
        magic = buffered.peek(2)[:2]
        binary: IO[bytes] = gzip.GzipFile(fileobj=buffered) if magic == b"\x1f\x8b" else buffered  # type: ignore[assignment]
        encoding = "utf-8-sig" if opts.encoding.lower().replace("_", "-") in ("utf-8", "utf8") else opts.encoding
        text = io.TextIOWrapper(binary, encoding=encoding, errors="surrogateescape", newline="")
        counter = LineCounter(text, name, opts.encoding)
        try:
            first = counter.readline()
            fmt = opts.input_format if opts.input_format != "auto" else _detect_format(name, first)
            lines = _chain_first(first, counter)
            yield from _validated(_records(fmt, lines, counter, name, opts, need_labels), name, opts,
                                  need_labels, stats, counter, keep_empty_text)
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


def _chain_first(first: str, rest: LineCounter) -> Iterator[str]:
    if first:
        yield first
    yield from rest


def _records(fmt: str, lines: Iterator[str], counter: LineCounter, name: str, opts: CorpusOptions,
             need_labels: bool) -> Iterator[Record]:
    if fmt == "txt":
        for line in lines:
            yield Record(text=line.rstrip("\r\n"), line=counter.line)
        return
    if fmt == "jsonl":
        yield from _jsonl_records(lines, counter, name, opts, need_labels)
        return
    if fmt not in ("csv", "tsv"):
        raise UsageError(f"unknown input format {fmt!r}", hint=f"choose one of {', '.join(INPUT_FORMATS)}")
    reader = csv.reader(lines, delimiter="\t" if fmt == "tsv" else ",", strict=True)
    start = 1  # the line where the row being parsed begins
    try:
        header = next((row for row in reader if row), None)  # blank lines before the header are ignored
        if header is None:
            return
        header = [h.strip() for h in header]
        _refuse_duplicate_columns(header, name, counter.line)
        text_col = _pick_column(header, opts.text_col, TEXT_COLUMNS, "text", name, True)
        label_col = _pick_column(header, opts.label_col, LABEL_COLUMNS, "label", name, need_labels)
        t_i = header.index(text_col)  # type: ignore[arg-type]
        l_i = header.index(label_col) if label_col else -1
        start = counter.line + 1
        for row in reader:
            if not row:
                start = counter.line + 1
                continue
            if len(row) != len(header):
                raise DataError(f"{name}: line {counter.line}: {len(row)} fields where the header has "
                                f"{len(header)}", hint="check the quoting and the delimiter")
            extra = {h: v for i, (h, v) in enumerate(zip(header, row)) if i not in (t_i, l_i)}
            yield Record(text=row[t_i], label=row[l_i] if l_i >= 0 else None, extra=extra, line=counter.line)
            start = counter.line + 1
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            # The quote opened where the row began; the reader only noticed at the end of the file.
            raise DataError(f"{name}: line {start}: a quoted field starting on this line is never closed",
                            hint="check for an unclosed or stray quote") from exc
        raise DataError(f"{name}: line {counter.line}: malformed {fmt.upper()} ({_visible(str(exc))})",
                        hint="check for an unclosed or stray quote") from exc


def _jsonl_records(lines: Iterator[str], counter: LineCounter, name: str, opts: CorpusOptions,
                   need_labels: bool) -> Iterator[Record]:
    text_col: str | None = None
    label_col: str | None = None
    for line in lines:
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(f"{name}: line {counter.line}: not valid JSON ({exc.msg})",
                            hint='each line must be one JSON object, e.g. {"text": "...", "label": "pos"}') from exc
        except RecursionError as exc:
            raise DataError(f"{name}: line {counter.line}: JSON nested too deeply") from exc
        if not isinstance(obj, dict):
            raise DataError(f"{name}: line {counter.line}: expected a JSON object per line")
        if text_col is None:
            keys = list(obj)
            text_col = _pick_column(keys, opts.text_col, TEXT_COLUMNS, "text", name, True)
            label_col = _pick_column(keys, opts.label_col, LABEL_COLUMNS, "label", name, need_labels)
        if text_col not in obj:
            raise DataError(f"{name}: line {counter.line}: no {text_col!r} field")
        where = f"{name}: line {counter.line}"
        text = json_text(obj[text_col], f"{where}: the {text_col!r} field")
        label = json_label(obj[label_col], f"{where}: the {label_col!r} field") if label_col in obj else None
        extra = {k: as_text(v) for k, v in obj.items() if k not in (text_col, label_col)}
        record = Record(text=text, label=label, extra=extra, line=counter.line)
        if SURROGATE_ESCAPE.search(line):
            record = _without_surrogates(record)
        yield record


def _without_surrogates(record: Record) -> Record:
    """Replace lone surrogates (from escapes like "\\ud800") with U+FFFD, so the text can be written as UTF-8."""

    fix = without_surrogates
    return Record(text=fix(record.text), label=None if record.label is None else fix(record.label),
                  extra={fix(k): fix(v) for k, v in record.extra.items()}, line=record.line)


def _validated(records: Iterator[Record], name: str, opts: CorpusOptions, need_labels: bool, stats: ReadStats,
               counter: LineCounter, keep_empty_text: bool) -> Iterator[Record]:
    for record in records:
        stats.rows += 1
        if not record.text.strip():
            if opts.strict:
                raise DataError(f"{name}: line {record.line}: empty text", hint="drop --strict to skip such rows")
            stats.empty_text += 1
            if not keep_empty_text:
                continue
        label = record.label.strip() if record.label is not None else None
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
        raise DataError(f"{name}: no documents after the header (line {counter.line} is the last line)",
                        hint="pass a file with one document per row below the header")


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
