"""What `sentikit predict` writes besides its prediction: input columns never replace the text, the label or the
probabilities it computed (they are kept as `input_NAME`), a file it scored can be scored again, CSV output says
which fields of later rows it had no column for, and stdin lines that look like a corpus get a warning."""

from __future__ import annotations

import json
import select
import subprocess
from pathlib import Path
from unittest import mock

import pytest
from conftest import assert_error, cli, sentikit_cmd, subprocess_env
from hypothesis import given
from hypothesis import strategies as st
from test_predict_rows import output_rows

from sentikit.cli import input_columns, output
from sentikit.cli.input_columns import InputColumns

FORMATS = ["jsonl", "csv", "tsv"]


@pytest.fixture(scope="module")
def logreg_model(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A second model, to score again what the nb model scored."""
    folder = tmp_path_factory.mktemp("logreg")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(folder)
        result = cli("-q", "train", corpus, "--arch", "logreg", "--out", folder / "logreg")
        assert result.exit_code == 0, result.stderr
    return folder / "logreg"


def predicted(model: Path, *texts: str) -> list[dict[str, object]]:
    """The model's own rows for `texts` (given as arguments: no input columns involved)."""
    result = cli("-q", "predict", "--model", model, "--format", "jsonl", *texts)
    assert result.exit_code == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def probability(row: dict[str, object], label: str, fmt: str) -> float:
    if fmt == "jsonl":
        return float(row["probabilities"][label])  # type: ignore[index]
    return float(row[f"p_{label}"])  # type: ignore[arg-type]


def warnings(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("warning:")]


@pytest.mark.parametrize("fmt", FORMATS)
def test_input_columns_never_replace_what_predict_computed(fmt: str, nb_model: Path, tmp_path: Path) -> None:
    path = tmp_path / "clash.csv"
    path.write_text("text,sentiment,label,p_positive,probabilities,note,gold_label,id\n"
                    "nice film,positive,WRONG,0.01,n/a,x,g,7\n", encoding="utf-8")
    result = cli("predict", "--model", nb_model, "--input", path, "--label-col", "sentiment", "--format", fmt)
    assert result.exit_code == 0, result.stderr
    [row] = output_rows(result.stdout, fmt)
    [own] = predicted(nb_model, "nice film")
    assert row["text"] == "nice film" and row["label"] == own["label"] and row["gold_label"] == "positive"
    assert probability(row, "positive", fmt) == pytest.approx(own["probabilities"]["positive"], abs=1e-4)  # type: ignore[index]
    assert {key: row[key] for key in row if key.startswith("input_") or key == "id"} == {
        "input_label": "WRONG", "input_p_positive": "0.01", "input_probabilities": "n/a", "input_note": "x",
        "input_gold_label": "g", "id": "7"}
    [warning] = warnings(result.stderr)  # once, naming every rename
    assert "clash.csv" in warning and "'label' as 'input_label'" in warning and "'note' as 'input_note'" in warning


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_text_field_is_the_text_that_was_scored(fmt: str, nb_model: Path, tmp_path: Path) -> None:
    path = tmp_path / "review.csv"
    path.write_text("title,text,review,sentiment\nHeadline,TITLE,awful film,negative\n", encoding="utf-8")
    result = cli("-q", "predict", "--model", nb_model, "--input", path, "--text-col", "review", "--format", fmt)
    assert result.exit_code == 0, result.stderr
    [row] = output_rows(result.stdout, fmt)
    assert (row["text"], row["input_text"], row["title"]) == ("awful film", "TITLE", "Headline")
    assert row["label"] == predicted(nb_model, "awful film")[0]["label"]


@pytest.mark.parametrize("first", ["jsonl", "csv"])
@pytest.mark.parametrize("second", FORMATS)
def test_scoring_a_scored_file_again_gives_the_second_models_figures(first: str, second: str, nb_model: Path,
                                                                    logreg_model: Path, tmp_path: Path) -> None:
    texts = ["nice film", "awful film", "it was a film"]
    scored = tmp_path / f"scored.{first}"
    result = cli("-q", "predict", "--model", nb_model, "--format", first, input="".join(t + "\n" for t in texts))
    scored.write_text(result.stdout, encoding="utf-8")
    again = cli("-q", "predict", "--model", logreg_model, "--input", scored, "--format", second)
    assert again.exit_code == 0, again.stderr
    rows = output_rows(again.stdout, second)
    before, now = predicted(nb_model, *texts), predicted(logreg_model, *texts)
    assert [row["text"] for row in rows] == texts
    assert [row["label"] for row in rows] == [row["label"] for row in now]
    assert [row["gold_label"] for row in rows] == [row["label"] for row in before]  # the label column read
    for row, old, new in zip(rows, before, now, strict=True):
        for label in ("negative", "neutral", "positive"):
            assert probability(row, label, second) == pytest.approx(new["probabilities"][label], abs=1e-4)  # type: ignore[index]
            if first == "jsonl":  # an object again in JSON Lines, its JSON text in a CSV/TSV cell
                carried = row["input_probabilities"]
                kept = (carried if second == "jsonl" else json.loads(carried))[label]  # type: ignore[arg-type,index]
            else:
                kept = float(row[f"input_p_{label}"])  # type: ignore[arg-type]
            assert kept == pytest.approx(old["probabilities"][label], abs=1e-4)  # type: ignore[index]


def test_renamed_columns_keep_their_names_for_the_whole_stream(monkeypatch: pytest.MonkeyPatch) -> None:
    said: list[str] = []
    monkeypatch.setattr(input_columns, "warn", said.append)
    columns = InputColumns(["text", "label"], "rows.jsonl")
    assert columns.rename({"label": "a", "input_label": "b", "id": "1"}) == {
        "input_label_2": "a", "input_label": "b", "id": "1"}
    assert columns.rename({"id": "2", "label": "c"}) == {"id": "2", "input_label_2": "c"}
    # A column first seen later that is named like an earlier choice is renamed in turn.
    assert columns.rename({"input_label_2": "d", "text": "e"}) == {"input_input_label_2": "d", "input_text": "e"}
    assert len(said) == 2 and "'label' as 'input_label_2'" in said[0] and "'text' as 'input_text'" in said[1]


NAMES = st.sampled_from(["text", "label", "input_label", "input_label_2", "input_input_label", "id", ""])


@given(st.lists(st.lists(NAMES, unique=True), max_size=6))
def test_renaming_is_collision_free_and_stable(rows: list[list[str]]) -> None:
    reserved = {"text", "label"}
    columns = InputColumns(reserved, "x")
    seen: dict[str, str] = {}
    for keys in rows:
        with mock.patch.object(output, "warn"):
            renamed = columns.rename({key: key for key in keys})
        assert len(renamed) == len(keys) and not set(renamed) & reserved
        for name, key in renamed.items():
            assert seen.setdefault(key, name) == name  # the same name in every row
    assert len(set(seen.values())) == len(seen)  # two input columns never share a name


HETEROGENEOUS = ('{"text": "nice", "label": "positive"}\n{"text": "awful", "label": "negative", "extra": 1}\n'
                 '{"text": "meh", "src": "web", "more": 2}\n{"text": "ok", "extra": 3}\n')


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_csv_names_the_fields_it_has_no_column_for(fmt: str, nb_model: Path, tmp_path: Path) -> None:
    path = tmp_path / "rows.jsonl"
    path.write_text(HETEROGENEOUS, encoding="utf-8")
    result = cli("predict", "--model", nb_model, "--input", path, "--format", fmt)
    assert result.exit_code == 0, result.stderr
    rows = output_rows(result.stdout, fmt)
    assert [row["text"] for row in rows] == ["nice", "awful", "meh", "ok"]
    assert "extra" not in rows[0] and "src" not in rows[0]
    first, later = warnings(result.stderr)  # one when it happens, one at the end for what came after
    assert "row 2" in first and "'extra'" in first and "--format jsonl" in first and "'src'" not in first
    assert "'src', 'more'" in later and "'extra'" not in later
    assert cli("-q", "predict", "--model", nb_model, "--input", path, "--format", fmt).stderr == ""


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_csv_output_of_a_nul_can_be_read_again(fmt: str, nb_model: Path, tmp_path: Path) -> None:
    """A JSON "\\u0000" cannot go into CSV or TSV (sentikit, like many tools, refuses a file with NUL): it is
    written as U+FFFD, with one warning, so the output can be scored again."""
    path = tmp_path / "nul.jsonl"
    path.write_text('{"text": "good\\u0000 film", "id\\u0000": "a\\u0000"}\n{"text": "bad\\u0000"}\n',
                    encoding="utf-8")
    result = cli("predict", "--model", nb_model, "--input", path, "--format", fmt)
    assert result.exit_code == 0, result.stderr
    assert "\0" not in result.stdout
    [warning] = warnings(result.stderr)
    assert "row 1" in warning and "NUL" in warning and "U+FFFD" in warning and "--format jsonl" in warning
    rows = output_rows(result.stdout, fmt)
    assert [row["text"] for row in rows] == ["good\ufffd film", "bad\ufffd"] and rows[0]["id\ufffd"] == "a\ufffd"
    scored = tmp_path / f"scored.{fmt}"
    scored.write_text(result.stdout, encoding="utf-8")
    again = cli("-q", "predict", "--model", nb_model, "--input", scored, "--format", "jsonl")
    assert again.exit_code == 0, again.stderr
    assert [row["text"] for row in output_rows(again.stdout, "jsonl")] == ["good\ufffd film", "bad\ufffd"]
    kept = cli("-q", "predict", "--model", nb_model, "--input", path, "--format", "jsonl")
    assert [row["text"] for row in output_rows(kept.stdout, "jsonl")] == ["good\0 film", "bad\0"]


def test_a_table_has_a_column_for_the_fields_of_later_rows(nb_model: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "250")
    path = tmp_path / "rows.jsonl"
    path.write_text(HETEROGENEOUS, encoding="utf-8")
    result = cli("predict", "--model", nb_model, "--input", path, "--format", "table")
    assert result.exit_code == 0, result.stderr
    header = next(line for line in result.stdout.splitlines() if "text" in line)
    assert all(name in header for name in ("gold_label", "extra", "src", "more")), result.stdout
    assert "web" in result.stdout and warnings(result.stderr) == []


@pytest.mark.parametrize(("stdin", "look"), [
    ("text,label\nnice,positive\n", "a CSV header"),
    ("Review\tstars\nnice\t5\n", "a TSV header"),
    ('{"text": "nice", "label": "positive"}\n', "a JSON record"),
    ("nice, really nice\n", None),
    ("{wow} what a film\n", None),
    ('{"stars": 5}\n', None),  # JSON, but no text field: `--input -` could not read it either
])
def test_stdin_that_looks_like_a_corpus_is_still_lines_with_a_warning(stdin: str, look: str | None,
                                                                      nb_model: Path) -> None:
    result = cli("predict", "--model", nb_model, input=stdin)
    assert result.exit_code == 0, result.stderr
    assert [row["text"] for row in output_rows(result.stdout, "jsonl")] == stdin.splitlines()  # what was scored
    # (A header line such as "text,label" may also have no word the model knows: that warning is not this one.)
    said = [line for line in warnings(result.stderr) if "no word the model knows" not in line]
    if look is None:
        assert said == []
    else:
        [warning] = said
        assert look in warning and "--input -" in warning


@pytest.mark.parametrize("option", [["--input-format", "csv"], ["--input-format", "jsonl"], ["--text-col", "review"],
                                    ["--label-col", "sentiment"]])
@pytest.mark.parametrize("via", ["stdin", "arguments"])
def test_corpus_options_without_input_are_a_usage_error(option: list[str], via: str, nb_model: Path) -> None:
    texts, stdin = (["nice"], None) if via == "arguments" else ([], "review,sentiment\nnice,positive\n")
    result = cli("-q", "predict", "--model", nb_model, *option, *texts, input=stdin)
    assert_error(result, 2, option[0], "applies to --input", "--input -")
    assert result.stdout == ""


def test_input_format_txt_without_input_is_what_stdin_is_anyway(nb_model: Path) -> None:
    result = cli("-q", "predict", "--model", nb_model, "--input-format", "txt", input="nice\nawful\n")
    assert result.exit_code == 0 and len(output_rows(result.stdout, "jsonl")) == 2, result.stderr


def test_a_corpus_on_stdin_streams_as_stdin_lines_do(nb_model: Path, tmp_path: Path) -> None:
    """`--input -` behind `tail -f`: each row is answered while stdin stays open."""
    proc = subprocess.Popen(sentikit_cmd("-q", "predict", "--model", nb_model, "--input", "-"),
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path,
                            env=subprocess_env())
    assert proc.stdin and proc.stdout
    try:
        proc.stdin.write(b"text,label,id\n")
        for n, text in enumerate(("nice", "awful")):
            proc.stdin.write(f"{text},positive,{n}\n".encode())
            proc.stdin.flush()
            ready, _, _ = select.select([proc.stdout], [], [], 30)
            assert ready, f"no row for {text!r} while stdin is open"
            row = json.loads(proc.stdout.readline())
            assert (row["text"], row["id"], row["gold_label"]) == (text, str(n), "positive")
        _, err = proc.communicate(timeout=30)
        assert proc.returncode == 0 and err == b"", err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_carried_json_values_keep_their_json_spelling(fmt: str, nb_model: Path, tmp_path: Path) -> None:
    corpus = tmp_path / "flags.jsonl"
    corpus.write_text('{"text": "отлично", "flag": true, "off": false, "n": 4.5, "tags": ["a"]}\n', encoding="utf-8")
    result = cli("-q", "predict", "-m", nb_model, "-i", corpus, "-f", fmt)
    assert result.exit_code == 0, result.stderr
    row = output_rows(result.stdout, fmt)[0]
    if fmt == "jsonl":  # JSON Lines writes the JSON values back; a CSV cell holds their JSON spelling
        assert (row["flag"], row["off"], row["n"], row["tags"]) == (True, False, 4.5, ["a"])
    else:
        assert (row["flag"], row["off"], row["n"], row["tags"]) == ("true", "false", "4.5", '["a"]')


def test_a_null_first_label_keeps_the_gold_label_column(nb_model: Path, tmp_path: Path) -> None:
    corpus = tmp_path / "null_first.jsonl"
    corpus.write_text('{"text": "a", "label": null}\n{"text": "b", "label": "pos"}\n', encoding="utf-8")
    result = cli("-q", "predict", "-m", nb_model, "-i", corpus, "-f", "csv")
    assert result.exit_code == 0 and result.stderr == ""
    assert [row["gold_label"] for row in output_rows(result.stdout, "csv")] == ["", "pos"]
