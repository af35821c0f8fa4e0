"""CLI round trips for every architecture: train → save → predict (arguments and stdin) → evaluate → show,
plus compare, determinism, --force protection and Ctrl-C during training."""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import sentikit
from sentikit.cli.app import app
from sentikit.training.trainers import ARCHITECTURES, LINEAR_ARCHS
from tests.artifact_samples import rewrite_manifest
from tests.corpus_samples import english_sample

REPO = Path(__file__).resolve().parent.parent
TINY_NEURAL = ["--epochs", "1", "--embed-dim", "8", "--hidden-size", "8", "--conv-filters", "4", "--max-len", "40",
               "--batch-size", "16"]


def tiny_args(arch: str) -> list[str]:
    return [] if arch in LINEAR_ARCHS else TINY_NEURAL


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """120 English reviews from the bundled corpus, 40 per label."""
    return english_sample(tmp_path_factory.mktemp("corpus"), per_label=40, columns=("text", "label", "domain"))


def run(args: list[str], input: str | None = None):
    return CliRunner().invoke(app, args, input=input)


@pytest.fixture(scope="module")
def trained(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("models")
    models = {}
    for arch in ARCHITECTURES:
        result = run(["train", str(corpus), "--arch", arch, "--out", str(out / arch), *tiny_args(arch)])
        assert result.exit_code == 0, (arch, result.stderr)
        assert "saved to" in result.stderr
        assert result.stdout == ""
        models[arch] = out / arch
    return models


@pytest.mark.parametrize("arch", ARCHITECTURES)
@pytest.mark.parametrize("via", ["args", "stdin"])
def test_predict_round_trip(trained: dict[str, Path], arch: str, via: str) -> None:
    texts = ["Great product, works perfectly", "Terrible, broke after a day", "It arrived on Tuesday"]
    if via == "args":
        result = run(["predict", "--model", str(trained[arch]), *texts])
    else:
        result = run(["predict", "--model", str(trained[arch])], input="\n".join(texts) + "\n")
    assert result.exit_code == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["text"] for r in rows] == texts
    model = sentikit.load(trained[arch])
    expected = model.predict(texts)
    for row, pred in zip(rows, expected):
        assert row["label"] == pred.label
        assert set(row["probabilities"]) == {"negative", "neutral", "positive"}
        assert sum(row["probabilities"].values()) == pytest.approx(1.0, abs=1e-4)


def test_trailing_newline_and_empty_lines(trained: dict[str, Path]) -> None:
    model = str(trained["logreg"])
    with_nl = run(["predict", "--model", model], input="good\n\nbad\n")
    without = run(["predict", "--model", model], input="good\n\nbad")
    assert with_nl.exit_code == without.exit_code == 0
    assert with_nl.stdout == without.stdout
    rows = [json.loads(line) for line in with_nl.stdout.splitlines()]
    assert [r["label"] is None for r in rows] == [False, True, False]


@pytest.mark.parametrize("fmt", ["jsonl", "tsv", "csv", "table"])
def test_predict_formats(trained: dict[str, Path], fmt: str) -> None:
    result = run(["predict", "--model", str(trained["logreg"]), "--format", fmt, "nice", "awful"])
    assert result.exit_code == 0, result.stderr
    if fmt in ("tsv", "csv"):
        delimiter = "\t" if fmt == "tsv" else ","
        table = list(csv.reader(result.stdout.splitlines(), delimiter=delimiter))
        assert table[0][:2] == ["text", "label"] and len(table) == 3
        assert {c for c in table[0] if c.startswith("p_")} == {"p_negative", "p_neutral", "p_positive"}
    elif fmt == "table":
        assert "nice" in result.stdout and "awful" in result.stdout


def test_predict_input_file_keeps_columns(trained: dict[str, Path], corpus: Path) -> None:
    result = run(["predict", "--model", str(trained["logreg"]), "--input", str(corpus)])
    assert result.exit_code == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 120
    assert {"domain", "gold_label", "label", "probabilities"} <= set(rows[0])


@pytest.mark.parametrize("arch", ["logreg", "gru"])
def test_evaluate_json_matches_library(trained: dict[str, Path], corpus: Path, arch: str) -> None:
    result = run(["evaluate", str(corpus), "--model", str(trained[arch]), "--format", "json"])
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    model = sentikit.load(trained[arch])
    texts = [r["text"] for r in csv.DictReader(corpus.open(encoding="utf-8"))]
    gold = [r["label"] for r in csv.DictReader(corpus.open(encoding="utf-8"))]
    predicted = [p.label for p in model.predict(texts)]
    assert report["accuracy"] == pytest.approx(np.mean([p == g for p, g in zip(predicted, gold)]))
    assert 0.0 <= report["macro_f1"] <= 1.0
    assert report["unknown_labels"] == {}


def test_evaluate_reports_unknown_labels(trained: dict[str, Path], tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_text("text,label\ngreat,positive\nmeh,mixed\n", encoding="utf-8")
    result = run(["evaluate", str(path), "--model", str(trained["logreg"]), "--format", "json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["unknown_labels"] == {"mixed": 1}
    assert "mixed" in result.stderr


@pytest.mark.parametrize("labels", [["weird"], ["weird", "odd", "bad", "meh", "so-so", "strange"]])
def test_evaluate_with_none_of_the_models_labels_is_a_data_error(trained: dict[str, Path], tmp_path: Path,
                                                                 labels: list[str]) -> None:
    path = tmp_path / "unk.csv"
    path.write_text("text,label\n" + "".join(f"great {i},{label}\n" for i, label in enumerate(labels)),
                    encoding="utf-8")
    result = run(["evaluate", str(path), "--model", str(trained["logreg"]), "--format", "json"])
    assert result.exit_code == 1 and result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "none of its labels are the model's" in lines[0] and "--label-col" in lines[0]
    assert f"'{min(labels)}'" in lines[0] and "'positive'" in lines[0]
    assert ("more" in lines[0]) == (len(labels) > 5)


def test_show_model_card(trained: dict[str, Path]) -> None:
    as_json = run(["show", str(trained["gru"]), "--format", "json"])
    assert as_json.exit_code == 0
    manifest = json.loads(as_json.stdout)
    assert manifest["arch"] == "gru" and manifest["format_version"] == 1
    assert manifest["history"] and "grad_norm" in manifest["history"][0]
    assert manifest["training"]["data"]["rows"] == 120
    table = run(["show", str(trained["gru"]), "--format", "table"])
    assert table.exit_code == 0 and "training history" in table.stdout and "parameters" in table.stdout
    assert "interrupted" not in table.stdout


@pytest.mark.usefixtures("torch_single_thread")
def test_train_says_and_records_the_device_it_used(corpus: Path, tmp_path: Path) -> None:
    """--device auto picks silently, so the progress line, the manifest and the card all say which one it was."""
    out = tmp_path / "gru"
    result = run(["train", str(corpus), "--arch", "gru", "--device", "cpu", "--threads", "1", "--out", str(out),
                  *TINY_NEURAL])
    assert result.exit_code == 0, result.stderr
    assert "training on cpu (1 thread)" in result.stderr and result.stdout == ""
    assert sentikit.load(out).manifest["training"]["device"] == "cpu (1 thread)"
    card = run(["show", str(out), "--format", "table"])
    assert card.exit_code == 0 and " s on cpu (1 thread)" in card.stdout


def test_a_linear_model_records_no_device(trained: dict[str, Path]) -> None:
    assert "device" not in sentikit.load(trained["logreg"]).manifest["training"]


def _weights_of_another_network(folder: Path, trained: dict[str, Path]) -> None:
    """The rnn's weights in the gru's folder, with the manifest's size and sha256 fixed up to match."""
    data = (trained["rnn"] / "weights.safetensors").read_bytes()
    (folder / "weights.safetensors").write_bytes(data)
    files = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["files"]
    files["weights.safetensors"] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    rewrite_manifest(folder, files=files)


@pytest.mark.parametrize("edit", ["weights", "kind", "conv_widths"])
def test_show_refuses_a_model_that_predict_cannot_load(trained: dict[str, Path], tmp_path: Path,
                                                       edit: str) -> None:
    folder = tmp_path / "model"
    shutil.copytree(trained["conv1d" if edit == "conv_widths" else "gru"], folder)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    if edit == "weights":
        _weights_of_another_network(folder, trained)
    elif edit == "kind":
        rewrite_manifest(folder, kind="os:system")
    else:
        manifest["predictor"]["model"]["conv_widths"] = [0]
        rewrite_manifest(folder, predictor=manifest["predictor"])
    predicted = run(["predict", "--model", str(folder), "fine"])
    assert predicted.exit_code == 1
    for fmt in ("json", "table"):
        shown = run(["show", str(folder), "--format", fmt])
        assert (shown.exit_code, shown.stdout) == (1, "")
        assert shown.stderr == predicted.stderr and len(shown.stderr.splitlines()) == 1, shown.stderr
        assert shown.stderr.startswith(f"error: {folder}: ")


@pytest.mark.parametrize("arch", ["logreg", "gru"])
def test_show_rebuilds_the_model_without_torch_or_sklearn(trained: dict[str, Path], arch: str) -> None:
    code = ("import sys; from typer.testing import CliRunner; from sentikit.cli.app import app; "
            f"result = CliRunner().invoke(app, ['show', {str(trained[arch])!r}, '--format', 'table']); "
            "assert result.exit_code == 0, result.output; "
            "print(','.join(m for m in ('torch', 'sklearn', 'nltk') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def card_options(stdout: str) -> dict[str, str]:
    """option -> value from the "options" table of `show --format table`."""
    rows = (line.split("│") for line in stdout.splitlines() if line.startswith("│"))
    return {cells[1].strip(): cells[2].strip() for cells in rows if len(cells) == 4}


@pytest.mark.parametrize("arch", LINEAR_ARCHS)
def test_card_shows_the_linear_settings_used_not_none(trained: dict[str, Path], arch: str,
                                                      tmp_path: Path) -> None:
    """The per-architecture defaults (logreg: C 3 and balanced classes) are recorded at training time; a model
    saved before that (None in the manifest) gets them filled in on its card."""
    from sentikit.models.linear import DEFAULT_C, DEFAULT_CLASS_WEIGHT, DEFAULT_NB_ALPHA

    expected = {"C": DEFAULT_C[arch], "class_weight": DEFAULT_CLASS_WEIGHT[arch], "nb_alpha": DEFAULT_NB_ALPHA[arch]}
    saved = json.loads(run(["show", str(trained[arch]), "--format", "json"]).stdout)["configs"]["linear"]
    assert {key: saved[key] for key in expected} == expected
    old = Path(shutil.copytree(trained[arch], tmp_path / "old"))
    manifest = json.loads((old / "manifest.json").read_text(encoding="utf-8"))
    manifest["configs"]["linear"].update(C=None, class_weight=None, nb_alpha=None)
    (old / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    for folder in (trained[arch], old):
        options = card_options(run(["show", str(folder), "--format", "table"]).stdout)
        shown = {key: options.get(f"linear.{key}") for key in expected}
        # A setting the architecture has no use for (nb's C, logreg's nb_alpha) is left off the card.
        assert shown == {"C": f"{expected['C']:.4f}" if expected["C"] else None,
                         "class_weight": expected["class_weight"],
                         "nb_alpha": f"{expected['nb_alpha']:.4f}" if expected["nb_alpha"] else None}


@pytest.mark.parametrize(("arch", "edit", "shown", "hidden"), [
    ("gru", None, {"model.hidden_size", "model.embed_dim", "model.pool"}, {"model.conv_widths", "model.combine"}),
    ("bigru", None, {"model.combine"}, {"model.conv_filters"}),
    ("conv1d", None, {"model.conv_widths", "model.conv_input"}, {"model.hidden_size", "model.embed_dim"}),
    # Saved before conv_input existed: loads as an embedding network, whose embed_dim does apply.
    ("conv1d", "no_conv_input", {"model.embed_dim", "model.embed_dropout"}, {"model.hidden_size"}),
    # nbsvm's binary features have no term frequencies for sublinear_tf to scale; logreg's tfidf ones do.
    ("nbsvm", None, {"linear.C", "linear.nb_alpha", "linear.nbsvm_beta"}, {"features.sublinear_tf"}),
    ("logreg", None, {"linear.C", "linear.max_iter", "features.sublinear_tf"},
     {"linear.nb_alpha", "linear.nbsvm_beta"}),
])
def test_card_leaves_off_settings_the_architecture_does_not_read(
        trained: dict[str, Path], corpus: Path, tmp_path: Path, arch: str, edit: str | None, shown: set[str],
        hidden: set[str]) -> None:
    folder = trained[arch]
    if edit == "no_conv_input":  # an embedding network, with the manifest of a model saved before conv_input
        folder = tmp_path / "old"
        made = run(["train", str(corpus), "--arch", arch, "--conv-input",
                    "embedding", "--out", str(folder), *TINY_NEURAL])
        assert made.exit_code == 0, made.stderr
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        for section in (manifest["configs"]["model"], manifest["predictor"]["model"]):
            del section["conv_input"]
        rewrite_manifest(folder, configs=manifest["configs"], predictor=manifest["predictor"])
    result = run(["show", str(folder), "--format", "table"])
    assert result.exit_code == 0, result.stderr
    options = card_options(result.stdout)
    assert shown <= set(options) and not hidden & set(options)
    if hidden:
        note = " ".join(result.stdout[result.stdout.index("not shown:"):].split())
        assert all(name in note for name in hidden) and "--format json lists every setting" in note
    every = json.loads(run(["show", str(folder), "--format", "json"]).stdout)["configs"]
    assert all(name.split(".")[1] in every[name.split(".")[0]] for name in shown | hidden)


def test_existing_model_needs_force(trained: dict[str, Path], corpus: Path) -> None:
    target = trained["nb"]
    before = (target / "manifest.json").read_bytes()
    refused = run(["train", str(corpus), "--arch", "nb", "--out", str(target)])
    assert refused.exit_code == 1
    assert refused.stderr.count("\n") == 1 and "--force" in refused.stderr
    assert (target / "manifest.json").read_bytes() == before
    forced = run(["train", str(corpus), "--arch", "nb", "--out", str(target), "--force"])
    assert forced.exit_code == 0


def test_default_output_and_latest(corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SENTIKIT_MODEL", raising=False)
    assert run(["train", str(corpus), "--arch", "nb"]).exit_code == 0
    assert (tmp_path / "models" / "reviews-nb" / "manifest.json").is_file()
    result = run(["predict", "lovely"])
    assert result.exit_code == 0 and json.loads(result.stdout)["text"] == "lovely"


def test_no_model_is_a_clean_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SENTIKIT_MODEL", raising=False)
    result = run(["predict", "text"])
    assert result.exit_code == 1
    assert result.stderr.startswith("error:") and result.stderr.count("\n") == 1


def test_unknown_arch_is_usage_error(corpus: Path, tmp_path: Path) -> None:
    result = run(["train", str(corpus), "--arch", "transformer", "--out", str(tmp_path / "m")])
    assert result.exit_code == 2
    assert "gru" in result.stderr and "logreg" in result.stderr
    assert not (tmp_path / "m").exists()


def test_seed_gives_identical_models(corpus: Path, tmp_path: Path) -> None:
    for name in ("a", "b"):
        assert run(["train", str(corpus), "--arch", "gru", "--seed", "7", "--out", str(tmp_path / name),
                    *TINY_NEURAL]).exit_code == 0
    a = json.loads((tmp_path / "a" / "manifest.json").read_text())
    b = json.loads((tmp_path / "b" / "manifest.json").read_text())
    assert a["history"][0]["train_loss"] == b["history"][0]["train_loss"]
    assert a["metrics"] == b["metrics"]
    weights = [(tmp_path / name / "weights.safetensors").read_bytes() for name in ("a", "b")]
    assert weights[0] == weights[1]


def test_ctrl_c_during_training_saves_best_and_exits_130(corpus: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from sentikit.cli import progress

    original = progress.TrainingProgress.handle

    def interrupt(self, event):
        if event.get("event") == "batch" and event.get("epoch") == 2:
            raise KeyboardInterrupt
        return original(self, event)

    monkeypatch.setattr(progress.TrainingProgress, "handle", interrupt)
    out = tmp_path / "m"
    result = run(["train", str(corpus), "--arch", "gru", "--out", str(out), *TINY_NEURAL, "--epochs", "3"])
    assert result.exit_code == 130, result.stderr
    assert sentikit.load(out).manifest["training"]["interrupted"] is True
    assert json.loads(run(["show", str(out), "--format", "json"]).stdout)["training"]["interrupted"] is True
    card = run(["show", str(out), "--format", "table"])
    assert card.exit_code == 0 and "interrupted (Ctrl-C) after 1 epoch: the saved weights" in card.stdout


def test_compare_table(corpus: Path) -> None:
    result = run(["compare", str(corpus), "--arch", "logreg,conv1d", "--format", "json", *TINY_NEURAL])
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [r["arch"] for r in rows] == ["logreg", "conv1d"]
    for row in rows:
        assert 0 <= row["accuracy"] <= 1 and row["parameters"] > 0 and row["artifact_kb"] > 0
        assert row["predict_docs_per_s"] > 0


@pytest.mark.parametrize(("lines", "fragment"), [(None, "no such word-vector file"),
                                                 (["good 1 2 3"], "expected a word and 8 numbers, found 3")])
def test_word_vector_errors_say_what_to_do(corpus: Path, tmp_path: Path, lines: list[str] | None,
                                           fragment: str) -> None:
    vectors = tmp_path / "v.vec"
    if lines is not None:
        vectors.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run(["train", str(corpus), "--arch", "gru", "--vectors", str(vectors), "--out", str(tmp_path / "m"),
                  *TINY_NEURAL])
    assert (result.exit_code, result.stdout) == (1, "")
    line = result.stderr.splitlines()[-1]
    assert line.startswith("error: ") and fragment in line
    assert line.endswith("(--vectors takes a word2vec/fastText .vec text file (optionally .gz) of 8-dimensional "
                         "vectors, as --embed-dim says)")
    assert not (tmp_path / "m").exists()


def test_char_ngrams_can_be_switched_off(corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "m"
    assert run(["train", str(corpus), "--arch", "logreg", "--char-ngrams", "none", "--out", str(out)]).exit_code == 0
    features = sentikit.load(out).manifest["configs"]["features"]
    assert features["char_ngrams"] is None
    assert not (tmp_path / "models").exists()  # an explicit --out leaves ./models alone


@pytest.mark.parametrize("arch", [*LINEAR_ARCHS, "gru"])
def test_refit_on_train_and_dev(corpus: Path, tmp_path: Path, arch: str) -> None:
    """With --refit the saved model is fitted on train + dev (the linear default); the dev metrics stay those
    of the fit that never saw the dev documents, so they are the same with --no-refit."""
    manifests, summaries = {}, {}
    for flag in ("--refit", "--no-refit"):
        out = tmp_path / flag
        result = run(["train", str(corpus), "--arch", arch, flag, "--out", str(out), *tiny_args(arch)])
        assert result.exit_code == 0
        manifests[flag] = json.loads((out / "manifest.json").read_text())
        summaries[flag] = result.stderr
    # The summary says so, in one line: `evaluate` on the dev data would otherwise seem to contradict it.
    refit_line = ("the saved model was then refit on train + dev (120 documents): the dev figures above are from "
                  "before the refit")
    assert refit_line in summaries["--refit"].splitlines() and "refit on" not in summaries["--no-refit"]
    refit, plain = manifests["--refit"], manifests["--no-refit"]
    data = refit["training"]["data"]
    assert data["fit_rows"] == data["train_rows"] + data["dev_rows"] == data["rows"] == 120
    assert plain["training"]["data"]["fit_rows"] == plain["training"]["data"]["train_rows"] < 120
    section = "linear" if arch in LINEAR_ARCHS else "training"
    assert (refit["configs"][section]["refit"], plain["configs"][section]["refit"]) == (True, False)
    assert refit["metrics"] == plain["metrics"]
    weights = [(tmp_path / flag / "weights.safetensors").read_bytes() for flag in ("--refit", "--no-refit")]
    assert weights[0] != weights[1]
    card = run(["show", str(tmp_path / "--refit"), "--format", "table"])
    assert card.exit_code == 0 and "fitted again on train + dev (120 rows)" in card.stdout
    assert "fitted again" not in run(["show", str(tmp_path / "--no-refit"), "--format", "table"]).stdout


@pytest.mark.parametrize(("split", "recorded"), [(["--dev-fraction", "0.25"], 0.25), (["--dev", "DATA"], None)])
def test_the_manifest_records_the_dev_fraction_used_and_no_other(corpus: Path, tmp_path: Path, split: list[str],
                                                                  recorded: float | None) -> None:
    split = [str(corpus) if arg == "DATA" else arg for arg in split]
    result = run(["-q", "train", str(corpus), "--arch", "gru", *split, "--out", str(tmp_path / "m"), *TINY_NEURAL])
    assert result.exit_code == 0, result.stderr
    configs = json.loads((tmp_path / "m" / "manifest.json").read_text(encoding="utf-8"))["configs"]
    assert configs["train"]["dev_fraction"] == recorded
    assert "dev_fraction" not in configs["training"]  # TrainConfig's own, never the one used


def test_input_format_names_data_and_a_dev_file_is_read_by_its_extension(corpus: Path, tmp_path: Path) -> None:
    """--input-format says what DATA is (here a file without an extension); a .jsonl --dev file stays JSON."""
    data = tmp_path / "reviews_noext"
    shutil.copy(corpus, data)
    dev = tmp_path / "dev.jsonl"
    with corpus.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))[::4]
    dev.write_text("".join(json.dumps({"text": r["text"], "label": r["label"]}) + "\n" for r in rows),
                   encoding="utf-8")
    result = run(["train", str(data), "--input-format", "csv", "--dev", str(dev), "--arch", "nb",
                  "--out", str(tmp_path / "m")])
    assert result.exit_code == 0, result.stderr
    assert json.loads((tmp_path / "m" / "manifest.json").read_text())["training"]["data"]["dev_rows"] == len(rows)


@pytest.mark.parametrize("arch", [a for a in ARCHITECTURES if a not in LINEAR_ARCHS])
def test_a_neural_model_records_the_epoch_it_kept(trained: dict[str, Path], arch: str) -> None:
    manifest = json.loads((trained[arch] / "manifest.json").read_text())
    scores = [row["dev_macro_f1"] for row in manifest["history"]]
    assert manifest["training"]["best_epoch"] == scores.index(max(scores)) + 1
    card = run(["show", str(trained[arch]), "--format", "table"])
    assert card.exit_code == 0 and "kept epoch" in card.stdout


def test_show_notes_follow_the_card_and_are_dropped_with_it(trained: dict[str, Path], tmp_path: Path) -> None:
    """A narrow terminal: the card's tables name the columns they leave out; when the card fails part-way
    (a hand-edited history), neither the card nor those notes come out, only the error."""
    narrow = {"COLUMNS": "50", "NO_COLOR": "1"}
    shown = CliRunner().invoke(app, ["show", str(trained["gru"]), "--format", "table"], env=narrow)
    assert shown.exit_code == 0 and "training history" in shown.stdout
    assert "training history: showing" in shown.stderr and "left out:" in shown.stderr
    broken = Path(shutil.copytree(trained["gru"], tmp_path / "broken"))
    rewrite_manifest(broken, history="x")
    failed = CliRunner().invoke(app, ["show", str(broken), "--format", "table"], env=narrow)
    assert (failed.exit_code, failed.stdout) == (1, "")
    assert failed.stderr.splitlines() == [line for line in failed.stderr.splitlines() if line.startswith("error:")]
