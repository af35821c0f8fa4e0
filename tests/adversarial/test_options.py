"""Invalid option values on every command: exit 2, one line naming the option and listing the valid choices,
decided before any data is read (the data file in these cases does not even exist)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import assert_error, cli

ARCHS = "logreg, nbsvm, nb, conv1d, rnn, lstm, gru, birnn, bilstm, bigru"

# (argv after `sentikit -q`, fragments of the one error line); MISSING is a corpus that does not exist.
MISSING = "missing.csv"
CASES: dict[str, tuple[list[str], list[str]]] = {
    "train-arch": (["train", MISSING, "--arch", "transformer"], ["'transformer'", ARCHS]),
    "train-pool": (["train", MISSING, "--arch", "gru", "--pool", "attention"],
                   ["--pool 'attention'", "last, max, mean, maxmean"]),
    "train-combine": (["train", MISSING, "--arch", "bigru", "--combine", "sum"], ["--combine 'sum'", "concat"]),
    "train-unidirectional": (["train", MISSING, "--arch", "bilstm", "--unidirectional"],
                             ["bilstm is bidirectional by definition", "--arch lstm"]),
    "compare-unidirectional": (["compare", MISSING, "--arch", "gru,birnn", "--unidirectional"],
                               ["birnn is bidirectional by definition", "--arch rnn"]),
    "train-truncate": (["train", MISSING, "--arch", "gru", "--truncate", "middle"], ["--truncate", "headtail"]),
    "train-device": (["train", MISSING, "--arch", "gru", "--device", "tpu"], ["--device 'tpu'", "auto, cpu, cuda"]),
    "train-class-weight": (["train", MISSING, "--class-weight", "heavy"], ["--class-weight", "none, balanced"]),
    "train-encoding-scheme": (["train", MISSING, "--encoding-scheme", "word2vec"],
                              ["--encoding-scheme 'word2vec'", "binary, count, tf, tfidf"]),
    "train-lang": (["train", MISSING, "--lang", "de"], ["--lang 'de'", "auto, ru, en"]),
    "train-tokens": (["train", MISSING, "--tokens", "char9"], ["--tokens", "word, char1, char2, char3"]),
    "train-input-format": (["train", MISSING, "--input-format", "xml"], ["--input-format", "csv, tsv, jsonl"]),
    "train-encoding": (["train", MISSING, "--encoding", "klingon"], ["unknown encoding 'klingon'", "cp1251"]),
    "train-epochs": (["train", MISSING, "--epochs", "0"], ["--epochs", "1"]),  # wording varies by typer version
    "train-epochs-text": (["train", MISSING, "--epochs", "many"], ["--epochs", "valid int"]),
    "train-dev-fraction": (["train", MISSING, "--dev-fraction", "1.5"], ["--dev-fraction"]),
    "train-char-ngrams": (["train", MISSING, "--char-ngrams", "5-2"], ["--char-ngrams '5-2'", "2-5"]),
    "train-conv-widths": (["train", MISSING, "--arch", "conv1d", "--conv-widths", "3,x"], ["--conv-widths"]),
    "train-lemmatize-stem": (["train", MISSING, "--lemmatize", "--stem"], ["mutually exclusive"]),
    "train-unknown-option": (["train", MISSING, "--epoch", "3"], ["No such option", "--epoch", "--help"]),
    "train-schedule": (["train", MISSING, "--schedule", "foo"], ["--schedule 'foo'", "linear, constant"]),
    "train-lr-inf": (["train", MISSING, "--arch", "gru", "--lr", "inf"], ["--lr", "inf is not in the range"]),
    # A ranged option refuses nan (which passes every range comparison) in its own terms, not the library's.
    "train-weight-decay-nan": (["train", MISSING, "--weight-decay", "nan"], ["--weight-decay", "not a finite number"]),
    "train-embed-init-inf": (["train", MISSING, "--embed-init", "inf"], ["--embed-init", "inf is not a finite"]),
    "train-clip-nan": (["train", MISSING, "--arch", "lstm", "--clip", "nan"], ["--clip", "nan is not a finite"]),
    "train-dropout-nan": (["train", MISSING, "--dropout", "nan"], ["--dropout", "nan is not a finite"]),
    "train-ema-inf": (["train", MISSING, "--arch", "gru", "--ema", "inf"], ["--ema", "inf"]),
    "train-dev-fraction-nan": (["train", MISSING, "--dev-fraction", "nan"], ["--dev-fraction", "not a finite"]),
    "compare-dev-fraction-nan": (["compare", MISSING, "--dev-fraction", "NaN"], ["--dev-fraction", "not a finite"]),
    # The dev file replaces the split: a fraction given with it would be silently ignored.
    "train-dev-and-dev-fraction": (["train", MISSING, "--dev", MISSING, "--dev-fraction", "0.5"],
                                   ["--dev-fraction and --dev cannot both be given"]),
    "compare-dev-and-dev-fraction": (["compare", MISSING, "--dev-fraction", "0.1", "--dev", MISSING],
                                     ["--dev-fraction and --dev cannot both be given"]),
    "train-C-nan": (["train", MISSING, "--arch", "gru", "--C", "nan"], ["--C", "nan is not a finite number"]),
    "train-seed-negative": (["train", MISSING, "--seed", "-1"], ["invalid seed -1", "0..4294967295"]),
    "train-seed-huge": (["train", MISSING, "--seed", "99999999999999999999"], ["invalid seed", "0..4294967295"]),
    "compare-arch": (["compare", MISSING, "--arch", "nb,bert"], ["'bert'", ARCHS]),
    "compare-schedule": (["compare", MISSING, "--arch", "logreg,nb", "--schedule", "foo"], ["--schedule 'foo'"]),
    "compare-lr-inf": (["compare", MISSING, "--arch", "nb,gru", "--lr", "inf"], ["--lr", "inf is not in the range"]),
    "compare-seed": (["compare", MISSING, "--seed", "-1"], ["invalid seed -1"]),
    "compare-format": (["compare", MISSING, "--format", "xml"], ["--format 'xml'", "table, json, jsonl, csv"]),
    "predict-format": (["predict", "--model", "nowhere", "--format", "xml", "text"], ["--format 'xml'", "jsonl"]),
    "predict-texts-and-input": (["predict", "--model", "nowhere", "--input", MISSING, "text"], ["not both"]),
    "evaluate-format": (["evaluate", MISSING, "--model", "nowhere", "--format", "csv"], ["--format 'csv'",
                                                                                         "table, json"]),
    "show-format": (["show", "nowhere", "--format", "yaml"], ["--format 'yaml'", "table, json"]),
    "preprocess-format": (["preprocess", MISSING, "--format", "xml"], ["--format 'xml'", "txt, jsonl, csv"]),
    "preprocess-jobs": (["preprocess", MISSING, "--jobs", "0"], ["--jobs"]),
    "preprocess-lang": (["preprocess", MISSING, "--lang", "fr"], ["--lang 'fr'", "auto, ru, en"]),
    "vectorize-nothing-to-do": (["vectorize", MISSING], ["nothing to do", "--out", "--show"]),
    "vectorize-scheme": (["vectorize", MISSING, "--show", "3", "--encoding-scheme", "bm25"],
                         ["--encoding-scheme 'bm25'", "tfidf"]),
    "stopwords-lang": (["stopwords", "--lang", "de"], ["--lang 'de'", "ru, en"]),
    "stopwords-source": (["stopwords", "--source", "web"], ["--source 'web'", "auto, builtin, nltk"]),
    "unknown-command": (["trian", MISSING], ["No such command 'trian'"]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_invalid_option_is_a_usage_error_before_reading_data(case: str, tmp_path: Path) -> None:
    argv, fragments = CASES[case]
    result = cli("-q", *argv)
    assert_error(result, 2, *fragments)
    assert "missing.csv: no such file" not in result.stderr
    assert not (tmp_path / "models").exists()


@pytest.mark.parametrize("argv", [["train", MISSING, "--arch", "gru"], ["compare", MISSING, "--arch", "logreg,gru"]])
def test_missing_gpu_is_a_usage_error_before_reading_data(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Not after preprocessing, and not after `compare` has trained (and thrown away) the linear rows."""
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert_error(cli("-q", *argv, "--device", "cuda"), 2, "device 'cuda' requested but no CUDA GPU is available",
                 "--device cpu")


def test_bare_sentikit_shows_help_and_exits_2() -> None:
    result = cli()
    assert result.exit_code == 2
    assert "Usage" in result.stdout + result.stderr and "Traceback" not in result.stderr


def test_help_and_version_exit_0() -> None:
    for argv in (["--help"], ["train", "--help"], ["--version"]):
        result = cli(*argv)
        assert result.exit_code == 0 and result.stderr == ""


@pytest.mark.parametrize(("argv", "code", "needle"), [
    (["preprocess", MISSING], 1, "no such file"),
    (["preprocess", MISSING, "--bogus"], 2, "No such option"),
], ids=["data-error", "usage-error"])
@pytest.mark.parametrize("how", ["before", "after", "env"])
def test_debug_adds_the_traceback_and_keeps_the_exit_code(monkeypatch: pytest.MonkeyPatch, argv: list[str],
                                                         code: int, needle: str, how: str) -> None:
    if how == "env":
        monkeypatch.setenv("SENTIKIT_DEBUG", "1")
    args = ["--debug", *argv] if how == "before" else [*argv, "--debug"] if how == "after" else argv
    result = cli(*args)
    assert result.exit_code == code, result.stderr
    assert "Traceback (most recent call last)" in result.stderr
    last = result.stderr.rstrip("\n").splitlines()[-1]
    assert last.startswith("error: ") and needle in last, result.stderr
    assert result.stdout == ""

