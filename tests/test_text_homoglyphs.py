"""Words that mix Latin, Cyrillic and Greek look-alikes (text rules version 3)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sentikit.text import PreprocessConfig, Preprocessor
from sentikit.text.homoglyphs import fold_mixed_script
from sentikit.text.stopwords import read_stopword_file


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("хорошo", "хорошо"),  # Latin o at the end of a Russian word
        ("xyйлo", "хуйло"),  # more Latin letters than Cyrillic, but й has no Latin look-alike
        ("gооd", "good"),  # Cyrillic о in an English word
        ("нe", "не"),  # the negation with a Latin e: a small н has no Latin look-alike
        ("Μолчaниe", "Молчание"),  # Greek, Latin and Cyrillic in one word (a capital Greek M)
        ("Вceгда", "Всегда"),  # case is kept: folding comes before or without lowercasing
        ("cок", "сок"),  # every letter has a look-alike: the script with more letters wins
        ("хорошo-хорошo", "хорошо-хорошо"),
        # Left alone: one script, code-mixing (letters without look-alikes on both sides), a tie.
        ("хорошо", "хорошо"), ("good", "good"), ("café", "café"), ("λόγος", "λόγος"),
        ("shitовые", "shitовые"), ("wi-fi-роутер", "wi-fi-роутер"), ("гiмн", "гiмн"), ("oк", "oк"),
        ("iphoneом", "iphoneом"), ("emailом", "emailом"), ("mp3шка", "mp3шка"), ("3dмакс", "3dмакс"),
        ("mолоко", "молоко"), ("hет", "нет"), ("тhe", "the"),  # capital-only pairs as the first letter
        ("μолчaниe", "молчание"), ("молочko", "молочко"), ("прибeт", "прибет"),
        ("приbет", "приbет"),  # a small b inside a word was not typed as a capital В
    ],
)
def test_mixed_script_words_are_spelled_in_one_script(word: str, expected: str) -> None:
    assert fold_mixed_script(word) == expected


def test_the_pipeline_folds_capitals_that_lowercasing_would_hide() -> None:
    """Folding sees lowercased tokens: a capital-only look-alike (M, H, T, Greek M) folds as a word's first letter."""
    pre = Preprocessor(PreprocessConfig(morph="none")).fit()
    assert pre.process("Mолоко? Hет! Тhe Μолчaниe") == ["молоко", "нет", "the", "молчание"]
    assert pre.process("iPhoneом, emailом, mp3шка, 3dмакс") == ["iphoneом", "emailом", "mp3шка", "3dмакс"]


def test_the_pipeline_folds_before_stopwords_and_lemmas() -> None:
    pre = Preprocessor(PreprocessConfig(remove_stopwords=True, stopword_source="builtin")).fit()
    # "этo" (Latin o) is the stopword "это"; "хорошиe" (Latin e) is lemmatized like "хорошие".
    assert pre.process("этo хорошиe фильмы") == pre.process("это хорошие фильмы") == ["хороший", "фильм"]


def test_models_saved_with_earlier_rules_do_not_fold() -> None:
    fitted = Preprocessor(PreprocessConfig(morph="none")).fit()
    state = fitted.get_state()
    assert fitted.process("хорошo") == ["хорошо"]
    assert Preprocessor.from_state(fitted.config, {**state, "rules": 2}).process("хорошo") == ["хорошo"]


@pytest.mark.parametrize("written", ["о\u0301тзывы", "от\u00adзывы", "ОТЗЫВЫ", "oтзывы"])
def test_stopword_file_words_are_normalised_like_the_text(tmp_path: Path, written: str) -> None:
    """A stress mark, a soft hyphen, capitals or a Latin look-alike in the file's word still match the text."""
    path = tmp_path / "stop.txt"
    path.write_text(f"{written}\n", encoding="utf-8")
    config = PreprocessConfig(morph="none", remove_stopwords=True, stopword_source="builtin",
                              extra_stopwords=tuple(read_stopword_file(path)))
    # --stopwords FILE adds the file's words to the built-in lists ("мне" is in them).
    assert Preprocessor(config).fit().process("мне понравились отзывы") == ["понравились"]
