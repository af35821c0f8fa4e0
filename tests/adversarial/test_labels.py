"""Odd label sets and odd rows for `train`: one class, a class of one, thousands of classes, numbers, NaN and
empty values, and labels or column names that look like terminal markup."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pytest
from conftest import assert_error, cli, write_csv

from sentikit.splits import stratified_split


def manifest(model: Path) -> dict:
    return json.loads((model / "manifest.json").read_text(encoding="utf-8"))


def test_one_class_is_a_clear_error(rows: list[tuple[str, str]], tmp_path: Path) -> None:
    source = write_csv(tmp_path / "one.csv", [(text, "positive") for text, _ in rows])
    assert_error(cli("-q", "train", source, "--arch", "nb", "--out", tmp_path / "m"), 1,
                 "only one label", "'positive'", "at least two")
    assert not (tmp_path / "m").exists()


def test_a_label_with_one_example_trains_and_stays_in_train(rows: list[tuple[str, str]], tmp_path: Path) -> None:
    source = write_csv(tmp_path / "rare.csv", [*rows, ("a one-off complaint about parking", "rare")])
    result = cli("-q", "train", source, "--arch", "nb", "--out", tmp_path / "m")
    assert result.exit_code == 0, result.stderr
    card = manifest(tmp_path / "m")
    assert "rare" in card["labels"]
    assert card["metrics"]["dev"]["per_class"]["rare"]["support"] == 0  # not in dev: it was trained on
    labels = [label for _, label in rows] + ["rare"]
    train, dev = stratified_split(labels, 0.1, seed=13)
    assert len(labels) - 1 in train and len(labels) - 1 not in dev


def test_thousands_of_classes_train(tmp_path: Path) -> None:
    """1500 classes of two documents each: per-class rounding holds none out, so one document of 10% of the
    classes goes to dev; a linear model trains, and its manifest leaves out the 1500 x 1500 matrix."""
    data = [(f"message {i % 1500} about topic{i % 1500} and day{i}", f"class{i % 1500}") for i in range(3000)]
    source = write_csv(tmp_path / "many.csv", data)
    # --max-features keeps the 1500-row weight matrix small (a fast test, not a memory one).
    result = cli("-q", "train", source, "--arch", "nb", "--out", tmp_path / "m", "--max-features", "300")
    assert result.exit_code == 0, result.stderr
    card = manifest(tmp_path / "m")
    assert len(card["labels"]) == 1500
    assert "confusion" not in card["metrics"]["dev"]  # 1500 x 1500 counts would make a 29 MB manifest
    assert card["training"]["data"]["dev_rows"] == 300 and card["training"]["data"]["train_rows"] == 2700
    report = cli("-q", "evaluate", source, "--model", tmp_path / "m", "--format", "json")
    assert report.exit_code == 0, report.stderr
    assert len(json.loads(report.stdout)["per_class"]) == 1500


def test_evaluate_table_leaves_out_a_huge_confusion_matrix(corpus: Path, nb_model: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from sentikit.cli import cmd_predict

    monkeypatch.setattr(cmd_predict, "MAX_CONFUSION_LABELS", 2)  # as if 3 labels were thousands
    table = cli("evaluate", corpus, "--model", nb_model, "--format", "table")
    assert table.exit_code == 0, table.stderr
    assert "confusion matrix not shown for 3 labels: use --format json" in table.stderr
    assert "per class" in table.stdout and "confusion matrix" not in table.stdout


def test_every_label_unique_is_a_clear_error(tmp_path: Path) -> None:
    """A label column of ids (wrong --label-col) leaves nothing to hold out: say so, not "too small"."""
    source = write_csv(tmp_path / "ids.csv", [(f"review number {i}", f"id-{i}") for i in range(2000)])
    assert_error(cli("-q", "train", source, "--arch", "nb", "--out", tmp_path / "m"), 1,
                 "no label has two or more documents", "2000 label(s) in 2000 row(s)", "--label-col")


def test_split_of_many_small_classes_is_seeded_and_disjoint() -> None:
    labels = [f"c{i % 700}" for i in range(2100)]
    train, dev = stratified_split(labels, 0.1, seed=3)
    again = stratified_split(labels, 0.1, seed=3)
    assert np.array_equal(dev, again[1]) and len(dev) == 210
    assert not set(train.tolist()) & set(dev.tolist()) and len(train) + len(dev) == 2100
    assert {labels[i] for i in train} == set(labels)  # every class keeps a training example


def test_numeric_labels_work_as_strings(rows: list[tuple[str, str]], tmp_path: Path) -> None:
    codes = {"negative": "-1", "neutral": "0", "positive": "1"}
    source = write_csv(tmp_path / "numeric.csv", [(text, codes[label]) for text, label in rows])
    assert cli("-q", "train", source, "--arch", "nb", "--out", tmp_path / "m").exit_code == 0
    assert manifest(tmp_path / "m")["labels"] == ["-1", "0", "1"]
    result = cli("-q", "predict", "--model", tmp_path / "m", "lovely", "dreadful")
    assert result.exit_code == 0
    assert all(isinstance(json.loads(line)["label"], str) for line in result.stdout.splitlines())
    jsonl = tmp_path / "numeric.jsonl"
    jsonl.write_text("".join(json.dumps({"text": t, "label": int(codes[lab])}) + "\n" for t, lab in rows))
    assert cli("-q", "train", jsonl, "--arch", "nb", "--out", tmp_path / "j").exit_code == 0
    assert manifest(tmp_path / "j")["labels"] == ["-1", "0", "1"]


EMPTY_ROWS = [("", "positive"), ("   \t ", "negative"), ("fine text", ""), ("more text", "NaN"), ("other", " null ")]


def test_empty_texts_and_nan_labels_are_skipped_with_a_count(rows: list[tuple[str, str]], tmp_path: Path) -> None:
    source = write_csv(tmp_path / "holes.csv", [*rows, *EMPTY_ROWS])
    result = cli("train", source, "--arch", "nb", "--out", tmp_path / "m")
    assert result.exit_code == 0, result.stderr
    assert "skipped 2 row(s) with an empty text" in result.stderr
    assert "skipped 3 row(s) with an empty label" in result.stderr
    assert manifest(tmp_path / "m")["training"]["data"]["rows"] == len(rows)


@pytest.mark.parametrize(("extra", "line", "what"), [
    (("", "positive"), 62, "empty text"), (("   ", "positive"), 62, "empty text"),
    (("text", "nan"), 62, "missing label 'nan'"), (("text", ""), 62, "empty label"),
])
def test_strict_makes_them_errors(rows: list[tuple[str, str]], tmp_path: Path, extra: tuple[str, str], line: int,
                                  what: str) -> None:
    source = write_csv(tmp_path / "holes.csv", [*rows, extra])
    for command in (["train", source, "--arch", "nb", "--out", tmp_path / "m"],
                    ["evaluate", source, "--model", tmp_path / "absent"]):
        if command[0] == "evaluate":
            cli("-q", "train", write_csv(tmp_path / "ok.csv", rows), "--arch", "nb", "--out", tmp_path / "absent")
        assert_error(cli("-q", *command, "--strict"), 1, f"line {line}: {what}", "--strict")
    assert not (tmp_path / "m").exists()


def test_markup_in_labels_and_columns_is_shown_as_is(rows: list[tuple[str, str]], tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Rich markup in user data must neither crash the error line nor vanish from the output."""
    monkeypatch.setenv("COLUMNS", "250")  # tables wide enough not to fold the cells
    assert_error(cli("-q", "train", write_csv(tmp_path / "cols.csv", [("x", "y")], header=("a[/]", "[bold]b")),
                     "--out", tmp_path / "x"), 1, "a[/], [bold]b")
    labelled = [(text, f"[red]{label}[/]") for text, label in rows]
    source = write_csv(tmp_path / "markup.csv", labelled)
    trained = cli("train", source, "--arch", "nb", "--out", tmp_path / "m")
    assert trained.exit_code == 0, trained.stderr
    assert "[red]negative[/]" in trained.stderr
    for fmt in ("table", "csv"):
        shown = cli("predict", "--model", tmp_path / "m", "--format", fmt, "[/] [b]not bold")
        assert shown.exit_code == 0, shown.stderr
        assert "[/] [b]not bold" in shown.stdout and "[red]negative[/]" in shown.stdout
    card = cli("show", tmp_path / "m", "--format", "table")
    assert card.exit_code == 0 and "[red]positive[/]" in card.stdout
    report = cli("evaluate", source, "--model", tmp_path / "m", "--format", "table")
    assert report.exit_code == 0 and "[red]neutral[/]" in report.stdout


def test_labels_that_differ_only_in_case_are_kept_apart_with_a_warning(rows: list[tuple[str, str]],
                                                                       tmp_path: Path) -> None:
    """'Positive' and 'positive' are probably one class typed two ways, but perhaps not: they stay two classes
    (merging would change the user's data behind their back) and a warning names them. Surrounding spaces
    are no such case: the reader strips them, so ' negative ' is 'negative'."""
    recased = [(text, "Positive" if label == "positive" and i % 2 else label) for i, (text, label) in enumerate(rows)]
    spaced = [(text, f" {label}\t") if label == "negative" and i % 2 else (text, label)
              for i, (text, label) in enumerate(recased)]
    source = write_csv(tmp_path / "cased.csv", spaced)
    result = cli("train", source, "--arch", "nb", "--out", tmp_path / "m")
    assert result.exit_code == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if "differ only in case" in line]
    assert warnings == [f"warning: {source}: labels 'Positive' and 'positive' differ only in case; they are "
                        "treated as different classes"], result.stderr
    assert manifest(tmp_path / "m")["labels"] == ["Positive", "negative", "neutral", "positive"]
    assert cli("-q", "train", source, "--arch", "nb", "--out", tmp_path / "q").stderr == ""


def test_a_dev_label_differing_only_in_case_is_named_in_the_hint(rows: list[tuple[str, str]],
                                                                 tmp_path: Path) -> None:
    source = write_csv(tmp_path / "train.csv", rows)
    dev = write_csv(tmp_path / "dev.csv", [(text, label.title() if label == "neutral" else label)
                                           for text, label in rows[::5]])
    assert_error(cli("-q", "train", source, "--dev", dev, "--arch", "nb", "--out", tmp_path / "m"), 1,
                 "labels not in the training data: Neutral",
                 "these differ only in case or spacing: 'Neutral' vs 'neutral'")


def test_evaluate_names_labels_that_differ_from_the_models_only_in_case(rows: list[tuple[str, str]],
                                                                         nb_model: Path, tmp_path: Path) -> None:
    """As train --dev does: 'Positive' counted as an error is most likely the model's 'positive'."""
    data = write_csv(tmp_path / "test.csv", [(text, label.title() if label == "positive" else label)
                                             for text, label in rows])
    result = cli("evaluate", data, "--model", nb_model, "--format", "json")
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        "warning: labels the model does not know, counted as errors: Positive (20 rows); these differ from the "
        "model's only in case or spacing: 'Positive' vs 'positive'"]
    # Every label so: an error, whose hint says why instead of suggesting another --label-col.
    data = write_csv(tmp_path / "all.csv", [(text, label.upper()) for text, label in rows])
    assert_error(cli("-q", "evaluate", data, "--model", nb_model), 1, "none of its labels are the model's",
                 "(they differ only in case or spacing: 'NEGATIVE' vs 'negative', 'NEUTRAL' vs 'neutral', "
                 "'POSITIVE' vs 'positive')")
    # Some near misses among unrelated labels: the column advice stays, the near misses come with it.
    data = write_csv(tmp_path / "mixed.csv", [(text, {"positive": "Positive"}.get(label, "other"))
                                              for text, label in rows])
    assert_error(cli("-q", "evaluate", data, "--model", nb_model), 1, "none of its labels are the model's",
                 "(check --label-col, or evaluate with a model trained on these labels; some differ only in case "
                 "or spacing: 'Positive' vs 'positive')")


def test_label_variant_warnings_say_how_the_labels_differ(caplog: pytest.LogCaptureFixture) -> None:
    from sentikit.training.labels import VARIANTS_SHOWN, warn_label_variants

    labels = sorted(["POS", "Pos", "pos", "very  bad", "very bad", "Very  Good", "very good", "neutral", "US", "us"])
    with caplog.at_level(logging.WARNING, logger="sentikit"):
        warn_label_variants(labels, "data.csv")
    assert [r.getMessage() for r in caplog.records] == [
        "data.csv: labels 'POS', 'Pos' and 'pos' differ only in case; they are treated as different classes",
        "data.csv: labels 'US' and 'us' differ only in case; they are treated as different classes",
        "data.csv: labels 'Very  Good' and 'very good' differ only in case and spacing; they are treated as "
        "different classes",
        "data.csv: labels 'very  bad' and 'very bad' differ only in spacing; they are treated as different classes",
    ]
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="sentikit"):
        warn_label_variants([f"{case}{i}" for i in range(VARIANTS_SHOWN + 2) for case in ("a", "A")], "ids.csv")
    assert len(caplog.records) == VARIANTS_SHOWN + 1
    assert caplog.records[-1].getMessage() == "ids.csv: 2 more groups of labels differ only in case or spacing"
