"""`--help` of every command shows every help text in full: help is Rich markup, where an unescaped
"[default: ...]" or "[a|b]" is read as a style tag and silently dropped."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from sentikit.cli.app import app

COMMANDS = sorted(typer.main.get_command(app).commands)  # type: ignore[attr-defined]

# The defaults the documentation promises, which Typer cannot show by itself.
DOCUMENTED = {
    "predict": ["[default: $SENTIKIT_MODEL, else the last model trained here]",
                "[default: table on a terminal, else jsonl]", "[auto|csv|tsv|jsonl|json|txt]"],
    "evaluate": ["[default: $SENTIKIT_MODEL, else the last model trained here]",
                 "[default: table on a terminal, else json]"],
    "show": ["[default: $SENTIKIT_MODEL, else the last model trained here]",
             "[default: table on a terminal, else json]"],
    "train": ["[default: models/<data>-<arch>]", "[auto|ru|en]", "[word|char1|char2|char3]"],
    "compare": ["[default: table on a terminal, else jsonl]"],
    "vectorize": ["[default: tfidf]", "[default: 2]", "[default: table on a terminal, else jsonl]"],
    "preprocess": ["[auto|none|lemma|stem]", "[auto|csv|tsv|jsonl|json|txt]"],
}


def rendered_help(command: str) -> str:
    """The help text with the table drawing removed and whitespace collapsed, so wrapped cells read on."""
    result = CliRunner().invoke(app, [command, "--help"], env={"COLUMNS": "250"})
    assert result.exit_code == 0 and result.stderr == "", result.stderr
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", result.stdout).split())


def test_every_command_is_covered() -> None:
    assert set(DOCUMENTED) | {"stopwords"} == set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_bracketed_help_text_is_shown(command: str) -> None:
    text = rendered_help(command)
    params = typer.main.get_command(app).commands[command].params  # type: ignore[attr-defined]
    # Every bracket written in a parameter's help (escaped as "\[" or not) must reach the screen.
    written = [re.sub(r"\\\[", "[", chunk) for p in params for chunk in re.findall(r"\\?\[[^\]]*\]",
                                                                                  getattr(p, "help", "") or "")]
    for chunk in [*written, *DOCUMENTED.get(command, [])]:
        assert " ".join(chunk.split()) in text, f"{chunk!r} missing from `sentikit {command} --help`"


@pytest.mark.parametrize(("command", "option", "shown", "outside", "inside"), [
    ("train", "--lr", "[0.0<x<=1e+30]", "0", "1e-12"),
    ("train", "--lr", "[0.0<x<=1e+30]", "1e39", "1e30"),  # float32 overflows at 3.4e38
    ("train", "--C", "[1e-06<=x<=1000000.0]", "1e-200", "1e-6"),  # liblinear hung at 1e-200
    ("train", "--C", "[1e-06<=x<=1000000.0]", "2e6", "1e6"),
    ("train", "--nb-alpha", "[x>0.0]", "0", "1e-12"),
    ("train", "--embed-init", "[x>0.0]", "0", "1e-12"),
    ("train", "--max-df", "[0.0<x<=1.0]", "0", "1.0"),
    ("vectorize", "--max-df", "[0.0<x<=1.0]", "0", "1.0"),
    ("train", "--max-vocab", "[x>=3]", "2", "3"),
])
def test_numeric_ranges_in_help_are_the_ranges_checked(tmp_path: Path, command: str, option: str, shown: str,
                                                       outside: str, inside: str) -> None:
    """A value outside the range --help shows is a usage error before any data is read; one inside passes
    (here on to the missing corpus)."""
    assert shown in rendered_help(command)
    missing = str(tmp_path / "missing.csv")
    extra = ["--show", "1"] if command == "vectorize" else []
    refused = CliRunner().invoke(app, [command, missing, option, outside, *extra])
    assert refused.exit_code == 2 and option.lstrip("-").replace("-", "_") in refused.stderr.replace("-", "_")
    accepted = CliRunner().invoke(app, [command, missing, option, inside, *extra])
    assert accepted.exit_code == 1 and "no such file" in accepted.stderr


@pytest.mark.parametrize("command", ["preprocess", "vectorize", "train"])
def test_lang_help_says_it_chooses_stopword_lists_only(command: str) -> None:
    """--lang picks the stopword lists; the lemmatizer or stemmer follows each word's script regardless."""
    result = CliRunner().invoke(app, [command, "--help"], env={"COLUMNS": "200"})
    text = " ".join(result.stdout.split())
    assert "Stopword lists for --remove-stopwords" in text
    assert "auto handles each word by its script" not in text
    assert "--lang en --stem" not in text  # the example suggesting --lang changes stemming is gone


@pytest.mark.parametrize("command", ["vectorize", "train"])
def test_char_ngrams_help_states_the_true_range(command: str) -> None:
    from sentikit.features.vectorize import MAX_CHAR_NGRAM

    result = CliRunner().invoke(app, [command, "--help"], env={"COLUMNS": "200"})
    assert f"within 1-{MAX_CHAR_NGRAM}" in " ".join(result.stdout.split())


@pytest.mark.parametrize(("option", "default"), [("--epochs", "10"), ("--patience", "2"), ("--batch-size", "64"),
                                                  ("--max-len", "400"), ("--conv-widths", "3,4,5")])
def test_train_help_shows_the_config_defaults(option: str, default: str) -> None:
    """Neural and training options default to None ("the config decides"); their help names the config's value."""
    from sentikit.features.sequences import SequenceConfig
    from sentikit.models.config import NeuralConfig
    from sentikit.training.config import TrainConfig

    result = CliRunner().invoke(app, ["train", "--help"], env={"COLUMNS": "200"})
    line = next(line for line in result.stdout.splitlines() if f"{option} " in line)
    assert f"[default: {default}]" in line
    name = option[2:].replace("-", "_")
    value = next(getattr(c(), name) for c in (TrainConfig, NeuralConfig, SequenceConfig) if hasattr(c(), name))
    assert default == (",".join(map(str, value)) if isinstance(value, tuple) else str(value))
