"""Texts given to `sentikit predict` as arguments are read like stdin lines: in --encoding, a byte sequence that is
not text is one error line (not a row of replacement characters, which CSV wrote as the raw bytes), and
--strict refuses an empty one as it refuses an empty line."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.adversarial.conftest import assert_error, cli, sentikit_cmd, subprocess_env

BAD = "Ужасно".encode("cp1251")  # not UTF-8: b"\xd3\xe6..."


def _arg(data: bytes) -> str:
    """`data` as Python hands a command-line argument to the program (undecodable bytes as surrogates)."""
    return os.fsdecode(data)


pytestmark = pytest.mark.skipif(os.name == "nt", reason="Windows passes arguments as text, not bytes")


def test_encoding_applies_to_arguments(nb_model: Path) -> None:
    result = cli("-q", "predict", "--model", nb_model, "--encoding", "cp1251", "--format", "jsonl", _arg(BAD))
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["text"] == "Ужасно"


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "tsv", "table"])
def test_an_undecodable_argument_is_one_error_line_in_every_format(nb_model: Path, fmt: str) -> None:
    result = cli("-q", "predict", "--model", nb_model, "--format", fmt, "fine", _arg(BAD))
    assert_error(result, 1, "argument 2 is not valid utf-8 (byte 0xd3)", "--encoding cp1251")
    assert result.stdout == ""  # refused before any text is classified


def test_utf8_arguments_are_unchanged_by_default(nb_model: Path) -> None:
    result = cli("-q", "predict", "--model", nb_model, "--format", "jsonl", "Ужасно 😀")
    assert json.loads(result.stdout)["text"] == "Ужасно 😀"


def test_unknown_encoding_is_a_usage_error_for_arguments_too(nb_model: Path) -> None:
    assert_error(cli("-q", "predict", "--model", nb_model, "--encoding", "rot13", "x"), 2, "unknown encoding 'rot13'")


@pytest.mark.parametrize("empty", ["", "  "])
def test_strict_refuses_an_empty_argument_like_an_empty_line(nb_model: Path, empty: str) -> None:
    assert_error(cli("-q", "predict", "--model", nb_model, "--strict", "good", empty), 1, "argument 2: empty text",
                 "drop --strict")
    line = cli("-q", "predict", "--model", nb_model, "--strict", input=f"good\n{empty}\n")
    # predict answers an empty text with a row that has no label, so dropping --strict does not skip it.
    assert_error(line, 1, "line 2: empty text", "drop --strict to keep it as a row with an empty text")


def test_without_strict_an_empty_argument_gets_a_row_with_no_label(nb_model: Path) -> None:
    result = cli("-q", "predict", "--model", nb_model, "--format", "jsonl", "")
    assert json.loads(result.stdout) == {"text": "", "label": None, "probabilities": None, "note": "empty text"}


def test_real_process_bytes(nb_model: Path, tmp_path: Path) -> None:
    """Through a real argv, as a shell passes it."""
    base = sentikit_cmd("-q", "predict", "--model", nb_model, "--format", "csv")
    ok = subprocess.run([*base, "--encoding", "cp1251", BAD], capture_output=True, env=subprocess_env(), timeout=60)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.decode("utf-8").splitlines()[1].startswith("Ужасно,")
    bad = subprocess.run([*base, BAD], capture_output=True, env=subprocess_env(), timeout=60)
    assert bad.returncode == 1 and bad.stdout == b""
    assert bad.stderr.decode().startswith("error: argument 1 is not valid utf-8 (byte 0xd3)")
