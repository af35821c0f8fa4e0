"""Corpus options through the commands: column options that make stdin tabular, combinations that cannot work
(exit 2, before any data is read), and inputs in the shapes spreadsheets and pandas write."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import assert_error, cli

RUSSIAN = "Отзыв,Тональность\nотлично,positive\nужасно,negative\n"


def test_text_col_makes_stdin_a_corpus_for_predict(nb_model: Path) -> None:
    result = cli("-q", "predict", "-m", nb_model, "-i", "-", "--text-col", "Отзыв", "-f", "jsonl", input=RUSSIAN)
    assert result.exit_code == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["text"], r["Тональность"]) for r in rows] == [("отлично", "positive"), ("ужасно", "negative")]


def test_column_options_make_stdin_a_corpus_for_evaluate(nb_model: Path) -> None:
    result = cli("-q", "evaluate", "-", "-m", nb_model, "--text-col", "Отзыв", "--label-col", "Тональность",
                 "-f", "json", input=RUSSIAN)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["n"] == 2


@pytest.mark.parametrize("command", ["train", "evaluate"])
def test_labels_from_plain_lines_say_so(command: str, nb_model: Path, tmp_path: Path) -> None:
    argv = ["train", "bundled:ru", "--out", tmp_path / "out"] if command == "train" else [
        "evaluate", "bundled:ru", "-m", nb_model]
    assert_error(cli("-q", *argv, "--input-format", "txt"), 1, "bundled:ru: read as plain lines",
                 "--input-format csv")


@pytest.mark.parametrize(("argv", "fragments"), [
    (["evaluate", "missing.csv", "--input-format", "txt", "--text-col", "text"], ["plain lines", "--text-col"]),
    (["predict", "--input", "missing.csv", "--input-format", "txt", "--label-col", "y"], ["plain lines"]),
    (["train", "missing.csv", "--text-col", "label", "--label-col", "label"],
     ["--text-col and --label-col", "'label'"]),
    (["train", "-", "--dev", "-"], ["DATA and --dev", "stdin"]),
    (["compare", "-", "--dev", "-", "--arch", "nb"], ["DATA and --dev", "stdin"]),
    (["evaluate", "", "-m", "MODEL"], ["empty path"]),
    (["train", "", "--arch", "nb"], ["empty path"]),
    (["train", "missing.csv", "--dev", "", "--arch", "nb"], ["empty path"]),
    (["predict", "-m", "MODEL", "--input", ""], ["empty path"]),
])
def test_impossible_combinations_are_usage_errors(argv: list[str], fragments: list[str], nb_model: Path,
                                                  tmp_path: Path) -> None:
    argv = [nb_model if a == "MODEL" else a for a in argv]  # type: ignore[misc]
    result = cli("-q", *argv, input="text,label\nok,positive\nbad,negative\n")
    assert_error(result, 2, *fragments)
    assert not (tmp_path / "models").exists()


def test_text_col_label_does_not_leak_the_label(tmp_path: Path) -> None:
    result = cli("-q", "train", "bundled:ru", "--text-col", "label", "--out", tmp_path / "leak")
    assert_error(result, 1, "no label column found", "--label-col")
    assert not (tmp_path / "leak").exists()


def test_semicolon_csv_and_json_array_evaluate(nb_model: Path, tmp_path: Path,
                                               rows: list[tuple[str, str]]) -> None:
    semi = tmp_path / "semi.csv"
    semi.write_text("text;label\n" + "".join(f'"{t.replace(chr(34), 2 * chr(34))}";{lab}\n' for t, lab in rows),
                    encoding="utf-8")
    array = tmp_path / "records.json"
    array.write_text(json.dumps([{"text": t, "label": lab} for t, lab in rows]), encoding="utf-8")
    reports = []
    for source in (semi, array):
        result = cli("-q", "evaluate", source, "-m", nb_model, "-f", "json")
        assert result.exit_code == 0, result.stderr
        reports.append(json.loads(result.stdout))
    assert reports[0]["n"] == reports[1]["n"] == len(rows)
    assert reports[0]["accuracy"] == reports[1]["accuracy"]


def test_unnamed_columns_stay_apart(nb_model: Path, tmp_path: Path) -> None:
    corpus = tmp_path / "sheet.csv"
    corpus.write_text("text,label,,\nотлично,positive,a,b\n", encoding="utf-8")
    result = cli("-q", "predict", "-m", nb_model, "-i", corpus, "-f", "jsonl")
    assert result.exit_code == 0, result.stderr
    row = json.loads(result.stdout)
    assert (row["column_3"], row["column_4"]) == ("a", "b")


def test_a_scored_file_is_evaluated_against_its_gold_labels(nb_model: Path, tmp_path: Path) -> None:
    # predict --input writes the prediction to `label` and the input's label to `gold_label`; reading that
    # file back must take the gold labels, not the first model's predictions.
    scored = tmp_path / "scored.csv"
    scored.write_text("text,label,gold_label\nотлично,negative,positive\nужасно,positive,negative\n",
                      encoding="utf-8")
    result = cli("-q", "predict", "-m", nb_model, "-i", scored, "-f", "jsonl")
    assert result.exit_code == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["gold_label"] for r in rows] == ["positive", "negative"]
    assert [r["input_label"] for r in rows] == ["negative", "positive"]


# -- shapes from the second QA pass ------------------------------------------------------------------------------


def test_predict_tsv_output_with_a_multi_line_last_column_reads_back(nb_model: Path, tmp_path: Path) -> None:
    notes = tmp_path / "notes.csv"
    notes.write_text('text,notes\n"great film","line1\nline2"\n"awful","n"\n', encoding="utf-8")
    tsv = cli("-q", "predict", "-m", nb_model, "-i", notes, "-f", "tsv")
    assert tsv.exit_code == 0, tsv.stderr
    (tmp_path / "notes.tsv").write_text(tsv.stdout, encoding="utf-8")
    again = cli("-q", "predict", "-m", nb_model, "-i", tmp_path / "notes.tsv", "-f", "jsonl")
    assert again.exit_code == 0, again.stderr
    rows = [json.loads(line) for line in again.stdout.splitlines()]
    assert [(r["text"], r["notes"]) for r in rows] == [("great film", "line1\nline2"), ("awful", "n")]


@pytest.mark.parametrize("command", ["train", "compare", "evaluate", "predict", "preprocess", "vectorize"])
def test_every_command_that_reads_a_corpus_takes_delimiter(command: str) -> None:
    result = cli(command, "--help")
    assert result.exit_code == 0
    assert "--delimiter" in result.stdout


def test_the_delimiter_option_reads_what_the_header_cannot_tell(nb_model: Path, tmp_path: Path) -> None:
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("Текст;Оценка, 1-5;Тон\nотлично;5;positive\nужасно;1;negative\n", encoding="utf-8")
    result = cli("-q", "evaluate", sheet, "-m", nb_model, "--text-col", "Текст", "--label-col", "Тон", "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["n"] == 2
    result = cli("-q", "preprocess", sheet, "--delimiter", ";", "--text-col", "Оценка, 1-5")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.split() == ["5", "1"]
    assert_error(cli("-q", "preprocess", sheet, "--delimiter", "tab", "--text-col", "Текст"), 1,
                 "read as one tab-separated column", "pass --delimiter ';'")


@pytest.mark.parametrize(("argv", "fragments"), [
    (["preprocess", "x.csv", "--delimiter", "::"], ["invalid --delimiter '::'"]),
    (["preprocess", "x.csv", "--delimiter", ";", "--input-format", "jsonl"], ["--delimiter ;", "JSON"]),
    (["predict", "-m", "MODEL", "--delimiter", ";"], ["--delimiter applies to --input"]),
])
def test_delimiter_usage_errors(argv: list[str], fragments: list[str], nb_model: Path) -> None:
    argv = [nb_model if a == "MODEL" else a for a in argv]  # type: ignore[misc]
    assert_error(cli("-q", *argv, input="a;b\n"), 2, *fragments)


def test_predict_does_not_warn_about_reviews_that_start_like_json(nb_model: Path) -> None:
    result = cli("predict", "-m", nb_model, "-f", "jsonl", input="[{spoiler}] great\n{sarcasm} fine\n")
    assert result.exit_code == 0, result.stderr
    assert "looks like" not in result.stderr
    result = cli("predict", "-m", nb_model, "-f", "jsonl", input='[{"text": "great"}]\n')
    assert "looks like the start of a JSON array" in result.stderr


def test_labels_that_predict_and_preprocess_do_not_need_are_carried(nb_model: Path, tmp_path: Path) -> None:
    scored = tmp_path / "s.jsonl"
    scored.write_text('{"text": "great film", "sentiment": 0.73}\n', encoding="utf-8")
    result = cli("-q", "predict", "-m", nb_model, "-i", scored, "-f", "jsonl")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["gold_label"] == "0.73"
    assert cli("-q", "preprocess", scored).exit_code == 0
    assert_error(cli("-q", "evaluate", scored, "-m", nb_model), 1, "the 'sentiment' field is the number 0.73")


def test_a_csv_model_takes_json_labels_written_as_floats(tmp_path: Path, rows: list[tuple[str, str]]) -> None:
    numbered = {label: str(i) for i, label in enumerate(sorted({lab for _, lab in rows}))}
    train = tmp_path / "train.csv"
    train.write_text("text,label\n" + "".join(f'"{t.replace(chr(34), 2 * chr(34))}",{numbered[lab]}\n'
                                              for t, lab in rows), encoding="utf-8")
    dev = tmp_path / "dev.json"  # pandas: df.astype(str).to_json(orient="records") of a float column
    dev.write_text(json.dumps([{"text": t, "label": f"{numbered[lab]}.0"} for t, lab in rows[::3]]),
                   encoding="utf-8")
    result = cli("-q", "train", train, "--dev", dev, "--arch", "nb", "--out", tmp_path / "m")
    assert result.exit_code == 0, result.stderr
