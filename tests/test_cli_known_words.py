"""Texts with no word the model knows (another language, only unseen words): predict still labels them, but
says so, per row in JSON lines and once on stderr in every format; evaluate counts them."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import sentikit
from sentikit.cli.app import app
from sentikit.features.known import InformativeFeatures
from sentikit.predict import UNKNOWN_NOTE
from tests.corpus_samples import english_sample

# logreg: word and character n-grams (every text has known character grams); nb: words only; gru: tokens.
ARCHS = {"logreg": [], "nb": [], "gru": ["--epochs", "1", "--embed-dim", "8", "--hidden-size", "8",
                                         "--batch-size", "16"]}
KNOWN, FOREIGN = "Great product, works perfectly", "Отличный товар, всем советую!"


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory, torch_single_thread: None) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("known")
    corpus = english_sample(folder, per_label=20)
    for arch, options in ARCHS.items():
        result = run(["train", str(corpus), "--arch", arch, "--out", str(folder / arch), *options])
        assert result.exit_code == 0, result.stderr
    return {arch: folder / arch for arch in ARCHS}


def run(args: list[str], input: str | None = None):
    return CliRunner().invoke(app, args, input=input)


@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("via", ["args", "stdin"])
def test_a_row_with_no_known_word_is_labelled_and_noted(models: dict[str, Path], arch: str, via: str) -> None:
    texts = [KNOWN, FOREIGN, ""]
    args = ["predict", "--model", str(models[arch]), "--format", "jsonl"]
    result = run([*args, *texts]) if via == "args" else run(args, input="\n".join(texts) + "\n")
    assert result.exit_code == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [row.get("note") for row in rows] == [None, UNKNOWN_NOTE, "empty text"]
    assert rows[1]["label"] is not None and sum(rows[1]["probabilities"].values()) == pytest.approx(1, abs=1e-4)
    assert result.stderr.strip() == "warning: 1 of 2 non-empty texts has no word the model knows, so its label " \
                                    "says little about it"


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "table"])
def test_when_no_text_has_a_known_word_the_warning_asks_about_the_language(models: dict[str, Path],
                                                                          fmt: str) -> None:
    result = run(["predict", "--model", str(models["logreg"]), "--format", fmt, FOREIGN, "Ужасно"])
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ("warning: none of the 2 non-empty texts has a word the model knows, so the labels say "
                             "little about them (a model for another language, or for other tokens?)\n")
    assert (UNKNOWN_NOTE in result.stdout) == (fmt == "jsonl")  # flat formats have no note column
    one = run(["predict", "--model", str(models["logreg"]), FOREIGN])
    assert "the text has no word the model knows, so its label says little about it" in one.stderr


def test_known_texts_get_no_note_and_no_warning(models: dict[str, Path]) -> None:
    result = run(["predict", "--model", str(models["gru"]), "--format", "jsonl", KNOWN, "a great product"])
    assert result.exit_code == 0 and result.stderr == ""
    assert all("note" not in json.loads(line) for line in result.stdout.splitlines())


@pytest.mark.parametrize("arch", ARCHS)
def test_evaluate_counts_texts_with_no_known_word(models: dict[str, Path], arch: str, tmp_path: Path) -> None:
    data = tmp_path / "mixed.csv"
    data.write_text(f"text,label\n\"{KNOWN}\",positive\n\"{FOREIGN}\",positive\nужасно,negative\n", encoding="utf-8")
    result = run(["evaluate", str(data), "--model", str(models[arch]), "--format", "json"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["no_known_words"] == 2
    assert "2 of 3 non-empty texts have no word the model knows" in result.stderr


@pytest.mark.parametrize("arch", ARCHS)
def test_the_library_counts_known_words(models: dict[str, Path], arch: str) -> None:
    model = sentikit.load(models[arch])
    texts = [KNOWN, FOREIGN, "", "great отличный"]
    probs, blank, known = model.predict_proba_known(texts)
    assert blank == [False, False, True, False]
    assert known[0] > 0 and known[1] == known[2] == 0 and known[3] > 0
    np.testing.assert_array_equal(probs[[0, 1, 3]], model.predict_proba([KNOWN, FOREIGN, "great отличный"]))


def test_character_grams_count_only_with_three_letters() -> None:
    """Word columns 0..2; character columns 3.. (prefixed): " " and "!!" say nothing, "ter" and "xyz!" do."""
    terms = ["great", "film", "great film", "\x01 ", "\x01!!", "\x01ter", "\x01xyz!", "\x01ab"]

    def letters_in(columns: np.ndarray) -> np.ndarray:
        return np.array([sum(ch.isalpha() for ch in terms[c][1:]) for c in columns])

    def counts(parts: tuple, char_high: int = 4) -> list[int]:
        return InformativeFeatures(3, len(terms), char_high, letters_in).counts(parts).tolist()

    parts = (np.array([0, 4, 6, 6, 7, 8]), np.array([0, 2, 3, 5, 3, 4, 6, 7], dtype=np.int32), np.ones(8, np.float32))
    assert counts(parts) == [3, 0, 0, 1, 0]
    assert counts(parts, char_high=2) == [3, 0, 0, 1, 1]  # a model of character bigrams: two letters do
    assert counts((np.array([0, 2, 2]), np.array([0, 1], dtype=np.int32), np.ones(2, np.float32))) == [2, 0]
    assert counts((np.zeros(3, np.int64), np.zeros(0, np.int32), np.zeros(0, np.float32))) == [0, 0]


@pytest.mark.parametrize("coded", [True, False])
def test_letters_are_read_off_the_gram_keys_as_from_the_terms(coded: bool) -> None:
    from sentikit.features.lean import LeanVectorizer
    from sentikit.features.vectorize import FeatureConfig

    terms = ["film", "\x01 ", "\x01 t", "\x01!!", "\x01ter", "\x01ё1!", "\x01ёж", "\x01x"]
    vectorizer = LeanVectorizer(FeatureConfig(encoding="tfidf", char_ngrams=(1, 3)), terms, np.ones(len(terms)),
                                coded=coded)
    assert vectorizer.letters(np.arange(1, len(terms))).tolist() == [0, 1, 0, 3, 1, 2, 1]


def test_a_misspelt_word_is_known_to_a_model_with_character_grams(models: dict[str, Path]) -> None:
    """logreg's character n-grams read "terribleee" as well as "terrible": it is not a text the model knows
    nothing of. nb has word features only: to it the misspelling is unknown."""
    assert sentikit.load(models["logreg"]).predict_proba_known(["terribleee"])[2][0] > 0
    assert sentikit.load(models["nb"]).predict_proba_known(["terribleee"])[2][0] == 0


def test_ctrl_c_still_says_how_many_texts_had_no_known_word(models: dict[str, Path],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """`tail -f | sentikit predict` ends with Ctrl-C: the rows written so far are counted."""
    import sentikit.predict

    real = sentikit.predict.predict_rows

    def interrupted(model, texts, **kwargs):
        yield from real(model, [KNOWN, FOREIGN])
        raise KeyboardInterrupt

    monkeypatch.setattr(sentikit.predict, "predict_rows", interrupted)
    result = run(["predict", "--model", str(models["nb"]), "--format", "jsonl", "ignored"])
    assert result.exit_code == 130
    assert len(result.stdout.splitlines()) == 2
    said = result.stderr.splitlines()
    assert said[0] == "warning: 1 of 2 non-empty texts has no word the model knows, so its label says little about it"
    assert "interrupted" in said[-1]
