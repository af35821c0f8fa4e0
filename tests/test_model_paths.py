"""Where `sentikit train` puts a model without --out (models/<data>-<arch>) and how models/.latest, the record of
the last one, is written and read back by the commands that take --model."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from sentikit.cli.app import app
from sentikit.training.pipeline import default_output

ROWS = [("great film", "pos"), ("loved it", "pos"), ("wonderful acting", "pos"), ("awful film", "neg"),
        ("hated it", "neg"), ("boring acting", "neg")]
CSV = "text,label\n" + "".join(f"{text},{label}\n" for text, label in ROWS) * 3


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(app, [str(a) for a in args], prog_name="sentikit")


def one_error_line(result: Result) -> str:
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and "Traceback" not in result.output
    return lines[0]


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # models/ and models/.latest are relative to the working folder
    monkeypatch.delenv("SENTIKIT_MODEL", raising=False)


@pytest.mark.parametrize(("data", "folder"), [
    ("reviews.csv", "reviews-nb"),
    ("reviews.v1.csv", "reviews.v1-nb"),
    ("data/reviews.v2.CSV", "reviews.v2-nb"),
    ("my.data.csv.gz", "my.data-nb"),
    ("my.data.gz", "my.data-nb"),
    ("corpus.jsonl", "corpus-nb"),
    ("corpus.json", "corpus-nb"),
    ("tweets.tsv", "tweets-nb"),
    ("notes.txt", "notes-nb"),
    ("reviews.2024", "reviews.2024-nb"),
    (".hidden.jsonl", "hidden-nb"),
    (".csv", "csv-nb"),
    ("bundled:ru", "bundled-ru-nb"),
    ("-", "stdin-nb"),
])
def test_default_output_strips_only_corpus_suffixes(data: str, folder: str) -> None:
    assert default_output(data, "nb") == Path("models") / folder


def test_versions_of_a_corpus_get_their_own_models(tmp_path: Path) -> None:
    for version in ("v1", "v2"):
        (tmp_path / f"reviews.{version}.csv").write_text(CSV, encoding="utf-8")
        result = invoke("-q", "train", tmp_path / f"reviews.{version}.csv", "--arch", "nb")
        assert (result.exit_code, result.stderr) == (0, "")
    for version in ("v1", "v2"):
        manifest = json.loads((tmp_path / "models" / f"reviews.{version}-nb" / "manifest.json").read_text())
        assert manifest["training"]["data"]["source"].endswith(f"reviews.{version}.csv")


@pytest.mark.parametrize("content", [b"\x00\xff", b"\xff\xfe\x00m\x00", b"models/a\x00b\n", b"", b" \n",
                                     b"models/" + b"a" * (1 << 16)], ids=str)
def test_damaged_latest_pointer_is_a_clean_error(tmp_path: Path, content: bytes) -> None:
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / ".latest").write_bytes(content)
    for command in (["predict", "hi"], ["show"], ["evaluate", "-"]):
        result = invoke(*command)
        assert result.exit_code == 1 and result.stdout == ""
        line = one_error_line(result)
        # show takes its model as an argument, not as --model
        how = "pass the model folder (`sentikit show MODEL`)" if command == ["show"] else "pass --model DIR"
        assert "models/.latest" in line and how in line
        assert "internal error" not in line and "is damaged" in line


def test_latest_pointer_that_cannot_be_written_is_a_warning(tmp_path: Path) -> None:
    (tmp_path / "models" / ".latest").mkdir(parents=True)
    (tmp_path / "reviews.csv").write_text(CSV, encoding="utf-8")
    trained = invoke("train", tmp_path / "reviews.csv", "--arch", "nb")
    assert trained.exit_code == 0, trained.stderr
    assert (tmp_path / "models" / "reviews-nb" / "manifest.json").is_file()  # the model itself is saved
    warnings = [line for line in trained.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and "models/.latest" in warnings[0] and "--model" in warnings[0]
    predicted = invoke("predict", "hi")  # says why no model is found, not "no model given"
    assert predicted.exit_code == 1
    assert "models/.latest" in one_error_line(predicted)
    assert invoke("predict", "--model", tmp_path / "models" / "reviews-nb", "hi").exit_code == 0


@pytest.mark.parametrize("link_to", ["a file of the user's", "nowhere"])
def test_latest_pointer_replaces_a_symbolic_link_instead_of_writing_through_it(tmp_path: Path, link_to: str) -> None:
    precious = tmp_path / ("notes.txt" if link_to != "nowhere" else "not-there.txt")
    if link_to != "nowhere":
        precious.write_text("keep me\n", encoding="utf-8")
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / ".latest").symlink_to(precious)
    (tmp_path / "reviews.csv").write_text(CSV, encoding="utf-8")
    assert invoke("-q", "train", tmp_path / "reviews.csv", "--arch", "nb").exit_code == 0
    pointer = tmp_path / "models" / ".latest"
    assert not pointer.is_symlink() and pointer.read_text(encoding="utf-8").strip().endswith("reviews-nb")
    if link_to == "nowhere":
        assert not precious.exists()
    else:
        assert precious.read_text(encoding="utf-8") == "keep me\n"
    assert sorted(p.name for p in (tmp_path / "models").iterdir()) == [".latest", "reviews-nb"]  # no temporary left


def test_a_fifo_as_latest_pointer_is_an_error_not_a_wait(tmp_path: Path) -> None:
    (tmp_path / "models").mkdir()
    os.mkfifo(tmp_path / "models" / ".latest")  # opened for reading, it would wait for a writer forever

    def waited(signum: int, frame: object) -> None:
        raise AssertionError("predict waited on the FIFO")

    previous = signal.signal(signal.SIGALRM, waited)
    signal.alarm(20)  # fail rather than hang the suite
    try:
        result = invoke("predict", "hi")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert result.exit_code == 1 and "models/.latest is not a regular file" in one_error_line(result)


def test_latest_pointer_names_the_last_model_trained(tmp_path: Path) -> None:
    (tmp_path / "reviews.csv").write_text(CSV, encoding="utf-8")
    assert invoke("-q", "train", tmp_path / "reviews.csv", "--arch", "nb").exit_code == 0
    result = invoke("show", "--format", "json")
    assert result.exit_code == 0 and json.loads(result.stdout)["arch"] == "nb"


@pytest.mark.parametrize(("args", "how"), [
    (["show", "nope"], "pass the model folder (`sentikit show MODEL`)"),
    (["predict", "--model", "nope", "hi"], "pass --model DIR"),
    (["evaluate", "--model", "nope", "data.csv"], "pass --model DIR"),
])
def test_a_missing_model_hint_says_how_the_command_takes_one(args: list[str], how: str) -> None:
    """`show` takes its model as an argument: its hint must not send the user to a --model it lacks."""
    Path("data.csv").write_text(CSV, encoding="utf-8")
    result = invoke(*args)
    assert result.exit_code == 1
    assert one_error_line(result) == ("error: no model at nope: no such folder "
                                      f"(train one with `sentikit train` or {how})")


@pytest.mark.parametrize(("args", "how"), [(["show"], "pass the model folder (`sentikit show MODEL`)"),
                                           (["predict", "hi"], "pass --model DIR")])
def test_no_model_hint_says_how_the_command_takes_one(args: list[str], how: str) -> None:
    result = invoke(*args)
    assert result.exit_code == 1
    assert one_error_line(result).startswith(f"error: no model given ({how}, set SENTIKIT_MODEL")


def test_a_damaged_latest_pointer_tells_show_how_it_takes_a_model(tmp_path: Path) -> None:
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / ".latest").write_text("", encoding="utf-8")
    line = one_error_line(invoke("show"))
    assert "damaged" in line and "pass the model folder (`sentikit show MODEL`)" in line and "--model" not in line


def test_a_blank_model_variable_counts_as_unset(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SENTIKIT_MODEL", "  ")
    assert one_error_line(invoke("predict", "hi")).startswith("error: no model given (pass --model DIR")


@pytest.mark.parametrize("via", ["latest", "env"])
def test_a_model_folder_named_for_the_user_that_is_gone_says_who_named_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, via: str) -> None:
    """A folder the user did not type (models/.latest, $SENTIKIT_MODEL) that no longer exists: the error says
    where the name came from, or "no model at old-run" would be a riddle."""
    if via == "latest":
        (tmp_path / "models").mkdir()
        (tmp_path / "models" / ".latest").write_text("old-run\n", encoding="utf-8")
    else:
        monkeypatch.setenv("SENTIKIT_MODEL", "old-run")
    result = invoke("predict", "hi")
    assert result.exit_code == 1 and result.stdout == ""
    source = "models/.latest names it as the last model trained here" if via == "latest" else "$SENTIKIT_MODEL names it"
    assert one_error_line(result) == (f"error: no model at old-run: no such folder ({source}; train one with "
                                      "`sentikit train` or pass --model DIR)")


@pytest.mark.parametrize("via", ["latest", "env"])
@pytest.mark.parametrize("command", [["predict", "hi"], ["evaluate", "data.csv"], ["show"]])
def test_a_non_model_named_for_the_user_says_who_named_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, via: str, command: list[str]) -> None:
    (tmp_path / "notes").mkdir()  # a folder, but no model in it
    Path("data.csv").write_text(CSV, encoding="utf-8")
    if via == "latest":
        (tmp_path / "models").mkdir()
        (tmp_path / "models" / ".latest").write_text("notes\n", encoding="utf-8")
    else:
        monkeypatch.setenv("SENTIKIT_MODEL", "notes")
    result = invoke(*command)
    assert result.exit_code == 1 and result.stdout == ""
    line = one_error_line(result)
    assert line.startswith("error: notes is not a sentikit model folder")
    assert line.endswith("(models/.latest names it as the last model trained here)" if via == "latest"
                         else "($SENTIKIT_MODEL names it)")
