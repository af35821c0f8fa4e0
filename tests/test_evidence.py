"""`SentimentModel.evidence` and `sentikit predict --explain N`: the terms behind a linear model's label, their
shares of the score (exact: they rebuild the model's own probabilities), and the command line around them."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import sentikit
from sentikit.cli.app import app
from sentikit.errors import UsageError
from sentikit.models.evidence import label_directions, top_evidence
from tests.corpus_samples import english_sample

TEXTS = ["Great product, works perfectly and I love it", "Terrible, broke after a day. Awful support.",
         "It arrived on Tuesday", ""]


def run(args: list[str], input: str | None = None, env: dict[str, str] | None = None):
    return CliRunner().invoke(app, args, input=input, env=env)


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Three-label nb, nbsvm and logreg, a two-label logreg (one row of log-odds) and a tiny gru."""
    folder = tmp_path_factory.mktemp("evidence")
    three = english_sample(folder, per_label=40)
    two = folder / "two.csv"
    rows = [row for row in csv.DictReader(three.open(encoding="utf-8")) if row["label"] != "neutral"]
    with two.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, ["text", "label"])
        writer.writeheader()
        writer.writerows(rows)
    runs = {"nb": (three, "nb"), "nbsvm": (three, "nbsvm"), "logreg": (three, "logreg"), "logreg2": (two, "logreg"),
            "gru": (three, "gru")}
    out = {}
    for name, (data, arch) in runs.items():
        tiny = ["--epochs", "1", "--embed-dim", "8", "--hidden-size", "8", "--max-len", "30"] if arch == "gru" else []
        result = run(["-q", "train", str(data), "--arch", arch, "--out", str(folder / name), *tiny])
        assert result.exit_code == 0, result.stderr
        out[name] = folder / name
    return out


LINEAR = ["nb", "nbsvm", "logreg", "logreg2"]


@pytest.mark.parametrize("name", LINEAR)
def test_shares_rebuild_the_models_own_probabilities(models: dict[str, Path], name: str) -> None:
    """Every term's share (value x direction) summed with the intercepts gives back predict_proba: the shares
    are the score, split by term, whatever the link."""
    model = sentikit.load(models[name])
    predictor = model.predictor
    weights = predictor.weights
    docs = model.tokens(TEXTS[:3])
    indptr, indices, values = predictor.vectorizer.transform(docs)
    dense = np.zeros((len(docs), predictor.vectorizer.n_features_))
    for i in range(len(docs)):
        dense[i, indices[indptr[i]:indptr[i + 1]]] = values[indptr[i]:indptr[i + 1]]
    scores = dense @ label_directions(weights).T  # (N, C): the summed shares of each label
    probs = model.predict_proba(TEXTS[:3])
    if weights.link == "binary_sigmoid":  # second label's shares + intercept = its log-odds
        assert np.allclose(1 / (1 + np.exp(-(scores[:, 1] + weights.intercept[0]))), probs[:, 1])
        assert np.allclose(scores[:, 0], -scores[:, 1])
    elif weights.link == "softmax":
        logits = scores + (weights.intercept - weights.intercept.mean())
        expected = np.exp(logits - logits.max(axis=1, keepdims=True))
        assert np.allclose(expected / expected.sum(axis=1, keepdims=True), probs)
    else:  # one-vs-rest: each label's own sigmoid, normalised over labels
        sigmoid = 1 / (1 + np.exp(-(scores + weights.intercept)))
        assert np.allclose(sigmoid / sigmoid.sum(axis=1, keepdims=True), probs)


@pytest.mark.parametrize("name", LINEAR)
@pytest.mark.parametrize("top", [1, 3, 1000])
def test_evidence_is_the_largest_positive_shares_of_the_predicted_label(models: dict[str, Path], name: str,
                                                                        top: int) -> None:
    model = sentikit.load(models[name])
    found = model.evidence(TEXTS, top=top)
    assert len(found) == len(TEXTS) and found[3] is None  # the empty text
    predicted = [p.label for p in model.predict(TEXTS[:3])]
    docs = model.tokens(TEXTS[:3])
    directions = label_directions(model.predictor.weights)
    for doc, label, evidence in zip(docs, predicted, found[:3]):
        assert evidence is not None and len(evidence) <= top
        shares = [w for _, w in evidence]
        assert all(w > 0 for w in shares) and shares == sorted(shares, reverse=True)
        # Recomputed independently: every term of the document with its share toward the predicted label.
        _, indices, values = model.predictor.vectorizer.transform([doc])
        k = model.labels.index(label)
        terms = model.predictor.vectorizer.terms_
        written = [(c, v) for c, v in zip(indices, values) if not terms[c][1:].isspace()]  # not the padding grams
        every = sorted((float(v) * directions[k, c] for c, v in written), reverse=True)
        positive = [s for s in every if s > 0][:top]
        assert np.allclose(shares, positive)
        assert all(term.split(" ")[0] in doc or term.startswith("⟨") for term, _ in evidence)


def test_a_text_with_no_known_term_has_no_evidence(models: dict[str, Path]) -> None:
    model = sentikit.load(models["nbsvm"])
    assert model.evidence(["zzqx qqzx"], top=3) == [[]]
    assert top_evidence(model.predictor, [[]], 3) == [[]]
    # logreg reads character grams, the padding space around each word among them: that is no written term.
    for term, _ in sentikit.load(models["logreg"]).evidence(["zzqx qqzx", TEXTS[0]], top=50)[0]:
        assert "␣" not in term or term.strip("⟨␣⟩")


def test_a_numpy_integer_is_a_count(models: dict[str, Path]) -> None:
    model = sentikit.load(models["nb"])
    assert model.evidence(TEXTS[:1], top=np.int64(2)) == model.evidence(TEXTS[:1], top=2)


@pytest.mark.parametrize("top", [0, -1, True, 2.5])
def test_evidence_checks_its_arguments(models: dict[str, Path], top: object) -> None:
    with pytest.raises(UsageError, match="invalid number of evidence terms"):
        sentikit.load(models["nb"]).evidence(["good"], top=top)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        sentikit.load(models["nb"]).evidence("good")


def test_a_neural_model_has_no_evidence(models: dict[str, Path]) -> None:
    with pytest.raises(UsageError, match="need a linear model"):
        sentikit.load(models["gru"]).evidence(["good"])
    with pytest.raises(UsageError, match="need a linear model"):
        sentikit.load(models["gru"]).top_terms(3)


@pytest.mark.parametrize("via", ["args", "stdin"])
def test_predict_explain_adds_the_evidence_field(models: dict[str, Path], via: str) -> None:
    args = ["predict", "--model", str(models["logreg2"]), "--explain", "2", "--format", "jsonl"]
    texts = TEXTS[:3]
    result = run(args + texts) if via == "args" else run(args, input="\n".join(texts) + "\n")
    assert result.exit_code == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    expected = sentikit.load(models["logreg2"]).evidence(texts, top=2)
    assert [[(e["term"], e["weight"]) for e in row["evidence"]] for row in rows] == \
        [[(t, float(f"{w:.4g}")) for t, w in ev] for ev in expected]  # 4 significant digits: never 0
    plain = run(["predict", "--model", str(models["logreg2"]), "--format", "jsonl", *texts])
    assert [{k: v for k, v in row.items() if k != "evidence"} for row in rows] == \
        [json.loads(line) for line in plain.stdout.splitlines()]  # nothing else changes
    assert "evidence" not in plain.stdout


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_flat_formats_write_the_evidence_in_one_column(models: dict[str, Path], fmt: str) -> None:
    result = run(["predict", "--model", str(models["nb"]), "--explain", "3", "--format", fmt, *TEXTS[:2]])
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout), delimiter="," if fmt == "csv" else "\t"))
    expected = sentikit.load(models["nb"]).evidence(TEXTS[:2], top=3)
    assert [row["evidence"] for row in rows] == ["; ".join(f"{t} {w:+.4g}" for t, w in ev) for ev in expected]
    assert list(rows[0])[:3] == ["text", "label", "evidence"]  # before the probabilities, which a table drops first


def test_explain_keeps_an_input_column_of_that_name(models: dict[str, Path], tmp_path: Path) -> None:
    data = tmp_path / "in.csv"
    data.write_text("text,evidence\nGreat product,my notes\n", encoding="utf-8")
    result = run(["predict", "--model", str(models["nb"]), "--explain", "1", "--input", str(data), "--format",
                  "jsonl"])
    assert result.exit_code == 0, result.stderr
    row = json.loads(result.stdout)
    assert row["input_evidence"] == "my notes" and isinstance(row["evidence"], list)


@pytest.mark.parametrize("args", [["--explain", "2"], ["--explain", "0"]])
def test_explain_refuses_a_neural_model_or_a_count_below_one(models: dict[str, Path], args: list[str]) -> None:
    result = run(["predict", "--model", str(models["gru"]), *args, "good"])
    assert (result.exit_code, result.stdout) == (2, "")
    if args[1] == "2":
        assert result.stderr.splitlines() == [
            f"error: --explain needs a linear model (logreg, nbsvm or nb); {models['gru']} is gru (a neural "
            "network's score does not split into per-word shares)"]


@pytest.mark.parametrize("name", LINEAR)
def test_top_terms_are_each_labels_largest_weights(models: dict[str, Path], name: str) -> None:
    model = sentikit.load(models[name])
    top = model.top_terms(4)
    assert list(top) == model.labels
    directions = label_directions(model.predictor.weights)
    terms = model.predictor.vectorizer.terms_
    for k, label in enumerate(model.labels):
        written = [(w, t) for w, t in zip(directions[k].tolist(), terms) if w > 0 and not t[1:].isspace()]
        expected = sorted(written, key=lambda pair: -pair[0])[:4]
        assert [w for _, w in top[label]] == pytest.approx([w for w, _ in expected])
        assert all(term.strip("⟨␣⟩") for term, _ in top[label])


def test_show_top_lists_them_in_the_table_and_in_json(models: dict[str, Path]) -> None:
    model = sentikit.load(models["nb"])
    top = model.top_terms(3)
    as_json = json.loads(run(["show", str(models["nb"]), "--top", "3", "--format", "json"]).stdout)
    assert as_json["top_terms"] == {label: [{"term": t, "weight": float(f"{w:.4g}")} for t, w in terms]
                                    for label, terms in top.items()}
    assert "top_terms" not in json.loads(run(["show", str(models["nb"]), "--format", "json"]).stdout)
    table = run(["show", str(models["nb"]), "--top", "3", "--format", "table"], )
    assert table.exit_code == 0, table.stderr
    assert "strongest terms per label (top 3)" in table.stdout
    for terms in top.values():
        assert all(f"{t} {w:+.4g}" in table.stdout for t, w in terms)


def test_show_top_on_a_narrow_terminal_lists_every_label_one_row_per_term(models: dict[str, Path]) -> None:
    top = sentikit.load(models["nbsvm"]).top_terms(3)
    wide = run(["show", str(models["nbsvm"]), "--top", "3", "--format", "table"], env={"COLUMNS": "200"})
    narrow = run(["show", str(models["nbsvm"]), "--top", "3", "--format", "table"], env={"COLUMNS": "40"})
    assert (wide.exit_code, narrow.exit_code) == (0, 0)
    assert "strongest terms" not in wide.stderr + narrow.stderr  # no "columns left out" note for them
    terms_table = narrow.stdout[narrow.stdout.index("strongest terms"):]
    rows = [[cell.strip() for cell in line.split("│")[1:-1]] for line in terms_table.splitlines()
            if line.startswith("│")]
    assert [[*cells[:3], float(cells[3])] for cells in rows] == [
        [label, str(rank + 1), term, float(f"{weight:.4g}")]
        for label, terms in top.items() for rank, (term, weight) in enumerate(terms)]
    assert all(f"{t} {w:+.4g}" in wide.stdout for terms in top.values() for t, w in terms)


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_show_top_refuses_a_neural_model(models: dict[str, Path], fmt: str) -> None:
    result = run(["show", str(models["gru"]), "--top", "3", "--format", fmt])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.splitlines() == [
        f"error: --top needs a linear model (logreg, nbsvm or nb); {models['gru']} is gru (a neural network's "
        "weights do not belong to single words)"]


def test_evidence_after_pickling_a_model_even_one_pickled_before_it_existed(models: dict[str, Path]) -> None:
    import pickle

    model = sentikit.load(models["nb"])
    expected = model.evidence(TEXTS[:2], top=2)
    copy = pickle.loads(pickle.dumps(model))
    assert copy.evidence(TEXTS[:2], top=2) == expected
    del copy.__dict__["_directions"]  # as in a SentimentModel pickled by an earlier sentikit
    assert copy.evidence(TEXTS[:2], top=2) == expected and copy.top_terms(2) == model.top_terms(2)
