"""Stopword lists for Russian and English, and the negations that survive stopword removal.

NLTK's stopword corpus is used when the user has it installed (read straight from its files, so nltk itself
is not imported); otherwise the lists shipped in `sentikit/text/stopwords/`.
"""

from __future__ import annotations

import os
import sys
import zipfile
from importlib import resources
from pathlib import Path

from sentikit.errors import DataError

NLTK_NAMES = {"ru": "russian", "en": "english"}

NEGATIONS: dict[str, frozenset[str]] = {
    "en": frozenset({"not", "no", "nor", "never", "none", "nobody", "nothing", "neither", "nowhere", "cannot",
                     "without", "n't"}),
    "ru": frozenset({"не", "нет", "ни", "ничего", "никогда", "никак", "никто", "ничто", "нигде", "нельзя", "без",
                     "ниче", "неа"}),
}
# What is left of an n't form whose apostrophe was typed as a space or an unusual character ("didn t"). The
# English lists (NLTK's, ours) hold these stubs, so without counting them as negations stopword removal would
# take the negation away.
EN_NEGATION_STUBS: frozenset[str] = frozenset({
    "ain", "aren", "couldn", "didn", "doesn", "don", "hadn", "hasn", "haven", "isn", "mightn", "mustn", "needn",
    "shan", "shouldn", "wasn", "weren", "won", "wouldn"})

# Words with a polarity of their own that general-purpose lists include: NLTK's Russian list has хорошо and
# лучше, which a sentiment model must see. Taken out of every list sentikit loads (a user's own --stopwords file
# is the user's choice and is applied as written).
POLARITY_WORDS: frozenset[str] = frozenset({"хорошо", "лучше", "плохо", "хуже", "good", "better", "best", "bad",
                                            "worse", "worst"})


def is_negation(word: str, *, stubs: bool = True) -> bool:
    """Whether stopword removal must keep `word`; `stubs=False` is text rules version 1, before n't stubs
    counted (see `sentikit.text.normalize.TEXT_RULES`)."""
    return (word in NEGATIONS["en"] or word in NEGATIONS["ru"] or word.endswith("n't")
            or (stubs and word in EN_NEGATION_STUBS))


def nltk_data_dirs() -> list[Path]:
    """The folders NLTK searches for its data, computed without importing nltk (which costs ~1.5 s)."""
    dirs = [Path(p) for p in os.environ.get("NLTK_DATA", "").split(os.pathsep) if p]
    dirs.append(Path.home() / "nltk_data")
    for prefix in {sys.prefix, sys.base_prefix}:
        dirs += [Path(prefix) / "nltk_data", Path(prefix) / "share" / "nltk_data", Path(prefix) / "lib" / "nltk_data"]
    dirs += [Path(p) for p in ("/usr/share/nltk_data", "/usr/local/share/nltk_data", "/usr/lib/nltk_data",
                               "/usr/local/lib/nltk_data")]
    return dirs


def _read_nltk_list(lang: str) -> list[str] | None:
    name = NLTK_NAMES[lang]
    for base in nltk_data_dirs():
        plain = base / "corpora" / "stopwords" / name
        if plain.is_file():
            return plain.read_text(encoding="utf-8").split()
        archive = base / "corpora" / "stopwords.zip"
        if archive.is_file():
            try:
                with zipfile.ZipFile(archive) as zf:
                    return zf.read(f"stopwords/{name}").decode("utf-8").split()
            except (KeyError, zipfile.BadZipFile, OSError):
                continue
    return None


def _read_builtin(lang: str) -> list[str]:
    text = resources.files("sentikit.text").joinpath("stopwords", f"{lang}.txt").read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def load_stopwords(lang: str, source: str = "auto", *,
                   builtin_hint: str = "set stopword_source='builtin'") -> tuple[list[str], str]:
    """Return (words, where they came from) for 'ru' or 'en'; ё is folded to е like the normaliser does.

    `builtin_hint` says how the caller's user picks the built-in lists instead (a command names its option)."""
    words: list[str] | None = None
    origin = f"built-in list ({lang}.txt shipped with sentikit)"
    if source in ("auto", "nltk"):
        words = _read_nltk_list(lang)
        if words is not None:
            origin = f"NLTK stopwords corpus ({NLTK_NAMES[lang]})"
        elif source == "nltk":
            raise DataError("NLTK's stopword corpus is not installed",
                            hint=f"run `python -m nltk.downloader stopwords`, or {builtin_hint}")
    if words is None:
        words = _read_builtin(lang)
    return sorted({w.lower().replace("ё", "е") for w in words} - POLARITY_WORDS), origin


_MAX_STOPWORD_BYTES = 16 << 20  # the largest published lists are a few hundred KB


def read_stopword_file(path: str | Path) -> list[str]:
    """Words from a user's --stopwords FILE as written: one or more per line, '#' starts a comment."""
    p = Path(path)
    what = "a UTF-8 text file of stopwords, one or more per line ('#' starts a comment)"
    try:
        with p.open("rb") as handle:  # at most: a device such as /dev/zero never ends
            data = handle.read(_MAX_STOPWORD_BYTES + 1)
        if len(data) > _MAX_STOPWORD_BYTES or b"\0" in data:
            why = "it holds NUL bytes" if b"\0" in data else "it is over 16 MiB"
            raise DataError(f"{p}: is not a stopword file ({why})", hint=f"--stopwords takes {what}")
        text = data.decode("utf-8-sig")
    except FileNotFoundError as exc:
        raise DataError(f"{p}: no such stopword file", hint=f"check the path; --stopwords takes {what}") from exc
    except IsADirectoryError as exc:
        raise DataError(f"{p}: is a folder, not a stopword file", hint=f"--stopwords takes {what}") from exc
    except OSError as exc:
        raise DataError(f"{p}: cannot read the stopword file ({exc.strerror})",
                        hint="check the file's permissions") from exc
    except UnicodeDecodeError as exc:
        raise DataError(f"{p}: cannot read the stopword file as UTF-8 text",
                        hint="convert it to UTF-8, e.g. iconv -f cp1251 -t utf-8") from exc
    words: list[str] = []
    for line in text.splitlines():
        words += line.split("#", 1)[0].split()
    return words  # as written: `Preprocessor.fit` normalises them like the text (`normalize_word`)
