"""`sentikit vectorize` as a library call: read a corpus, preprocess, fit the features, write the matrix
(`matrix.npz`, scipy's sparse format) and the vocabulary (`vocabulary.json`) and/or build the bag-of-words table.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sentikit.corpus import CorpusOptions, ReadStats, read_corpus, report_skipped, source_name
from sentikit.errors import OutputError
from sentikit.features.lean import bag_of_words_table, display_term
from sentikit.features.vectorize import FeatureConfig, fit_vectorizer
from sentikit.text.config import PreprocessConfig
from sentikit.text.pipeline import Preprocessor


@dataclass
class VectorizeResult:
    n_documents: int
    n_features: int
    table_columns: list[str] = field(default_factory=list)
    table_rows: list[dict[str, Any]] = field(default_factory=list)


def _write_atomically(folder: Path, name: str, write: Any) -> None:
    """Write to a temporary file in the same folder, then rename: a failure never leaves half a file."""
    # Same suffix as the target: scipy's save_npz appends ".npz" to names without it.
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=Path(name).suffix, dir=folder)
    os.close(fd)
    os.chmod(tmp, 0o644)
    try:
        write(tmp)
        os.replace(tmp, folder / name)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def vectorize_corpus(source: str, corpus: CorpusOptions, prep: PreprocessConfig, cfg: FeatureConfig, *,
                     out: Path | None, show: int) -> VectorizeResult:
    import scipy.sparse as sp

    stats = ReadStats()
    records = list(read_corpus(source, corpus, stats=stats))
    report_skipped(source_name(source), stats)
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
            _write_atomically(out, "matrix.npz", lambda p: sp.save_npz(p, fitted.matrix))
            _write_atomically(out, "vocabulary.json", lambda p: Path(p).write_text(
                json.dumps(vocabulary, ensure_ascii=False), encoding="utf-8"))
        except OSError as exc:
            raise OutputError(f"{out}: cannot write ({exc.strerror})") from exc
    if show:
        labels, columns, table = bag_of_words_table(docs, fitted.lean(), show)
        integer = cfg.encoding in ("binary", "count")
        result.table_columns = ["document", *columns]
        result.table_rows = [{"document": label, **{c: (int(v) if integer else round(float(v), 3))
                                                   for c, v in zip(columns, row)}}
                             for label, row in zip(labels, table)]
    return result
