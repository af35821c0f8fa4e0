"""Lemmatizers and stemmers for Russian and English, chosen by each word's script.

Modes: `lemma`, `stem`, `none`, and `auto` (lemmas for Russian words only; see `PreprocessConfig.morph`).

Russian lemmas: pymorphy3's most probable parse (with the compiled DAWG backend from `pymorphy3[fast]`).
English lemmas: NLTK's WordNet when its data is installed, otherwise simplemma, which ships its own data.
Stems: Snowball via PyStemmer (the same algorithm as NLTK's SnowballStemmer, in C).
The callers cache per distinct word form, so each form is analysed once; these objects do no caching.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property, lru_cache
from typing import Any

from sentikit.errors import DataError
from sentikit.text.stopwords import nltk_data_dirs

Analyser = Callable[[str], str]


def is_cyrillic(word: str) -> bool:
    first = word[0]
    return "\u0400" <= first <= "\u04ff"


def wordnet_installed() -> bool:
    return any((d / "corpora" / "wordnet").is_dir() or (d / "corpora" / "wordnet.zip").is_file()
               for d in nltk_data_dirs())


def resolve_en_lemmatizer(choice: str) -> str:
    """Turn 'auto' into the concrete backend, so the artifact records (and replays) what was used."""
    if choice == "auto":
        return "wordnet" if wordnet_installed() else "simplemma"
    if choice == "wordnet":
        _require_wordnet()
    return choice


def _require_wordnet() -> None:
    if not wordnet_installed():
        raise DataError("NLTK's WordNet data is not installed",
                        hint="run `python -m nltk.downloader wordnet`, or use the simplemma lemmatizer")


@lru_cache(maxsize=1)
def _pymorphy_parse() -> Callable[[str], Any]:
    """One analyser per process, shared by every `Morphology` (it is read-only; loading it takes ~0.2 s and
    ~15 MB, and worker processes forked after the first use inherit it)."""
    import pymorphy3

    return pymorphy3.MorphAnalyzer().parse


class Morphology:
    """Per-word lemmatization or stemming; backends are loaded on first use."""

    def __init__(self, mode: str, en_lemmatizer: str = "simplemma") -> None:
        self.mode = mode
        self.en_lemmatizer = en_lemmatizer

    def __getstate__(self) -> dict[str, Any]:
        # The backends built so far are closures and PyStemmer C objects, which cannot be pickled: a copy
        # (pickle, deepcopy, a worker process) keeps the settings and builds its own on first use.
        return {"mode": self.mode, "en_lemmatizer": self.en_lemmatizer}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.mode = state["mode"]
        self.en_lemmatizer = state["en_lemmatizer"]

    @cached_property
    def _ru_lemma(self) -> Analyser:
        parse = _pymorphy_parse()

        def lemma(word: str) -> str:
            return parse(word)[0].normal_form.replace("ё", "е")

        return lemma

    @cached_property
    def _en_lemma(self) -> Analyser:
        if self.en_lemmatizer == "wordnet":
            _require_wordnet()  # a model trained elsewhere may ask for it
            from nltk.stem import WordNetLemmatizer

            lemmatize = WordNetLemmatizer().lemmatize
            return lambda word: lemmatize(lemmatize(word), "v")
        import simplemma

        return lambda word: simplemma.lemmatize(word, lang="en").lower()

    @cached_property
    def _ru_stem(self) -> Analyser:
        import Stemmer

        return Stemmer.Stemmer("russian").stemWord

    @cached_property
    def _en_stem(self) -> Analyser:
        import Stemmer

        return Stemmer.Stemmer("english").stemWord

    def __call__(self, word: str) -> str:
        if self.mode == "none" or not word[0].isalpha():
            return word
        cyrillic = is_cyrillic(word)
        if self.mode == "auto":
            return self._ru_lemma(word) if cyrillic else word
        if self.mode == "lemma":
            return self._ru_lemma(word) if cyrillic else self._en_lemma(word)
        return self._ru_stem(word) if cyrillic else self._en_stem(word)
