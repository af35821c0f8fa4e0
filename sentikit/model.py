"""A trained model as users see it: raw texts in, labels and probabilities out.

`SentimentModel` joins the replayed preprocessing (config + learned stopword state from the manifest) to a
predictor (linear or neural) rebuilt from plain arrays. Which predictor class serves which kind of model is a
registry; loading never imports scikit-learn, nltk or torch.
"""

from __future__ import annotations

import importlib
import numbers
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from sentikit.artifact_encoding import InvalidWeights
from sentikit.artifacts import load_model as load_folder
from sentikit.configs import require_saved_settings
from sentikit.corpus import is_blank_text
from sentikit.errors import ModelError, UsageError
from sentikit.text.config import PreprocessConfig
from sentikit.text.normalize import TEXT_RULES
from sentikit.text.pipeline import Preprocessor, checked_texts

# kind -> "module:Class" of the predictor that serves it; imported only when such a model is loaded.
PREDICTORS: dict[str, str] = {
    "linear": "sentikit.models.linear_predictor:LinearPredictor",
    "neural": "sentikit.models.neural_predictor:NeuralPredictor",
}
# The keys each kind's `predictor` section may hold (what `sentikit.models.linear.export` and the neural trainer
# write) and those of `preprocess_state` (`Preprocessor.get_state`). A key beyond them is most likely a setting
# of a newer sentikit, one that changes predictions (a calibration, say): ignoring it would answer differently
# from the sentikit that saved the model without a word, so it is refused, as the configs below them refuse theirs.
PREDICTOR_KEYS: dict[str, frozenset[str]] = {
    "linear": frozenset({"kind", "arch", "link", "n_classes", "features", "linear", "n_features", "n_word_features"}),
    "neural": frozenset({"model", "sequence"}),
}
# The config sections of each kind's `predictor` (key, module, class), imported only to read their field names.
_PREDICTOR_CONFIGS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "linear": (("features", "sentikit.features.vectorize", "FeatureConfig"),),
    "neural": (("model", "sentikit.models.config", "NeuralConfig"),
               ("sequence", "sentikit.features.sequences", "SequenceConfig")),
}
PREPROCESS_STATE_KEYS = frozenset({"stopwords", "stopword_sources", "en_lemmatizer", "rules"})


class Predictor(Protocol):
    @property
    def n_classes(self) -> int: ...

    def predict_proba(self, docs: list[list[str]]) -> np.ndarray:
        """(N, C) float64 probabilities for preprocessed documents, every kind of model alike."""
        ...

    def predict_proba_known(self, docs: list[list[str]]) -> tuple[np.ndarray, np.ndarray]:
        """`predict_proba`, plus (N,) how many of each document's words the model knows (a neural model: its
        known tokens within --max-len; a linear one: its known word n-grams and character n-grams of three
        letters). With none, the answer says little about the text: it rests on the model's biases."""
        ...


@dataclass(frozen=True)
class Prediction:
    """One text's result: the most probable label and every label's probability (they sum to 1), or None and
    None for a text that is empty or whitespace only, which has nothing to classify."""

    label: str | None
    probabilities: dict[str, float] | None


class SentimentModel:
    """A trained model: preprocessing + predictor + label names, plus the manifest they came with.

    Get one with `sentikit.load(folder)`. Every method takes a list (or any iterable) of str and answers one
    result per text, in order; a single str, or an item that is not a str, is a TypeError. A text that is empty
    or whitespace only (`not text.strip()`, the rule `sentikit predict` and the corpus reader apply) gets no
    label. The model can be pickled or deep-copied in a user's own code (joblib, multiprocessing); the model
    folder itself never holds a pickle.
    """

    def __init__(self, preprocessor: Preprocessor, predictor: Predictor, labels: Sequence[str],
                 manifest: dict[str, Any] | None = None, path: Path | None = None) -> None:
        self.preprocessor = preprocessor
        self.predictor = predictor
        self._labels = list(labels)
        self.manifest = manifest or {}
        self.path = path
        self._directions: np.ndarray | None = None  # a linear model's (C, F) label directions, for `evidence`

    @property
    def labels(self) -> list[str]:
        """The class names, in the order the manifest stores them: the order of `predict_proba`'s columns and
        of every `Prediction.probabilities`. `sentikit train` sorts them as Python sorts str (by code point:
        "1" < "2" < "negative" < "neutral" < "positive"). A copy: changing it changes nothing."""
        return list(self._labels)

    @property
    def arch(self) -> str:
        return str(self.manifest.get("arch", "?"))

    def tokens(self, texts: Iterable[str]) -> list[list[str]]:
        """The tokens the model sees for each text, after the preprocessing it was trained with (lowercasing,
        placeholders, stopwords, lemmas or stems, character units): a list of str per text, [] for an empty
        one."""
        return self._tokens(checked_texts(texts, "tokens"))

    def predict_proba(self, texts: Iterable[str]) -> np.ndarray:
        """Probabilities as a float64 array of shape (len(texts), len(self.labels)), columns in the order of
        `self.labels`, whatever the kind of model; each row sums to 1. The row of an empty or whitespace-only
        text is all NaN (`np.isnan(probs).any(axis=1)` finds them). A TypeError for texts that are not a list
        of str."""
        return self.predict_proba_blanks(checked_texts(texts, "predict_proba"))[0]

    def predict(self, texts: Iterable[str]) -> list[Prediction]:
        """One `Prediction` per text, in order: the most probable label (the first of `self.labels` on a tie)
        and the probability of every label; `Prediction(label=None, probabilities=None)` for an empty or
        whitespace-only text. A TypeError for texts that are not a list of str."""
        probs, blank = self.predict_proba_blanks(checked_texts(texts, "predict"))
        labels = self._labels
        return [
            Prediction(None, None) if is_blank
            else Prediction(labels[int(row.argmax())], {lab: float(p) for lab, p in zip(labels, row)})
            for row, is_blank in zip(probs, blank)
        ]

    def predict_proba_blanks(self, texts: list[str]) -> tuple[np.ndarray, list[bool]]:
        """`predict_proba` for a list of str that is already checked, plus which texts were blank (their rows
        are NaN). For callers that treat blank texts apart, like `sentikit predict`: they learn it from the
        text, not from a NaN, which could also come out of a damaged model."""
        probs, blank, _, _ = self._scored(texts, count=False)
        return probs, blank

    def predict_proba_known(self, texts: Iterable[str]) -> tuple[np.ndarray, list[bool], np.ndarray]:
        """`predict_proba`, which texts were blank, and (N,) int64: how many of each text's words the model
        knows, after its preprocessing (0 for a blank text; see `Predictor.predict_proba_known`). A text with
        none still gets probabilities, but they say little about it: a model for another language, say,
        answers every such text alike. `sentikit predict` notes such rows."""
        return self._scored(checked_texts(texts, "predict_proba_known"), count=True)[:3]

    def _scored(self, texts: list[str], count: bool, top: int = 0
                ) -> tuple[np.ndarray, list[bool], np.ndarray, list[list[tuple[str, float]] | None]]:
        """Probabilities, blanks, when `count` known words (else zeros: `predict` and `predict_proba` do not pay
        for counting), and with `top` > 0 (linear models) each text's evidence, from the same pass over its
        features (else None per text)."""
        blank = [is_blank_text(text) for text in texts]
        known = np.zeros(len(texts), dtype=np.int64)
        found: list[list[tuple[str, float]] | None] = [None] * len(texts)
        if not texts:
            return np.zeros((0, len(self._labels))), blank, known, found

        def score(docs: list[list[str]]) -> tuple[np.ndarray, np.ndarray, list[Any]]:
            if top:
                from sentikit.models.evidence import scored_with_evidence

                return scored_with_evidence(self.predictor, docs, top, self._label_directions())  # type: ignore[arg-type]
            if count:
                return (*self.predictor.predict_proba_known(docs), [None] * len(docs))
            return self.predictor.predict_proba(docs), np.zeros(len(docs), dtype=np.int64), [None] * len(docs)

        # A blank text would get the model's prior, as confidently as any other answer: it gets NaN instead.
        filled = [i for i, is_blank in enumerate(blank) if not is_blank]
        if len(filled) == len(texts):
            probs, known, found = score(self._tokens(texts))
            return probs, blank, known, found
        probs = np.full((len(texts), len(self._labels)), np.nan)
        if filled:
            probs[filled], known[filled], some = score(self._tokens([texts[i] for i in filled]))
            for i, evidence in zip(filled, some):
                found[i] = evidence
        return probs, blank, known, found

    def top_terms(self, n: int = 10) -> dict[str, list[tuple[str, float]]]:
        """What a linear model (logreg, nbsvm, nb) learned: per label, the `n` terms with the largest weight toward
        it (term, weight), largest first, in the form `evidence` writes them. A UsageError for a neural model."""
        from sentikit.models.evidence import strongest_terms

        self._check_linear("top terms", n)
        return dict(zip(self._labels, strongest_terms(self.predictor, int(n), self._label_directions())))

    def _check_linear(self, what: str, count: object) -> None:
        from sentikit.models.linear_predictor import LinearPredictor

        if not isinstance(self.predictor, LinearPredictor):
            raise UsageError(f"{what} need a linear model (logreg, nbsvm or nb), and this one is {self.arch}",
                             hint="a neural network's score does not split into per-word shares")
        if isinstance(count, bool) or not isinstance(count, numbers.Integral) or count < 1:  # numpy integers too
            raise UsageError(f"invalid number of {what} {count!r}", hint="expected a positive integer")

    def _label_directions(self) -> np.ndarray:
        """A linear model's (C, F) label directions, computed once per loaded model, not once per batch."""
        directions = getattr(self, "_directions", None)  # absent from a model pickled before it existed
        if directions is None:
            from sentikit.models.evidence import label_directions

            directions = self._directions = label_directions(self.predictor.weights)  # type: ignore[attr-defined]
        return directions

    def evidence(self, texts: Iterable[str], top: int = 5) -> list[list[tuple[str, float]] | None]:
        """Per text, why a linear model (logreg, nbsvm, nb) chose the label `predict` gives it: up to `top`
        (term, share) pairs, largest first, where share is the term's value x weight toward that label, the
        exact part of the score it contributed (character n-grams are written ⟨gram⟩). None for a blank text, []
        for one with no known term. A UsageError for a neural model: it has no such exact decomposition."""
        return self.predict_proba_evidence(texts, top)[3]

    def predict_proba_evidence(self, texts: Iterable[str], top: int = 5
                               ) -> tuple[np.ndarray, list[bool], np.ndarray, list[list[tuple[str, float]] | None]]:
        """`predict_proba_known` and `evidence` in one pass over the texts' features (what `sentikit predict
        --explain` uses): probabilities, blanks, known-word counts and evidence."""
        self._check_linear("evidence terms", top)
        return self._scored(checked_texts(texts, "evidence"), count=True, top=int(top))

    def _tokens(self, texts: list[str]) -> list[list[str]]:
        process = self.preprocessor.process  # the texts are checked already: no second pass over them
        return [process(text) for text in texts]


def _predictor_class(kind: str) -> Any:
    target = PREDICTORS.get(kind)
    if target is None:
        raise ModelError(f"unknown model kind {kind!r} in the manifest (known: {', '.join(PREDICTORS)})")
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


def load_model(path: str | Path) -> SentimentModel:
    """Load a model folder written by `sentikit train`; raises ModelError for anything wrong with it."""
    folder = load_folder(path)
    manifest = folder.manifest
    _refuse_newer(path, manifest)
    try:
        predictor = _predictor_class(manifest["kind"]).from_export(folder.arrays, folder.texts,
                                                                   manifest["predictor"])
        labels = _checked_labels(manifest["labels"], predictor.n_classes)
        built = predictor.config.arch if manifest["kind"] == "neural" else predictor.weights.arch
        if manifest.get("arch", built) != built:  # the card would describe another model than the one used
            raise ModelError(f"the manifest names the architecture {manifest['arch']!r}, but its weights are "
                             f"{built}'s", hint="retrain the model")
        require_saved_settings(PreprocessConfig, manifest["preprocess"], "preprocess")
        prep = PreprocessConfig.from_dict(manifest["preprocess"])
        preprocessor = Preprocessor.from_state(prep, manifest["preprocess_state"])
    except InvalidWeights as exc:  # a ValueError too, but about the arrays, not the manifest
        raise ModelError(f"{path}: the stored weights are invalid ({exc})", hint="retrain the model") from exc
    except ModelError as exc:  # the predictor's own words, which do not know the folder
        raise ModelError(f"{path}: {exc}") from exc
    except (KeyError, TypeError, ValueError) as exc:
        # Our own TypeError/ValueError messages say what is wrong; a KeyError's is only the missing key.
        detail = f"missing {exc}" if type(exc) is KeyError else str(exc)
        raise ModelError(f"{path}: the manifest is incomplete or inconsistent ({detail})",
                         hint="retrain the model") from exc
    except Exception as exc:  # a SentikitError from a config's validation, for instance
        raise ModelError(f"{path}: cannot rebuild the model ({exc})", hint="retrain the model") from exc
    return SentimentModel(preprocessor, predictor, labels, manifest, Path(path))


def _refuse_newer(path: str | Path, manifest: dict[str, Any]) -> None:
    """A ModelError, whose advice is to upgrade sentikit, for a manifest that a newer sentikit wrote with the
    same format version: text rules this one cannot replay, or settings it does not know. Anything else wrong
    with these sections is left to the checks that follow (and their advice, to retrain)."""
    state, predictor = manifest.get("preprocess_state"), manifest.get("predictor")
    newer = _newer_version(manifest)
    rules = state.get("rules") if isinstance(state, dict) else None
    if type(rules) is int and rules > TEXT_RULES:
        made_by = f", sentikit {newer}" if newer else ""
        raise ModelError(f"model at {path} was made by a newer sentikit (text rules {rules}{made_by}); "
                         "upgrade sentikit")
    known = PREDICTOR_KEYS.get(str(manifest.get("kind")))  # an unknown kind is refused with its own words
    for section, data, keys in (("predictor", predictor, known), ("preprocess_state", state, PREPROCESS_STATE_KEYS)):
        unknown = sorted(map(str, set(data) - keys)) if isinstance(data, dict) and keys is not None else []
        if unknown:
            # Without a newer version on record it may as well be a hand edit: then retraining is the way out.
            hint = (f"it was made by sentikit {newer}: upgrade sentikit" if newer
                    else "made by a newer sentikit? upgrade sentikit; if not, retrain the model")
            raise ModelError(f"{path}: unknown {section} setting(s) in the manifest: {', '.join(unknown)}",
                             hint=hint)
    if newer:  # one level down, the configs refuse unknown keys themselves, with the advice for a hand edit
        sections = {"preprocess": (manifest.get("preprocess"), PreprocessConfig)}
        for key, module, name in _PREDICTOR_CONFIGS.get(str(manifest.get("kind")), ()):
            data = predictor.get(key) if isinstance(predictor, dict) else None
            sections[f"predictor.{key}"] = (data, getattr(importlib.import_module(module), name))
        for section, (data, cls) in sections.items():
            known_fields = {f.name for f in fields(cls)}
            unknown = sorted(map(str, set(data) - known_fields)) if isinstance(data, dict) else []
            if unknown:
                raise ModelError(f"{path}: unknown {section} setting(s) in the manifest: {', '.join(unknown)}",
                                 hint=f"it was made by sentikit {newer}: upgrade sentikit")


def _newer_version(manifest: dict[str, Any]) -> str | None:
    """The sentikit version the manifest records, when it is a plain release (1.2.3) newer than this one."""
    from sentikit import __version__

    def parsed(version: Any) -> tuple[int, ...] | None:
        parts = version.split(".") if isinstance(version, str) else []
        return tuple(map(int, parts)) if parts and all(p.isascii() and p.isdigit() for p in parts) else None

    theirs, ours = parsed(manifest.get("sentikit_version")), parsed(__version__)
    return str(manifest["sentikit_version"]) if theirs and ours and theirs > ours else None


def _checked_labels(labels: Any, n_classes: int) -> list[str]:
    """The manifest's class names, one per class of the weights, in their order: distinct non-empty strings
    (an edited list would otherwise name the wrong classes, or merge two into one)."""
    if not isinstance(labels, list) or not all(isinstance(label, str) and label for label in labels):
        raise TypeError("'labels' must be a list of non-empty strings")
    duplicates = sorted({label for label in labels if labels.count(label) > 1})
    if duplicates:
        raise ValueError(f"'labels' lists {duplicates[0]!r} more than once")
    if len(labels) != n_classes:
        raise ValueError(f"'labels' names {len(labels)} classes, the weights have {n_classes}")
    return labels
