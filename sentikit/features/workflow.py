"""`sentikit vectorize` as a library call: read a corpus, preprocess, fit the features, write the matrix
(`matrix.npz`, scipy's sparse format) and the vocabulary (`vocabulary.json`) and/or build the bag-of-words table.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sentikit.corpus import CorpusOptions, ReadStats, read_corpus, report_skipped, source_name
from sentikit.durable import umask
from sentikit.errors import DataError, OutputError
from sentikit.features.lean import bag_of_words_table, display_term
from sentikit.features.vectorize import FeatureConfig, fit_vectorizer
from sentikit.text.config import PreprocessConfig
from sentikit.text.pipeline import Preprocessor

OUTPUT_FILES = ("matrix.npz", "vocabulary.json")
DECIMALS = 4  # of the --show values, as the table prints every float: rounded once, the same in every format
LABEL_COLUMN = "document"  # the --show column of row labels ("doc 1"...), before the term columns


@dataclass
class BagOfWordsTable:
    """`--show N`: the first documents × the terms found in the most documents, values of the encoding."""

    documents: list[str]
    terms: list[str]
    values: np.ndarray  # (documents, terms)
    integer: bool  # binary and count values are whole numbers

    def rows(self, n_terms: int | None = None, names: list[str] | None = None) -> Iterator[dict[str, Any]]:
        """One dict per document: LABEL_COLUMN then the first `n_terms` terms (all by default), under `names`
        (the terms' output names, for one spelled like LABEL_COLUMN) or the terms themselves."""
        terms = (names if names is not None else self.terms)[:n_terms]
        block = self.values[:, : len(terms)]
        # Converted a block at a time: a Python call per cell is what made large tables slow.
        cells = block.astype(np.int64) if self.integer else np.round(block.astype(np.float64), DECIMALS)
        for document, row in zip(self.documents, cells.tolist(), strict=True):
            yield {LABEL_COLUMN: document, **dict(zip(terms, row, strict=True))}


@dataclass
class VectorizeResult:
    n_documents: int
    n_features: int
    table: BagOfWordsTable | None = None


def check_output(out: Path, *, force: bool) -> None:
    """Fail before any work if `out` is a model folder or inside one (never written into, even with `force`)
    or already holds a matrix or vocabulary (replaced only with `force`)."""
    from sentikit.artifact_files import MANIFEST_FILE
    from sentikit.artifact_targets import check_outside_models

    if out.exists() and not out.is_dir():
        raise OutputError(f"{out}: a file already exists there; --out names a folder for {' and '.join(OUTPUT_FILES)}",
                          hint="choose another --out; --force does not replace a file with a folder")
    above = next((parent for parent in out.parents if parent.exists()), None)  # the nearest that exists
    if above is not None and not above.is_dir():
        raise OutputError(f"{out}: {above} is a file, so no folder can be made inside it", hint="choose another --out")
    if (out / MANIFEST_FILE).exists():
        raise OutputError(f"{out}: is a model folder ({MANIFEST_FILE}); vectorize never writes into one",
                          hint="choose another --out")
    # Where the files would really land, symlinks followed: a link to a folder inside a model is inside it too.
    try:
        real = out.resolve()
    except (OSError, RuntimeError):  # a symlink loop: mkdir reports it below
        real = Path(os.path.abspath(out))
    check_outside_models(real)
    existing = [name for name in OUTPUT_FILES if os.path.lexists(out / name)]
    if existing and not force:
        one = len(existing) == 1
        raise OutputError(f"{out}: {' and '.join(existing)} already exist{'s' if one else ''} there",
                          hint=f"pass --force to replace {'it' if one else 'them'}, or choose another --out")


def _write_atomically(folder: Path, writers: dict[str, Callable[[str], object]]) -> None:
    """Write every file to a temporary name in the same folder, then rename them all: a failure never leaves
    half a file, nor a new matrix next to an old vocabulary. The files replaced before the last rename are
    kept under a second name (a hard link, so the common path copies nothing) until every rename succeeded: a
    failed later rename puts them back."""
    temps: dict[str, str] = {}
    backups: dict[str, str] = {}
    renamed: list[str] = []
    try:
        for name in writers:
            # Same suffix as the target: scipy's save_npz appends ".npz" to names without it.
            fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=Path(name).suffix, dir=folder)
            os.close(fd)
            temps[name] = tmp
            os.chmod(tmp, 0o644 & ~umask())
            writers[name](tmp)
        with _renaming(folder):
            for name in list(writers)[:-1]:  # the last one's failed rename leaves it as it was
                if os.path.lexists(folder / name):
                    backups[name] = _keep(folder / name, temps[name] + ".old")
            for name, tmp in temps.items():
                os.replace(tmp, folder / name)
                renamed.append(name)
    except BaseException as exc:
        for tmp in temps.values():
            Path(tmp).unlink(missing_ok=True)
        _put_back(folder, renamed, backups, exc)
        raise
    finally:
        for backup in backups.values():
            with contextlib.suppress(OSError):  # a stray hidden file is no reason to fail a finished write
                Path(backup).unlink(missing_ok=True)


@contextlib.contextmanager
def _renaming(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on `folder` while its files are renamed into place, so that two runs writing to
    the same folder at once rename their files in turn, and the pair left is one run's. The lock is on the
    folder itself (no lock file is left); where folders cannot be locked (Windows), renames are not serialised."""
    try:
        import fcntl

        fd = os.open(folder, os.O_RDONLY)
    except (ImportError, OSError):
        fd = None
    if fd is None:  # outside the except clause, so that an error in the renames is not chained to this one
        yield
        return
    try:
        with contextlib.suppress(OSError):  # a filesystem without locks: no worse than before
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def _keep(path: Path, backup: str) -> str:
    """A second name for `path` (a symlink stays a symlink), to put it back from."""
    try:
        os.link(path, backup, follow_symlinks=False)
    except (OSError, NotImplementedError):  # a filesystem without hard links: a copy keeps the data as well
        try:
            shutil.copy2(path, backup, follow_symlinks=False)
        except BaseException:
            Path(backup).unlink(missing_ok=True)  # a partial copy
            raise
    return backup


def _put_back(folder: Path, renamed: list[str], backups: dict[str, str], exc: BaseException) -> None:
    """Undo the renames done before `exc`: the previous file back from its backup, or the new one removed
    where there was none. If that fails too, the backup is kept (not deleted) and the error names it."""
    for name in reversed(renamed):
        try:
            if name in backups:
                os.replace(backups[name], folder / name)
                del backups[name]
            else:
                (folder / name).unlink()
        except OSError as undo:
            why = exc.strerror if isinstance(exc, OSError) else type(exc).__name__
            if name in backups:
                raise OutputError(f"{folder}: cannot write ({why}), and the previous {name} could not be put "
                                  f"back ({undo.strerror}): it is kept as {Path(backups.pop(name)).name}",
                                  hint=f"rename it back to {name}") from exc
            raise OutputError(f"{folder}: cannot write ({why}), and the new {name} could not be removed "
                              f"({undo.strerror}); it does not match the other file there",
                              hint="delete it, or rerun with --force once the cause is fixed") from exc


def vectorize_corpus(source: str, corpus: CorpusOptions, prep: PreprocessConfig, cfg: FeatureConfig, *,
                     out: Path | None, show: int, force: bool = False) -> VectorizeResult:
    """Fit the features on a corpus; write them to `out` (existing files only with `force`) and/or return the
    table of the first `show` documents × the `show` terms found in the most documents (each capped by what there
    is: fewer documents do not mean fewer terms)."""
    import scipy.sparse as sp

    if out is not None:
        check_output(out, force=force)
    stats = ReadStats()
    records = list(read_corpus(source, corpus, stats=stats))
    report_skipped(source_name(source), stats)
    if not records:  # every row was skipped (the warning above says why): name the input, as docs/errors.md does
        raise DataError(f"{source_name(source)}: no documents, only blank lines or empty texts",
                        hint="pass a file with one document per record")
    docs = Preprocessor(prep).fit().transform([r.text for r in records])
    fitted = fit_vectorizer(docs, cfg)
    result = VectorizeResult(n_documents=len(docs), n_features=fitted.n_features)
    if out is not None:
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"{out}: cannot create the output folder ({exc.strerror})") from exc
        vocabulary = {"terms": [display_term(t) for t in fitted.terms], "config": cfg.to_dict(),
                      "preprocess": prep.to_dict(),
                      "idf": fitted.idf.tolist() if fitted.idf is not None else None,
                      "labels": [r.label for r in records] if any(r.label for r in records) else None}
        try:
            _write_atomically(out, {
                "matrix.npz": lambda p: sp.save_npz(p, fitted.matrix),
                "vocabulary.json": lambda p: Path(p).write_text(json.dumps(vocabulary, ensure_ascii=False),
                                                                encoding="utf-8")})
        except OSError as exc:
            raise OutputError(f"{out}: cannot write ({exc.strerror})") from exc
    if show:
        labels, columns, values = bag_of_words_table(docs, fitted.lean(), show)
        result.table = BagOfWordsTable(labels, columns, values, integer=cfg.encoding in ("binary", "count"))
    return result
