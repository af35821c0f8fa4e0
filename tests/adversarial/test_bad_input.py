"""Bad and odd input files through every command that reads a corpus: each fails with exit 1 and one line that
names the file, the line and the fix, writes nothing, and leaves the model alone; odd-but-valid input works."""

from __future__ import annotations

import gzip
import json
import random
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import assert_error, cli, write_csv

Command = Callable[[Path, Path, Path], list[str | Path]]

# command → argv for (input file, scratch folder, model); each writes its output (if any) to scratch/"out".
COMMANDS: dict[str, Command] = {
    "train": lambda f, tmp, model: ["-q", "train", f, "--arch", "nb", "--out", tmp / "out"],
    "evaluate": lambda f, tmp, model: ["-q", "evaluate", f, "--model", model, "--format", "json"],
    "preprocess": lambda f, tmp, model: ["-q", "preprocess", f],
    "predict": lambda f, tmp, model: ["-q", "predict", "--model", model, "--input", f],
    "vectorize": lambda f, tmp, model: ["-q", "vectorize", f, "--out", tmp / "out"],
    "compare": lambda f, tmp, model: ["-q", "compare", f, "--arch", "nb", "--keep", tmp / "out"],
}

TEN_MB = ("x" * 99 + " ") * 105_000  # one 10.5 MB document (of long words: few tokens, to stay fast)
_noise = random.Random(7)
BINARY = bytes(_noise.randrange(256) for _ in range(3000)) + b"\x00\x00"

# case → (file name, bytes or None for "does not exist" / "dir" for a folder, fragments of the message)
BAD_FILES: dict[str, tuple[str, bytes | str | None, list[str]]] = {
    "unclosed-quote": ("bad.csv", b'text,label\n"never closed,positive\nfine,negative\n', ["line 2", "never closed"]),
    "ragged-row": ("bad.csv", b"text,label\ngood,positive,extra\n", ["line 2", "3 fields", "2"]),
    "misnamed-columns": ("bad.csv", b"review_body,lbl\nhello,positive\n",
                         ["no text column", "review_body", "--text-col"]),
    "empty-file": ("bad.csv", b"", ["bad.csv", "the input is empty"]),
    "header-only": ("bad.csv", b"text,label\n", ["no documents after the header"]),
    "nul-bytes": ("bad.csv", b"text,label\nhel\x00lo,positive\n", ["line 2", "NUL", "binary"]),
    "binary": ("bad.csv", BINARY, ["binary file"]),
    "latin-1": ("bad.csv", "text,label\ncafé crème,positive\n".encode("latin-1"), ["line 2", "not valid utf-8",
                                                                                  "--encoding"]),
    "cp1251": ("bad.csv", "text,label\nотличный товар,positive\n".encode("cp1251"), ["line 2", "--encoding cp1251"]),
    "truncated-gzip": ("bad.csv.gz", gzip.compress(b"text,label\n" + b"good,positive\n" * 500)[:40],
                       ["cannot decompress"]),
    "bad-jsonl": ("bad.jsonl", b"{\"text\": \"fine\", \"label\": \n", ["line 1", "not valid JSON"]),
    "missing-file": ("missing.csv", None, ["missing.csv", "no such file"]),
    "folder": ("folder.csv", "dir", ["folder.csv", "is a folder"]),
}


def _provide(tmp_path: Path, name: str, data: bytes | str | None) -> Path:
    path = tmp_path / name
    if data == "dir":
        path.mkdir()
    elif isinstance(data, bytes):
        path.write_bytes(data)
    return path


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_file_is_one_clean_error(case: str, command: str, tmp_path: Path, nb_model: Path) -> None:
    name, data, needles = BAD_FILES[case]
    source = _provide(tmp_path, name, data)
    result = cli(*COMMANDS[command](source, tmp_path, nb_model))
    assert_error(result, 1, *needles)
    assert result.stdout == ""
    assert not (tmp_path / "out").exists()


LABEL_CASES = {
    "no-label-column": (b"text,domain\nhello,x\nbye,y\n", [], ["no label column", "domain", "--label-col"]),
    "misnamed-label-col": (b"text,label\nhello,positive\n", ["--label-col", "sentiment"],
                           ["no column 'sentiment'", "label"]),
    "misnamed-text-col": (b"text,label\nhello,positive\n", ["--text-col", "body"], ["no column 'body'"]),
    "only-empty-labels": (b"text,label\nhello,\nbye,nan\nhi,NULL\n", [], ["no usable rows"]),
}


@pytest.mark.parametrize("command", ["train", "evaluate", "compare"])
@pytest.mark.parametrize("case", list(LABEL_CASES))
def test_labelled_commands_need_a_label_column(case: str, command: str, tmp_path: Path, nb_model: Path) -> None:
    data, options, needles = LABEL_CASES[case]
    source = tmp_path / "data.csv"
    source.write_bytes(data)
    result = cli(*COMMANDS[command](source, tmp_path, nb_model), *options)
    assert_error(result, 1, *needles)
    assert not (tmp_path / "out").exists()


# -- odd but valid input: works everywhere -----------------------------------------------------------------------

def _variant(rows: list[tuple[str, str]], tmp_path: Path, variant: str) -> tuple[Path, list[str]]:
    """The corpus written in an odd but valid way; returns the file and the options needed to read it."""
    path = tmp_path / "odd.csv"
    if variant == "bom":
        path.write_bytes(b"\xef\xbb\xbf" + write_csv(tmp_path / "plain.csv", rows).read_bytes())
    elif variant == "crlf":
        write_csv(path, rows, newline="\r\n")
    elif variant == "mixed-newlines":
        lines = write_csv(tmp_path / "plain.csv", rows).read_text(encoding="utf-8").splitlines()
        path.write_bytes("".join(line + ("\n", "\r\n", "\r")[i % 3] for i, line in enumerate(lines)).encode())
    elif variant in ("cp1251", "latin-1"):
        extra = "отлично" if variant == "cp1251" else "café"
        # Emoji have no place in a legacy code page: dropped, the rest kept.
        legacy = [(f"{t} {extra}".encode(variant, "ignore").decode(variant), lab) for t, lab in rows]
        write_csv(path, legacy, encoding=variant)
        return path, ["--encoding", variant]
    elif variant == "ten-megabyte-line":
        write_csv(path, [*rows, (TEN_MB, "positive")])
    return path, []


@pytest.mark.parametrize("variant", ["bom", "crlf", "mixed-newlines", "cp1251", "latin-1", "ten-megabyte-line"])
def test_odd_but_valid_files_work_everywhere(variant: str, rows: list[tuple[str, str]], tmp_path: Path,
                                             nb_model: Path) -> None:
    source, options = _variant(rows, tmp_path, variant)
    trained = cli("-q", "train", source, "--arch", "nb", "--out", tmp_path / "m", *options)
    assert trained.exit_code == 0, trained.stderr
    model = json.loads((tmp_path / "m" / "manifest.json").read_text(encoding="utf-8"))
    assert model["labels"] == ["negative", "neutral", "positive"]  # a BOM did not hide the header
    assert model["training"]["data"]["rows"] == len(rows) + (variant == "ten-megabyte-line")
    evaluated = cli("-q", "evaluate", source, "--model", nb_model, "--format", "json", *options)
    assert evaluated.exit_code == 0, evaluated.stderr
    assert json.loads(evaluated.stdout)["n"] == model["training"]["data"]["rows"]
    processed = cli("-q", "preprocess", source, *options)
    assert processed.exit_code == 0, processed.stderr
    assert len(processed.stdout.splitlines()) == model["training"]["data"]["rows"]
    assert "\ufeff" not in processed.stdout and "\r" not in processed.stdout


def test_ten_megabyte_line_on_stdin(nb_model: Path) -> None:
    predicted = cli("-q", "predict", "--model", nb_model, input=TEN_MB + "\nawful\n")
    assert predicted.exit_code == 0, predicted.stderr
    assert [len(json.loads(row)["text"]) for row in predicted.stdout.splitlines()] == [len(TEN_MB), 5]
    processed = cli("-q", "preprocess", "-", input=TEN_MB)
    assert processed.exit_code == 0 and processed.stdout.count("x" * 99) == 105_000


@pytest.mark.parametrize(("data", "fragments"), [
    (b"caf\xe9 good\n", ["<stdin>", "line 1", "not valid utf-8", "--encoding"]),
    (b"fine\nbi\x00nary\n", ["<stdin>", "line 2", "NUL"]),
    (BINARY, ["<stdin>", "binary file"]),
    (b"", ["<stdin>", "the input is empty"]),
])
def test_predict_stdin_goes_through_the_validating_reader(data: bytes, fragments: list[str], nb_model: Path) -> None:
    assert_error(cli("-q", "predict", "--model", nb_model, input=data), 1, *fragments)


def test_predict_stdin_honours_encoding_bom_and_crlf(nb_model: Path) -> None:
    result = cli("-q", "predict", "--model", nb_model, "--encoding", "cp1251",
                 input="\ufeffплохо\r\n\r\n  \r\nхорошо\r\n".encode("cp1251", errors="ignore"))
    assert result.exit_code == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["text"] for r in rows] == ["плохо", "", "  ", "хорошо"]  # one row per input line, texts as given
    assert [r["label"] is None for r in rows] == [False, True, True, False]


def test_csv_output_quotes_carriage_returns(nb_model: Path, tmp_path: Path) -> None:
    import csv
    import io

    source = tmp_path / "cr.csv"
    source.write_bytes(b'text,label\n"good\rthing",positive\nbad,negative\n')
    result = cli("-q", "predict", "--model", nb_model, "--input", source, "--format", "csv")
    assert result.exit_code == 0, result.stderr
    table = list(csv.reader(io.StringIO(result.stdout, newline="")))
    assert [row[0] for row in table] == ["text", "good\rthing", "bad"]
