"""Pretrained word vectors in the word2vec / fastText text format (`.vec`, optionally gzipped).

Owns turning such a file into an embedding matrix aligned with a sentikit vocabulary. Files can hold
millions of rows, so they are streamed line by line and only rows whose word is in the vocabulary are
parsed into floats; every row's field count is still checked so a truncated or wrong-dimension file fails
with its file:line instead of silently yielding a half-filled matrix.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import IO

import numpy as np

from sentikit.errors import DataError

_PAD_ID = 0  # see sentikit.features.sequences
_FLOAT32_MAX = float(np.finfo(np.float32).max)


def _open(path: Path) -> IO[bytes]:
    return gzip.open(path, "rb") if path.suffix == ".gz" else path.open("rb")


def load_word_vectors(
    path: str | Path, vocab: list[str], dim: int, *, seed: int = 13
) -> tuple[np.ndarray, int]:
    """(V, dim) float32 matrix for `vocab` and how many vocabulary words the file covered.

    The optional first line "count dim" is checked against `dim`. Words missing from the file get random
    normal vectors with the spread of the found ones (so the two groups start on the same scale), from a
    generator seeded with `seed`; the PAD row is zero. The first occurrence of a duplicated word wins.
    """
    path = Path(path)
    index = {word: i for i, word in enumerate(vocab)}
    matrix = np.zeros((len(vocab), dim), dtype=np.float32)
    found = np.zeros(len(vocab), dtype=bool)
    try:
        with _open(path) as stream:
            for line_no, raw in enumerate(stream, start=1):
                where = f"{path}:{line_no}"
                try:
                    line = raw.decode("utf-8").rstrip()  # fastText ends rows with a space before "\n"
                except UnicodeDecodeError as err:
                    raise DataError(f"{where}: not valid UTF-8 ({err.reason})") from None
                if line_no == 1:  # a UTF-8 BOM (Windows editors) is neither part of the header nor of a word
                    line = line.removeprefix("\ufeff")
                if not line:
                    continue
                word, _, rest = line.partition(" ")
                n_values = rest.count(" ") + 1 if rest else 0
                if line_no == 1 and n_values == 1 and word.isdigit() and rest.isdigit():
                    if int(rest) != dim:
                        raise DataError(f"{where}: file has {rest}-dimensional vectors, expected {dim}")
                    continue
                if n_values != dim:
                    raise DataError(f"{where}: expected a word and {dim} numbers, found {n_values} numbers")
                row = index.get(word)
                if row is None or found[row]:
                    continue
                try:
                    values = np.array(rest.split(" "), dtype=np.float64)
                except ValueError:
                    raise DataError(f"{where}: malformed number in the vector of {word!r}") from None
                # "nan", "inf" and numbers beyond float32 (1e39 casts to inf) parse without complaint; one such
                # row makes the first training step non-finite, reported much later as a diverging lr.
                if not np.isfinite(values).all():
                    raise DataError(f"{where}: non-finite number in the vector of {word!r}")
                if np.abs(values).max() > _FLOAT32_MAX:
                    raise DataError(f"{where}: number beyond the float32 range in the vector of {word!r}")
                matrix[row] = values
                found[row] = True
    except OSError as err:
        raise DataError(f"cannot read word vectors {path}: {err.strerror or err}") from None
    except EOFError:
        raise DataError(f"{path}: truncated gzip file") from None

    found[_PAD_ID] = False
    scale = float(matrix[found].std()) if found.any() else 0.1
    missing = ~found
    missing[_PAD_ID] = False
    rng = np.random.default_rng(seed)
    matrix[missing] = rng.normal(0.0, scale or 0.1, size=(int(missing.sum()), dim)).astype(np.float32)
    matrix[_PAD_ID] = 0.0
    n_found = int(found.sum())
    return matrix, n_found
