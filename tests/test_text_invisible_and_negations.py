"""Tests for sentikit.text: invisible characters and odd apostrophes inside words, negation stubs, and which
reduced forms (lemmas, stems) stopword removal may drop. Hermetic: the built-in lists and simplemma."""

from __future__ import annotations

import logging

import pytest

from sentikit.text import PreprocessConfig, Preprocessor
from sentikit.text.normalize import TEXT_RULES
from sentikit.text.stopwords import is_negation


def tokens_of(text: str, **config: object) -> list[str]:
    return Preprocessor(PreprocessConfig(**config)).fit().process(text)  # type: ignore[arg-type]


BUILTIN: dict[str, object] = {"remove_stopwords": True, "stopword_source": "builtin", "en_lemmatizer": "simplemma"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("хоро\u00adшо пере\u00adпол\u00adнен", ["хорошо", "переполнен"]),  # soft hyphen
        ("хоро\u200bшо хоро\u2060шо хоро\ufeffшо", ["хорошо", "хорошо", "хорошо"]),  # zero-width, joiner, BOM
        ("хоро\u200dшо хоро\u200cшо well\u200dmade", ["хорошо", "хорошо", "wellmade"]),  # joiners between letters
        ("&shy;so&shy;so", ["soso"]),  # an HTML entity that unescapes to a soft hyphen
        ("\u00adхорошо\u200b", ["хорошо"]),
    ],
)
def test_invisible_characters_do_not_split_words(text: str, expected: list[str]) -> None:
    assert tokens_of(text, morph="none") == expected


@pytest.mark.parametrize("emoji", ["👨\u200d👩\u200d👧", "👩\u200d❤️\u200d👨", "🏳️\u200d🌈"])
def test_emoji_zwj_sequences_stay_whole(emoji: str) -> None:
    assert tokens_of(f"ок {emoji} ok{emoji}", morph="none") == ["ок", emoji, "ok", emoji]


@pytest.mark.parametrize("apostrophe", ["\u00b4", "\uff07", "\u2032"])
def test_odd_apostrophes_between_letters_become_ascii(apostrophe: str) -> None:
    assert tokens_of(f"I don{apostrophe}t like it", morph="none") == ["i", "don't", "like", "it"]
    assert tokens_of(f"I don{apostrophe}t like it", **BUILTIN) == ["don't", "like"]


def test_odd_apostrophes_elsewhere_are_left_alone() -> None:
    assert tokens_of("5\u2032 long \u00b4quoted\u00b4", morph="none", number_placeholder=True) == [
        "<num>", "long", "quoted"]


@pytest.mark.parametrize("stub", ["don", "didn", "doesn", "isn", "wasn", "weren", "won", "wouldn", "shouldn",
                                  "couldn", "aren", "hasn", "haven", "hadn", "mustn", "needn", "shan", "mightn",
                                  "ain"])
def test_nt_stubs_without_apostrophe_are_negations(stub: str) -> None:
    assert is_negation(stub)


@pytest.mark.parametrize("morph", ["none", "auto", "lemma", "stem"])
def test_negation_stub_survives_stopword_removal(morph: str) -> None:
    assert tokens_of("I didn t like it", morph=morph, **BUILTIN) == ["didn", "like"]
    assert tokens_of("I didn t like it", morph=morph, keep_negations=False, **BUILTIN) == ["like"]


@pytest.mark.parametrize(
    ("morph", "text", "expected"),
    [
        ("stem", "Темы хорошие, тему раскрыли, надой", ["тем", "хорош", "тем", "раскр", "над"]),
        ("stem", "no cans, no wills, ups and downs", ["no", "can", "no", "will", "up", "down"]),
        ("lemma", "no cans, no wills, ups and downs, doings", ["no", "can", "no", "will", "up", "down", "doing"]),
        ("lemma", "Темы хорошие, тему раскрыли", ["тема", "хороший", "тема", "раскрыть"]),
    ],
)
def test_reduced_form_equal_to_a_stopword_keeps_ordinary_words(morph: str, text: str, expected: list[str]) -> None:
    assert tokens_of(text, morph=morph, **BUILTIN) == expected


@pytest.mark.parametrize("morph", ["lemma", "auto"])
def test_russian_lemma_of_a_listed_function_word_is_still_dropped(morph: str) -> None:
    # "этим" is not in the list but its lemma "этот" is.
    assert tokens_of("этим фильмом", morph=morph, **BUILTIN) == ["фильм"]


def test_drop_negations_without_stopword_removal_warns(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="sentikit"):
        assert tokens_of("не понравилось", morph="none", keep_negations=False) == ["не", "понравилось"]
    assert "no effect without stopword removal" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="sentikit"):
        tokens_of("не понравилось", morph="none", keep_negations=False, remove_stopwords=True)
        tokens_of("не понравилось", morph="none")
    assert not caplog.records


@pytest.mark.parametrize(
    ("text", "config", "expected"),
    [
        ("рост 5\u203210\u2033", {"morph": "none"}, ["рост", "5", "10"]),  # a prime between digits is no apostrophe
        ("1\u200d2", {"morph": "none"}, ["1", "2"]),  # nor is a joiner between digits removed
        ("отли\u00b4чный това\u00b4р", {"morph": "none"}, ["отличный", "товар"]),  # a stress mark typed as ´
        ("пишите @iv\u200ban_petrov", {"morph": "none"}, ["пишите", "<user>"]),  # invisible chars go first
        ("цена 1\u00ad000", {"morph": "none", "number_placeholder": True}, ["цена", "<num>"]),
    ],
)
def test_invisible_characters_go_before_placeholders_and_only_between_letters(text: str, config: dict,
                                                                             expected: list[str]) -> None:
    assert tokens_of(text, **config) == expected


@pytest.mark.parametrize(
    ("text", "config", "old", "new"),
    [
        ("хоро\u00adшо", {}, ["хоро", "что"], ["хорошо"]),
        ("I didn t like cans", {**BUILTIN, "morph": "stem"}, ["like"], ["didn", "like", "can"]),
        ("Темы", {**BUILTIN, "morph": "stem"}, [], ["тем"]),
    ],
)
def test_a_model_saved_before_rule_versions_replays_the_old_rules(text: str, config: dict, old: list[str],
                                                                  new: list[str]) -> None:
    """Prediction must tokenize as training did: a manifest without "rules" gets version 1, as it was."""
    fitted = Preprocessor(PreprocessConfig(**config)).fit()  # type: ignore[arg-type]
    state = fitted.get_state()
    assert state["rules"] == TEXT_RULES and fitted.process(text) == new
    assert Preprocessor.from_state(fitted.config, state).process(text) == new
    # What such a model stored: no "rules", and a list from before the n't stubs counted as negations.
    legacy = {key: value for key, value in state.items() if key != "rules"}
    if legacy["stopwords"]:
        legacy["stopwords"] = sorted({*legacy["stopwords"], "didn"})
    assert Preprocessor.from_state(fitted.config, legacy).process(text) == old


@pytest.mark.parametrize("rules", [0, TEXT_RULES + 1, "2", True])
def test_unknown_rule_versions_are_refused(rules: object) -> None:
    state = {**Preprocessor().fit().get_state(), "rules": rules}
    with pytest.raises(ValueError, match="rules"):
        Preprocessor.from_state(PreprocessConfig(), state)
