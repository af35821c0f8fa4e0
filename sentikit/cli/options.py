"""Option groups shared by several commands (corpus reading, preprocessing), declared once.

`with_options(group)` appends a group's parameters to a command's signature and hands the command one built
config object instead, so each command lists only the options that are its own.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from sentikit.cli.option_text import FiniteRange, choice_help, literal_help
from sentikit.corpus import INPUT_FORMATS, CorpusOptions
from sentikit.corpus_columns import parse_delimiter
from sentikit.errors import UsageError
from sentikit.features.vectorize import MAX_CHAR_NGRAM
from sentikit.text.config import LANGS, MORPHS, TOKEN_UNITS, PreprocessConfig

PREP = "Preprocessing"
READ = "Reading the corpus"


@dataclass(frozen=True)
class OptionGroup:
    """Parameters added to a command and the function turning their values into one object."""

    target: str
    params: list[inspect.Parameter]
    build: Callable[..., Any]


def _param(name: str, annotation: Any, default: Any) -> inspect.Parameter:
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation, default=default)


def with_options(*groups: OptionGroup) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        sig = inspect.signature(func)
        own = [p for p in sig.parameters.values() if p.name not in {g.target for g in groups}]
        added = [p for g in groups for p in g.params]

        @functools.wraps(func)
        def wrapper(**kwargs: Any) -> Any:
            for group in groups:
                values = {p.name: kwargs.pop(p.name) for p in group.params}
                kwargs[group.target] = group.build(**values)
            return func(**kwargs)

        params = own + added
        wrapper.__signature__ = sig.replace(parameters=params)  # type: ignore[attr-defined]
        wrapper.__annotations__ = {p.name: p.annotation for p in params}
        return wrapper

    return decorate


_PREP = PreprocessConfig()  # the defaults shown in --help come from the config, their only home


def _build_prep(lang: str, morph: str, lemmatize: bool, stem: bool, tokens: str, remove_stopwords: bool,
                stopwords: Path | None, drop_negations: bool, number_placeholder: bool) -> PreprocessConfig:
    from sentikit.text.stopwords import read_stopword_file

    if lemmatize and stem:
        raise UsageError("--lemmatize and --stem are mutually exclusive")
    if lemmatize or stem:  # shorthands for --morph lemma / --morph stem
        shorthand = "lemma" if lemmatize else "stem"
        if morph not in (_PREP.morph, shorthand):
            raise UsageError(f"--{'lemmatize' if lemmatize else 'stem'} contradicts --morph {morph}")
        morph = shorthand
    for option, value, choices in (("--lang", lang, LANGS), ("--morph", morph, MORPHS),
                                   ("--tokens", tokens, TOKEN_UNITS)):
        if value not in choices:
            raise UsageError(f"invalid {option} {value!r}", hint=f"choose one of: {', '.join(choices)}")
    extra = tuple(read_stopword_file(stopwords)) if stopwords else ()
    return PreprocessConfig(
        lang=lang,  # type: ignore[arg-type]
        morph=morph,  # type: ignore[arg-type]
        tokens=tokens,  # type: ignore[arg-type]
        remove_stopwords=remove_stopwords or stopwords is not None,  # even an empty file: the option implies it
        extra_stopwords=extra,
        keep_negations=not drop_negations,
        number_placeholder=number_placeholder,
    )


PREPROCESS_OPTIONS = OptionGroup(
    target="prep",
    build=_build_prep,
    params=[
        _param("lang", Annotated[str, typer.Option(help=choice_help(
            "Stopword lists for --remove-stopwords (auto: Russian and English). Only those: each word's "
            "script (Cyrillic/Latin) picks its lemmatizer or stemmer whatever this says.", LANGS),
            rich_help_panel=PREP)], _PREP.lang),
        _param("morph", Annotated[str, typer.Option(help=choice_help(
            "Word forms: auto lemmatizes Russian words only; none keeps forms as written.", MORPHS),
            rich_help_panel=PREP)], _PREP.morph),
        _param("lemmatize", Annotated[bool, typer.Option(
            "--lemmatize", help="--morph lemma: pymorphy3 for Russian, simplemma/WordNet for English.",
            rich_help_panel=PREP)], False),
        _param("stem", Annotated[bool, typer.Option(
            "--stem", help="--morph stem: Snowball stemming.", rich_help_panel=PREP)], False),
        _param("tokens", Annotated[str, typer.Option(help=choice_help(
            "Token units: words or 1/2/3-character units.", TOKEN_UNITS), rich_help_panel=PREP)], _PREP.tokens),
        _param("remove_stopwords", Annotated[bool, typer.Option(
            "--remove-stopwords", help="Remove Russian/English stopwords (negations are kept).",
            rich_help_panel=PREP)], False),
        _param("stopwords", Annotated[Path | None, typer.Option(
            "--stopwords", help="File of extra stopwords (implies --remove-stopwords).", rich_help_panel=PREP,
            metavar="FILE")], None),
        _param("drop_negations", Annotated[bool, typer.Option(
            "--drop-negations", help="Also remove negations (не, нет, not, n't...) with the stopwords.",
            rich_help_panel=PREP)], False),
        _param("number_placeholder", Annotated[bool, typer.Option(
            "--numbers-placeholder", help="Replace numbers with <num>.", rich_help_panel=PREP)], False),
    ],
)


def _build_corpus(input_format: str, text_col: str | None, label_col: str | None, delimiter: str, encoding: str,
                  strict: bool) -> CorpusOptions:
    if input_format not in INPUT_FORMATS:
        raise UsageError(f"invalid --input-format {input_format!r}", hint=f"choose one of: {', '.join(INPUT_FORMATS)}")
    return CorpusOptions(input_format=input_format, text_col=text_col, label_col=label_col,  # type: ignore[arg-type]
                         delimiter=parse_delimiter(delimiter), encoding=encoding, strict=strict)


CORPUS_OPTIONS = OptionGroup(
    target="corpus",
    build=_build_corpus,
    params=[
        _param("input_format", Annotated[str, typer.Option(
            help=choice_help("Input format (auto: .csv, .tsv, .jsonl, .json by extension; .txt, other files and "
                               "stdin by content). A CSV may use commas, semicolons, tabs or pipes (see "
                               "--delimiter); json is an array of records, or JSON Lines. predict: of its --input "
                               "(texts from stdin without --input are plain lines).", INPUT_FORMATS),
            rich_help_panel=READ)], "auto"),
        _param("text_col", Annotated[str | None, typer.Option(
            help="Text column (default: text, review, content, ...); case and surrounding spaces may differ. "
                 "Naming a column also makes stdin or a .txt file read as CSV/TSV (predict: with --input).",
            rich_help_panel=READ)], None),
        _param("label_col", Annotated[str | None, typer.Option(
            help="Label column (default: gold_label, label, sentiment, class, ...; never the text column).",
            rich_help_panel=READ)], None),
        _param("delimiter", Annotated[str, typer.Option(
            help=literal_help("Delimiter of CSV input: auto, ',', ';', tab or '|' (auto: Excel's sep= line, else "
                              "the one that splits the header into the text/label column names, else a comma, "
                              "semicolon or tab). Naming one also makes stdin or a .txt file read as a table "
                              "(predict: with --input)."),
            rich_help_panel=READ)], "auto"),
        _param("encoding", Annotated[str, typer.Option(help="Input encoding, e.g. cp1251 or latin-1.",
                                                        rich_help_panel=READ)], "utf-8"),
        _param("strict", Annotated[bool, typer.Option(
            "--strict", help="Fail on a row with an empty text, or an empty label where labels are needed, instead "
                             "of skipping it (predict: instead of answering it with no label).",
            rich_help_panel=READ)], False),
    ],
)


QUIET_HELP = "Only results and errors; no progress or info."


DEBUG_HELP = "Show the full traceback of an error (exit codes stay the same)."


def quiet_option() -> typer.core.TyperOption:
    """--quiet/-q after a command's name (`sentikit train data.csv -q`): the switch `sentikit -q COMMAND` sets,
    which it can only turn on (its default must not undo a -q given before the command)."""
    from sentikit.cli.output import set_quiet

    def turn_on(ctx: Any, param: Any, value: bool) -> None:
        if value:
            set_quiet(True)

    return typer.core.TyperOption(param_decls=["--quiet", "-q"], is_flag=True, default=False, expose_value=False,
                                  callback=turn_on, help=QUIET_HELP)


def debug_option() -> typer.core.TyperOption:
    """--debug after a command's name, as before it. `run_safely` finds it in argv before any parsing (an
    error in the options themselves must show its traceback too), so the option only has to be accepted."""
    return typer.core.TyperOption(param_decls=["--debug"], is_flag=True, default=False, expose_value=False,
                                  help=DEBUG_HELP)


def require_input(path: str, option: str | None = None) -> str:
    """`-` means stdin; refuse to wait on an interactive terminal, and an empty path (an unset shell variable),
    naming the `option` it was given for (the input file when it is the command's argument)."""
    if not path.strip():
        raise UsageError(f"an empty path {path!r} was given for {option or 'an input file'}",
                         hint="pass a file, or - for stdin")
    if path == "-" and sys.stdin.isatty():
        raise UsageError("no input: pass a file, or pipe text into stdin")
    return path


def output_folder(value: str | None, option: str) -> Path | None:
    """The folder an output option names. An empty value (an unset shell variable in `--out "$DIR"`) would
    be the current folder, Path("") being ".": refused instead of writing there or blaming "." for it."""
    if value is None:
        return None
    if not value.strip():
        raise UsageError(f"an empty path {value!r} was given for {option}", hint="pass a folder, e.g. models/mine")
    return Path(value)


LIN = "Linear models (logreg, nbsvm, nb)"
MAX_FEATURES_HELP = ("Keep only the N most frequent terms in all (with --char-ngrams: up to half of them words, "
                     "the rest character n-grams).")
NN = "Neural models (conv1d, rnn, lstm, gru, bi*)"
FIT = "Training"


CHAR_NGRAMS_RANGE = f"1-{MAX_CHAR_NGRAM}"  # FeatureConfig's limits, said the way the option is written


def parse_range(text: str | None, what: str) -> tuple[int, int] | None:
    """A --char-ngrams value: "2-5", "3" (3-3), or none/off/0. Checked here against FeatureConfig's limits so
    that the error names the option, not the config field."""
    if text is None:
        return None
    if text.strip().lower() in ("none", "off", "0"):
        return "none"  # type: ignore[return-value]  # FeatureConfig reads it as "no character n-grams"
    try:
        low, _, high = text.partition("-")
        pair = (int(low), int(high or low))
    except ValueError as exc:
        raise UsageError(f"invalid {what} {text!r}", hint=f"write a range such as 2-5, within {CHAR_NGRAMS_RANGE}") \
            from exc
    if not 1 <= pair[0] <= pair[1] <= MAX_CHAR_NGRAM:
        raise UsageError(f"invalid {what} {text!r}", hint=f"write a range such as 2-5, within {CHAR_NGRAMS_RANGE}")
    return pair


def _ints(text: str | None, what: str) -> tuple[int, ...] | None:
    if text is None:
        return None
    try:
        values = tuple(int(v) for v in text.split(","))
    except ValueError as exc:
        raise UsageError(f"invalid {what} {text!r}", hint="write comma-separated integers such as 3,4,5") from exc
    if not values or min(values) < 1:
        raise UsageError(f"invalid {what} {text!r}", hint="write positive integers such as 3,4,5")
    return values


def _model_choices() -> dict[str, tuple[str, tuple[str, ...]]]:
    """Option → (flag, valid values), checked when the command line is read, before any data is."""
    from sentikit.features.sequences import TRUNCATE_MODES
    from sentikit.features.vectorize import ENCODINGS
    from sentikit.models.config import COMBINE_MODES, CONV_INPUTS, CONV_POOL_MODES, POOL_MODES
    from sentikit.training.config import CLASS_WEIGHTS, DEVICES, SCHEDULES

    return {"class_weight": ("--class-weight", CLASS_WEIGHTS),
            "feature_encoding": ("--encoding-scheme", ENCODINGS),
            "device": ("--device", DEVICES), "schedule": ("--schedule", SCHEDULES),
            "combine": ("--combine", COMBINE_MODES), "pool": ("--pool", POOL_MODES),
            "conv_pool": ("--conv-pool", CONV_POOL_MODES), "conv_input": ("--conv-input", CONV_INPUTS),
            "truncate": ("--truncate", TRUNCATE_MODES)}


def _build_overrides(**values: Any) -> dict[str, Any]:
    for name, (flag, choices) in _model_choices().items():
        if values[name] is not None and values[name] not in choices:
            raise UsageError(f"invalid {flag} {values[name]!r}", hint=f"choose one of: {', '.join(choices)}")
    values["encoding"] = values.pop("feature_encoding")  # FeatureConfig.encoding; --encoding is the file's
    values["char_ngrams"] = parse_range(values["char_ngrams"], "--char-ngrams")
    values["conv_widths"] = _ints(values["conv_widths"], "--conv-widths")
    if values["vectors"] is not None and not values["vectors"].strip():  # Path("") would be "."
        raise UsageError(f"an empty path {values['vectors']!r} was given for --vectors", hint="pass a .vec file")
    return {k: v for k, v in values.items() if v is not None}


def _config_default(name: str) -> object:
    """The default of a neural, sequence or training setting, from its config dataclass (the one place defaults
    live); None for settings without one here (linear settings default per architecture)."""
    from sentikit.features.sequences import SequenceConfig
    from sentikit.models.config import NeuralConfig
    from sentikit.training.config import TrainConfig

    for config in (TrainConfig, NeuralConfig, SequenceConfig):
        for field in dataclasses.fields(config):
            if field.name == name and field.default is not dataclasses.MISSING:
                return field.default
    return None


def _class_weight_help() -> str:
    from sentikit.models.linear import DEFAULT_CLASS_WEIGHT  # numpy and sentikit only: --help stays fast

    balanced = " and ".join(arch for arch, weight in DEFAULT_CLASS_WEIGHT.items() if weight == "balanced")
    return literal_help(f"none or balanced (weights classes by inverse frequency). [default: balanced for "
                        f"{balanced}, none otherwise]")


def _opt(name: str, kind: Any, help: str, panel: str, flag: str | None = None, **kw: Any) -> inspect.Parameter:
    # The option's own default is None ("not given": the config decides), so Typer cannot show the real one.
    # (class_weight's default depends on the architecture: its help says so itself.)
    default = _config_default(name) if kind is not bool and name != "class_weight" else None
    if default is not None:
        shown = ",".join(map(str, default)) if isinstance(default, tuple) else default
        help += literal_help(f" [default: {shown}]")
    decls = [flag] if flag else []
    if kind is float and ("min" in kw or "max" in kw):
        kw["click_type"] = FiniteRange(kw.pop("min", None), kw.pop("max", None), min_open=kw.pop("min_open", False))
    return _param(name, Annotated[kind | None, typer.Option(*decls, help=help, rich_help_panel=panel, **kw)], None)


MODEL_OPTIONS = OptionGroup(
    target="overrides",
    build=_build_overrides,
    params=[
        _opt("C", float, "Inverse regularisation strength (default: per architecture).", LIN, "--C", min=1e-6,
             max=1e6),
        _opt("class_weight", str, _class_weight_help(), FIT),
        _opt("feature_encoding", str, "Feature encoding: binary, count, tf or tfidf.", LIN, "--encoding-scheme"),
        _opt("ngram_max", int, "Word n-grams 1..N (1-3).", LIN, min=1, max=3),
        _opt("char_ngrams", str, f"Character n-grams, e.g. 2-5 (within {CHAR_NGRAMS_RANGE}), or none.", LIN),
        _opt("min_df", int, "Minimum document frequency of a term.", LIN, min=1),
        _opt("max_df", float, "Maximum document frequency (share) of a term.", LIN, min=0.0, max=1.0, min_open=True),
        _opt("max_features", int, MAX_FEATURES_HELP, LIN, min=1),
        _opt("nb_alpha", float, "Smoothing of Naive Bayes / NBSVM ratios.", LIN, min=0.0, min_open=True),
        _opt("epochs", int, "Maximum epochs.", FIT, min=1),
        _opt("batch_size", int, "Documents per batch.", FIT, min=1),
        _opt("lr", float, "Learning rate (AdamW).", FIT, min=0.0, max=1e30, min_open=True),
        _opt("weight_decay", float, "AdamW weight decay.", FIT, min=0.0),
        _opt("schedule", str, "Learning-rate schedule: linear (decay to 0) or constant.", FIT),
        _opt("clip", float, "Gradient clipping norm (0: off).", FIT, min=0.0),
        _opt("ema", float, "Average the weights over steps with this decay, e.g. 0.998 (0: off).", FIT,
             min=0.0, max=0.9999),
        _opt("refit", bool, "After measuring dev, fit the saved model again on train + dev (neural: for the best "
             "epoch count). Default: on for linear models, off for neural ones.", FIT, "--refit/--no-refit"),
        _opt("patience", int, "Early stopping: epochs without dev macro-F1 gain.", FIT, min=1),
        _opt("device", str, "auto, cpu or cuda.", FIT),
        _opt("threads", int, "CPU threads for torch.", FIT, min=1),
        _opt("embed_dim", int, "Embedding size (not for conv1d over one-hot words).", NN, min=1),
        _opt("embed_init", float, "Standard deviation of the random initial embeddings (and one-hot conv1d tables).",
             NN, min=0.0, min_open=True),
        _opt("hidden_size", int, "Recurrent hidden size.", NN, min=1),
        _opt("num_layers", int, "Recurrent layers.", NN, "--layers", min=1),
        _opt("dropout", float, "Dropout before the classifier.", NN, min=0.0, max=0.95),
        _opt("embed_dropout", float, "Spatial dropout of embedding channels (not for conv1d over one-hot words).",
             NN, min=0.0, max=0.95),
        _opt("word_dropout", float, "Training only: replace each token by UNK with this probability.", NN,
             min=0.0, max=0.95),
        _opt("bidirectional", bool, "Bidirectional recurrent layers (bi* always are).", NN,
             "--bidirectional/--unidirectional"),
        _opt("combine", str, "How directions combine: concat, max or mean.", NN),
        _opt("pool", str, "Recurrent readout over time: last, max, mean or maxmean.", NN),
        _opt("conv_widths", str, "Conv1D filter widths, e.g. 3,4,5.", NN),
        _opt("conv_filters", int, "Conv1D filters per width.", NN, min=1),
        _opt("conv_pool", str, "Conv1D readout over the windows: max, mean or maxmean.", NN),
        _opt("conv_input", str, "What Conv1D filters read: onehot (the words themselves: a weight per word, "
             "window offset and filter) or embedding (--embed-dim word vectors: smaller model files, and "
             "--vectors applies).", NN),
        _opt("max_vocab", int, "Vocabulary size, <pad> and <unk> included.", NN, min=3),
        _opt("min_count", int, "Minimum count of a vocabulary word.", NN, min=1),
        _opt("max_len", int, "Maximum tokens per document.", NN, min=1),
        _opt("truncate", str, "Which part of long documents is kept: head, tail or headtail.", NN),
        _opt("vectors", str, "Initialise embeddings (recurrent nets; conv1d with --conv-input embedding) from a "
             "word2vec/fastText .vec text file (optionally .gz) of "
             "--embed-dim dimensions; its first vector is checked before the data is read (a pipe only for "
             "readability: it is read once, by training).", NN),
    ],
)
