"""Warnings of `train` and `compare` about what the user asked for: settings an architecture does not read are
accepted (one command line serves `compare --arch conv1d,gru,nb`), but never silently; a --dev file that repeats
training texts is named."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from sentikit.cli.app import app
from sentikit.training.trainers import ARCHITECTURES, settings_used
from tests.corpus_samples import english_sample

TINY = ["--epochs", "1", "--embed-dim", "8", "--max-len", "20"]
TINY_CONV = ["--epochs", "1", "--conv-filters", "4", "--max-len", "20"]  # conv1d reads one-hot words: no --embed-dim


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return english_sample(tmp_path_factory.mktemp("unused"), per_label=10)


def warnings(args: list[str]) -> list[str]:
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.stderr
    return [line for line in result.stderr.splitlines() if line.startswith("warning:")]


@pytest.mark.parametrize(("arch", "options", "warning"), [
    ("conv1d", ["--pool", "last", "--layers", "2", "--bidirectional", "--combine", "max"],
     "--layers, --bidirectional, --combine, --pool have no effect on conv1d over one-hot words"),
    ("gru", ["--conv-widths", "2,3", "--combine", "max", "--C", "2", "--char-ngrams", "2-4"],
     "--C, --char-ngrams, --combine, --conv-widths have no effect on gru"),
    ("nb", ["--epochs", "3", "--device", "cpu", "--C", "2", "--no-refit"],
     "--C, --epochs, --device have no effect on nb"),
    ("logreg", ["--nb-alpha", "0.5", "--unidirectional"], "--nb-alpha, --unidirectional have no effect on logreg"),
])
def test_settings_the_architecture_does_not_read_are_named(corpus: Path, tmp_path: Path, torch_single_thread: None,
                                                          arch: str, options: list[str], warning: str) -> None:
    tiny = [] if arch in ("nb", "logreg") else TINY_CONV if arch == "conv1d" else TINY
    assert warnings(["train", str(corpus), "--arch", arch, "--out", str(tmp_path / "m"), *tiny, *options]) == [
        f"warning: {warning}"]


@pytest.mark.parametrize(("arch", "options"), [
    ("gru", ["--bidirectional", "--combine", "max", "--pool", "last", "--layers", "2"]),
    ("bilstm", ["--combine", "mean"]),
    ("conv1d", ["--conv-widths", "2,3", "--conv-pool", "max", "--truncate", "head", "--class-weight", "balanced"]),
    ("conv1d", ["--conv-input", "embedding", "--embed-dim", "8", "--embed-dropout", "0.1"]),
    ("nbsvm", ["--C", "2", "--nb-alpha", "0.5", "--min-df", "1", "--class-weight", "none"]),
])
def test_settings_the_architecture_reads_are_not(corpus: Path, tmp_path: Path, torch_single_thread: None,
                                                  arch: str, options: list[str]) -> None:
    tiny = [] if arch == "nbsvm" else TINY_CONV if arch == "conv1d" else TINY
    assert warnings(["train", str(corpus), "--arch", arch, "--out", str(tmp_path / "m"), *tiny, *options]) == []


def test_compare_names_only_what_no_architecture_reads(corpus: Path, torch_single_thread: None) -> None:
    said = warnings(["compare", str(corpus), "--arch", "nb,conv1d", "--format", "csv", *TINY_CONV,
                     "--hidden-size", "8", "--pool", "max"])
    # --epochs and --max-len are conv1d's, --hidden-size and --pool nobody's.
    assert said == ["warning: --hidden-size, --pool have no effect on any of nb, conv1d over one-hot words"]


def test_compare_says_that_a_repeated_architecture_is_trained_once(corpus: Path) -> None:
    result = CliRunner().invoke(app, ["compare", str(corpus), "--arch", "nb,logreg,nb", "--format", "csv"])
    assert result.exit_code == 0, result.stderr
    assert [line for line in result.stderr.splitlines() if line.startswith("warning:")] == [
        "warning: nb listed more than once; each architecture is trained once"]
    assert [line.split(",")[0] for line in result.stdout.splitlines()[1:]] == ["nb", "logreg"]


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_every_architecture_reads_its_own_kind_of_setting(arch: str) -> None:
    used = settings_used(arch, {})
    assert ("epochs" in used) != ("ngram_max" in used)  # neural xor linear
    assert "seed" in used or "ngram_max" in used


@pytest.mark.parametrize("shared", [0, 3])
def test_a_dev_file_that_repeats_training_texts_is_named(corpus: Path, tmp_path: Path, shared: int) -> None:
    rows = corpus.read_text(encoding="utf-8").splitlines()
    dev = tmp_path / "dev.csv"
    fresh = ["\"A brand new review, never seen\",positive", "\"Another one, quite bad\",negative",
             "\"Nothing special here\",neutral"] * 2
    dev.write_text("\n".join([rows[0], *rows[1:1 + shared], *fresh[: 6 - shared]]) + "\n", encoding="utf-8")
    said = warnings(["train", str(corpus), "--arch", "nb", "--dev", str(dev), "--out", str(tmp_path / "m")])
    expected = f"warning: {dev}: 3 of its 6 texts are also in the training data, so its dev scores will be optimistic"
    assert said == ([expected] if shared else [])
