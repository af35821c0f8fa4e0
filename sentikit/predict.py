"""Prediction and evaluation with a saved model: which model to use, streaming prediction in batches, and
the evaluation report on a labelled corpus."""

from __future__ import annotations

import codecs
import json
import logging
import os
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np

from sentikit.artifacts import missing_model_error
from sentikit.corpus import (
    TEXT_COLUMNS,
    CorpusOptions,
    ReadStats,
    Record,
    check_encoding,
    detect_format,
    is_blank_text,
    read_corpus,
    report_skipped,
    source_name,
)
from sentikit.errors import DataError, ModelError, UsageError
from sentikit.model import SentimentModel
from sentikit.training.metrics import report_from_confusion

MODEL_ENV = "SENTIKIT_MODEL"
log = logging.getLogger("sentikit")


def resolve_model_path(model: str | Path | None, *, option: str = "--model", usage: str | None = None) -> Path:
    """The model folder a command uses: `model` (given as `option`), else $SENTIKIT_MODEL, else the last model
    trained in this folder (models/.latest). A ModelError, with what the command's user can do, when there is
    none: `usage` says how this command takes a model (default "OPTION DIR"; `show` takes it as an argument)."""
    return _chosen_model_path(model, option, usage)[0]


def load_chosen_model(model: str | Path | None, *, option: str = "--model", usage: str | None = None
                      ) -> tuple[Path, SentimentModel]:
    """`resolve_model_path`, then the model loaded from there. When the folder's name came from $SENTIKIT_MODEL
    or models/.latest rather than from the command line, an error loading it says so: the user never typed
    "notmodel", and "notmodel is not a sentikit model folder" alone would be a riddle."""
    from sentikit.model import load_model

    path, named_by = _chosen_model_path(model, option, usage)
    try:
        return path, load_model(path)
    except ModelError as exc:
        if named_by:
            exc.hint = f"{named_by}; {exc.hint}" if exc.hint else named_by
        raise


def _chosen_model_path(model: str | Path | None, option: str, usage: str | None) -> tuple[Path, str]:
    """The folder and, when the user did not type it, what named it."""
    usage = usage or f"{option} DIR"
    named_by = ""
    if model is not None:
        if not str(model).strip():  # an unset shell variable in `--model "$M"`: never fall back silently
            raise UsageError(f"an empty path {str(model)!r} was given for {option}", hint="pass a model folder")
        path = Path(model)
    elif os.environ.get(MODEL_ENV, "").strip():  # set to nothing but spaces: as good as unset
        path, named_by = Path(os.environ[MODEL_ENV]), f"${MODEL_ENV} names it"
    else:
        from sentikit.training.pipeline import DEFAULT_MODELS_DIR, LATEST_POINTER, latest_model

        latest = latest_model(usage)
        if latest is None:
            raise ModelError("no model given", hint=f"pass {usage}, set SENTIKIT_MODEL, or train one with "
                             "`sentikit train DATA`")
        path = latest
        named_by = f"{DEFAULT_MODELS_DIR / LATEST_POINTER} names it as the last model trained here"
    if not path.exists():  # load_model would say so too, but it cannot name the commands' ways to a model
        source = f"{named_by}; " if named_by else ""
        raise missing_model_error(path, hint=f"{source}train one with `sentikit train` or pass {usage}")
    return path, named_by


BATCH = 256  # texts per predict_proba call: big enough to amortise the call, small enough to answer soon
EMPTY_NOTE = "empty text"
# A text none of whose words the model knows (another language, only stopwords, only unseen words) still gets
# a label, but one that rests on the model's biases, not on what the text says.
UNKNOWN_NOTE = "no word the model knows"


def predict_rows(model: SentimentModel, texts: Iterable[str], *, flush: Callable[[], bool] | None = None,
                 explain: int = 0) -> Iterator[dict[str, Any]]:
    """Yield one result row per text, in order. Empty texts (`is_blank_text`) get label None and an explanatory
    note; a text with no word the model knows gets its label with a note saying so (`UNKNOWN_NOTE`). With
    `explain` > 0 (linear models), every row also has "evidence": up to that many {"term", "weight"} records
    (`SentimentModel.evidence`; weights to 4 significant digits, so a small share never reads as 0), None for an
    empty text.

    Texts are classified in batches of up to `BATCH`; `flush`, when given, is asked after each text that does
    not fill its batch, and a true answer sends the batch so far at once (see `stdin_rows`). When `texts`
    raises part-way, the rows of every text read before the error come first.
    """
    labels = model.labels
    for chunk in batched(texts, BATCH, flush):
        if explain:  # one pass over the features for both
            probs, blank, known, reasons = model.predict_proba_evidence(chunk, explain)
        else:
            (probs, blank, known), reasons = model.predict_proba_known(chunk), [None] * len(chunk)
        for text, row, is_blank, n_known, why in zip(chunk, probs, blank, known.tolist(), reasons):
            evidence = {} if not explain else {
                "evidence": None if why is None else [{"term": t, "weight": float(f"{w:.4g}")} for t, w in why]}
            if is_blank:
                yield {"text": text, "label": None, "probabilities": None, **evidence, "note": EMPTY_NOTE}
            else:
                yield {"text": text, "label": labels[int(row.argmax())],
                       "probabilities": {lab: round(float(p), 6) for lab, p in zip(labels, row)}, **evidence,
                       **({"note": UNKNOWN_NOTE} if n_known == 0 else {})}


def argument_texts(texts: Iterable[str], options: CorpusOptions | None = None) -> list[str]:
    """Texts given as command-line arguments, read like stdin lines: in `options.encoding` and, with
    `options.strict`, refusing an empty one (as `--strict` refuses an empty line). A DataError for an argument
    that is not valid text, before any is classified, rather than a row of replacement characters.

    Python has decoded the arguments with the locale's encoding already, keeping bytes it could not decode as
    lone surrogates (PEP 383); `os.fsencode` gives the bytes back. At the default encoding the locale's decoding
    stands (a cp1251 locale's arguments are right as they are); another --encoding decodes the bytes anew.
    """
    opts = options or CorpusOptions()
    check_encoding(opts.encoding)
    # Windows hands arguments over as text, never as bytes in some encoding: there is nothing to decode.
    redecode = os.name != "nt" and codecs.lookup(opts.encoding).name != codecs.lookup("utf-8").name
    decoded = []
    for n, text in enumerate(texts, 1):
        try:
            text = os.fsencode(text).decode(opts.encoding) if redecode else text
            text.encode("utf-8")  # a lone surrogate: a byte the locale's encoding could not decode
        except UnicodeError as exc:
            encoding = opts.encoding if redecode else sys.getfilesystemencoding()
            bad = exc.object[exc.start] if isinstance(exc.object, bytes) else ord(exc.object[exc.start]) - 0xDC00
            raise DataError(f"argument {n} is not valid {encoding} (byte 0x{bad:02x})",
                            hint="pass --encoding cp1251 or --encoding latin-1 if that is its encoding") from exc
        if opts.strict and is_blank_text(text):
            raise DataError(f"argument {n}: empty text", hint="drop --strict to keep it as a row with an empty text")
        decoded.append(text)
    return decoded


def stdin_rows(model: SentimentModel, options: CorpusOptions | None = None, explain: int = 0
               ) -> Iterator[dict[str, Any]]:
    """`predict_rows` for the lines of stdin, answered as soon as no more input is waiting, so results
    stream behind `tail -f` while large piped inputs still get full batches.

    Lines go through the corpus reader (as plain lines), so the encoding, the BOM, CRLF and binary input are
    handled as for every other command; empty lines are kept, so that output row N is always input line N.
    Every line is a text, even a first line that looks like a CSV header or a JSON record: a warning then
    points to `--input -`, which reads stdin as a corpus.
    """
    lines = read_corpus("-", replace(options or CorpusOptions(), input_format="txt"), keep_empty_text=True)
    texts = _warn_if_corpus_like(record.text for record in lines)
    return predict_rows(model, texts, flush=_input_drained(sys.stdin), explain=explain)


def corpus_rows(model: SentimentModel, source: str, options: CorpusOptions | None = None, explain: int = 0
                ) -> Iterator[tuple[dict[str, Any], Record]]:
    """`predict_rows` for a corpus file (or `-`), each row with the record it was made from. Empty texts are
    kept (as rows with no label), so output row N is input row N. Stdin streams as in `stdin_rows`."""
    records: deque[Record] = deque()  # read, waiting for their rows

    def texts() -> Iterator[str]:
        for record in read_corpus(source, options, keep_empty_text=True):
            records.append(record)
            yield record.text

    flush = _input_drained(sys.stdin) if str(source) == "-" else None
    for row in predict_rows(model, texts(), flush=flush, explain=explain):
        yield row, records.popleft()


def _warn_if_corpus_like(texts: Iterator[str]) -> Iterator[str]:
    """`texts` unchanged, with a warning when the first looks like the start of a corpus rather than a text."""
    first = next(texts, None)
    if first is None:
        return
    kind = corpus_look(first)
    if kind:
        log.warning("<stdin>: the first line looks like %s, but without --input every stdin line is classified "
                    "as one text, that line included (--input - reads stdin as a corpus)", kind)
    yield first
    yield from texts


def corpus_look(line: str) -> str | None:
    """What `line` looks like when `--input -` would read a stdin that starts with it as a corpus: "a CSV
    header", "a TSV header", "the start of a JSON array" or "a JSON record" (an object with a text field);
    None for a plain text."""
    fmt = detect_format("-", line)  # the same test that `--input -` makes
    if fmt in ("csv", "tsv"):
        return f"a {fmt.upper()} header"
    if fmt == "json":
        return "the start of a JSON array"
    if fmt == "jsonl":
        # The reader takes any line starting with "{" for JSON; a review may start so too.
        try:
            obj = json.loads(line)
        except (ValueError, RecursionError):
            return None
        if isinstance(obj, dict) and any(str(key).strip().lower() in TEXT_COLUMNS for key in obj):
            return "a JSON record"
    return None


def batched(texts: Iterable[str], size: int, flush: Callable[[], bool] | None = None) -> Iterator[list[str]]:
    """Lists of up to `size` texts, in order; a batch also ends early after any text for which `flush()` is
    true. An error from `texts` comes after the batch read before it, so no text read is ever dropped."""
    batch: list[str] = []
    try:
        for text in texts:
            batch.append(text)
            if len(batch) >= size or (flush is not None and flush()):
                yield batch
                batch = []
    except Exception:
        # A data error part-way through the input (a bad byte, a NUL): the texts read before it still get
        # their rows, then the error is raised.
        if batch:
            yield batch
        raise
    if batch:
        yield batch


def _input_drained(stream: Any) -> Callable[[], bool] | None:
    """A check that nothing more is waiting to be read on `stream`'s file descriptor right now; None when it
    has none (a test runner's stdin) or cannot be polled (select() takes only sockets on Windows). Lines the
    reader has buffered but not handed out are not seen: a batch may end early, never late."""
    try:
        fd = stream.fileno()
    except (OSError, ValueError, AttributeError):
        return None
    import select

    usable = True

    def drained() -> bool:
        nonlocal usable
        if not usable:
            return False
        try:
            return not select.select([fd], [], [], 0)[0]
        except (OSError, ValueError):  # cannot poll this kind of file: fall back to full batches
            usable = False
            return False

    return drained


def evaluate(model: SentimentModel, data: str, options: CorpusOptions | None = None,
             batch_size: int = 1024) -> dict[str, Any]:
    """Accuracy, macro-F1, per-class figures and the confusion matrix on a labelled corpus.

    Labels the model does not know are counted as errors, listed under `unknown_labels`, and appended to the
    label list so the confusion matrix shows where they went; a file with no label the model knows is a
    DataError. `no_known_words` counts the texts with no word the model knows (see `UNKNOWN_NOTE`).
    The corpus is streamed in batches and only the confusion counts are kept, so memory does not grow with its
    size.
    """
    stats = ReadStats()
    labels = list(model.labels)
    # (gold label, predicted index) -> count; gold labels may include ones the model does not know.
    counts: dict[tuple[str, int], int] = {}
    no_known_words = 0
    records = read_corpus(data, options, need_labels=True, stats=stats)  # skips blank texts: no NaN rows
    while batch := list(islice(records, batch_size)):
        probs, _, known = model.predict_proba_known([r.text for r in batch])
        predicted = probs.argmax(axis=1)
        no_known_words += int(np.count_nonzero(known == 0))
        for record, guess in zip(batch, predicted.tolist()):
            key = (record.label or "", guess)
            counts[key] = counts.get(key, 0) + 1
    name = source_name(data)
    report_skipped(name, stats)
    if not counts:
        raise DataError(f"{name}: no usable rows (every row had an empty text or label)")
    gold = {label for label, _ in counts}
    unknown = sorted(gold - set(labels))
    if len(unknown) == len(gold):
        # Not one label in common: almost surely the wrong column or another label scheme, and an accuracy of
        # 0.0 would read as a (terrible) result rather than as the mistake it is.
        from sentikit.training.labels import near_misses

        close = near_misses(unknown, labels)
        hint = "check --label-col, or evaluate with a model trained on these labels"
        if close:  # spelling only explains the mismatch when every label is a near miss
            spelled = f"differ only in case or spacing: {', '.join(close[:3])}"
            hint = f"they {spelled}" if len(close) == len(unknown) else f"{hint}; some {spelled}"
        raise DataError(f"{name}: none of its labels are the model's (file: {_few(unknown)}; model: "
                        f"{_few(labels)})", hint=hint)
    all_labels = labels + unknown
    index = {label: i for i, label in enumerate(all_labels)}
    matrix = np.zeros((len(all_labels), len(all_labels)), dtype=np.int64)
    for (label, guess), n in counts.items():
        matrix[index[label], guess] += n
    report = report_from_confusion(matrix, all_labels)
    report["unknown_labels"] = {lab: int(matrix[index[lab]].sum()) for lab in unknown}
    report["no_known_words"] = no_known_words
    report["model"] = str(model.path) if model.path else None
    report["data"] = name
    return report


def _few(labels: list[str], limit: int = 5) -> str:
    """Up to `limit` labels for a one-line message, with how many more there are."""
    shown = ", ".join(repr(label) for label in labels[:limit])
    return f"{shown} and {len(labels) - limit} more" if len(labels) > limit else shown
