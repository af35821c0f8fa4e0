"""`compare`: several architectures on the same split with the same preprocessing, one row each.

The corpus is read, split and preprocessed once; each architecture is then fitted, saved (to a kept folder or a
temporary one, to measure the artifact), loaded back and timed on the dev texts end to end (warm, repeated for
PREDICT_TIMING_SECONDS).

An architecture that fails (a bad word-vector row, a diverging run, a full disk, out of memory) does not end
the comparison: the others are still worth their hours, so it is reported and skipped, and `ComparisonFailed`
at the end names it and carries the rows of the rest. Ctrl-C ends the whole comparison
(`ComparisonInterrupted`); anything else (a bug) propagates at once, after the rows so far went to `on_row`.
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sentikit.corpus import CorpusOptions
from sentikit.errors import (
    ComparisonFailed,
    ComparisonInterrupted,
    DataError,
    Interrupted,
    SentikitError,
    UsageError,
)
from sentikit.memory import OUT_OF_MEMORY, is_out_of_memory
from sentikit.text.config import PreprocessConfig
from sentikit.training.pipeline import (
    EventHandler,
    Prepared,
    TrainSettings,
    build_manifest,
    get_trainer,
    prepare,
)
from sentikit.training.trainers import check_overrides, check_vectors, preload, warn_unused_settings

log = logging.getLogger("sentikit")

# predict_docs_per_s times the dev documents again and again for this long after one untimed warm-up call: a
# single cold call on a few dozen documents measured lazy imports and first allocations (RNNs read ~90 docs/s).
PREDICT_TIMING_SECONDS = 0.5

COLUMNS = ("arch", "accuracy", "macro_f1", "train_seconds", "predict_docs_per_s", "parameters", "artifact_kb",
           "best_epoch")


def folder_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def predict_docs_per_s(model: Any, texts: Sequence[str], seconds: float = PREDICT_TIMING_SECONDS) -> float:
    """Documents per second of `model.predict_proba` on `texts`, warm: one untimed call, then calls until
    `seconds` have passed (at least one)."""
    if not texts:
        return 0.0
    model.predict_proba(texts)
    done, started = 0, time.perf_counter()
    while True:
        model.predict_proba(texts)
        done += len(texts)
        elapsed = time.perf_counter() - started
        if elapsed >= seconds:
            return done / elapsed


def _finished(rows: list[dict[str, Any]]) -> str:
    return ", ".join(row["arch"] for row in rows) or "none"


def _stopped(arch: str, rows: list[dict[str, Any]], failures: dict[str, SentikitError]) -> ComparisonInterrupted:
    """"interrupted while training gru (finished: nb; failed: logreg)": under -q, the failures' warnings were not
    shown, and this line is all that is said."""
    failed = f"; failed: {', '.join(failures)}" if failures else ""
    return ComparisonInterrupted(f"interrupted while training {arch} (finished: {_finished(rows)}{failed})", rows)


def _failed(rows: list[dict[str, Any]], failures: dict[str, SentikitError]) -> ComparisonFailed:
    """One line for all the failures: "gru failed (finished: logreg, nbsvm): ERROR"; architectures that
    failed the same way share their message."""
    by_message: dict[str, list[str]] = {}
    for arch, error in failures.items():
        by_message.setdefault(str(error), []).append(arch)
    names = list(failures)
    who = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    if len(by_message) == 1:
        why = next(iter(by_message))
    else:
        why = "; ".join(f"{' and '.join(archs)}: {message}" for message, archs in by_message.items())
    return ComparisonFailed(f"{who} failed (finished: {_finished(rows)}): {why}", rows, failures)


def _failure(error: Exception) -> SentikitError | None:
    """What is kept of an architecture's failure, or None for a bug. Not its traceback: its frames would keep
    that architecture's network, optimizer state and batches alive while the next one trains (after running
    out of memory, they are what made it run out)."""
    if isinstance(error, SentikitError):
        error.__cause__ = error.__context__ = None
        return error.with_traceback(None)
    return DataError(OUT_OF_MEMORY) if is_out_of_memory(error) else None


def _fit_and_measure(arch: str, prepared: Prepared, settings: TrainSettings, rows: list[dict[str, Any]],
                     failures: dict[str, SentikitError], out: Path, force: bool) -> dict[str, Any]:
    """Fit one architecture, save it at `out`, and measure it: its result row."""
    from sentikit.artifacts import save_model
    from sentikit.model import load_model

    arch_settings = TrainSettings(arch=arch, dev_fraction=settings.dev_fraction, seed=settings.seed)
    started = time.perf_counter()
    try:
        fitted = get_trainer(arch)(prepared.inputs)
    except Interrupted as exc:  # Ctrl-C before a neural net's first epoch ended: nothing to keep
        raise _stopped(arch, rows, failures) from exc
    seconds = time.perf_counter() - started
    if fitted.interrupted:  # Ctrl-C ends the whole comparison, not just this architecture
        raise _stopped(arch, rows, failures)
    path = save_model(out, build_manifest(prepared, arch_settings, fitted, seconds), fitted.arrays, fitted.texts,
                      force=force)
    speed = predict_docs_per_s(load_model(path), prepared.dev_texts)
    return {
        "arch": arch,
        "accuracy": fitted.dev_metrics["accuracy"],
        "macro_f1": fitted.dev_metrics["macro_f1"],
        "train_seconds": round(seconds, 2),
        "predict_docs_per_s": round(speed, 1),
        "parameters": fitted.n_parameters,
        "artifact_kb": round(folder_size(path) / 1024, 1),
        "best_epoch": fitted.best_epoch,
    }


def compare(data: str, archs: Sequence[str], *, settings: TrainSettings | None = None,
            prep: PreprocessConfig | None = None, corpus_options: CorpusOptions | None = None,
            dev: str | None = None, overrides: dict[str, Any] | None = None, keep: Path | None = None,
            force: bool = False, on_event: EventHandler | None = None,
            on_row: Callable[[dict[str, Any]], None] | None = None) -> list[dict[str, Any]]:
    """Train each architecture on one shared split; return one result row per architecture, each also handed
    to `on_row` as soon as it is measured. Raises `ComparisonFailed` at the end if any architecture failed."""
    from sentikit.artifact_targets import check_save_target

    if not archs:
        raise UsageError("no architectures to compare", hint="pass --arch gru,logreg,...")
    settings = settings or TrainSettings()
    repeated = sorted({arch for arch in archs if archs.count(arch) > 1})
    if repeated:
        log.warning("%s listed more than once; each architecture is trained once", ", ".join(repeated))
    archs = list(dict.fromkeys(archs))  # "gru,gru" trains it once
    for arch in archs:  # fail on a bad name before any work
        get_trainer(arch)
    for arch in archs:  # ... and on a bad setting or an unwritable --keep folder
        check_overrides(arch, overrides or {})
        if keep:
            check_save_target(keep / arch, force=force)
    check_vectors(archs, overrides or {})
    warn_unused_settings(archs, overrides or {})
    notify = on_event or (lambda event: None)
    prepared = prepare(data, settings=settings, prep=prep, corpus_options=corpus_options, dev=dev,
                       overrides=overrides, on_event=notify)
    preload(archs)
    rows: list[dict[str, Any]] = []
    failures: dict[str, SentikitError] = {}
    with tempfile.TemporaryDirectory(prefix="sentikit-compare-") as scratch:
        for n, arch in enumerate(archs):
            notify({"event": "stage", "stage": f"training {arch}"})
            out = (keep / arch) if keep else Path(scratch) / arch
            try:
                row = _fit_and_measure(arch, prepared, settings, rows, failures, out, force)
            except Interrupted:
                raise
            except KeyboardInterrupt as exc:  # Ctrl-C outside a neural loop (a linear fit, a save): same message
                raise _stopped(arch, rows, failures) from exc
            except Exception as error:  # this architecture's problem: the others may well succeed
                failure = _failure(error)
                if failure is None:  # a bug
                    raise
                failures[arch] = failure
                notify({"event": "failed", "arch": arch, "error": str(failure), "remaining": list(archs[n + 1:])})
                continue
            rows.append(row)
            if on_row is not None:
                on_row(row)
            notify({"event": "compared", **row})
    if failures:
        raise _failed(rows, failures)
    return rows
