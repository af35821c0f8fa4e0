"""Training end to end: read the corpus, carve the dev split, preprocess, fit the architecture chosen from the
trainer registry, evaluate on dev, save the artifact folder.

Architectures are looked up in `TRAINERS`; nothing here branches on an architecture's name.
"""

from __future__ import annotations

import contextlib
import logging
import os
import platform
import secrets
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sentikit.configs import checked_seed, finite_number, is_bool, type_name
from sentikit.corpus import CorpusOptions, LabelledCorpus, companion_options, corpus_stem, load_labelled
from sentikit.errors import DataError, ModelError, OutputError, UsageError
from sentikit.splits import stratified_split
from sentikit.text.config import PreprocessConfig
from sentikit.text.pipeline import Preprocessor
from sentikit.training.config import DEV_FRACTION
from sentikit.training.labels import near_misses, warn_label_variants
from sentikit.training.trainers import (
    TRAINERS,
    Fitted,
    TrainInputs,
    check_overrides,
    check_vectors,
    preload,
    warn_unused_settings,
)

EventHandler = Callable[[dict[str, Any]], None]
DEFAULT_MODELS_DIR = Path("models")
LATEST_POINTER = ".latest"  # models/.latest names the folder of the last model trained here
log = logging.getLogger("sentikit")


@dataclass(frozen=True)
class TrainSettings:
    """What every training run needs, whatever the architecture."""

    arch: str = "logreg"
    dev_fraction: float = DEV_FRACTION  # of DATA held out for dev; unused (and not recorded) with a dev file
    seed: int = 13

    def __post_init__(self) -> None:  # checked before any data is read
        if not isinstance(self.arch, str):
            raise UsageError(f"invalid arch {self.arch!r}", hint="expected an architecture's name, such as 'gru'")
        object.__setattr__(self, "dev_fraction", finite_number("dev_fraction", self.dev_fraction, low=0.0,
                                                               high=1.0, low_open=True, high_open=True))
        object.__setattr__(self, "seed", checked_seed(self.seed))


@dataclass
class TrainOutcome:
    path: Path
    arch: str
    dev_metrics: dict[str, Any]
    seconds: float
    interrupted: bool
    n_parameters: int
    fitted: Fitted = field(repr=False)


def default_output(data: str, arch: str) -> Path:
    """models/<data>-<arch>, <data> being the corpus file's name without its corpus suffixes; a leading dot
    would hide the folder, and ":" (bundled:ru) is not allowed in Windows names."""
    stem = "stdin" if data == "-" else corpus_stem(data).replace(":", "-").lstrip(".") or "corpus"
    return DEFAULT_MODELS_DIR / f"{stem}-{arch}"


def latest_model(usage: str = "--model DIR") -> Path | None:
    """The model folder named by models/.latest (written by the last `sentikit train` in this folder); `usage`
    says how the command takes a model instead, for the error about a damaged file."""
    pointer = DEFAULT_MODELS_DIR / LATEST_POINTER
    fix = f"pass {usage}, or delete it and train again"
    try:
        # Without blocking, and a regular file only: a FIFO in its place would wait for a writer forever.
        fd = os.open(pointer, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise ModelError(f"{pointer} is not a regular file", hint=fix)
            data = os.read(fd, 1 << 16)  # at most 64 KiB: a link to a huge file must not fill the memory
        finally:
            os.close(fd)
        name = data.decode("utf-8").strip() if len(data) < 1 << 16 else ""
    except FileNotFoundError:
        return None
    except OSError as exc:  # a folder or an unreadable file in its place
        raise ModelError(f"cannot read {pointer} ({exc.strerror or exc})", hint=fix) from exc
    except UnicodeDecodeError as exc:
        raise ModelError(f"{pointer} is damaged: it does not hold a folder name", hint=fix) from exc
    if not name or "\0" in name:  # an emptied file, or one no path can be read from
        raise ModelError(f"{pointer} is damaged: it does not hold a folder name", hint=fix)
    return Path(name)


def _remember_latest(path: Path) -> None:
    pointer = DEFAULT_MODELS_DIR / LATEST_POINTER
    # A new file renamed over the old: a reader sees the old name or the new one, never a half-written file, and
    # a symbolic link there is replaced, not written through (it could point at any file of the user's).
    temporary = pointer.with_name(f"{LATEST_POINTER}.{os.getpid()}-{secrets.token_hex(4)}.tmp")
    created = False
    try:
        DEFAULT_MODELS_DIR.mkdir(parents=True, exist_ok=True)
        with open(temporary, "x", encoding="utf-8") as handle:
            created = True
            handle.write(str(path) + "\n")
        os.replace(temporary, pointer)
        created = False
    except OSError as exc:  # a convenience only: the model itself is saved, so warn rather than fail
        log.warning("could not record the new model in %s (%s), so predict, evaluate and show need --model %s",
                    pointer, exc.strerror or exc, path)
    finally:
        if created:  # not renamed into place (an error, or Ctrl-C): leave no temporary file behind
            with contextlib.suppress(OSError):
                temporary.unlink()


def _split(corpus: LabelledCorpus, dev: LabelledCorpus | None, settings: TrainSettings
           ) -> tuple[list[str], list[str], list[str], list[str]]:
    if dev is not None:
        return corpus.texts, corpus.labels, dev.texts, dev.labels
    train_idx, dev_idx = stratified_split(corpus.labels, settings.dev_fraction, settings.seed)
    pick = lambda items, idx: [items[i] for i in idx]  # noqa: E731
    return (pick(corpus.texts, train_idx), pick(corpus.labels, train_idx),
            pick(corpus.texts, dev_idx), pick(corpus.labels, dev_idx))


def _warn_shared_texts(train_texts: list[str], dev_texts: list[str], dev: str) -> None:
    """A --dev file that repeats training texts scores the model on texts it learned: its dev figures (and the
    epoch early stopping keeps) flatter the model, and --refit counts those texts twice."""
    seen = {text.strip() for text in train_texts}
    shared = sum(text.strip() in seen for text in dev_texts)
    if shared:
        log.warning("%s: %s of its %s texts are also in the training data, so its dev scores will be optimistic",
                    dev, f"{shared:,}", f"{len(dev_texts):,}")


@dataclass
class Prepared:
    """A corpus read, split and preprocessed once; several architectures can be fitted on it (compare)."""

    corpus: LabelledCorpus
    dev_corpus: LabelledCorpus | None
    preprocessor: Preprocessor
    inputs: TrainInputs
    dev_texts: list[str]


def prepare(data: str, *, settings: TrainSettings, prep: PreprocessConfig | None = None,
            corpus_options: CorpusOptions | None = None, dev: str | None = None,
            overrides: dict[str, Any] | None = None, on_event: EventHandler | None = None) -> Prepared:
    notify = on_event or (lambda event: None)
    if data == "-" and dev == "-":
        raise UsageError("DATA and --dev cannot both be - (stdin can be read only once)",
                         hint="save one of them to a file")
    corpus = load_labelled(data, corpus_options)
    dev_corpus = load_labelled(dev, companion_options(corpus_options, dev)) if dev else None
    labels = sorted(set(corpus.labels))
    if len(labels) < 2:
        raise DataError(f"{corpus.source}: only one label ({labels[0]!r}); a classifier needs at least two")
    warn_label_variants(labels, corpus.source)
    train_texts, train_labels, dev_texts, dev_labels = _split(corpus, dev_corpus, settings)
    unknown = sorted(set(dev_labels) - set(labels))
    if unknown:
        close = near_misses(unknown, labels)
        hint = f"these differ only in case or spacing: {', '.join(close[:3])}" if close else None
        raise DataError(f"{dev}: labels not in the training data: {', '.join(unknown[:10])}", hint=hint)
    if dev_corpus is not None:
        _warn_shared_texts(train_texts, dev_texts, dev_corpus.source)
    index = {label: i for i, label in enumerate(labels)}
    notify({"event": "data", "train": len(train_texts), "dev": len(dev_texts), "labels": labels})
    preprocessor = Preprocessor(prep or PreprocessConfig()).fit()
    notify({"event": "stage", "stage": "preprocessing"})
    inputs = TrainInputs(
        train_docs=preprocessor.transform(train_texts), train_y=np.array([index[y] for y in train_labels]),
        dev_docs=preprocessor.transform(dev_texts), dev_y=np.array([index[y] for y in dev_labels]),
        labels=labels, seed=settings.seed, overrides=overrides or {}, on_event=notify,
    )
    return Prepared(corpus, dev_corpus, preprocessor, inputs, dev_texts)


MANIFEST_CONFUSION_MAX = 50  # labels; beyond, the C x C matrix would dominate the manifest (1500: 29 MB)


def _manifest_metrics(metrics: dict[str, Any]) -> dict[str, Any]:
    if len(metrics.get("labels", ())) <= MANIFEST_CONFUSION_MAX:
        return metrics
    return {key: value for key, value in metrics.items() if key != "confusion"}


def build_manifest(prepared: Prepared, settings: TrainSettings, fitted: Fitted,
                   seconds: float) -> dict[str, Any]:
    corpus, inputs = prepared.corpus, prepared.inputs
    return {
        "kind": fitted.kind,
        "arch": settings.arch,
        "labels": inputs.labels,
        "preprocess": prepared.preprocessor.config.to_dict(),
        "preprocess_state": prepared.preprocessor.get_state(),
        "predictor": fitted.meta,
        # With a --dev file no fraction was held out: null, rather than a default that was never used.
        "configs": {"train": {"arch": settings.arch,
                              "dev_fraction": None if prepared.dev_corpus else settings.dev_fraction,
                              "seed": settings.seed}, **fitted.configs},
        "training": {
            "seed": settings.seed,
            "data": {"source": corpus.source, "sha256": corpus.sha256, "rows": len(corpus.texts),
                     "train_rows": len(inputs.train_docs), "dev_rows": len(inputs.dev_docs),
                     "fit_rows": fitted.fit_rows or len(inputs.train_docs),
                     "dev_source": prepared.dev_corpus.source if prepared.dev_corpus else "split"},
            **({"vectors": fitted.vectors} if fitted.vectors else {}),
            "seconds": round(seconds, 3),
            **({"device": fitted.device} if fitted.device else {}),
            "interrupted": fitted.interrupted,
            **({"best_epoch": fitted.best_epoch} if fitted.best_epoch else {}),  # the epoch whose weights were kept
            "python": platform.python_version(),
        },
        "metrics": {"dev": _manifest_metrics(fitted.dev_metrics)},
        "history": fitted.history,
        "n_parameters": fitted.n_parameters,
        "library_versions": fitted.library_versions,
    }


def get_trainer(arch: str) -> Callable[[TrainInputs], Fitted]:
    trainer = TRAINERS.get(arch)
    if trainer is None:
        raise UsageError(f"unknown architecture {arch!r}", hint=f"choose one of: {', '.join(TRAINERS)}")
    return trainer


def check_output(out: Path, force: bool) -> None:
    """Fail before any work if the model could not be saved at `out` (see `check_save_target`)."""
    from sentikit.artifact_targets import check_save_target, is_model_folder

    if out.exists() and not force:
        # The hint must fit what is there: --force replaces a model (or fills an empty folder), and nothing else.
        if is_model_folder(out):
            raise OutputError(f"{out}: a model already exists there",
                              hint="pass --force to replace it, or choose another --out")
        if out.is_dir() and _is_empty(out):
            raise OutputError(f"{out}: an empty folder already exists there",
                              hint="pass --force to save the model in it, or choose another --out")
        what = "a folder that is not a sentikit model" if out.is_dir() else "a file"
        raise OutputError(f"{out}: {what} already exists there",
                          hint="sentikit never replaces it, not even with --force: choose another --out")
    check_save_target(out, force=force)


def _is_empty(folder: Path) -> bool:
    try:
        return not any(folder.iterdir())
    except OSError:  # cannot look inside: not something to offer --force for
        return False


def train(data: str | Path, *, out: str | Path | None = None, force: bool = False,
          settings: TrainSettings | None = None,
          prep: PreprocessConfig | None = None, corpus_options: CorpusOptions | None = None,
          dev: str | Path | None = None, overrides: dict[str, Any] | None = None,
          on_event: EventHandler | None = None) -> TrainOutcome:
    """Train `settings.arch` on a labelled corpus and save it; returns where and how well."""
    from sentikit.artifacts import save_model

    if not is_bool(force):  # a truthy "no" would replace a model
        raise UsageError(f"train(): force must be bool, not {type_name(force)}")
    force = bool(force)
    for name, value, kind in (("data", data, (str, Path)), ("out", out, (str, Path, type(None))),
                              ("settings", settings, (TrainSettings, type(None))),
                              ("prep", prep, (PreprocessConfig, type(None))),
                              ("corpus_options", corpus_options, (CorpusOptions, type(None))),
                              ("dev", dev, (str, Path, type(None))), ("overrides", overrides, (dict, type(None)))):
        if not isinstance(value, kind):  # a library caller's mistake, said here rather than deep inside
            allowed = " or ".join("None" if k is type(None) else k.__name__ for k in kind)
            raise UsageError(f"train(): {name} must be {allowed}, not {type_name(value)}")
    if on_event is not None and not callable(on_event):
        raise UsageError(f"train(): on_event must be a function or None, not {type_name(on_event)}")
    if isinstance(out, str) and not out.strip():  # Path("") would be ".", the current folder
        raise UsageError("train(): out is an empty path", hint="pass a folder for the model, or None for the default")
    dev = None if dev is None else str(dev)
    data = str(data)
    settings = settings or TrainSettings()
    trainer = get_trainer(settings.arch)
    check_overrides(settings.arch, overrides or {})
    check_vectors([settings.arch], overrides or {})
    warn_unused_settings([settings.arch], overrides or {})
    defaulted = out is None
    out = Path(out) if out is not None else default_output(data, settings.arch)
    check_output(out, force)
    prepared = prepare(data, settings=settings, prep=prep, corpus_options=corpus_options, dev=dev,
                       overrides=overrides, on_event=on_event)
    preload([settings.arch])  # the training time is the training's, not the imports'
    started = time.perf_counter()
    fitted = trainer(prepared.inputs)
    seconds = time.perf_counter() - started
    prepared.inputs.on_event({"event": "stage", "stage": "saving"})
    path = save_model(out, build_manifest(prepared, settings, fitted, seconds), fitted.arrays, fitted.texts,
                      force=force)
    if defaulted:  # an explicit --out is the user's own place: leave ./models alone
        _remember_latest(path)
    return TrainOutcome(path=path, arch=settings.arch, dev_metrics=fitted.dev_metrics, seconds=seconds,
                        interrupted=fitted.interrupted, n_parameters=fitted.n_parameters, fitted=fitted)
