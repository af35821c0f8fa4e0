"""The trainer registry: architecture name → function that fits it on preprocessed documents.

Each trainer turns `TrainInputs` into `Fitted`: plain arrays and texts for the artifact, the predictor's
metadata, dev metrics and history. Heavy libraries (scikit-learn, torch) are imported inside the trainers.
"""

from __future__ import annotations

import difflib
import importlib.metadata
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from sentikit.errors import DataError, UsageError
from sentikit.models.config import ARCH_NAMES as NEURAL_ARCHS
from sentikit.training.metrics import classification_report

if TYPE_CHECKING:
    from sentikit.models.vectors import VectorsRead

log = logging.getLogger("sentikit")


@dataclass
class TrainInputs:
    train_docs: list[list[str]]
    train_y: np.ndarray
    dev_docs: list[list[str]]
    dev_y: np.ndarray
    labels: list[str]
    seed: int
    overrides: dict[str, Any] = field(default_factory=dict)
    on_event: Callable[[dict[str, Any]], None] = lambda event: None
    # The --vectors file as last read in this run, by (path, dim, vocabulary) (see `_pretrained`): compare's
    # neural architectures share the vocabulary, and so one read of a file that can be gigabytes, or a pipe
    # that can be read only once.
    vectors_read: tuple[tuple[str, int, tuple[str, ...]], tuple[np.ndarray, VectorsRead] | DataError] | None = field(
        default=None, repr=False)


@dataclass
class Fitted:
    kind: str
    arrays: dict[str, np.ndarray]
    texts: dict[str, list[str]]
    meta: dict[str, Any]
    configs: dict[str, Any]
    dev_metrics: dict[str, Any]
    history: list[dict[str, Any]] = field(default_factory=list)
    n_parameters: int = 0
    interrupted: bool = False
    best_epoch: int | None = None
    fit_rows: int | None = None  # documents the saved weights were fitted on, when not just the train part
    library_versions: dict[str, str] = field(default_factory=dict)
    vectors: dict[str, Any] | None = None  # the --vectors file the embedding started from (see `_vectors_record`)
    device: str | None = None  # what a neural network was trained on, in words (see `describe_device`)


def _versions(*names: str) -> dict[str, str]:
    out = {}
    for name in names:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            pass
    return out


def _override(config: Any, overrides: dict[str, Any]) -> Any:
    names = {f.name for f in fields(config)}
    chosen = {k: v for k, v in overrides.items() if k in names}  # None was refused by `check_overrides`
    return replace(config, **chosen) if chosen else config


def _dev_report(probabilities: np.ndarray, inputs: TrainInputs) -> dict[str, Any]:
    return classification_report(inputs.dev_y, probabilities.argmax(axis=1), inputs.labels)


def _linear_trainer(arch: str) -> Callable[[TrainInputs], Fitted]:
    def fit(inputs: TrainInputs) -> Fitted:
        from sentikit.features.vectorize import fit_vectorizer
        from sentikit.models.linear import (
            Exported,
            LinearConfig,
            default_features,
            export,
            train_linear,
        )
        from sentikit.models.linear_predictor import LinearPredictor

        feature_cfg = _override(default_features(arch), inputs.overrides)
        # Resolved, so the manifest records the C and class weight used, not "the architecture's default".
        linear_cfg = _override(LinearConfig(arch=arch), inputs.overrides).resolved()  # type: ignore[arg-type]

        def fit_on(docs: list[list[str]], y: np.ndarray, what: str) -> Exported:
            inputs.on_event({"event": "stage", "stage": f"vectorizing {what}"})
            features = fit_vectorizer(docs, feature_cfg)
            inputs.on_event({"event": "stage", "stage": f"fitting {arch} on {len(features.terms)} features"})
            return export(train_linear(features.matrix, y, len(inputs.labels), linear_cfg, inputs.seed), features)

        exported = fit_on(inputs.train_docs, inputs.train_y, "the train part")
        dev = _dev_report(LinearPredictor.from_export(*exported).predict_proba(inputs.dev_docs), inputs)
        fit_rows = None
        if linear_cfg.refit and inputs.dev_docs:
            del exported  # the first fit's vocabulary and weights would otherwise sit through the second fit
            all_docs = inputs.train_docs + inputs.dev_docs
            exported = fit_on(all_docs, np.concatenate([inputs.train_y, inputs.dev_y]), "train + dev")
            fit_rows = len(all_docs)
        arrays, texts, meta = exported
        n_params = int(sum(a.size for k, a in arrays.items() if k in ("coef", "intercept")))
        return Fitted(kind="linear", arrays=arrays, texts=texts, meta=meta,
                      configs={"features": feature_cfg.to_dict(), "linear": asdict(linear_cfg)},
                      dev_metrics=dev, n_parameters=n_params, fit_rows=fit_rows,
                      library_versions=_versions("numpy", "scikit-learn", "scipy"))

    return fit


def _neural_trainer(arch: str) -> Callable[[TrainInputs], Fitted]:
    def fit(inputs: TrainInputs) -> Fitted:
        from sentikit.features.sequences import SequenceConfig, build_vocabulary
        from sentikit.models.config import NeuralConfig
        from sentikit.training.config import TrainConfig
        from sentikit.training.neural import train_neural

        model_cfg = _override(NeuralConfig(arch=arch), inputs.overrides)
        seq_cfg = _override(SequenceConfig(), inputs.overrides)
        train_cfg = _override(TrainConfig(seed=inputs.seed), inputs.overrides)
        pretrained, vectors = None, None
        if inputs.overrides.get("vectors") and model_cfg.has_embedding:
            vocab = build_vocabulary(inputs.train_docs, seq_cfg)
            pretrained, vectors = _pretrained(inputs, vocab, model_cfg.embed_dim)
        result = train_neural(inputs.train_docs, list(inputs.train_y), inputs.dev_docs, list(inputs.dev_y),
                              inputs.labels, model_cfg, seq_cfg, train_cfg, on_event=inputs.on_event,
                              pretrained=pretrained)
        meta = {"model": model_cfg.to_dict(), "sequence": asdict(seq_cfg)}
        texts = {"vocab": result.vocab}
        training = asdict(train_cfg)
        # TrainConfig.dev_fraction splits only when train_neural is handed no dev set, which the pipeline never
        # does: the split used (or the --dev file) is recorded in configs.train and training.data instead.
        del training["dev_fraction"]
        # The training loop already scored the saved weights on dev (with --refit: the first run's weights,
        # since the refit ones have seen dev).
        return Fitted(kind="neural", arrays=result.weights, texts=texts, meta=meta,
                      configs={"model": model_cfg.to_dict(), "sequence": asdict(seq_cfg),
                               "training": training},
                      dev_metrics=result.dev_metrics, history=result.history, n_parameters=result.n_parameters,
                      interrupted=result.interrupted, best_epoch=result.best_epoch, fit_rows=result.fit_rows,
                      library_versions=_versions("numpy", "torch"), vectors=vectors, device=result.device)

    return fit


LOW_COVERAGE = 0.05  # below this share of the vocabulary, the vector file is most likely the wrong one


@contextmanager
def _vector_hint(embed_dim: int) -> Iterator[None]:
    """The reader says what is wrong with the --vectors file; what it should be depends on the settings."""
    try:
        yield
    except DataError as exc:
        exc.hint = exc.hint or (f"--vectors takes a word2vec/fastText .vec text file (optionally .gz) of "
                                f"{embed_dim}-dimensional vectors, as --embed-dim says")
        raise


def _pretrained(inputs: TrainInputs, vocab: list[str], embed_dim: int) -> tuple[np.ndarray, dict[str, Any]]:
    """The embedding matrix from --vectors for `vocab` and its manifest record, read once per run: a later
    architecture with the same vocabulary and dimension gets the same matrix (train_neural copies it into its
    embedding), or the same error, without reading the file again. The warnings about the file are said on
    the first read only."""
    from sentikit.models.vectors import read_word_vectors

    path = str(inputs.overrides["vectors"])
    key = (path, embed_dim, tuple(vocab))
    first = inputs.vectors_read is None or inputs.vectors_read[0] != key
    if first:  # (another vocabulary's matrix is of no more use: it is replaced)
        try:
            with _vector_hint(embed_dim):
                inputs.vectors_read = key, read_word_vectors(path, vocab, embed_dim)
        except DataError as error:
            inputs.vectors_read = key, error
            raise
    assert inputs.vectors_read is not None
    cached = inputs.vectors_read[1]
    if isinstance(cached, DataError):
        raise cached
    matrix, read = cached
    record = _vectors_record(read)
    inputs.on_event({"event": "stage", "stage": f"word vectors: {record['found']}/{record['vocabulary']} "
                                                "vocabulary words found"})
    if first:
        _warn_about_vectors(record, read.header_count)
    return matrix, record


def _vectors_record(read: VectorsRead) -> dict[str, Any]:
    """The manifest's `training.vectors`: which file (name and SHA-256: its folder is private and says nothing
    about the vectors), their dimension and how much of the vocabulary they covered. The vocabulary counts
    words only: <pad> and <unk> are ids 0 and 1."""
    return {"file": read.name, "sha256": read.sha256, "dim": read.dim, "rows": read.rows,
            "found": int(read.covered[2:].sum()), "vocabulary": max(len(read.covered) - 2, 0)}


def _warn_about_vectors(record: dict[str, Any], header_count: int | None) -> None:
    """A vector file that trains, but cannot be what the user meant: cut short, or for other words."""
    name, rows, found, words = record["file"], record["rows"], record["found"], record["vocabulary"]
    if header_count is not None and header_count != rows:
        cause = ("cut short while copied or downloaded?" if rows < header_count
                 else "rows were added after the header was written?")
        log.warning("%s: its first line announces %s vectors, but it holds %s (%s)", name, f"{header_count:,}",
                    f"{rows:,}", cause)
    if words and found < LOW_COVERAGE * words:
        log.warning("%s: vectors for %s of the %s vocabulary words (%s), so the embedding starts almost entirely "
                    "random: is the file for another language, or for other tokens (--morph lemma or stem, "
                    "--tokens char*)?", name, "none" if found == 0 else f"only {found:,}", f"{words:,}",
                    f"{found / words:.1%}")


def check_vectors(archs: Sequence[str], overrides: dict[str, Any]) -> None:
    """--vectors, before any data is read: the file must exist and start with vectors of the embedding's size
    (its header and first vector are read; the rest when training reads it). Like every setting, it is checked even when
    no architecture uses it; but only neural ones do, and a pretrained embedding silently left out changes
    the results the user expects, so that gets a warning (other neural settings are merely unused)."""
    path = overrides.get("vectors")
    if not path:
        return
    from sentikit.models.config import NeuralConfig
    from sentikit.models.vectors import check_vector_file

    # Said first: it explains a dimension error too.
    if not any("vectors" in settings_used(arch, overrides) for arch in archs):
        which = f"{archs[0]} does not use it" if len(archs) == 1 else f"none of {', '.join(archs)} uses it"
        # conv1d is here only when it reads one-hot words (or it would use them), and can have embeddings
        onehot = " (conv1d reads one-hot words; --conv-input embedding gives it embeddings)"
        log.warning("--vectors initialises the embeddings of neural architectures; %s%s", which,
                    onehot if "conv1d" in archs else "")
    embed_dim = _override(NeuralConfig(), overrides).embed_dim
    with _vector_hint(embed_dim):
        check_vector_file(path, embed_dim)


def check_overrides(arch: str, overrides: dict[str, Any]) -> None:
    """Build every config with the given settings, so that an invalid one fails now (UsageError), not after the
    corpus has been read and preprocessed; settings `arch` does not use are checked too (`--schedule foo` is
    a mistake whatever the architecture). A neural `arch` also checks that the device asked for exists."""
    from sentikit.features.sequences import SequenceConfig
    from sentikit.features.vectorize import FeatureConfig
    from sentikit.models.config import NeuralConfig
    from sentikit.models.linear import LinearConfig, default_features
    from sentikit.training.config import TrainConfig

    if not isinstance(overrides, dict):
        raise UsageError(f"overrides must be a dict of settings, not {type(overrides).__name__}")
    known = {f.name for cls in (FeatureConfig, LinearConfig, NeuralConfig, SequenceConfig, TrainConfig)
             for f in fields(cls)} | {"vectors"}
    unknown = sorted(map(str, set(overrides) - known))
    if unknown:  # a library caller's typo would otherwise train with the default, unsaid
        close = difflib.get_close_matches(unknown[0], known, n=1)
        raise UsageError(f"unknown setting(s): {', '.join(unknown)}",
                         hint=f"did you mean {close[0]!r}?" if close else "see the fields of the config classes")
    unset = sorted(str(key) for key, value in overrides.items() if value is None)
    if unset:  # None would be taken as "not given" (the default), which is not what char_ngrams=None means
        off = "; char_ngrams='none' turns character n-grams off" if "char_ngrams" in unset else ""
        raise UsageError(f"setting(s) given as None: {', '.join(unset)}",
                         hint=f"leave a setting out for its default{off}")
    linear = arch in LINEAR_ARCHS
    _override(default_features(arch) if linear else FeatureConfig(), overrides)
    _override(LinearConfig(arch=arch) if linear else LinearConfig(), overrides)
    _override(NeuralConfig() if linear else NeuralConfig(arch=arch), overrides)
    _override(SequenceConfig(), overrides)
    train_cfg = _override(TrainConfig(), overrides)
    if not linear and train_cfg.device != "auto":  # torch is imported for training such an arch anyway
        from sentikit.training.neural import resolve_device

        resolve_device(train_cfg.device)


def settings_used(arch: str, overrides: dict[str, Any]) -> set[str]:
    """The settings (override keys) `arch` reads. Every config accepts, and checks, all of its fields for every
    architecture, so that one command line serves `compare --arch conv1d,gru,logreg`; the others have no
    effect on `arch`."""
    from sentikit.features.sequences import SequenceConfig
    from sentikit.features.vectorize import FeatureConfig
    from sentikit.models.config import BIDIRECTIONAL_ARCHS, NeuralConfig
    from sentikit.models.linear import DEFAULT_C, DEFAULT_NB_ALPHA, LinearConfig, default_features
    from sentikit.training.config import TrainConfig

    def names(*configs: Any) -> set[str]:
        return {f.name for config in configs for f in fields(config)} - {"arch"}

    if arch in LINEAR_ARCHS:
        unused = set() if arch == "nbsvm" else {"nbsvm_beta"}
        if DEFAULT_C[arch] is None:  # nb: neither regularised nor fitted iteratively
            unused |= {"C", "max_iter"}
        if DEFAULT_NB_ALPHA[arch] is None:  # logreg: no Naive Bayes counts to smooth
            unused.add("nb_alpha")
        if overrides.get("encoding", default_features(arch).encoding) != "tfidf":
            unused.add("sublinear_tf")  # scales the term frequencies of tfidf only
        return names(FeatureConfig, LinearConfig) - unused
    used = names(NeuralConfig, SequenceConfig, TrainConfig) | {"vectors"}
    defaults = NeuralConfig(arch=arch)
    if defaults.cell is None:  # conv1d
        used -= {"hidden_size", "num_layers", "bidirectional", "combine", "pool"}
        if overrides.get("conv_input", defaults.conv_input) == "onehot":
            used -= {"embed_dim", "embed_dropout", "vectors"}  # no embedding to size, drop channels of or initialise
        return used
    used -= {"conv_widths", "conv_filters", "conv_pool", "conv_input"}
    if arch not in BIDIRECTIONAL_ARCHS and not overrides.get("bidirectional"):
        used.discard("combine")  # one direction: nothing to combine
    return used


_FLAGS = {"encoding": "--encoding-scheme", "num_layers": "--layers", "C": "--C"}


def warn_unused_settings(archs: Sequence[str], overrides: dict[str, Any]) -> None:
    """One warning naming the given settings that none of `archs` reads (`--pool` for conv1d, `--epochs` for
    logreg), as the command line spells them: accepted, but without effect. --vectors has its own
    (`check_vectors`)."""
    used = set().union(*(settings_used(arch, overrides) for arch in archs))
    unused = [key for key in overrides if key != "vectors" and key not in used]
    if not unused:
        return
    flags = []
    for key in unused:
        flag = _FLAGS.get(key, "--" + key.replace("_", "-"))
        if isinstance(overrides[key], bool) and not overrides[key]:
            flag = "--unidirectional" if key == "bidirectional" else f"--no-{key.replace('_', '-')}"
        flags.append(flag)
    # --embed-dim does act on conv1d over embeddings: say which conv1d it is when that is why.
    onehot = "conv1d" in archs and "embed_dim" not in settings_used("conv1d", overrides)
    names = [f"{arch} over one-hot words" if arch == "conv1d" and onehot else arch for arch in archs]
    who = names[0] if len(names) == 1 else f"any of {', '.join(names)}"
    log.warning("%s %s no effect on %s", ", ".join(flags), "has" if len(flags) == 1 else "have", who)


def preload(archs: Sequence[str]) -> None:
    """Import what training `archs` imports on first use (torch ~1.5 s, scikit-learn ~1 s), so that timings
    start after it: else the first architecture of each kind in a comparison is charged for the imports."""
    import importlib

    modules = ["sentikit.training.neural"] if any(arch in NEURAL_ARCHS for arch in archs) else []
    if any(arch in LINEAR_ARCHS for arch in archs):
        modules += ["sklearn.feature_extraction.text", "sklearn.linear_model", "sklearn.naive_bayes"]
    for module in modules:
        importlib.import_module(module)


LINEAR_ARCHS: tuple[str, ...] = ("logreg", "nbsvm", "nb")
TRAINERS: dict[str, Callable[[TrainInputs], Fitted]] = {
    **{name: _linear_trainer(name) for name in LINEAR_ARCHS},
    **{name: _neural_trainer(name) for name in NEURAL_ARCHS},
}
ARCHITECTURES: tuple[str, ...] = tuple(TRAINERS)
