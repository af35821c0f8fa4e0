"""`--vectors`: the file is checked before any corpus is read, a file that cannot be what the user meant is
warned about, linear architectures say they do not use it, and the manifest records which file it was."""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sentikit.cli.app import app
from sentikit.models.vectors import check_vector_file, read_word_vectors
from tests.corpus_samples import english_sample

TINY = ["--epochs", "1", "--embed-dim", "8", "--hidden-size", "8", "--max-len", "30", "--batch-size", "16"]
COMMON = ("the", "and", "was", "it", "a", "to", "i", "not", "is", "of", "this", "for", "in", "but", "great")


def run(args: list[str | Path]):
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return english_sample(tmp_path_factory.mktemp("corpus"), per_label=20)


def vec(path: Path, lines: list[str]) -> Path:
    data = "".join(line + "\n" for line in lines).encode()
    path.write_bytes(gzip.compress(data) if path.suffix == ".gz" else data)
    return path


def row(word: str, dim: int = 8) -> str:
    return f"{word} " + " ".join(["0.25"] * dim)


@pytest.mark.parametrize(("lines", "fragment"), [
    (None, "v.vec: no such word-vector file"),
    ([], "v.vec: the file is empty"),
    (["", "  "], "v.vec: holds only blank lines, no word vectors"),
    (["100 8"], "v.vec: holds only its header line, no word vectors (was the file cut short"),
    (["100 5", row("good", 5)], "v.vec:1: file has 5-dimensional vectors, expected 8"),
    ([row("good", 3)], "v.vec:1: expected a word and 8 numbers, found 3"),
    (["2 8", "good 1 2 x 4 5 6 7 8"], "v.vec:2: malformed number in the vector of 'good'"),
    ("folder", "v.vec is a folder, not a word-vector file"),
])
def test_the_vector_file_is_checked_before_the_corpus_is_read(tmp_path: Path, lines: list[str] | str | None,
                                                              fragment: str) -> None:
    vectors = tmp_path / "v.vec"
    if lines == "folder":
        vectors.mkdir()
    elif lines is not None:
        vec(vectors, list(lines))
    # The corpus does not exist: an error about it would mean the corpus was read first.
    result = run(["-q", "train", tmp_path / "absent.csv", "--arch", "gru", "--vectors", vectors, "--out",
                  tmp_path / "m", *TINY])
    assert result.exit_code == 1 and result.stderr.count("\n") == 1, result.stderr
    assert fragment in result.stderr and "absent.csv" not in result.stderr
    assert not (tmp_path / "m").exists()


def test_a_wrong_vector_file_is_refused_for_compare_before_any_architecture_trains(corpus: Path,
                                                                                   tmp_path: Path) -> None:
    result = run(["-q", "compare", corpus, "--arch", "logreg,gru", "--vectors", vec(tmp_path / "v.vec", [row("a", 5)]),
                  *TINY])
    assert (result.exit_code, result.stdout) == (1, "")
    assert "v.vec:1: expected a word and 8 numbers, found 5" in result.stderr


@pytest.mark.parametrize(("command", "archs", "warned"), [
    ("train", "nb", "nb does not use it"), ("compare", "nb,logreg", "none of nb, logreg uses it"),
    ("compare", "nb,gru", None)])
def test_linear_architectures_say_they_do_not_use_the_vectors(corpus: Path, tmp_path: Path, command: str,
                                                             archs: str, warned: str | None) -> None:
    """Like every setting, --vectors is checked whatever the architecture; but a pretrained embedding left out
    silently would let the user believe the model used it."""
    vectors = vec(tmp_path / "v.vec", ["2 8", row("the"), row("great")])
    out = ["--out", tmp_path / "m"] if command == "train" else ["-f", "jsonl"]
    result = run([command, corpus, "--arch", archs, "--vectors", vectors, *out, *TINY])
    assert result.exit_code == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if "--vectors" in line]
    expected = [f"warning: --vectors initialises the embeddings of neural architectures; {warned}"] if warned else []
    assert lines == expected


def test_a_missing_vector_file_is_an_error_even_for_a_linear_architecture(corpus: Path, tmp_path: Path) -> None:
    result = run(["train", corpus, "--arch", "logreg", "--vectors", tmp_path / "missing.vec", "--out",
                  tmp_path / "m"])
    assert result.exit_code == 1 and not (tmp_path / "m").exists()
    assert result.stderr.splitlines()[-1].startswith("error: ") and "no such word-vector file" in result.stderr
    assert "logreg does not use it" in result.stderr  # the warning comes first and explains


def test_a_cut_short_or_foreign_vector_file_is_warned_about(corpus: Path, tmp_path: Path) -> None:
    vectors = vec(tmp_path / "short.vec", ["50 8", row("the"), row("отлично")])
    result = run(["train", corpus, "--arch", "gru", "--vectors", vectors, "--out", tmp_path / "m", *TINY])
    assert result.exit_code == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert warnings[0] == ("warning: short.vec: its first line announces 50 vectors, but it holds 2 (cut short "
                           "while copied or downloaded?)")
    assert warnings[1].startswith("warning: short.vec: vectors for only 1 of the ")
    assert "is the file for another language" in warnings[1]
    assert (tmp_path / "m" / "manifest.json").is_file()  # warnings only: the model trains


def test_no_warning_for_a_complete_file_that_covers_the_vocabulary(corpus: Path, tmp_path: Path) -> None:
    vectors = vec(tmp_path / "v.vec", [f"{len(COMMON)} 8", *map(row, COMMON)])
    result = run(["train", corpus, "--arch", "gru", "--vectors", vectors, "--max-vocab", "40", "--out",
                  tmp_path / "m", *TINY])
    assert result.exit_code == 0 and "warning:" not in result.stderr, result.stderr


@pytest.mark.parametrize("name", ["v.vec", "v.vec.gz"])
def test_the_manifest_records_the_vector_file(corpus: Path, tmp_path: Path, name: str) -> None:
    vectors = vec(tmp_path / name, ["3 8", row("the"), row("great"), row("zzzunused")])
    out = tmp_path / "m"
    assert run(["-q", "train", corpus, "--arch", "gru", "--vectors", vectors, "--out", out, *TINY]).exit_code == 0
    record = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["training"]["vectors"]
    vocabulary = len((out / "vocab.txt").read_text(encoding="utf-8").splitlines()) - 2  # <pad>, <unk>
    # The name, not the path (private, and says nothing about the vectors); the hash of the file as stored.
    assert record == {"file": name, "sha256": hashlib.sha256(vectors.read_bytes()).hexdigest(), "dim": 8,
                      "rows": 3, "found": 2, "vocabulary": vocabulary}
    card = run(["show", out, "--format", "table"]).stdout
    assert f"embedding started from {name} (8-dim, sha256 {record['sha256'][:12]}…): vectors for 2 of " \
           f"{vocabulary} vocabulary words" in " ".join(card.split())


def test_a_model_without_vectors_records_none(corpus: Path, tmp_path: Path) -> None:
    assert run(["-q", "train", corpus, "--arch", "gru", "--out", tmp_path / "m", *TINY]).exit_code == 0
    assert "vectors" not in json.loads((tmp_path / "m" / "manifest.json").read_text(encoding="utf-8"))["training"]


def test_reading_counts_rows_and_hashes_the_file(tmp_path: Path) -> None:
    path = vec(tmp_path / "v.vec.gz", ["9 2", "good 1 2", "", "bad 3 4", "good 5 6"])
    matrix, read = read_word_vectors(path, ["<pad>", "<unk>", "good", "film"], 2)
    assert (read.rows, read.header_count, read.found, read.dim) == (3, 9, 1, 2)
    assert read.sha256 == hashlib.sha256(path.read_bytes()).hexdigest() and matrix[2].tolist() == [1, 2]
    check_vector_file(path, 2)  # reads the first lines only, and they are fine
