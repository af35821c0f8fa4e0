"""Linear classifiers over bag-of-n-gram features: settings, training through scikit-learn, numpy prediction.

Owns `LinearConfig` and `default_features` (the only places linear-model defaults live), the trainer
registry `LINEAR_ARCHS`, the learned weights as plain arrays (`LinearWeights`), the numpy-only scoring
(`predict_proba_lean`) and the plain pieces a model folder is made of (`export`); a saved model predicts through
`sentikit.models.linear_predictor.LinearPredictor`.

Every architecture ends as scores = X @ coef.T + intercept followed by a link function, so prediction needs
neither scipy nor scikit-learn (both are imported lazily, by the trainers only):
  logreg  LogisticRegression: liblinear for two classes ("binary_sigmoid"), else multinomial ("softmax").
  nb      MultinomialNB, whose joint log-likelihood is linear in X ("binary_sigmoid" on the log-odds for two
          classes, "softmax" otherwise).
  nbsvm   Wang & Manning (2012): features scaled by the NB log-count ratio r, then a logistic regression;
          r is folded into the coefficients (coef = r * w). Several classes: one-vs-rest, one r per class,
          probabilities normalised over classes as scikit-learn's OvR does ("ovr_sigmoid").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np

from sentikit.configs import finite_number, reject_unknown_keys
from sentikit.errors import DataError, SentikitError, UsageError
from sentikit.features.lean import LeanVectorizer
from sentikit.features.vectorize import FeatureConfig, FittedFeatures

ARCHS: tuple[str, ...] = ("logreg", "nbsvm", "nb")
CLASS_WEIGHTS: tuple[str, ...] = ("none", "balanced")
LINKS: tuple[str, ...] = ("softmax", "ovr_sigmoid", "binary_sigmoid")
# Defaults were tuned on the dev splits of IMDB, SST-2 and RuSentiTweet (benchmarks/linear_tuning.py).
# C: nbsvm 0.1..3 are within 0.25 point on IMDB dev (1: 92.84%); logreg 1 and 3 tie on the short-text
# corpora, and long reviews want more (IMDB dev 90.2% at 1, 91.0% at 3). nb has no C.
DEFAULT_C: dict[str, float | None] = {"logreg": 3.0, "nbsvm": 1.0, "nb": None}
# "balanced" lifts macro-F1 on skewed corpora for the discriminative models (logreg on RuSentiTweet dev:
# 0.615 vs 0.609) but hurts nb there: reweighting counts distorts its likelihoods (0.523 -> 0.493).
DEFAULT_CLASS_WEIGHT: dict[str, str] = {"logreg": "balanced", "nbsvm": "balanced", "nb": "none"}
# Additive smoothing: nb wants little (RuSentiTweet dev macro-F1 0.48 at 0.3, 0.52 at 0.1); nbsvm's log-count
# ratios are best with W&M's 1 (0.5 was worse on every corpus); logreg does not use it.
DEFAULT_NB_ALPHA: dict[str, float | None] = {"logreg": None, "nbsvm": 1.0, "nb": 0.1}


# Beyond these the solvers break down rather than regularise: C = 1e-200 kept liblinear busy for minutes on 360
# reviews, and 1e-300 made the lbfgs/newton fits overflow into NaN weights. The tuned values are 0.01..100.
C_RANGE = (1e-6, 1e6)


@dataclass(frozen=True)
class LinearConfig:
    """Hyper-parameters of a linear classifier; None means the architecture's tuned default."""

    arch: str = "nbsvm"
    C: float | None = None  # inverse regularisation strength (logreg, nbsvm)
    class_weight: str | None = None  # "none" | "balanced"
    nb_alpha: float | None = None  # additive smoothing of nb, and of nbsvm's log-count ratios
    # W&M interpolation w' = (1-beta) mean|w| + beta w; 1 keeps the plain fit. 0.75 was +0.10 accuracy on IMDB
    # (5-fold CV of train: 91.82 vs 91.72 %, better in 5 of 5 folds) but lost on SST-2 dev (-0.46) and on
    # RuSentiTweet dev macro-F1 (-1.25, +0.99, -0.50 over 3 splits); 0.5 and 0.9 were within 0.05 on IMDB.
    nbsvm_beta: float = 1.0
    max_iter: int = 1000
    # Linear models have no early stopping, so the dev split only measures them. With refit the saved model is
    # fitted again on train + dev with the same settings: 11 % more data raised dev macro-F1 in 6 of 6
    # RuSentiTweet checks (80 % vs 90 % of train, logreg and nbsvm, 3 splits; +0.03..+1.1 points). The stored
    # dev metrics describe the first fit, the one that never saw the dev documents.
    refit: bool = True

    def __post_init__(self) -> None:
        _choice("linear architecture", self.arch, ARCHS)
        if not isinstance(self.refit, bool):
            raise UsageError(f"invalid refit {self.refit!r}", hint="expected true or false")
        if self.class_weight is not None:
            _choice("class weight", self.class_weight, CLASS_WEIGHTS)
        if self.C is not None:  # None: the architecture's default
            object.__setattr__(self, "C", finite_number("C", self.C, low=C_RANGE[0], high=C_RANGE[1]))
        if self.nb_alpha is not None:
            object.__setattr__(self, "nb_alpha", finite_number("nb_alpha", self.nb_alpha, low=0.0, low_open=True))
        object.__setattr__(self, "nbsvm_beta", finite_number("nbsvm_beta", self.nbsvm_beta, low=0.0, high=1.0))
        if isinstance(self.max_iter, bool) or not isinstance(self.max_iter, int) or self.max_iter < 1:
            raise UsageError(f"invalid max_iter {self.max_iter!r}", hint="expected a positive integer")

    @property
    def resolved_C(self) -> float:
        """C actually used: the given one, else the architecture's default (1.0 where it has none)."""
        return self.C if self.C is not None else (DEFAULT_C[self.arch] or 1.0)

    @property
    def resolved_class_weight(self) -> str:
        return self.class_weight or DEFAULT_CLASS_WEIGHT[self.arch]

    @property
    def resolved_nb_alpha(self) -> float:
        return self.nb_alpha if self.nb_alpha is not None else (DEFAULT_NB_ALPHA[self.arch] or 1.0)

    def resolved(self) -> LinearConfig:
        """This config with the architecture's defaults filled in where it uses them (nb has no C, logreg no
        nb_alpha): what a trained model records, so its card shows the values it was fitted with."""
        return replace(
            self,
            C=self.C if self.C is not None else DEFAULT_C[self.arch],
            class_weight=self.resolved_class_weight,
            nb_alpha=self.nb_alpha if self.nb_alpha is not None else DEFAULT_NB_ALPHA[self.arch],
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LinearConfig:
        reject_unknown_keys(cls, data, "linear model")
        return cls(**data)


def resolved_settings(saved: dict[str, Any]) -> dict[str, Any]:
    """Saved linear settings with the architecture's defaults filled in, for the model card: models trained
    before `LinearConfig.resolved` was recorded hold None there. Settings that are not a valid config (a
    hand-edited manifest) are returned as saved."""
    try:
        return LinearConfig.from_dict(saved).resolved().to_dict()
    except (SentikitError, TypeError):
        return saved


def _choice(name: str, value: Any, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise UsageError(f"invalid {name} {value!r}", hint=f"choose one of: {', '.join(choices)}")


def default_features(arch: str) -> FeatureConfig:
    """The feature settings each architecture was tuned with (the single place per-arch defaults live)."""
    _choice("linear architecture", arch, ARCHS)
    if arch == "nbsvm":
        # W&M's binarized n-grams. Trigrams add ~0.3-0.6 point on IMDB; min_df=2 drops the hapax n-grams
        # (4.8M -> 0.8M features on IMDB), which is faster, smaller and no less accurate on dev.
        return FeatureConfig(encoding="binary", ngram_max=3, min_df=2)
    if arch == "logreg":
        # Character n-grams carry morphology and typos: +4.7 macro-F1 points on RuSentiTweet dev, +1 to +3
        # accuracy on SST-2 dev; (1, 4) is as good as (2, 5) or (2, 6) with fewer features. They are costly
        # on long texts: for 25k IMDB reviews prefer nbsvm, or turn char_ngrams off.
        return FeatureConfig(encoding="tfidf", ngram_max=2, char_ngrams=(1, 4), sublinear_tf=True)
    return FeatureConfig(encoding="tfidf", ngram_max=2)


# -- learned state ----------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)  # holds arrays: identity comparison only
class LinearWeights:
    """scores = X @ coef.T + intercept, then `link`: coef (K, F) float32, intercept (K,) float64, where K is 1
    for "binary_sigmoid" and the number of classes otherwise."""

    arch: str
    coef: np.ndarray
    intercept: np.ndarray
    link: str
    n_classes: int

    def __post_init__(self) -> None:
        if self.link not in LINKS:
            raise ValueError(f"unknown link {self.link!r}")
        if self.n_classes < 2 or (self.link == "binary_sigmoid" and self.n_classes != 2):
            raise ValueError(f"{self.n_classes} classes do not fit link {self.link}")
        rows = 1 if self.link == "binary_sigmoid" else self.n_classes
        if self.coef.ndim != 2 or self.coef.shape[0] != rows or self.intercept.shape != (rows,):
            raise ValueError(f"weights of shape {self.coef.shape} / {self.intercept.shape} do not fit "
                             f"{self.n_classes} classes with link {self.link}")


@dataclass(frozen=True, eq=False)  # holds arrays: identity comparison only
class LinearFit:
    """A trainer's result: the plain weights, and scikit-learn's own predict_proba of the fitted estimator(s)
    (the reference `predict_proba_lean` is tested against; it takes a scipy CSR matrix)."""

    weights: LinearWeights
    sklearn_proba: Callable[[Any], np.ndarray]


def _weights(arch: str, coef: np.ndarray, intercept: np.ndarray, link: str, n_classes: int) -> LinearWeights:
    return LinearWeights(arch, np.ascontiguousarray(coef, dtype=np.float32),
                         np.asarray(intercept, dtype=np.float64).reshape(-1), link, n_classes)


def _class_weight(cfg: LinearConfig) -> str | None:
    return "balanced" if cfg.resolved_class_weight == "balanced" else None


def _sample_weight(y: np.ndarray, n_classes: int) -> np.ndarray:
    # scikit-learn's "balanced": n / (K * count(class)).
    return (len(y) / (n_classes * np.bincount(y, minlength=n_classes)))[y]


def _train_logreg(X: Any, y: np.ndarray, n_classes: int, cfg: LinearConfig, seed: int) -> LinearFit:
    from sklearn.linear_model import LogisticRegression

    # liblinear is the fast solver for two classes over millions of sparse features; it cannot do
    # multinomial. For several classes newton-cg fits the same softmax as lbfgs, 3-20x faster on
    # RuSentiTweet's word + char n-grams (lbfgs needs ~120 iterations there, newton-cg ~9).
    solver = "liblinear" if n_classes == 2 else "newton-cg"
    model = LogisticRegression(C=cfg.resolved_C, solver=solver, max_iter=cfg.max_iter, random_state=seed,
                               class_weight=_class_weight(cfg))
    model.fit(X, y)
    link = "binary_sigmoid" if n_classes == 2 else "softmax"
    return LinearFit(_weights("logreg", model.coef_, model.intercept_, link, n_classes), model.predict_proba)


def _train_nb(X: Any, y: np.ndarray, n_classes: int, cfg: LinearConfig, seed: int) -> LinearFit:
    from sklearn.naive_bayes import MultinomialNB

    model = MultinomialNB(alpha=cfg.resolved_nb_alpha)
    model.fit(X, y, sample_weight=_sample_weight(y, n_classes) if _class_weight(cfg) else None)
    log_prob, prior = model.feature_log_prob_, model.class_log_prior_
    if n_classes == 2:  # p(1) = sigmoid(jll1 - jll0): one row of log-odds
        log_odds = _weights("nb", log_prob[1:] - log_prob[:1], prior[1:] - prior[:1], "binary_sigmoid", 2)
        return LinearFit(log_odds, model.predict_proba)
    # Softmax ignores a per-feature shift shared by all classes; centring keeps float32 coefficients small
    # (log-probabilities near -15 would lose digits summed over hundreds of features).
    coef = log_prob - log_prob.mean(axis=0)
    return LinearFit(_weights("nb", coef, prior - prior.mean(), "softmax", n_classes), model.predict_proba)


def _train_nbsvm(X: Any, y: np.ndarray, n_classes: int, cfg: LinearConfig, seed: int) -> LinearFit:
    import scipy.sparse as sp
    from sklearn.linear_model import LogisticRegression

    targets = [1] if n_classes == 2 else list(range(n_classes))
    coefs, intercepts, scaled_models = [], [], []
    for target in targets:
        positive = y == target
        # Log-count ratio r = log((p / |p|1) / (q / |q|1)), p and q the smoothed feature sums in and out.
        p = cfg.resolved_nb_alpha + np.asarray(X[positive].sum(axis=0), dtype=np.float64).ravel()
        q = cfg.resolved_nb_alpha + np.asarray(X[~positive].sum(axis=0), dtype=np.float64).ravel()
        r = np.log(p / p.sum()) - np.log(q / q.sum())
        scale = sp.diags(r.astype(np.float32))
        model = LogisticRegression(C=cfg.resolved_C, solver="liblinear", max_iter=cfg.max_iter,
                                   random_state=seed, class_weight=_class_weight(cfg))
        model.fit(sp.csr_matrix(X @ scale), positive.astype(np.int64))
        if cfg.nbsvm_beta < 1.0:
            w = model.coef_
            model.coef_ = (1.0 - cfg.nbsvm_beta) * np.abs(w).mean() + cfg.nbsvm_beta * w
        coefs.append(r * model.coef_[0])
        intercepts.append(model.intercept_[0])
        scaled_models.append((model, scale))

    def sklearn_proba(matrix: Any) -> np.ndarray:
        probs = np.column_stack([m.predict_proba(sp.csr_matrix(matrix @ s))[:, 1] for m, s in scaled_models])
        if n_classes == 2:
            return np.column_stack([1.0 - probs[:, 0], probs[:, 0]])
        return _normalise_ovr(probs)

    link = "binary_sigmoid" if n_classes == 2 else "ovr_sigmoid"
    weights = _weights("nbsvm", np.vstack(coefs), np.array(intercepts), link, n_classes)
    return LinearFit(weights, sklearn_proba)


LINEAR_ARCHS: dict[str, Callable[[Any, np.ndarray, int, LinearConfig, int], LinearFit]] = {
    "logreg": _train_logreg,
    "nbsvm": _train_nbsvm,
    "nb": _train_nb,
}


def train_linear(X: Any, y: np.ndarray, n_classes: int, cfg: LinearConfig | None = None,
                 seed: int = 0) -> LinearWeights:
    """Fit `cfg.arch` on a CSR matrix and class ids 0..n_classes-1 (every class must occur)."""
    cfg = cfg or LinearConfig()
    y = np.asarray(y, dtype=np.int64)
    if X.shape[0] != len(y):
        raise ValueError(f"{X.shape[0]} documents but {len(y)} labels")
    counts = np.bincount(y, minlength=n_classes) if len(y) and y.min() >= 0 else np.zeros(0)
    if n_classes < 2 or len(counts) != n_classes or not counts.all():
        raise DataError(f"training needs documents of every one of the {n_classes} classes (>= 2)",
                        hint="check the labels, or drop classes without training documents")
    return LINEAR_ARCHS[cfg.arch](X, y, n_classes, cfg, seed).weights


# -- numpy prediction ------------------------------------------------------------------------------------
def _normalise_ovr(probs: np.ndarray) -> np.ndarray:
    # As scikit-learn's one-vs-rest: divide by the row sum; an all-zero row becomes uniform.
    sums = probs.sum(axis=1, keepdims=True)
    zero = sums[:, 0] == 0
    probs[zero], sums[zero] = 1.0, probs.shape[1]
    return probs / sums


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # = 1 / (1 + exp(-x)) without overflow warnings


def decision_scores(indptr: np.ndarray, indices: np.ndarray, values: np.ndarray, coef: np.ndarray,
                    intercept: np.ndarray) -> np.ndarray:
    """(N, K) float64 scores X @ coef.T + intercept for X given as CSR parts."""
    n_docs = len(indptr) - 1
    rows = np.repeat(np.arange(n_docs), np.diff(indptr))
    data = np.asarray(values, dtype=np.float64)
    scores = np.empty((n_docs, coef.shape[0]), dtype=np.float64)
    for k in range(coef.shape[0]):
        scores[:, k] = np.bincount(rows, weights=data * coef[k, indices], minlength=n_docs)
    return scores + intercept


def predict_proba_lean(indptr: np.ndarray, indices: np.ndarray, values: np.ndarray,
                       weights: LinearWeights) -> np.ndarray:
    """(N, C) float64 class probabilities, as scikit-learn's predict_proba gives them, in numpy only."""
    scores = decision_scores(indptr, indices, values, weights.coef, weights.intercept)
    if weights.link == "binary_sigmoid":
        positive = _sigmoid(scores[:, 0])
        return np.column_stack([1.0 - positive, positive])
    if weights.link == "ovr_sigmoid":
        return _normalise_ovr(_sigmoid(scores))
    scores -= scores.max(axis=1, keepdims=True)
    np.exp(scores, out=scores)
    return scores / scores.sum(axis=1, keepdims=True)


# -- export / load ----------------------------------------------------------------------------------------
Exported = tuple[dict[str, np.ndarray], dict[str, list[str]], dict[str, Any]]


def export(weights: LinearWeights, features: FittedFeatures | LeanVectorizer,
           config: LinearConfig | None = None) -> Exported:
    """Plain pieces of a trained linear model: (arrays for safetensors, text tables, JSON-safe meta)."""
    vectorizer = features.lean() if isinstance(features, FittedFeatures) else features
    if weights.coef.shape[1] != vectorizer.n_features_:
        raise ValueError(f"weights have {weights.coef.shape[1]} features, "
                         f"the vectorizer {vectorizer.n_features_}")
    arrays, texts, info = vectorizer.state()
    arrays = {"coef": weights.coef, "intercept": weights.intercept, **arrays}
    meta = {"kind": "linear", "arch": weights.arch, "link": weights.link, "n_classes": weights.n_classes,
            "features": vectorizer.config.to_dict(), **info}
    if config is not None:
        meta["linear"] = config.to_dict()
    return arrays, texts, meta
