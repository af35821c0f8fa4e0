"""Words that mix Latin, Cyrillic and Greek look-alikes (text rules version 3)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sentikit.text import PreprocessConfig, Preprocessor
from sentikit.text.homoglyphs import fold_mixed_words, fold_word
from sentikit.text.stopwords import read_stopword_file


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("хорошo", "хорошо"),  # Latin o at the end of a Russian word
        ("xyйлo", "хуйло"),  # more Latin letters than Cyrillic, but й has no Latin look-alike
        ("gооd", "good"),  # Cyrillic о in an English word
        ("нe", "не"),  # the negation with a Latin e: a small н has no Latin look-alike
        ("Μолчaниe", "Молчание"),  # Greek, Latin and Cyrillic in one word (a capital Greek M)
        ("Вceгда", "Всегда"), ("Mолоко", "Молоко"), ("Тhe", "The"),  # capitals: M, H, T, B look like М, Н, Т, В
        ("OTЛИЧНО", "ОТЛИЧНО"), ("HOТEL", "HOTEL"),  # shouting: capitals anywhere
        ("рiк", "рік"),  # Ukrainian with a Latin i
        ("cок", "сок"),  # every letter has a look-alike: the script with more letters wins
        ("хорошo-хорошo", "хорошо-хорошо"),
        # Left alone: one script; code-mixing (letters without look-alikes on both sides, or small m/h/t/b, which
        # look like no Cyrillic letter); Greek; a word alone whose letters do not decide.
        ("хорошо", "хорошо"), ("good", "good"), ("café", "café"), ("λόγος", "λόγος"), ("καi", "καi"),
        ("shitовые", "shitовые"), ("wi-fi-роутер", "wi-fi-роутер"), ("iphoneом", "iphoneом"),
        ("emailом", "emailом"), ("mp3шка", "mp3шка"), ("3dмакс", "3dмакс"), ("hpшный", "hpшный"),
        ("приbет", "приbет"), ("Hе", "Hе"), ("oк", "oк"),
    ],
)
def test_a_mixed_word_alone_is_spelled_in_one_script(word: str, expected: str) -> None:
    assert fold_word(word) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A word that either script could take goes with the document's script.
        ("Hе понравилось. Hу и ладно, Bсё плохо", "Не понравилось. Ну и ладно, Всё плохо"),
        ("The Hе word", "The He word"),
        # English names, mentions and placeholders in a Russian review do not make it English.
        ("Hе работает Wi-Fi и Bluetooth", "Не работает Wi-Fi и Bluetooth"),
        ("<user> <user> Hе верю <url>", "<user> <user> Не верю <url>"), ("Hе <url>", "Hе <url>"),
        # The nearest words that show a script decide, not every letter of the document.
        ("Hе coвeтую", "Не советую"),  # every word is mixed: «coвeтую» shows в, т, ю
        ("Hе bought а phone and Hе loved it, 100 руб", "He bought а phone and He loved it, 100 руб"),
        ("Tо be honest", "To be honest"), ("Tо, чтo нaдo", "То, что надо"),
        ("OTЛИЧНО ПPИBET CTOП", "ОТЛИЧНО ПРИВЕТ СТОП"),
        ("mp3шка и 3dмакс, iPhoneом", "mp3шка и 3dмакс, iPhoneом"),  # runs split at digits; code-mixing
        ("English and русский side by side", "English and русский side by side"),
    ],
)
def test_documents_are_folded_run_by_run_before_lowercasing(text: str, expected: str) -> None:
    assert fold_mixed_words(text) == expected


def test_the_pipeline_folds_capitals_before_lowercasing_hides_them() -> None:
    pre = Preprocessor(PreprocessConfig(morph="none")).fit()
    assert pre.process("Mолоко? Hет! Hе то. Тhe Μолчaниe") == ["молоко", "нет", "не", "то", "the", "молчание"]
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


@pytest.mark.parametrize("written", ["о\u0301тзывы", "от\u00adзывы", "ОТЗЫВЫ", "oтзывы", "OTЗЫBЫ"])
def test_stopword_file_words_are_normalised_like_the_text(tmp_path: Path, written: str) -> None:
    """A stress mark, a soft hyphen, capitals or a Latin look-alike in the file's word still match the text."""
    path = tmp_path / "stop.txt"
    path.write_text(f"{written}\n", encoding="utf-8")
    config = PreprocessConfig(morph="none", remove_stopwords=True, stopword_source="builtin",
                              extra_stopwords=tuple(read_stopword_file(path)))
    # --stopwords FILE adds the file's words to the built-in lists ("мне" is in them).
    assert Preprocessor(config).fit().process("мне понравились отзывы") == ["понравились"]


def test_a_mixed_form_is_folded_with_each_document_it_appears_in() -> None:
    """The per-form cache must not fix a mixed form's spelling: «Hе» is «не» in Russian text, "he" in English."""
    pre = Preprocessor(PreprocessConfig(morph="none")).fit()
    assert pre.process("Hе понравилось") == ["не", "понравилось"]
    assert pre.process("The Hе word") == ["the", "he", "word"]
    assert pre.process("Hе понравилось") == ["не", "понравилось"]
    assert pre.process("не понравилось") == ["не", "понравилось"]  # and ordinary forms are cached as before
    assert "понравилось" in pre._cache and "hе" not in pre._cache


def test_a_stopword_list_decides_a_word_either_script_could_take(tmp_path: Path) -> None:
    """«Oк» (a Latin O) in a Russian list is «ок», as the same word in Russian text is."""
    path = tmp_path / "stop.txt"
    path.write_text("Oк\nвот\n", encoding="utf-8")
    base = {"morph": "none", "remove_stopwords": True, "stopword_source": "builtin"}
    assert "ок" not in Preprocessor(PreprocessConfig(**base)).fit().stopwords_  # type: ignore[arg-type]
    pre = Preprocessor(PreprocessConfig(**base, extra_stopwords=tuple(read_stopword_file(path)))).fit()  # type: ignore[arg-type]
    assert "ок" in pre.stopwords_ and pre.process("Oк, понял") == ["понял"]
    listed = tuple(sorted(pre.stopwords_))
    again = Preprocessor(PreprocessConfig(**base, extra_stopwords=listed)).fit()  # type: ignore[arg-type]
    assert again.stopwords_ == pre.stopwords_  # normalising a normalised list changes nothing
