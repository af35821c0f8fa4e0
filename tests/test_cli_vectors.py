"""`--vectors`: the file is checked before any corpus is read, a file that cannot be what the user meant is
warned about, linear architectures say they do not use it, and the manifest records which file it was."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
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


@pytest.mark.parametrize("damage", ["not gzip", "corrupt", "truncated"])
def test_a_damaged_gz_vector_file_is_one_clear_error(corpus: Path, tmp_path: Path, damage: str) -> None:
    """Worded as the corpus reader words it; a zlib error used to surface as an internal error."""
    rng = np.random.default_rng(2)  # varied numbers: a deflate stream with room for a refusable bit flip
    text = "".join(f"w{i} " + " ".join(f"{v:.3f}" for v in rng.uniform(-1, 1, 8)) + "\n" for i in range(3000))
    data = gzip.compress(text.encode(), mtime=0)
    if damage == "not gzip":
        data = b"plain text, not gzip\n"
    elif damage == "truncated":
        data = data[: len(data) // 2]
    else:  # flip bits in the middle of the deflate stream until zlib itself refuses it
        for i in range(len(data) // 2, len(data) - 8):
            broken = bytearray(data)
            broken[i] ^= 0xFF
            try:
                gzip.decompress(bytes(broken))
            except zlib.error:
                data = bytes(broken)
                break
            except Exception:  # a CRC or length error: not the case under test
                continue
        else:
            pytest.fail("no bit flip made zlib refuse the stream")
    (tmp_path / "v.vec.gz").write_bytes(data)
    result = run(["-q", "train", corpus, "--arch", "gru", "--vectors", tmp_path / "v.vec.gz", "--out",
                  tmp_path / "m", *TINY])
    assert result.exit_code == 1 and result.stderr.count("\n") == 1, result.stderr
    assert "v.vec.gz: cannot decompress (" in result.stderr and "internal error" not in result.stderr
    assert not (tmp_path / "m").exists()


def test_more_vectors_than_announced_are_not_called_cut_short(corpus: Path, tmp_path: Path) -> None:
    vectors = vec(tmp_path / "more.vec", ["1 8", row("the"), row("good"), row("bad")])
    result = run(["train", corpus, "--arch", "gru", "--vectors", vectors, "--out", tmp_path / "m", *TINY])
    assert result.exit_code == 0, result.stderr
    assert ("warning: more.vec: its first line announces 1 vectors, but it holds 3 (rows were added after the "
            "header was written?)") in result.stderr.splitlines()


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


def many_rows(count: int = 3000) -> list[str]:
    """A file well past the first read's buffer, the corpus's words first (as in a frequency-sorted file)."""
    words = [*COMMON, *(f"zzz{i}" for i in range(count - len(COMMON)))]
    return [f"{count} 8", *(f"{word} " + " ".join(f"{(i % 97) / 100:.2f}" for _ in range(8))
                           for i, word in enumerate(words))]


@contextmanager
def named_pipe(path: Path, data: bytes) -> Iterator[Path]:
    """A FIFO at `path` whose writer hands `data` to the first reader and an empty stream to any later one: what
    a reader took from a pipe is gone, as with `--vectors <(zcat big.vec.gz)`."""
    os.mkfifo(path)
    done = threading.Event()

    def serve() -> None:
        first = True
        while not done.is_set():
            try:
                with path.open("wb") as pipe:  # waits for a reader
                    if first and not done.is_set():
                        pipe.write(data)
            except BrokenPipeError:  # the reader closed before it took everything
                pass
            first = False

    writer = threading.Thread(target=serve, daemon=True)
    writer.start()
    try:
        yield path
    finally:
        done.set()
        while writer.is_alive():  # a reader that opens and leaves lets a writer waiting in open() go on
            os.close(os.open(path, os.O_RDONLY | os.O_NONBLOCK))
            writer.join(0.05)


def test_vectors_from_a_pipe_are_read_once_and_whole(corpus: Path, tmp_path: Path) -> None:
    """The up-front check used to read the pipe's first chunk: training then got the rest (failing mid-row, or
    silently without the first rows) and recorded the SHA-256 of part of the file."""
    data = "".join(line + "\n" for line in many_rows()).encode()
    out = tmp_path / "m"
    with named_pipe(tmp_path / "pipe", data) as pipe:
        result = run(["-q", "train", corpus, "--arch", "gru", "--vectors", pipe, "--out", out, *TINY])
    assert result.exit_code == 0, result.stderr
    record = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["training"]["vectors"]
    assert (record["file"], record["rows"], record["sha256"]) == ("pipe", 3000, hashlib.sha256(data).hexdigest())
    assert record["found"] > 5


def test_compare_reads_the_vectors_once_for_every_neural_architecture(corpus: Path, tmp_path: Path) -> None:
    """A pipe can be read once, and a big file takes minutes (and a SHA-256) to read: the architectures of one
    comparison share one read."""
    data = "".join(line + "\n" for line in many_rows()).encode()
    kept = tmp_path / "kept"
    with named_pipe(tmp_path / "pipe", data) as pipe:
        result = run(["-q", "compare", corpus, "--arch", "gru,nb,conv1d", "--conv-input", "embedding", "--vectors",
                      pipe, "--keep", kept,
                      "-f", "jsonl", *TINY])
    assert result.exit_code == 0, result.stderr
    for arch in ("gru", "conv1d"):
        record = json.loads((kept / arch / "manifest.json").read_text(encoding="utf-8"))["training"]["vectors"]
        assert (record["rows"], record["sha256"]) == (3000, hashlib.sha256(data).hexdigest()), arch


def test_the_check_reads_nothing_from_a_pipe(tmp_path: Path) -> None:
    """`<(...)` in bash is /dev/fd/N: opened again, it is the same pipe, without what was read before."""
    data = "".join(line + "\n" for line in many_rows(20)).encode()
    read_end, write_end = os.pipe()
    try:
        os.write(write_end, data)  # fits in the pipe's buffer
        os.close(write_end)
        path = f"/dev/fd/{read_end}"
        check_vector_file(path, 8)
        _, read = read_word_vectors(path, ["<pad>", "<unk>", "the", "film"], 8)
    finally:
        os.close(read_end)
    assert (read.rows, read.found, read.sha256) == (20, 1, hashlib.sha256(data).hexdigest())
    assert read.name == "<pipe>"  # not "{read_end}": the fd number says nothing about the vectors


@pytest.mark.parametrize("name", ["v.vec", "v.txt"])
def test_gzip_data_without_the_gz_name_says_so(corpus: Path, tmp_path: Path, name: str) -> None:
    """A .vec.gz piped in (`<(cat x.vec.gz)`) or renamed: "not valid UTF-8" alone would not say why."""
    path = tmp_path / name
    path.write_bytes(gzip.compress("".join(line + "\n" for line in many_rows(20)).encode()))
    result = run(["-q", "train", corpus, "--arch", "gru", "--vectors", path, "--out", tmp_path / "m", *TINY])
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr == (f"error: {path}: gzip-compressed data, not text (give the file its .gz name, or "
                             "decompress it: --vectors <(zcat FILE.gz))\n")
    assert not (tmp_path / "m").exists()


@pytest.mark.parametrize(("data", "fragment"), [
    (b"", "pipe: the file is empty"), (b"\n \n", "pipe: holds only blank lines"),
    (b"5 8\n", "pipe: holds only its header line"), (b"good 1 2\n", "pipe:1: expected a word and 8 numbers")])
def test_a_pipe_without_vectors_fails_when_training_reads_it(corpus: Path, tmp_path: Path, data: bytes,
                                                             fragment: str) -> None:
    with named_pipe(tmp_path / "pipe", data) as pipe:
        result = run(["-q", "train", corpus, "--arch", "gru", "--vectors", pipe, "--out", tmp_path / "m", *TINY])
    assert result.exit_code == 1 and result.stderr.count("\n") == 1, result.stderr
    assert fragment in result.stderr and not (tmp_path / "m").exists()


def test_a_missing_or_unreadable_pipe_is_refused_before_the_corpus_is_read(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "pipe").chmod(0)
    if os.access(tmp_path / "pipe", os.R_OK):
        pytest.skip("root may read anything")
    result = run(["-q", "train", tmp_path / "absent.csv", "--arch", "gru", "--vectors", tmp_path / "pipe", *TINY])
    assert result.exit_code == 1 and "cannot read word vectors" in result.stderr, result.stderr
    assert "absent.csv" not in result.stderr


def test_a_bad_row_fails_every_neural_architecture_of_a_comparison_alike(corpus: Path, tmp_path: Path) -> None:
    """The one read's error is every architecture's: a pipe read again would have said "empty" instead."""
    data = "".join(line + "\n" for line in [*many_rows()[:3], "good 1 2 3"]).encode()
    with named_pipe(tmp_path / "pipe", data) as pipe:
        result = run(["-q", "compare", corpus, "--arch", "gru,conv1d", "--conv-input", "embedding", "--vectors", pipe,
                      *TINY])
    assert result.exit_code == 1 and result.stderr.count("\n") == 1, result.stderr
    assert f"error: gru and conv1d failed (finished: none): {pipe}:4: expected a word and 8 numbers" in result.stderr
