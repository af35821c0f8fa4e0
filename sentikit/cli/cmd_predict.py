"""`sentikit predict` and `sentikit evaluate`."""

import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from sentikit.cli.app import app
from sentikit.cli.cells import shown
from sentikit.cli.input_columns import InputColumns
from sentikit.cli.option_text import with_default
from sentikit.cli.options import CORPUS_OPTIONS, require_input, with_options
from sentikit.cli.output import (
    OUTPUT_FORMATS,
    RowWriter,
    info,
    render_table,
    resolve_format,
    warn,
    write_json,
)
from sentikit.cli.stream_table import Column, StreamingTable
from sentikit.corpus import CorpusOptions, source_name
from sentikit.errors import UsageError

MAX_CONFUSION_LABELS = 30
MODEL_HELP = with_default("Model folder.", "$SENTIKIT_MODEL, else the last model trained here")


@app.command(epilog="""Examples:

  sentikit predict "отличный товар" "ужасная доставка"

  tail -f reviews.log | sentikit predict --model models/reviews-gru

  sentikit predict --input reviews.csv --format csv > scored.csv

  head -1000 reviews.csv | sentikit predict --input - --format csv

  sentikit predict --model models/reviews-nbsvm --explain 3 "ужасная доставка"
""")
@with_options(CORPUS_OPTIONS)
def predict(
    texts: Annotated[list[str] | None, typer.Argument(help=(
        "Texts to classify (default: stdin lines, every line one text: for a CSV or JSONL corpus on stdin, use "
        "--input -). - alone also reads stdin lines; to classify the text \"-\" itself, pipe it in."))] = None,
    model: Annotated[str | None, typer.Option("--model", "-m", help=MODEL_HELP)] = None,
    input: Annotated[str | None, typer.Option("--input", "-i", help=(
        "Corpus file to classify (bundled:ru, bundled:en), or - for stdin (keeps its columns and one row per row; "
        "an empty text gets no label; its label column becomes gold_label, and a column named like an output "
        "field is kept as input_NAME)."))] = None,
    format: Annotated[str | None, typer.Option("--format", "-f", help=with_default(
        "table, jsonl, tsv or csv.", "table on a terminal, else jsonl"))] = None,
    explain: Annotated[int | None, typer.Option("--explain", min=1, help=(
        "Linear models: add the N terms that pushed each text's label up most, with their exact share of the "
        "score (field evidence)."))] = None,
    corpus: CorpusOptions = CorpusOptions(),
) -> None:
    """Label texts with a trained model, with the probability of every label."""
    from sentikit.predict import UNKNOWN_NOTE, argument_texts, corpus_rows, load_chosen_model, predict_rows, stdin_rows

    fmt = resolve_format(format, OUTPUT_FORMATS)
    if texts and input is not None:
        raise UsageError("give texts as arguments or --input FILE, not both")
    if texts and "-" in texts:  # - means stdin, as everywhere else
        if len(texts) > 1:
            raise UsageError("- (read stdin) must be given alone, not with other texts",
                             hint='to classify the text "-" itself, pipe it in')
        texts = None
    if input is None:
        _refuse_corpus_options(corpus)
    if not texts and input is None and sys.stdin.isatty():
        raise UsageError("no texts: pass them as arguments, pipe lines into stdin, or use --input FILE")
    texts = argument_texts(texts, corpus) if texts else None  # refused before any is classified
    source = require_input(input, "--input") if input is not None else None  # a usage error before any loading
    path, loaded = load_chosen_model(model)
    explain = explain or 0
    if explain and loaded.manifest.get("kind") != "linear":  # before any input is read
        raise UsageError(f"--explain needs a linear model (logreg, nbsvm or nb); {path} is {loaded.arch}",
                         hint="a neural network's score does not split into per-word shares")
    labels = loaded.labels
    flat = fmt != "jsonl"  # one p_LABEL column per label instead of the probabilities object

    tally = {"scored": 0, "unknown": 0}  # texts with a label, and those of them with no word the model knows

    def shaped(row: dict[str, Any]) -> dict[str, Any]:
        tally["scored"] += row["label"] is not None
        tally["unknown"] += row.get("note") == UNKNOWN_NOTE
        if not flat:
            return row
        probabilities = row["probabilities"] or {}
        # Asked-for evidence before the probabilities: a table too wide for the terminal drops columns from the right.
        return {"text": row["text"], "label": row["label"],
                **({"evidence": _evidence_text(row["evidence"])} if explain else {}),
                **{f"p_{label}": probabilities.get(label) for label in labels}}

    def output_rows() -> Iterator[dict[str, Any]]:
        if source is None:
            rows = predict_rows(loaded, texts, explain=explain) if texts else stdin_rows(loaded, corpus, explain)
            yield from map(shaped, rows)
            return
        # The names predict writes itself, in every format (so a file scored as csv or as jsonl can be scored
        # again either way): an input column of one of these names is kept under another name.
        columns = InputColumns(["text", "label", "probabilities", "evidence", "note", GOLD,
                                *(f"p_{lab}" for lab in labels)], source_name(source))
        for row, record in corpus_rows(loaded, source, corpus, explain):
            gold = {} if record.label is None else {GOLD: record.label}  # None: no label column
            yield {**shaped(row), **columns.rename(record.extra), **gold}

    writer: RowWriter | StreamingTable = RowWriter(fmt)
    # The boxed table waits for the last row: behind tail -f, forever. Rows are drawn as they come only for a
    # person at a terminal: in a file, the text would be cut at a width no one reads it at.
    if fmt == "table" and not texts and _is_stream(input) and _stdout_is_terminal():
        writer = _streaming_table(labels, gold=source is not None, evidence=bool(explain))
    ended = False  # the input ended, or Ctrl-C ended it (how `tail -f | sentikit predict` stops): not an error
    try:
        for row in output_rows():
            writer.write(row)
        ended = True
    except KeyboardInterrupt:
        ended = True
        raise
    finally:  # a table shows the rows before a data error too
        writer.close()
        if ended:
            _warn_no_known_words(tally["unknown"], tally["scored"])


def _warn_no_known_words(unknown: int, scored: int) -> None:
    """Said once, at the end: a label given to a text the model knows nothing of looks like any other."""
    if not unknown:
        return
    if unknown < scored:
        # Empty texts have a note of their own and are not counted.
        warn(f"{unknown:,} of {scored:,} non-empty texts {'has' if unknown == 1 else 'have'} no word the model "
             f"knows, so {'its label says' if unknown == 1 else 'their labels say'} little about "
             f"{'it' if unknown == 1 else 'them'}")
        return
    which = ("the text has no word the model knows, so its label says little about it" if scored == 1 else
             f"none of the {scored:,} non-empty texts has a word the model knows, so the labels say little about "
             "them")
    warn(f"{which} (a model for another language, or for other tokens?)")


GOLD = "gold_label"  # where predict --input writes the label column of its input


def _is_stream(input: str | None) -> bool:
    """Whether the texts come from a stream (stdin that is not a redirected file, a pipe or FIFO named by
    --input), whose end may be far off; arguments and regular files are read to the end at once."""
    if input not in (None, "-"):
        path = Path(input)
        return path.exists() and not path.is_file()
    try:
        return not stat.S_ISREG(os.fstat(sys.stdin.fileno()).st_mode)
    except (OSError, ValueError, AttributeError):  # no file descriptor (a test runner's stdin): a stream
        return True


def _stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


def _evidence_text(evidence: list[dict[str, Any]] | None) -> str | None:
    """Evidence in one cell (table, tsv, csv): "great +1.234; not bad +0.4"."""
    if evidence is None:
        return None
    return "; ".join(f"{item['term']} {item['weight']:+.4g}" for item in evidence)


def _streaming_table(labels: list[str], gold: bool, evidence: bool = False) -> StreamingTable:
    """Rows drawn as they are answered, with widths known before the first: a label column as wide as the
    model's widest label (and so the gold label's, cut when longer), with --explain the evidence, "0.1234"
    probabilities, the text last.
    `gold`: the input may have a label column; the first row tells whether it has."""
    from rich.cells import cell_len

    label_width = max(cell_len(shown(name)) for name in ["label", *labels])
    columns = [Column("label", label_width)]
    columns += [Column(GOLD, max(label_width, len(GOLD)))] if gold else []
    columns += [Column("evidence", 40)] if evidence else []  # cut with "…": other formats have it whole
    columns += [Column(name, max(cell_len(shown(name)), len("0.0000")), numeric=True)
                for name in (f"p_{label}" for label in labels)]
    return StreamingTable(columns, "text")


def _refuse_corpus_options(corpus: CorpusOptions) -> None:
    """Texts from arguments or stdin lines are one text each: a corpus format or column given for them would
    be silently ignored (and a CSV header classified as a review), so it is a usage error."""
    given = [f"--input-format {corpus.input_format}"] if corpus.input_format not in ("auto", "txt") else []
    given += [f"--{what}-col" for what, col in (("text", corpus.text_col), ("label", corpus.label_col)) if col]
    given += ["--delimiter"] if corpus.delimiter is not None else []
    if given:
        verb = "apply" if len(given) > 1 else "applies"
        raise UsageError(f"{' and '.join(given)} {verb} to --input: texts given as arguments or stdin lines are read "
                         "one text per line", hint="to read stdin as a corpus, pass --input -")


@app.command(epilog="""Examples:

  sentikit evaluate test.csv --model models/reviews-gru

  sentikit evaluate test.csv --format json | jq .macro_f1
""")
@with_options(CORPUS_OPTIONS)
def evaluate(
    data: Annotated[str, typer.Argument(help="Labelled corpus file (bundled:ru, bundled:en) or - for stdin.")],
    model: Annotated[str | None, typer.Option("--model", "-m", help=MODEL_HELP)] = None,
    format: Annotated[str | None, typer.Option("--format", "-f", help=with_default(
        "table or json.", "table on a terminal, else json"))] = None,
    corpus: CorpusOptions = CorpusOptions(),
) -> None:
    """Accuracy, macro-F1, per-class precision/recall/F1 and the confusion matrix on a labelled corpus."""
    from sentikit.predict import evaluate as evaluate_model
    from sentikit.predict import load_chosen_model

    fmt = "json" if format is None and not sys.stdout.isatty() else (format or "table")
    if fmt not in ("table", "json"):
        raise UsageError(f"invalid --format {fmt!r}", hint="choose one of: table, json")
    _, loaded = load_chosen_model(model)
    report = evaluate_model(loaded, require_input(data), corpus)
    if report["unknown_labels"]:
        from sentikit.training.labels import near_misses

        unknown = ", ".join(f"{k} ({v} rows)" for k, v in report["unknown_labels"].items())
        close = near_misses(report["unknown_labels"], loaded.labels)
        same = f"; these differ from the model's only in case or spacing: {', '.join(close[:3])}" if close else ""
        warn(f"labels the model does not know, counted as errors: {unknown}{same}")
    _warn_no_known_words(report["no_known_words"], report["n"])
    if fmt == "json":
        write_json(report)
        return
    render_table([{"metric": "accuracy", "value": report["accuracy"]},
                  {"metric": "macro_f1", "value": report["macro_f1"]},
                  {"metric": "documents", "value": report["n"]},
                  {"metric": "no_known_words", "value": report["no_known_words"]}], title=f"{report['data']}")
    render_table([{"label": label, **figures} for label, figures in report["per_class"].items()],
                 title="per class")
    labels = report["labels"]
    if len(labels) <= MAX_CONFUSION_LABELS:
        render_table([{"true \\ predicted": label, **dict(zip(labels, row))}
                      for label, row in zip(labels, report["confusion"])], title="confusion matrix")
    else:  # a 1000 x 1000 table helps nobody and takes a minute to draw
        info(f"confusion matrix not shown for {len(labels)} labels: use --format json")
    info(f"model: {report['model']}")

