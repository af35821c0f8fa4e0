"""Tests for sentikit.text: golden outputs of the whole pipeline in both languages, character units, state round
trips, worker processes, stopword sources, and a property test that preprocessing never raises.

Golden files: `tests/golden/input_{lang}.txt` holds one raw text per line and `tests/golden/{lang}_{mode}.txt`
the expected tokens of each line, separated by spaces. After a deliberate change to the text code, regenerate
them with

    SENTIKIT_REGEN_GOLDEN=1 .venv/bin/python -m pytest tests/test_text.py -k golden

and read the diff line by line before committing it.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sentikit.corpus import CorpusOptions
from sentikit.errors import DataError
from sentikit.text import PreprocessConfig, Preprocessor, detect_language
from sentikit.text.config import LANGS, MORPHS, TOKEN_UNITS
from sentikit.text.normalize import normalize_text
from sentikit.text.pipeline import preprocess_corpus
from sentikit.text.stopwords import NEGATIONS, is_negation, load_stopwords, nltk_data_dirs, read_stopword_file
from sentikit.text.tokenize import char_units, word_tokens

GOLDEN = Path(__file__).parent / "golden"
REGEN = os.environ.get("SENTIKIT_REGEN_GOLDEN") == "1"

# Hermetic settings: the built-in stopword lists and simplemma, whatever NLTK data this machine has.
MODES: dict[str, dict[str, object]] = {
    "tokens": {"morph": "none"},
    "auto": {},  # the default: Russian lemmas, English forms as written
    "stopwords": {"remove_stopwords": True, "stopword_source": "builtin", "morph": "none"},
    "lemmas": {"morph": "lemma", "en_lemmatizer": "simplemma"},
    "stems": {"morph": "stem"},
    "lemmas_stopwords": {"morph": "lemma", "en_lemmatizer": "simplemma", "remove_stopwords": True,
                         "stopword_source": "builtin"},
}


def golden_inputs(lang: str) -> list[str]:
    return (GOLDEN / f"input_{lang}.txt").read_text(encoding="utf-8").splitlines()


def check_golden(name: str, inputs: list[str], outputs: list[list[str]]) -> None:
    """Compare token lists with `tests/golden/{name}.txt`, or rewrite it when SENTIKIT_REGEN_GOLDEN=1."""
    path = GOLDEN / f"{name}.txt"
    got = [" ".join(tokens) for tokens in outputs]
    if REGEN:
        path.write_text("".join(line + "\n" for line in got), encoding="utf-8")
        return
    assert path.is_file(), f"{path} is missing: run with SENTIKIT_REGEN_GOLDEN=1 to create it"
    expected = path.read_text(encoding="utf-8").splitlines()
    assert len(expected) == len(inputs), f"{path} has {len(expected)} lines for {len(inputs)} inputs"
    mismatches = [f"  input:    {text}\n  expected: {want}\n  got:      {have}"
                  for text, want, have in zip(inputs, expected, got) if want != have]
    assert not mismatches, f"{name}: {len(mismatches)} line(s) differ\n" + "\n".join(mismatches)


def make(**kwargs: object) -> Preprocessor:
    return Preprocessor(PreprocessConfig(**kwargs)).fit()  # type: ignore[arg-type]


def tokens_of(text: str, **kwargs: object) -> list[str]:
    return make(**kwargs).process(text)


# -- golden files ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", sorted(MODES))
@pytest.mark.parametrize("lang", ["ru", "en"])
def test_golden(lang: str, mode: str) -> None:
    inputs = golden_inputs(lang)
    pre = make(lang=lang, **MODES[mode])
    check_golden(f"{lang}_{mode}", inputs, [pre.process(text) for text in inputs])


# -- normalisation and tokenization: the rules, one by one -----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Don't", ["don't"]),
        ("Don’t", ["don't"]),  # typographic apostrophe
        ("don&rsquo;t", ["don't"]),  # ... also when it comes from an HTML entity
        ("isn`t", ["isn't"]),
        ("Ёлка ЁЖ", ["елка", "еж"]),
        ("great<br />movie<br/>", ["great", "movie"]),
        ("<p class='x'>Hi</p>", ["hi"]),
        ("price < quality > hype", ["price", "quality", "hype"]),  # not a tag
        ("a &amp; b &lt;3", ["a", "b", "<3"]),
        ("see https://x.com/a?b=1, ok", ["see", "<url>", "ok"]),
        ("WWW.Site.RU rocks", ["<url>", "rocks"]),
        ("@user_1 hi, mail a@b.c", ["<user>", "hi", "mail", "a", "b", "c"]),
        (":) :-( :D ;) xD 8) =) <3 )))) (((", [":)", ":-(", ":d", ";)", "xd", "8)", "=)", "<3", "))))", "((("]),
        ("Класс :Р :З", ["класс", ":р", ":з"]),
        ("😀 👍🏽 🇷🇺 ❤️ 👨‍👩‍👧", ["😀", "👍🏽", "🇷🇺", "❤️", "👨‍👩‍👧"]),
        ("рок-н-ролл rock'n'roll well-made", ["рок-н-ролл", "rock'n'roll", "well-made"]),
        ("snake_case", ["snake", "case"]),
        ("замо́к", ["замок"]),  # stress mark (combining acute) does not split the word
        ("e\u0301cole", ["école"]),  # decomposed -> NFC
        ("tab\tnew\nline\u00a0nbsp\u200bzw", ["tab", "new", "line", "nbspzw"]),  # zero-width space: inside a word
        ("nul\x00byte", ["nul", "byte"]),
        ("", []),
        ("   ...!!! ", []),
    ],
)
def test_normalise_and_tokenize(text: str, expected: list[str]) -> None:
    assert tokens_of(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3.5 stars, 1,000 people, 10%", ["<num>", "stars", "<num>", "people", "<num>"]),
        ("mp3 123abc abc123 x2", ["mp3", "123abc", "abc123", "x2"]),  # digits inside words stay
        ("I <3 it", ["i", "<3", "it"]),  # the heart is not a number
        ("до 16:00", ["до", "<num>", "<num>"]),
    ],
)
def test_number_placeholder(text: str, expected: list[str]) -> None:
    assert tokens_of(text, number_placeholder=True) == expected


def test_placeholders_and_case_can_be_turned_off() -> None:
    text = "Visit https://x.com @Bob <b>NOW</b>"
    assert tokens_of(text, url_placeholder=False, mention_placeholder=False, strip_html=False,
                     lowercase=False) == ["Visit", "https", ":/", "x", "com", "Bob", "b", "NOW", "b"]


def test_emoticons_keep_their_case_without_lowercasing() -> None:
    assert tokens_of("XD :D :P", lowercase=False) == ["XD", ":D", ":P"]


@pytest.mark.parametrize(
    ("text", "lang", "kept"),
    [
        ("не хорошо и нет смысла, ни за что", "ru", ["не", "нет", "ни"]),
        ("никогда ничего нельзя без него", "ru", ["никогда", "ничего", "нельзя", "без"]),
        ("I don't know, not now, no way, never, nothing", "en", ["don't", "not", "no", "never", "nothing"]),
        ("it isn't, I can't, you won't, they cannot", "en", ["isn't", "can't", "won't", "cannot"]),
    ],
)
@pytest.mark.parametrize("morph", MORPHS)
def test_negations_survive_stopwords_and_morphology(text: str, lang: str, kept: list[str], morph: str) -> None:
    out = tokens_of(text, lang=lang, remove_stopwords=True, stopword_source="builtin", morph=morph,
                    en_lemmatizer="simplemma")
    for word in kept:
        assert word in out, (word, out)


def test_drop_negations_removes_them() -> None:
    out = tokens_of("не хорошо, not good", remove_stopwords=True, stopword_source="builtin", keep_negations=False)
    assert out == ["хорошо", "good"]


def test_extra_stopwords_are_folded_like_the_text() -> None:
    pre = make(remove_stopwords=True, stopword_source="builtin", extra_stopwords=("Фильм", "ЁЖИК"), morph="none")
    assert pre.process("Фильм про ёжика и ежика, ёжик") == ["ежика", "ежика"]


def test_stopwords_apply_without_lowercasing() -> None:
    assert tokens_of("The Movie", lowercase=False, remove_stopwords=True, stopword_source="builtin") == ["Movie"]


def test_lemma_that_is_a_stopword_is_dropped() -> None:
    # "этим" is not in the list but its lemma "этот" is; "фильмом" -> "фильм" is a real word and stays.
    out = tokens_of("этим фильмом", lang="ru", morph="lemma", remove_stopwords=True, stopword_source="builtin")
    assert out == ["фильм"]


@pytest.mark.parametrize(
    ("unit", "expected"),
    [
        ("char1", ["н", "е", "_", "п", "л", "о", "х", "о"]),
        ("char2", ["не", "е_", "_п", "пл", "ло", "ох", "хо"]),
        ("char3", ["не_", "е_п", "_пл", "пло", "лох", "охо"]),
    ],
)
def test_char_units(unit: str, expected: list[str]) -> None:
    assert tokens_of("Не плохо!", tokens=unit) == expected


@pytest.mark.parametrize(("words", "n", "expected"), [([], 3, []), (["ок"], 3, ["ок"]), (["a", "b"], 3, ["a_b"]),
                                                       (["ab"], 1, ["a", "b"])])
def test_char_units_edges(words: list[str], n: int, expected: list[str]) -> None:
    assert char_units(words, n) == expected


def test_char_units_apply_after_stopwords_and_lemmas() -> None:
    out = tokens_of("the movies", lang="en", tokens="char3", morph="lemma", en_lemmatizer="simplemma",
                    remove_stopwords=True, stopword_source="builtin")
    assert out == ["mov", "ovi", "vie"]


@pytest.mark.parametrize(("text", "lang"), [("Отличный фильм", "ru"), ("great movie", "en"),
                                            ("фильм is great", "en"), ("", "en")])
def test_detect_language(text: str, lang: str) -> None:
    assert detect_language(text) == lang


def test_word_tokens_of_normalised_text() -> None:
    config = PreprocessConfig()
    assert word_tokens(normalize_text("Hi <br />THERE :)", config)) == ["hi", "there", ":)"]


# -- state, workers, streaming ------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", sorted(MODES))
def test_state_round_trip_gives_identical_output(mode: str) -> None:
    texts = golden_inputs("ru") + golden_inputs("en")
    config = PreprocessConfig(tokens="char2" if mode == "stems" else "word", **MODES[mode])  # type: ignore[arg-type]
    fitted = Preprocessor(config).fit()
    state = json.loads(json.dumps(fitted.get_state()))  # what an artifact stores
    rebuilt = Preprocessor.from_state(PreprocessConfig.from_dict(json.loads(json.dumps(config.to_dict()))), state)
    assert rebuilt.get_state() == fitted.get_state()
    assert [rebuilt.process(t) for t in texts] == [fitted.process(t) for t in texts]


def test_get_state_records_where_the_lists_came_from() -> None:
    state = make(lang="ru", remove_stopwords=True, stopword_source="builtin", morph="lemma",
                 en_lemmatizer="simplemma").get_state()
    assert "built-in" in state["stopword_sources"]["ru"]
    assert state["en_lemmatizer"] == "simplemma"
    assert "не" not in state["stopwords"]  # negations kept
    assert "и" in state["stopwords"]


@pytest.mark.parametrize("chunk", [1, 3, 512])
def test_two_jobs_give_the_same_output_in_the_same_order(chunk: int) -> None:
    texts = [f"{i} " + t for i, t in enumerate((golden_inputs("ru") + golden_inputs("en")) * 3)]
    pre = make(morph="lemma", en_lemmatizer="simplemma", remove_stopwords=True, stopword_source="builtin")
    one = list(pre.iter_transform(texts, jobs=1))
    two = list(pre.iter_transform(iter(texts), jobs=2, chunk=chunk))
    assert two == one
    assert one == pre.transform(texts)


@pytest.mark.parametrize(("jobs", "chunk"), [(1, 512), (2, 512), (2, 3)])
def test_texts_read_before_an_input_error_are_processed_first(jobs: int, chunk: int) -> None:
    """A bad line deep in a file (a decoding error) ends the run; the lines before it still come out, with
    one job or several."""
    def texts() -> Iterator[str]:
        for i in range(10):
            yield f"text {i}"
        raise ValueError("bad line 11")

    out: list[list[str]] = []
    with pytest.raises(ValueError, match="bad line 11"):
        for tokens in make().iter_transform(texts(), jobs=jobs, chunk=chunk):
            out.append(tokens)
    assert out == [["text", str(i)] for i in range(10)]


@pytest.mark.skipif(not hasattr(signal, "pthread_sigmask"), reason="POSIX signal masks")
def test_starting_the_workers_leaves_the_callers_signal_mask_as_it_was() -> None:
    """Ctrl-C is held while the workers start, then the mask is put back as it was: a caller's thread that keeps
    SIGINT blocked (a server thread, say) still has it blocked after, and the main thread still gets it."""
    masks: dict[str, bool] = {}

    def in_a_thread() -> None:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        assert list(make().iter_transform(["good film"] * 5, jobs=2, chunk=2)) == [["good", "film"]] * 5
        masks["thread"] = signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, set())

    worker = threading.Thread(target=in_a_thread)
    worker.start()
    worker.join()
    assert list(make().iter_transform(["good film"], jobs=2)) == [["good", "film"]]
    masks["main"] = signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, set())
    assert masks == {"thread": True, "main": False}


def test_ctrl_c_while_the_workers_start_leaves_no_worker_behind(monkeypatch: pytest.MonkeyPatch) -> None:
    import multiprocessing

    from sentikit.text import workers

    real = multiprocessing.get_context

    class Context:  # the real one, but Ctrl-C comes while its pool starts (held until then)
        def __init__(self, method: str | None) -> None:
            self._context = real(method)

        def Pool(self, *args: Any, **kwargs: Any) -> Any:  # multiprocessing's name
            pool = self._context.Pool(*args, **kwargs)
            os.kill(os.getpid(), signal.SIGINT)
            return pool

    monkeypatch.setattr(workers.multiprocessing, "get_context", lambda method=None: Context(method))
    with pytest.raises(KeyboardInterrupt) as info:
        list(make().iter_transform(["good film"] * 5, jobs=2))
    # While the exception lives (a notebook keeps the last one), its frames keep the pool: it must be torn down.
    assert info.tb is not None and multiprocessing.active_children() == []


def test_preprocess_corpus_streams_records_with_their_tokens(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("text,label,id\nОтличный фильм,pos,1\n,neg,2\nnot good,neg,3\n", encoding="utf-8")
    for jobs in (1, 2):
        pairs = list(preprocess_corpus(path, CorpusOptions(), make(), jobs=jobs))
        assert [(r.label, r.extra["id"], toks) for r, toks in pairs] == [  # the empty text keeps its row
            ("pos", "1", ["отличный", "фильм"]), ("neg", "2", []), ("neg", "3", ["not", "good"])]


def test_cache_restarts_beyond_its_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    from sentikit.text import pipeline

    monkeypatch.setattr(pipeline, "_CACHE_LIMIT", 5)
    pre = make()
    out = [pre.process(f"w{i} x{i} y{i}") for i in range(10)]
    assert out[9] == ["w9", "x9", "y9"]
    assert len(pre._cache) <= 8


# -- stopword sources --------------------------------------------------------------------------------------------


def fake_nltk(root: Path, lists: dict[str, str], as_zip: bool = False) -> Path:
    if as_zip:
        (root / "corpora").mkdir(parents=True)
        with zipfile.ZipFile(root / "corpora" / "stopwords.zip", "w") as zf:
            for name, words in lists.items():
                zf.writestr(f"stopwords/{name}", words)
    else:
        folder = root / "corpora" / "stopwords"
        folder.mkdir(parents=True)
        for name, words in lists.items():
            (folder / name).write_text(words, encoding="utf-8")
    return root


@pytest.mark.parametrize("as_zip", [False, True])
def test_nltk_stopwords_are_used_when_present(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, as_zip: bool) -> None:
    root = fake_nltk(tmp_path / "nltk_data", {"russian": "и\nне\nхорошо\nёлка\n", "english": "the\nnot\nmovie\n"},
                     as_zip)
    monkeypatch.setenv("NLTK_DATA", str(root))
    words, origin = load_stopwords("ru")
    # NLTK's Russian list holds хорошо: a polarity word, left out of every list sentikit loads.
    assert origin.startswith("NLTK") and words == ["елка", "и", "не"]
    pre = make(remove_stopwords=True)
    assert pre.stopword_sources_ == {"ru": "NLTK stopwords corpus (russian)", "en": "NLTK stopwords corpus (english)"}
    assert pre.process("не хорошо и ёлка, not the movie") == ["не", "хорошо", "not"]
    # A user's own list is applied as written.
    assert make(remove_stopwords=True, extra_stopwords=("хорошо",)).process("не хорошо") == ["не"]


def test_builtin_stopwords_otherwise(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NLTK_DATA", str(tmp_path / "nowhere"))
    monkeypatch.setenv("HOME", str(tmp_path))
    if any((d / "corpora" / "stopwords").exists() or (d / "corpora" / "stopwords.zip").exists()
           for d in nltk_data_dirs()):
        pytest.skip("this machine has NLTK's stopword corpus installed system-wide")
    for lang in ("ru", "en"):
        words, origin = load_stopwords(lang)
        assert origin.startswith("built-in") and len(words) > 100
        assert NEGATIONS[lang] & set(words)  # in the list; the pipeline keeps them
    with pytest.raises(DataError, match="not installed"):
        load_stopwords("ru", "nltk")


def test_builtin_lists_are_folded_and_leave_out_sentiment_words() -> None:
    words, _ = load_stopwords("ru", "builtin")
    assert "хорошо" not in words and "лучше" not in words
    assert not [w for w in words if "ё" in w or w != w.lower()]


@pytest.mark.parametrize("word", ["не", "нет", "not", "don't", "ain't", "never"])
def test_is_negation(word: str) -> None:
    assert is_negation(word)


def test_read_stopword_file(tmp_path: Path) -> None:
    path = tmp_path / "sw.txt"
    path.write_text("\ufeffФильм кино # comment\n\n# only a comment\nЁлка\n", encoding="utf-8")
    assert read_stopword_file(path) == ["Фильм", "кино", "Ёлка"]  # as written; fit normalises them
    with pytest.raises(DataError, match="no such stopword file"):
        read_stopword_file(tmp_path / "missing.txt")
    (tmp_path / "bad.txt").write_bytes(b"\xff\xfe\xfa")
    with pytest.raises(DataError, match="UTF-8"):
        read_stopword_file(tmp_path / "bad.txt")
    # Read at most 16 MiB, so a device that never ends (/dev/zero, /dev/urandom) is refused, not swallowed.
    (tmp_path / "binary.txt").write_bytes(b"good\n\x00bad")
    with pytest.raises(DataError, match=r"binary.txt: is not a stopword file \(it holds NUL bytes\)"):
        read_stopword_file(tmp_path / "binary.txt")
    (tmp_path / "huge.txt").write_bytes(b"word\n" * ((16 << 20) // 5 + 1))
    with pytest.raises(DataError, match=r"huge.txt: is not a stopword file \(it is over 16 MiB\)"):
        read_stopword_file(tmp_path / "huge.txt")


def test_wordnet_without_its_data_is_a_data_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sentikit.text import morphology

    monkeypatch.setattr(morphology, "wordnet_installed", lambda: False)
    with pytest.raises(DataError, match="WordNet"):
        make(morph="lemma", en_lemmatizer="wordnet")
    pre = Preprocessor.from_state(PreprocessConfig(morph="lemma"), {"stopwords": [], "en_lemmatizer": "wordnet"})
    with pytest.raises(DataError, match="WordNet"):
        pre.process("movies")


# -- property tests ---------------------------------------------------------------------------------------------

configs = st.builds(
    PreprocessConfig,
    lang=st.sampled_from(LANGS),
    lowercase=st.booleans(),
    strip_html=st.booleans(),
    url_placeholder=st.booleans(),
    mention_placeholder=st.booleans(),
    number_placeholder=st.booleans(),
    remove_stopwords=st.booleans(),
    keep_negations=st.booleans(),
    extra_stopwords=st.lists(st.text(max_size=8), max_size=3).map(tuple),
    stopword_source=st.just("builtin"),
    morph=st.sampled_from(MORPHS),
    en_lemmatizer=st.just("simplemma"),
    tokens=st.sampled_from(TOKEN_UNITS),
)
# Every code point, surrogates included, with review-like pieces mixed in so the interesting branches run.
pieces = st.sampled_from(["<br />", "&amp;", "&#769;", "http://x.ru/", "@me", ":-)", "не", "don't", "Ёж", "12.5",
                          "\u0301", "\x00", "’", "İ", "😀\u200d", "🇷", "-", "'", "_"])
texts = st.lists(st.one_of(st.text(alphabet=st.characters(exclude_categories=()), max_size=30), pieces),
                 max_size=12).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(config=configs, text=texts)
def test_preprocessing_never_raises(config: PreprocessConfig, text: str) -> None:
    tokens = Preprocessor(config).fit().process(text)
    assert isinstance(tokens, list)
    for token in tokens:
        assert isinstance(token, str) and token
        assert not any(ch.isspace() for ch in token)  # the txt output joins tokens with spaces
        token.encode("utf-8")  # writable to stdout


def test_default_morph_lemmatizes_russian_words_only() -> None:
    """`morph="auto"` (the default): pymorphy3 lemmas for Cyrillic words, Latin words exactly as `none` leaves them."""
    text = "Фильмы понравились, the movies were great"
    assert PreprocessConfig().morph == "auto"
    auto = tokens_of(text)
    assert auto[:2] == tokens_of("Фильмы понравились", morph="lemma", lang="ru")
    assert auto[2:] == tokens_of("the movies were great", morph="none")
