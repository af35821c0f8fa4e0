"""The review corpora bundled with sentikit (data/ in the source tree), reachable after `pip install` too.

`bundled:ru` and `bundled:en` work wherever a corpus path is accepted.
"""

from __future__ import annotations

import sys
from pathlib import Path

from sentikit.errors import DataError

BUNDLED = {"ru": "reviews_ru.csv", "en": "reviews_en.csv"}
PREFIX = "bundled:"


def bundled_dirs() -> list[Path]:
    """Source checkout / editable install first, then the wheel's data-files location."""
    return [Path(__file__).resolve().parent.parent / "data", Path(sys.prefix) / "share" / "sentikit" / "data"]


def bundled_corpus(name: str) -> Path:
    """Path of a bundled corpus: 'ru' or 'en'."""
    if name not in BUNDLED:
        raise DataError(f"no bundled corpus {name!r}", hint=f"choose one of: {', '.join(map(repr, BUNDLED))}")
    for folder in bundled_dirs():
        candidate = folder / BUNDLED[name]
        if candidate.is_file():
            return candidate
    raise DataError(f"the bundled corpus {name!r} is not installed", hint="reinstall sentikit")


def resolve_corpus_path(path: str | Path) -> str | Path:
    """Turn `bundled:ru` into the file's path; anything else is returned unchanged."""
    text = str(path)
    if not text.startswith(PREFIX):
        return path
    if text[len(PREFIX):] not in BUNDLED:  # named as the command line names them
        raise DataError(f"no bundled corpus {text!r}", hint=f"choose one of: {', '.join(PREFIX + k for k in BUNDLED)}")
    return bundled_corpus(text[len(PREFIX):])
