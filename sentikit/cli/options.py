"""Option groups shared by several commands (corpus reading, preprocessing), declared once.

`with_options(group)` appends a group's parameters to a command's signature and hands the command one built
config object instead, so each command lists only the options that are its own.
"""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from sentikit.corpus import INPUT_FORMATS, CorpusOptions
from sentikit.errors import UsageError
from sentikit.text.config import LANGS, TOKEN_UNITS, PreprocessConfig

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


def _build_prep(lang: str, lemmatize: bool, stem: bool, tokens: str, remove_stopwords: bool,
                stopwords: Path | None, drop_negations: bool, number_placeholder: bool) -> PreprocessConfig:
    from sentikit.text.stopwords import read_stopword_file

    if lemmatize and stem:
        raise UsageError("--lemmatize and --stem are mutually exclusive")
    extra = tuple(read_stopword_file(stopwords)) if stopwords else ()
    return PreprocessConfig(
        lang=lang,  # type: ignore[arg-type]
        morph="lemma" if lemmatize else "stem" if stem else "none",
        tokens=tokens,  # type: ignore[arg-type]
        remove_stopwords=remove_stopwords or bool(extra),
        extra_stopwords=extra,
        keep_negations=not drop_negations,
        number_placeholder=number_placeholder,
    )


def _choice_help(text: str, choices: tuple[str, ...]) -> str:
    return f"{text} [{'|'.join(choices)}]"


PREPROCESS_OPTIONS = OptionGroup(
    target="prep",
    build=_build_prep,
    params=[
        _param("lang", Annotated[str, typer.Option(help=_choice_help(
            "Language; auto handles each word by its script.", LANGS), rich_help_panel=PREP)], "auto"),
        _param("lemmatize", Annotated[bool, typer.Option(
            "--lemmatize", help="Lemmatize (pymorphy3 for Russian, simplemma/WordNet for English).",
            rich_help_panel=PREP)], False),
        _param("stem", Annotated[bool, typer.Option("--stem", help="Snowball stemming.", rich_help_panel=PREP)],
               False),
        _param("tokens", Annotated[str, typer.Option(help=_choice_help(
            "Token units: words or 1/2/3-character units.", TOKEN_UNITS), rich_help_panel=PREP)], "word"),
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


def _build_corpus(input_format: str, text_col: str | None, label_col: str | None, encoding: str,
                  strict: bool) -> CorpusOptions:
    if input_format not in INPUT_FORMATS:
        raise UsageError(f"invalid --input-format {input_format!r}", hint=f"choose one of: {', '.join(INPUT_FORMATS)}")
    return CorpusOptions(input_format=input_format, text_col=text_col, label_col=label_col,  # type: ignore[arg-type]
                         encoding=encoding, strict=strict)


CORPUS_OPTIONS = OptionGroup(
    target="corpus",
    build=_build_corpus,
    params=[
        _param("input_format", Annotated[str, typer.Option(
            help=_choice_help("Input format (auto: by extension, else by content).", INPUT_FORMATS),
            rich_help_panel=READ)], "auto"),
        _param("text_col", Annotated[str | None, typer.Option(
            help="Text column (default: text, review, content, ...).", rich_help_panel=READ)], None),
        _param("label_col", Annotated[str | None, typer.Option(
            help="Label column (default: label, sentiment, class, ...).", rich_help_panel=READ)], None),
        _param("encoding", Annotated[str, typer.Option(help="Input encoding, e.g. cp1251 or latin-1.",
                                                        rich_help_panel=READ)], "utf-8"),
        _param("strict", Annotated[bool, typer.Option(
            "--strict", help="Fail on rows with an empty text or label instead of skipping them.",
            rich_help_panel=READ)], False),
    ],
)


def require_input(path: str) -> str:
    """`-` means stdin; refuse to wait on an interactive terminal."""
    if path == "-" and sys.stdin.isatty():
        raise UsageError("no input: pass a file, or pipe text into stdin")
    return path
