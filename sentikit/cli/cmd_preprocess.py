"""`sentikit preprocess`, `sentikit stopwords` and `sentikit vectorize`."""

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from sentikit.cli.app import app
from sentikit.cli.cells import columns_that_fit
from sentikit.cli.input_columns import InputColumns
from sentikit.cli.option_text import FiniteRange, with_default
from sentikit.cli.options import (
    CHAR_NGRAMS_RANGE,
    CORPUS_OPTIONS,
    MAX_FEATURES_HELP,
    PREPROCESS_OPTIONS,
    output_folder,
    require_input,
    with_options,
)
from sentikit.cli.output import (
    OUTPUT_FORMATS,
    RowWriter,
    file_progress,
    info,
    resolve_format,
    stdout_console,
)
from sentikit.corpus import CorpusOptions, source_name
from sentikit.errors import UsageError
from sentikit.features.vectorize import ENCODINGS, FeatureConfig
from sentikit.text.config import PreprocessConfig

if TYPE_CHECKING:
    from sentikit.features.workflow import BagOfWordsTable

PREPROCESS_FORMATS = ("txt", "jsonl", "csv")


@app.command(epilog="""Examples:

  sentikit preprocess data/reviews_ru.csv --lemmatize --remove-stopwords

  cat reviews.txt | sentikit preprocess - --stem --remove-stopwords --lang en --format jsonl

  sentikit preprocess reviews.csv --tokens char3 --format csv > tokens.csv
""")
@with_options(PREPROCESS_OPTIONS, CORPUS_OPTIONS)
def preprocess(
    input: Annotated[str, typer.Argument(help=(
        "Corpus file (csv/tsv/jsonl/json/txt, optionally .gz; bundled:ru, bundled:en) or - for stdin."))] = "-",
    format: Annotated[str, typer.Option("--format", "-f", help="Output: txt (tokens per line), jsonl or csv "
                                        "(text with label and other columns).")] = "txt",
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, help=(
        "Worker processes. They take texts in chunks of 512, so output comes a chunk at a time; keep 1 for a line "
        "of output per line of input as it arrives (tail -f)."))] = 1,
    prep: PreprocessConfig = PreprocessConfig(),
    corpus: CorpusOptions = CorpusOptions(),
) -> None:
    """Normalise, tokenize, remove stopwords, lemmatize or stem: one processed document per line."""
    from sentikit.text.pipeline import Preprocessor, preprocess_corpus

    if format not in PREPROCESS_FORMATS:
        raise UsageError(f"invalid --format {format!r}", hint=f"choose one of: {', '.join(PREPROCESS_FORMATS)}")
    source = require_input(input)
    writer = RowWriter({"txt": "lines", "jsonl": "jsonl", "csv": "csv"}[format])
    # An input column called "text" (with --text-col review) or "label" (with --label-col sentiment) must
    # neither replace the processed text or the label nor vanish: it is kept as input_text / input_label.
    columns = InputColumns(["text", "label"], source_name(source))
    count = 0
    with file_progress(source, "preprocessing") as advance:
        for record, tokens in preprocess_corpus(source, corpus, Preprocessor(prep).fit(), jobs=jobs):
            row = {"text": " ".join(tokens)}
            if record.label is not None:
                row["label"] = record.label
            if format != "txt":  # txt writes the tokens alone
                row.update(columns.rename(record.extra))
            writer.write(row)
            count += 1
            advance(record.line)
    writer.close()  # names the fields that rows after the first 10 brought and csv had to leave out
    info(f"preprocessed {count} document(s)")


@app.command(epilog="Example:  sentikit stopwords --lang ru")
def stopwords(
    lang: Annotated[str, typer.Option(help="ru, en, or auto: both lists, as preprocessing's default --lang auto "
                                           "uses them (each word is checked against its own script's list).")] = "auto",
    source: Annotated[str, typer.Option(help="auto (NLTK's corpus when installed), builtin or nltk.")] = "auto",
    keep_negations: Annotated[bool, typer.Option(help="Show the list as used by default (negations kept).")] = True,
) -> None:
    """Print the stopword list in use and where it came from."""
    from sentikit.text.stopwords import is_negation, load_stopwords

    if lang not in ("auto", "ru", "en"):
        raise UsageError(f"invalid --lang {lang!r}", hint="choose one of: auto, ru, en")
    if source not in ("auto", "builtin", "nltk"):
        raise UsageError(f"invalid --source {source!r}", hint="choose one of: auto, builtin, nltk")
    for one in ("ru", "en") if lang == "auto" else (lang,):
        words, origin = load_stopwords(one, source, builtin_hint="pass --source builtin")
        if keep_negations:
            words = [w for w in words if not is_negation(w)]
        info(f"{len(words)} {one} stopwords from {origin}" + (" (negations kept)" if keep_negations else ""))
        for word in words:
            sys.stdout.write(word + "\n")


_FEATURES = FeatureConfig()  # the defaults shown in --help come from the config, their only home


@app.command(epilog="""Examples:

  sentikit vectorize data/reviews_en.csv --encoding-scheme tfidf --out features/

  sentikit vectorize data/reviews_ru.csv --encoding-scheme binary --remove-stopwords --show 8
""")
@with_options(PREPROCESS_OPTIONS, CORPUS_OPTIONS)
def vectorize(
    input: Annotated[str, typer.Argument(help="Corpus file (bundled:ru, bundled:en) or - for stdin.")] = "-",
    encoding_scheme: Annotated[str | None, typer.Option(
        "--encoding-scheme", "--scheme",
        help=with_default("binary (1/0 bag of words), count, tf or tfidf.", _FEATURES.encoding))] = None,
    ngram_max: Annotated[int | None, typer.Option(help=with_default("Word n-grams from 1 to this (1-3).",
                                                                    _FEATURES.ngram_max), min=1, max=3)] = None,
    char_ngrams: Annotated[str | None, typer.Option(
        help=f"Also character n-grams, e.g. 2-5 (within {CHAR_NGRAMS_RANGE}), or none.")] = None,
    min_df: Annotated[int | None, typer.Option(help="Drop terms in fewer documents than this.", min=1)] = None,
    max_df: Annotated[float | None, typer.Option(help="Drop terms in more than this share of documents.",
                                                 click_type=FiniteRange(0.0, 1.0, min_open=True))] = None,
    max_features: Annotated[int | None, typer.Option(help=MAX_FEATURES_HELP, min=1)] = None,
    out_folder: Annotated[str | None, typer.Option("--out", "-o", metavar="PATH",
                                                   help="Folder for matrix.npz + vocabulary.json (not in a "
                                                        "model folder).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace matrix.npz and vocabulary.json in --out (both "
                                                        "or, on an error, neither).")] = False,
    show: Annotated[int, typer.Option(help="Print the bag-of-words table: the first N documents × the N terms "
                                           "found in the most documents.", min=0)] = 0,
    format: Annotated[str | None, typer.Option("--format", "-f", help=with_default(
        "--show as table, jsonl, tsv or csv.", "table on a terminal, else jsonl"))] = None,
    prep: PreprocessConfig = PreprocessConfig(),
    corpus: CorpusOptions = CorpusOptions(),
) -> None:
    """Bag of words, TF or TF-IDF matrices: write them (.npz + vocabulary) and/or show the table."""
    from sentikit.cli.options import parse_range
    from sentikit.features.workflow import vectorize_corpus

    out = output_folder(out_folder, "--out")
    if out is None and show == 0:
        raise UsageError("nothing to do: pass --out FOLDER and/or --show N")
    if format is not None and show == 0:
        raise UsageError("--format applies to the --show table", hint="add --show N")
    fmt = resolve_format(format, OUTPUT_FORMATS)
    if encoding_scheme is not None and encoding_scheme not in ENCODINGS:  # FeatureConfig would say "encoding"
        raise UsageError(f"invalid --encoding-scheme {encoding_scheme!r}",
                         hint=f"choose one of: {', '.join(ENCODINGS)}")
    chosen = {"encoding": encoding_scheme, "ngram_max": ngram_max,
              "char_ngrams": parse_range(char_ngrams, "--char-ngrams"),
              "min_df": min_df, "max_df": max_df, "max_features": max_features}
    features = FeatureConfig(**{k: v for k, v in chosen.items() if v is not None})
    result = vectorize_corpus(require_input(input), corpus, prep, features, out=out, show=show, force=force)
    if result.table is not None:
        _show_table(result.table, fmt, title=f"{features.encoding}: documents × most frequent terms",
                    source=source_name(input))
    info(f"{result.n_documents} documents × {result.n_features} terms" + (f"; written to {out}" if out else ""))


def _show_table(table: "BagOfWordsTable", fmt: str, title: str, source: str) -> None:
    from sentikit.features.workflow import LABEL_COLUMN

    # A term spelled "document" would replace the row labels in a JSON row and give a csv two columns of the
    # same name: it is written as term_document instead.
    names = list(InputColumns([LABEL_COLUMN], source, prefix="term_", what="term column(s)")
                 .rename({term: term for term in table.terms}))
    n_terms = len(names)
    if fmt == "table":
        # A terminal table squeezes columns that do not fit until every cell is blank: show those that fit.
        width = stdout_console().width
        rows = list(table.rows(min(n_terms, max(1, width // 4)), names))  # no term column is narrower than 4
        n_terms = columns_that_fit(rows, [LABEL_COLUMN, *names], width) - 1
        if n_terms < len(names):
            info(f"showing {n_terms} of {len(names)} terms, as many as fit {width} columns "
                 "(--format jsonl or csv gives them all)")
    writer = RowWriter(fmt, [LABEL_COLUMN, *names[:n_terms]], title=title)
    for row in table.rows(n_terms, names):
        writer.write(row)
    writer.close()
