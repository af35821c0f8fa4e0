"""`sentikit train` and `sentikit compare`."""

import shlex
from typing import TYPE_CHECKING, Annotated, Any

import typer

from sentikit.cli.app import app
from sentikit.cli.option_text import FiniteRange, with_default
from sentikit.cli.options import (
    CORPUS_OPTIONS,
    MODEL_OPTIONS,
    PREPROCESS_OPTIONS,
    output_folder,
    require_input,
    with_options,
)
from sentikit.cli.output import RowWriter, info, resolve_format
from sentikit.cli.progress import TrainingProgress
from sentikit.corpus import CorpusOptions
from sentikit.errors import Interrupted, UsageError
from sentikit.text.config import PreprocessConfig
from sentikit.training.config import DEV_FRACTION
from sentikit.training.trainers import ARCHITECTURES

if TYPE_CHECKING:
    from sentikit.training.pipeline import TrainSettings

ARCH_HELP = f"Architecture: {', '.join(ARCHITECTURES)}."
DEV_FRACTION_HELP = with_default("Share of DATA held out for dev (not with --dev).", DEV_FRACTION)


DevFraction = Annotated[float | None, typer.Option(help=DEV_FRACTION_HELP, click_type=FiniteRange(0.01, 0.9))]

def _split_settings(arch: str, dev: str | None, dev_fraction: float | None, seed: int) -> "TrainSettings":
    """--dev-fraction carves the dev set out of DATA; a --dev file replaces that split, so giving both would
    silently ignore the fraction."""
    from sentikit.training.pipeline import TrainSettings

    if dev is not None and dev_fraction is not None:
        raise UsageError("--dev-fraction and --dev cannot both be given",
                         hint="--dev FILE is the dev set; --dev-fraction holds out a share of DATA instead")
    return TrainSettings(arch=arch, dev_fraction=DEV_FRACTION if dev_fraction is None else dev_fraction, seed=seed)


@app.command(epilog="""Examples:

  sentikit train data/reviews_ru.csv --arch gru

  sentikit train reviews.csv --arch nbsvm --ngram-max 3 --out models/nbsvm

  sentikit train train.csv --dev dev.csv --arch bilstm --combine max --pool last --epochs 10
""")
@with_options(MODEL_OPTIONS, PREPROCESS_OPTIONS, CORPUS_OPTIONS)
def train(
    data: Annotated[str, typer.Argument(help="Labelled corpus (csv/tsv/jsonl/json, optionally .gz; bundled:ru, "
                                             "bundled:en) or - for stdin.")],
    arch: Annotated[str, typer.Option("--arch", "-a", help=ARCH_HELP)] = "logreg",
    out: Annotated[str | None, typer.Option("--out", "-o", metavar="PATH",
                                            help=with_default("Model folder.", "models/<data>-<arch>"))] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing model folder.")] = False,
    dev: Annotated[str | None, typer.Option(help="Dev corpus file (default: a stratified split of DATA).")] = None,
    dev_fraction: DevFraction = None,
    seed: Annotated[int, typer.Option(help="Random seed (split, initialisation, batches).")] = 13,
    overrides: dict[str, Any] | None = None,
    prep: PreprocessConfig = PreprocessConfig(),
    corpus: CorpusOptions = CorpusOptions(),
) -> None:
    """Train a classifier, save it as a model folder and report its dev metrics (on stderr)."""
    from sentikit.training.metrics import stopping_summary
    from sentikit.training.pipeline import train as train_model

    settings = _split_settings(arch, dev, dev_fraction, seed)
    folder = output_folder(out, "--out")
    with TrainingProgress() as progress:
        outcome = train_model(require_input(data), out=folder, force=force, settings=settings, prep=prep,
                              corpus_options=corpus, dev=require_input(dev, "--dev") if dev is not None else None,
                              overrides=overrides, on_event=progress.handle)
    metrics = outcome.dev_metrics
    info(f"{arch}: dev accuracy {metrics['accuracy']:.4f}, macro-F1 {metrics['macro_f1']:.4f} "
         f"({outcome.seconds:.1f} s, {outcome.n_parameters:,} parameters)")
    stopping = stopping_summary(outcome.fitted.history, outcome.fitted.configs.get("training", {}),
                                outcome.fitted.best_epoch, interrupted=outcome.interrupted)
    if stopping:
        info(stopping)
    if outcome.fitted.fit_rows:  # scored on dev, then fitted again with dev included: evaluate on dev is no test
        info(f"the saved model was then refit on train + dev ({outcome.fitted.fit_rows:,} documents): the dev "
             "figures above are from before the refit")
    # Quoted for the shell, so that the suggestion works as pasted whatever the folder's name holds.
    info(f"saved to {outcome.path}  —  try: sentikit predict --model {shlex.quote(str(outcome.path))} \"some text\"")
    if outcome.interrupted:
        raise Interrupted(f"interrupted: the best model so far was saved to {outcome.path}")


@app.command(epilog="""Examples:

  sentikit compare data/reviews_en.csv --arch conv1d,rnn,lstm,gru,bigru,logreg

  sentikit compare reviews.csv --arch logreg,nbsvm,gru --epochs 3 --format csv > comparison.csv

An architecture that fails (e.g. a bad row in the --vectors file) is named on stderr and skipped: the others
still train, their rows are written, and the exit code is 1 at the end.
""")
@with_options(MODEL_OPTIONS, PREPROCESS_OPTIONS, CORPUS_OPTIONS)
def compare(
    data: Annotated[str, typer.Argument(help="Labelled corpus (bundled:ru, bundled:en) or - for stdin.")],
    arch: Annotated[str, typer.Option("--arch", "-a",
                                      help="Comma-separated architectures.")] = "logreg,nbsvm,conv1d,gru",
    keep: Annotated[str | None, typer.Option(metavar="PATH", help="Keep the trained models in this folder (one per "
                                                                   "arch).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace existing models under --keep.")] = False,
    dev: Annotated[str | None, typer.Option(help="Dev corpus file (default: a stratified split of DATA).")] = None,
    dev_fraction: DevFraction = None,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 13,
    format: Annotated[str | None, typer.Option("--format", "-f", help=with_default(
        "table, json, jsonl or csv (jsonl and csv round figures to 4 decimals; json keeps them whole).",
        "table on a terminal, else jsonl"))] = None,
    overrides: dict[str, Any] | None = None,
    prep: PreprocessConfig = PreprocessConfig(),
    corpus: CorpusOptions = CorpusOptions(),
) -> None:
    """Train several architectures on the same split and print one comparison table.

    An architecture that fails is skipped, and the exit code is then 1."""
    from sentikit.training.compare import compare as compare_models

    fmt = resolve_format(format, ("table", "json", "jsonl", "csv"))
    archs = [a.strip() for a in arch.split(",") if a.strip()]
    settings = _split_settings(archs[0] if archs else "logreg", dev, dev_fraction, seed)
    writer = _ComparisonWriter(fmt)
    try:
        with TrainingProgress() as progress:
            compare_models(require_input(data), archs, settings=settings, prep=prep, corpus_options=corpus,
                           dev=require_input(dev, "--dev") if dev is not None else None, overrides=overrides,
                           keep=output_folder(keep, "--keep"),
                           force=force, on_event=progress.handle, on_row=writer.write)
    finally:
        # Whatever ends the comparison (an architecture that failed, Ctrl-C, a bug), the rows of the
        # architectures that finished are results: jsonl and csv have streamed them, a table or JSON array
        # shows them now.
        writer.close()


# How a comparison table shows each figure (JSON, CSV and TSV keep the numbers as they are).
_TABLE_FIGURES = {"train_seconds": "{:,.1f}", "predict_docs_per_s": "{:,.0f}", "parameters": "{:,}",
                  "artifact_kb": "{:,.1f}"}


def _for_table(row: dict[str, Any]) -> dict[str, Any]:
    return {key: _TABLE_FIGURES[key].format(value) if key in _TABLE_FIGURES and isinstance(value, int | float)
            else value for key, value in row.items()}


def _rounded(row: dict[str, Any], as_text: bool) -> dict[str, Any]:
    """Figures to at most 4 decimals: JSON numbers for jsonl, and for csv text without padding zeros (14960.0,
    0.42, 0.7778), since the writer's fixed 4-decimal form suits probabilities, not timings."""
    return {key: (repr(round(value, 4)) if as_text else round(value, 4)) if isinstance(value, float) else value
            for key, value in row.items()}


class _ComparisonWriter:
    """Comparison rows to stdout as each architecture finishes (`RowWriter`), or one JSON array at the end."""

    def __init__(self, fmt: str) -> None:
        from sentikit.training.compare import COLUMNS

        self._json: list[dict[str, Any]] | None = [] if fmt == "json" else None
        self._rows = None if fmt == "json" else RowWriter(fmt, COLUMNS, title="dev-split comparison")

    def write(self, row: dict[str, Any]) -> None:
        if self._json is not None:
            self._json.append(row)
        elif self._rows is not None:
            self._rows.write(_for_table(row) if self._rows.fmt == "table"
                            else _rounded(row, as_text=self._rows.fmt == "csv"))

    def close(self) -> None:
        from sentikit.cli.output import write_json

        if self._json:
            write_json(self._json)
        elif self._rows is not None:
            self._rows.close()
