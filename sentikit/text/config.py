"""The preprocessing settings: one dataclass, the only place their defaults live.

A trained model stores this config (plus the stopword lists actually used), so prediction replays exactly the
same preprocessing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, ClassVar, Literal

from sentikit.configs import reject_unknown_keys
from sentikit.errors import UsageError

Lang = Literal["ru", "en", "auto"]
Morph = Literal["auto", "none", "lemma", "stem"]
TokenUnit = Literal["word", "char1", "char2", "char3"]

LANGS: tuple[str, ...] = ("auto", "ru", "en")
MORPHS: tuple[str, ...] = ("auto", "none", "lemma", "stem")
TOKEN_UNITS: tuple[str, ...] = ("word", "char1", "char2", "char3")
STOPWORD_SOURCES: tuple[str, ...] = ("auto", "builtin", "nltk")
EN_LEMMATIZERS: tuple[str, ...] = ("auto", "simplemma", "wordnet")


@dataclass(frozen=True)
class PreprocessConfig:
    """How raw review text becomes tokens."""

    lang: Lang = "auto"  # auto: each word is handled by the tools of its own script (Cyrillic/Latin)
    lowercase: bool = True
    strip_html: bool = True  # real review corpora carry <br /> and &amp;
    url_placeholder: bool = True  # URLs -> <url>
    mention_placeholder: bool = True  # @name -> <user>
    number_placeholder: bool = False  # 42, 3.5 -> <num>
    remove_stopwords: bool = False  # sentiment models usually lose accuracy without function words
    keep_negations: bool = True  # не/нет/not/n't flip sentiment, so they survive stopword removal
    extra_stopwords: tuple[str, ...] = ()
    stopword_source: str = "auto"  # auto: NLTK's corpus when installed, else the lists shipped with sentikit
    # lemma: pymorphy3 (ru) + an English lemmatizer; stem: Snowball (PyStemmer); none: forms as written.
    # auto: Russian words become pymorphy3 lemmas, other words keep their form. Russian inflection splits one
    # word into up to two dozen forms, which short texts cannot teach a model one by one. RuSentiTweet dev
    # macro-F1, lemmas vs forms: nbsvm +1.5..+5 points (4 splits); gru/bigru/lstm/conv1d better in 11 of 12
    # runs (3 splits), -0.3..+5.3; logreg, whose character n-grams already see morphology, -1.3..+0.6 (mean 0).
    # English inflection is light: left alone.
    morph: Morph = "auto"
    en_lemmatizer: str = "auto"  # auto: NLTK WordNet when its data is installed, else simplemma
    tokens: TokenUnit = "word"

    # Settings a model's manifest may lack (see `require_saved_settings`): `fit` turns them into the
    # preprocessing state the folder stores (the stopword list, the English lemmatizer), which is what
    # prediction applies. The others act on every text.
    OPTIONAL_IN_MANIFEST: ClassVar[frozenset[str]] = frozenset({
        "lang", "remove_stopwords", "keep_negations", "extra_stopwords", "stopword_source", "en_lemmatizer"})

    def __post_init__(self) -> None:
        _check("lang", self.lang, LANGS)
        _check("morph", self.morph, MORPHS)
        _check("tokens", self.tokens, TOKEN_UNITS)
        _check("stopword source", self.stopword_source, STOPWORD_SOURCES)
        _check("English lemmatizer", self.en_lemmatizer, EN_LEMMATIZERS)
        for name in ("lowercase", "strip_html", "url_placeholder", "mention_placeholder", "number_placeholder",
                     "remove_stopwords", "keep_negations"):
            if not isinstance(getattr(self, name), bool):
                raise UsageError(f"invalid {name} {getattr(self, name)!r}", hint="expected true or false")
        words = self.extra_stopwords
        if not isinstance(words, list | tuple) or not all(isinstance(w, str) for w in words):
            raise UsageError(f"invalid extra_stopwords {words!r}", hint="expected a list of words")
        object.__setattr__(self, "extra_stopwords", tuple(words))  # JSON and callers may give a list

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["extra_stopwords"] = list(self.extra_stopwords)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PreprocessConfig:
        reject_unknown_keys(cls, data, "preprocessing")
        return cls(**data)


def _check(what: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise UsageError(f"invalid {what} {value!r}", hint=f"choose one of: {', '.join(choices)}")
