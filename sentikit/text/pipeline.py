"""The preprocessing pipeline: normalise → tokenize → stopwords → lemmatize/stem → word or character units.

`Preprocessor` follows scikit-learn's contract: `fit` resolves everything that depends on the machine (which
stopword lists and which English lemmatizer are available) into attributes ending in `_`, and `transform`
only applies them. A trained model stores `PreprocessConfig` plus `get_state()`, and `Preprocessor.from_state`
rebuilds the very same pipeline elsewhere.

Speed: review corpora are Zipfian, so every distinct token form is analysed once and cached; the hot loop is a
regex `findall` plus one dict lookup per token, run by `map` in C. Worker processes (`iter_transform(jobs=N)`)
are `sentikit.text.workers`'s.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import fields
from pathlib import Path
from typing import Any

from sentikit.configs import require_keys
from sentikit.corpus import CorpusOptions, ReadStats, Record, read_corpus, report_skipped, source_name
from sentikit.errors import NotFittedError
from sentikit.text.config import PreprocessConfig
from sentikit.text.homoglyphs import is_mixed_script, words_script
from sentikit.text.morphology import Morphology, is_cyrillic, resolve_en_lemmatizer
from sentikit.text.normalize import TEXT_RULE_VERSIONS, TEXT_RULES, normalize_text, normalize_word
from sentikit.text.stopwords import is_negation, load_stopwords
from sentikit.text.tokenize import char_units, is_word, word_tokens
from sentikit.text.workers import parallel_tokens

# What `fit` can record as the English lemmatizer ("none" when no lemmas are made).
RESOLVED_EN_LEMMATIZERS: tuple[str, ...] = ("none", "simplemma", "wordnet")
_DROP = ""  # cache value for a token that is removed (stopword)
_CACHE_LIMIT = 2_000_000  # distinct forms kept; beyond that (adversarial input) the cache restarts

log = logging.getLogger("sentikit")


def detect_language(text: str) -> str:
    """'ru' when the text has more Cyrillic than Latin letters, else 'en'."""
    cyrillic = sum(1 for ch in text if "\u0400" <= ch <= "\u04ff")
    latin = sum(1 for ch in text if "a" <= ch <= "z" or "A" <= ch <= "Z")
    return "ru" if cyrillic > latin else "en"


def _checked_stream(texts: Any, method: str) -> Iterator[str]:
    """`checked_texts` for a stream: the same TypeErrors, raised as the texts come, without holding them."""
    if isinstance(texts, (str, bytes, bytearray)) or not hasattr(texts, "__iter__"):
        checked_texts(texts, method)  # raises its TypeError now, not at the first item

    def checked() -> Iterator[str]:
        for i, text in enumerate(texts):
            if not isinstance(text, str):
                raise _not_a_text(method, i, text)
            yield text

    return checked()


def _not_a_text(method: str, i: int, text: object) -> TypeError:
    decode = " (decode it first)" if isinstance(text, (bytes, bytearray)) else ""
    return TypeError(f"{method}(): texts[{i}] is {type(text).__name__}, expected str{decode}")


def checked_texts(texts: Any, method: str) -> list[str]:
    """`texts` as a list of str, or a TypeError naming `method` and the mistake. A str is itself a sequence of
    str, so without this check `predict("text")` would quietly classify each character; other items (the NaN
    of a missing value in a pandas column) would fail deep in the preprocessing with a message about its
    internals. One isinstance per text costs under 0.1 % of a prediction. Used once by each public entry point
    (`Preprocessor.fit`/`transform`/`fit_transform`, the `SentimentModel` methods); `iter_transform` checks
    each text as it comes (`_checked_stream`), and `process`, for one text, does not check."""
    if isinstance(texts, str):
        raise TypeError(f"{method}() takes a list of texts, not a single str; wrap it: {method}([text])")
    try:
        if isinstance(texts, (bytes, bytearray)):  # iterable, but over ints
            raise TypeError
        items = texts if isinstance(texts, list) else list(texts)  # an iterator can be walked only once
    except TypeError:
        raise TypeError(f"{method}() takes a list of texts, not {type(texts).__name__}") from None
    for i, text in enumerate(items):
        if not isinstance(text, str):
            raise _not_a_text(method, i, text)
    return items


class Preprocessor:
    """Turns raw texts into token lists according to a `PreprocessConfig`.

    A fitted preprocessor can be pickled or deep-copied (joblib.dump of a scikit-learn pipeline holding it, for
    instance): the copy keeps the settings and the fitted state, and builds its analysers and per-form cache
    again on first use. That is for a user's own code: sentikit's model folders never hold pickles.
    """

    def __init__(self, config: PreprocessConfig | None = None) -> None:
        self.config = config  # type: ignore[assignment]  # None: the defaults (see the setter)

    @property
    def config(self) -> PreprocessConfig:
        return self._config

    @config.setter
    def config(self, config: PreprocessConfig | None) -> None:
        if config is not None and not isinstance(config, PreprocessConfig):
            raise TypeError(f"config must be a PreprocessConfig, not {type(config).__name__} (for a dict of "
                            "settings: PreprocessConfig.from_dict(settings))")
        # The fitted state was resolved from the old settings: keeping it would quietly apply them.
        self._config = config or PreprocessConfig()
        self._forget_fit()

    def __getstate__(self) -> dict[str, Any]:
        # For pickle and deepcopy in a user's own code (joblib.dump of a fitted scikit-learn pipeline, worker
        # processes); sentikit's model folders never hold pickles. The per-form cache is left out: it may hold
        # millions of forms, and it fills again as texts come. `Morphology` drops its analysers likewise.
        state = self.__dict__.copy()
        if "_cache" in state:
            state["_cache"] = {}
        return state

    # -- scikit-learn style -------------------------------------------------------------------------------
    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor's parameters, so that `sklearn.base.clone` can copy an unfitted preprocessor."""
        return {"config": self.config}

    def set_params(self, **params: Any) -> Preprocessor:
        """Change constructor parameters; the fitted state is dropped, so `fit` must be called again."""
        unknown = sorted(set(params) - set(self.get_params()))
        if unknown:
            raise ValueError(f"invalid parameter {unknown[0]!r} for Preprocessor (valid: "
                             f"{', '.join(self.get_params())})")
        if "config" in params:
            self.config = params["config"]
        return self

    def __repr__(self) -> str:
        # Like scikit-learn's estimators: only what differs from the defaults, in a form that reads back.
        changed = [f"{f.name}={getattr(self.config, f.name)!r}" for f in fields(PreprocessConfig)
                   if getattr(self.config, f.name) != f.default]
        return f"Preprocessor(PreprocessConfig({', '.join(changed)}))" if changed else "Preprocessor()"

    def __sklearn_is_fitted__(self) -> bool:
        """For `sklearn.utils.validation.check_is_fitted`."""
        return "stopwords_" in self.__dict__

    def __sklearn_tags__(self) -> Any:
        """What scikit-learn's checks know about this estimator: a transformer of raw texts (a list of str,
        not a 2-D array) whose `fit` needs no labels; its output is token lists, so no dtype is preserved.
        Only scikit-learn calls this, so scikit-learn is imported already; this module never imports it."""
        from sklearn.utils import InputTags, Tags, TargetTags, TransformerTags

        return Tags(estimator_type=None, target_tags=TargetTags(required=False),
                    transformer_tags=TransformerTags(preserves_dtype=[]),
                    input_tags=InputTags(two_d_array=False, string=True))

    def fit(self, texts: Iterable[str] | None = None, y: Any = None) -> Preprocessor:
        """Resolve machine-dependent choices; the texts themselves are not needed (but, when given, must be texts,
        as for `transform`; an iterator is left unread)."""
        if texts is not None and not hasattr(texts, "__next__"):  # a list, a str by mistake, a number...
            checked_texts(texts, "fit")
        cfg = self.config
        langs = ("ru", "en") if cfg.lang == "auto" else (cfg.lang,)
        stopwords: set[str] = set()
        sources: dict[str, str] = {}
        if cfg.remove_stopwords:
            for lang in langs:
                words, origin = load_stopwords(lang, cfg.stopword_source)
                stopwords.update(words)
                sources[lang] = origin
            script = words_script(cfg.extra_stopwords)  # the list's language decides a word like «Hу»
            stopwords.update(normalize_word(word, script) for word in cfg.extra_stopwords)
            if cfg.keep_negations:
                stopwords = {w for w in stopwords if not is_negation(w)}
        elif not cfg.keep_negations:
            # Negations are only ever removed together with the stopwords; without removal the setting would
            # quietly do nothing. A warning, not an error: a model saved with it must still load and predict.
            log.warning("dropping negations has no effect without stopword removal (--remove-stopwords or "
                        "--stopwords FILE; remove_stopwords=True): negations are kept")
        self.stopwords_: frozenset[str] = frozenset(stopwords)
        self.stopword_sources_: dict[str, str] = sources
        self.en_lemmatizer_: str = resolve_en_lemmatizer(cfg.en_lemmatizer) if cfg.morph == "lemma" else "none"
        self.rules_: int = TEXT_RULES
        self._reset()
        return self

    def _forget_fit(self) -> None:
        for name in ("stopwords_", "stopword_sources_", "en_lemmatizer_", "rules_", "_morph", "_cache"):
            self.__dict__.pop(name, None)

    def _reset(self) -> None:
        self._morph = Morphology(self.config.morph, self.en_lemmatizer_)
        self._cache: dict[str, str] = {}
        n = {"char1": 1, "char2": 2, "char3": 3}.get(self.config.tokens, 0)
        self._char_n = n

    def get_state(self) -> dict[str, Any]:
        """Learned state to store in an artifact (JSON-safe)."""
        self._check_fitted()
        return {"stopwords": sorted(self.stopwords_), "stopword_sources": self.stopword_sources_,
                "en_lemmatizer": self.en_lemmatizer_, "rules": self.rules_}

    @classmethod
    def from_state(cls, config: PreprocessConfig, state: dict[str, Any]) -> Preprocessor:
        """Rebuild a fitted preprocessor exactly as it was at training time (no machine lookups)."""
        # The state comes from a manifest that may have been edited: check its types, so a wrong one is
        # reported as such (TypeError/ValueError) instead of failing, or quietly meaning something else, later.
        if not isinstance(state, dict):
            raise TypeError(f"the preprocessing state must be a mapping, got {type(state).__name__}")
        # What prediction applies must be there; stopword_sources only records where the list came from.
        require_keys(state, ("stopwords", "en_lemmatizer"), "preprocess_state")
        stopwords = state["stopwords"]
        if not isinstance(stopwords, list) or not all(isinstance(word, str) for word in stopwords):
            raise TypeError("the preprocessing state's stopwords must be a list of strings")
        sources = state.get("stopword_sources", {})
        if not isinstance(sources, dict) or not all(isinstance(v, str) for v in sources.values()):
            raise TypeError("the preprocessing state's stopword_sources must map languages to strings")
        lemmatizer = state["en_lemmatizer"]
        if lemmatizer not in RESOLVED_EN_LEMMATIZERS:
            raise ValueError(f"the preprocessing state's en_lemmatizer {lemmatizer!r} is not one of "
                             f"{', '.join(RESOLVED_EN_LEMMATIZERS)}")
        rules = state.get("rules", 1)  # saved before rule versions existed: version 1, replayed as it was
        if rules not in TEXT_RULE_VERSIONS or isinstance(rules, bool):
            raise ValueError(f"the preprocessing state's rules {rules!r} is not one of "
                             f"{', '.join(map(str, TEXT_RULE_VERSIONS))} (made by a newer sentikit?)")
        pre = cls(config)
        pre.rules_ = rules
        pre.stopwords_ = frozenset(stopwords)
        pre.stopword_sources_ = dict(sources)
        pre.en_lemmatizer_ = lemmatizer
        pre._reset()
        return pre

    def _check_fitted(self) -> None:
        # A quiet fit here would resolve the machine's stopword lists and lemmatizer behind the caller's back
        # (and after set_params, with settings the caller may not expect).
        if "stopwords_" not in self.__dict__:
            raise NotFittedError("this Preprocessor is not fitted yet: call fit() or fit_transform() first, "
                                 "or rebuild a trained one with Preprocessor.from_state()")

    # -- processing ---------------------------------------------------------------------------------------
    def _token(self, token: str) -> str:
        """Process one distinct token form (cached by the caller)."""
        if not is_word(token):
            return token  # emoticons, emoji and placeholders pass through
        key = token if self.config.lowercase else token.lower()  # the lists are lowercase
        if key in self.stopwords_:
            return _DROP
        if is_negation(key, stubs=self.rules_ >= 2):
            return token  # lemmatizers would turn "don't" into "do"
        result = self._morph(token)
        # An inflected Russian function word missing from the list (a rarer pronoun form) goes with its listed
        # lemma. Only pymorphy3 lemmas: a stem or an English lemma that equals a stopword is as often an
        # ordinary word (тема→"тем", cans→"can", downs→"down"), and the English lists already hold the
        # inflected function words (is, was, does, has...).
        if result != token and result in self.stopwords_ and (
                self.rules_ < 2 or (self.config.morph in ("lemma", "auto") and is_cyrillic(token))):
            return _DROP
        return result

    def process(self, text: str) -> list[str]:
        """Tokens of one raw text."""
        self._check_fitted()
        cache = self._cache
        if len(cache) > _CACHE_LIMIT:
            cache.clear()
        tokens = word_tokens(normalize_text(text, self.config, self.rules_, fold=False))
        # Hot path: every form seen before, so map/filter run the whole loop in C (dropped stopwords are "").
        try:
            words = list(filter(None, map(cache.__getitem__, tokens)))
        except KeyError:
            words = self._words_with_new_forms(text, tokens)
        if self._char_n:
            return char_units(words, self._char_n)
        return words

    def _words_with_new_forms(self, text: str, tokens: list[str]) -> list[str]:
        """The slow path of `process`: some forms are not in the cache. A form that mixes scripts is never cached,
        so every document holding one comes here: it is normalised again with its look-alike letters folded
        (`sentikit.text.homoglyphs`), which needs the document (its capitals, its script), not the form alone.
        Documents without such forms, nearly all, never pay for folding."""
        cache = self._cache
        missing = [token for token in tokens if token not in cache]
        if self.rules_ >= 3 and any(map(is_mixed_script, missing)):
            tokens = word_tokens(normalize_text(text, self.config, self.rules_))
            # A form that folding left mixed ("iphoneом") is processed for this document only.
            own = {token: self._token(token) for token in tokens if token not in cache and is_mixed_script(token)}
            missing = [token for token in tokens if token not in cache and token not in own]
            for token in missing:
                cache[token] = self._token(token)
            return [word for word in (own[t] if t in own else cache[t] for t in tokens) if word]
        for token in missing:
            if token not in cache:  # (a form can be missing twice in one document)
                cache[token] = self._token(token)
        return list(filter(None, map(cache.__getitem__, tokens)))

    def transform(self, texts: Iterable[str]) -> list[list[str]]:
        """Token lists of `texts`, a list (or any iterable) of str; anything else is a TypeError."""
        self._check_fitted()  # also for no texts at all, as scikit-learn does
        return [self.process(t) for t in checked_texts(texts, "transform")]

    def fit_transform(self, texts: Iterable[str], y: Any = None) -> list[list[str]]:
        items = checked_texts(texts, "fit_transform")  # before fitting: a wrong call changes nothing
        self.fit(None, y)
        return [self.process(text) for text in items]

    def iter_transform(self, texts: Iterable[str], jobs: int = 1, chunk: int = 512) -> Iterator[list[str]]:
        """Stream token lists in input order; with jobs > 1, chunks go to worker processes. `texts` is an iterable
        of str, checked one text at a time as it comes (a TypeError as `transform` gives). An unfitted
        preprocessor raises NotFittedError here, as `transform` does, not at the first item."""
        self._check_fitted()
        texts = _checked_stream(texts, "iter_transform")
        if jobs <= 1:
            return map(self.process, texts)
        return parallel_tokens(self.config, self.get_state(), texts, jobs, chunk)


def preprocess_corpus(source: str | Path, options: CorpusOptions, preprocessor: Preprocessor,
                      jobs: int = 1) -> Iterator[tuple[Record, list[str]]]:
    """Stream (record, tokens) pairs for a corpus file or stdin, in input order, with flat memory. A row with an
    empty text is kept (with no tokens), so that output row N is input row N, as `predict` keeps it."""
    stats = ReadStats()
    pending: deque[Record] = deque()

    def texts() -> Iterator[str]:
        for record in read_corpus(source, options, stats=stats, keep_empty_text=True):
            pending.append(record)
            yield record.text

    for tokens in preprocessor.iter_transform(texts(), jobs=jobs):
        yield pending.popleft(), tokens
    stats.empty_text = 0  # kept, not skipped
    report_skipped(source_name(source), stats)
