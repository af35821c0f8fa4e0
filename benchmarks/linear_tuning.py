"""Tuning and benchmarks for the linear models (sentikit.models.linear) on the shared corpora.

Owns the small dev-split grids that chose the defaults in `LinearConfig`/`DEFAULT_C`/`default_features`,
the one-off test-set runs with those defaults (train time, peak RSS), and the prediction throughput and load
time measurements. Corpora are read in place from $SENTIKIT_CORPORA (default /work/shared/corpora); nothing
from them is written into the repository. Results go to stdout as JSON lines (and, with --out, a file).

  python benchmarks/linear_tuning.py tune --corpus imdb --arch nbsvm      # dev split only
  python benchmarks/linear_tuning.py final --corpus imdb --arch nbsvm     # test figures, one fresh process
  python benchmarks/linear_tuning.py throughput --arch nbsvm              # IMDB test, lean vs scikit-learn

Dev splits: SST-2 has its own; IMDB and RuSentiTweet get a seeded stratified 10% of train
(sentikit.corpus.stratified_split, seed 13). The test split is read only by `final` and `throughput`.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from sentikit.corpus import load_labelled, stratified_split
from sentikit.features.vectorize import FeatureConfig, fit_vectorizer, sklearn_transform
from sentikit.models.linear import (
    ARCHS,
    LinearConfig,
    LinearPredictor,
    default_features,
    export,
    predict_proba_lean,
    train_linear,
)
from sentikit.text import PreprocessConfig, Preprocessor
from sentikit.training.metrics import classification_report

CORPORA = Path(os.environ.get("SENTIKIT_CORPORA", "/work/shared/corpora"))
NAMES = ("imdb", "sst2", "rusentitweet")
DEV_SEED = 13
_out_file: Any = None


def emit(record: dict[str, Any]) -> None:
    line = json.dumps(record, ensure_ascii=False)
    print(line, flush=True)
    if _out_file is not None:
        _out_file.write(line + "\n")
        _out_file.flush()


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def read_split(corpus: str, split: str) -> tuple[list[str], list[str]]:
    data = load_labelled(CORPORA / corpus / f"{split}.csv.gz")
    return data.texts, data.labels


def tokenize(texts: list[str]) -> list[list[str]]:
    # The real default preprocessing: lowercase, HTML stripped, no stopword removal, no lemmas.
    return Preprocessor(PreprocessConfig()).fit().transform(texts)


def dev_data(corpus: str) -> tuple[list[list[str]], np.ndarray, list[list[str]], np.ndarray, list[str]]:
    texts, labels = read_split(corpus, "train")
    if corpus == "sst2":
        dev_texts, dev_labels = read_split(corpus, "dev")
    else:
        train_idx, dev_idx = stratified_split(labels, 0.1, DEV_SEED)
        dev_texts, dev_labels = [texts[i] for i in dev_idx], [labels[i] for i in dev_idx]
        texts, labels = [texts[i] for i in train_idx], [labels[i] for i in train_idx]
    classes = sorted(set(labels))
    index = {c: i for i, c in enumerate(classes)}
    return (tokenize(texts), np.array([index[x] for x in labels]), tokenize(dev_texts),
            np.array([index[x] for x in dev_labels]), classes)


def scores(y_true: np.ndarray, proba: np.ndarray, classes: list[str]) -> dict[str, float]:
    report = classification_report(y_true.tolist(), proba.argmax(axis=1).tolist(), classes)
    return {"accuracy": round(report["accuracy"], 5), "macro_f1": round(report["macro_f1"], 5)}


# -- grids ------------------------------------------------------------------------------------------------
def grid(arch: str, corpus: str) -> list[tuple[FeatureConfig, list[LinearConfig]]]:
    """Feature settings x model settings tried on dev. Small on purpose: IMDB runs take minutes each."""
    big = corpus == "imdb"
    if arch == "nbsvm":
        cs = [LinearConfig("nbsvm", C=c) for c in (0.1, 0.3, 1.0, 3.0)]
        cs += [LinearConfig("nbsvm", C=1.0, nbsvm_beta=0.25), LinearConfig("nbsvm", C=1.0, nb_alpha=0.5)]
        feats = [FeatureConfig("binary", 2), FeatureConfig("binary", 3), FeatureConfig("binary", 3, min_df=2),
                 FeatureConfig("tfidf", 3)]
        return [(f, cs) for f in feats]
    if arch == "logreg":
        cs = [LinearConfig("logreg", C=c) for c in (1.0, 3.0, 10.0, 30.0, 100.0)]
        cs.append(LinearConfig("logreg", C=10.0, class_weight="none"))
        feats = [FeatureConfig("tfidf", 2), FeatureConfig("tfidf", 3), FeatureConfig("tfidf", 2, char_ngrams=(2, 5))]
        if not big:
            feats += [FeatureConfig("tfidf", 2, char_ngrams=(1, 4)), FeatureConfig("tfidf", 2, char_ngrams=(2, 6)),
                      FeatureConfig("tfidf", 2, char_ngrams=(2, 5), sublinear_tf=False)]
        return [(f, cs) for f in feats]
    cs = [LinearConfig("nb", nb_alpha=a) for a in (0.03, 0.1, 0.3, 1.0)]
    cs.append(LinearConfig("nb", nb_alpha=0.1, class_weight="none"))
    feats = [FeatureConfig("tfidf", 2), FeatureConfig("tfidf", 3), FeatureConfig("binary", 3), FeatureConfig("count", 2)]
    return [(f, cs) for f in feats]


def cmd_tune(args: argparse.Namespace) -> None:
    t0 = time.perf_counter()
    train_docs, y_train, dev_docs, y_dev, classes = dev_data(args.corpus)
    emit({"event": "data", "corpus": args.corpus, "train": len(train_docs), "dev": len(dev_docs),
          "classes": classes, "seconds": round(time.perf_counter() - t0, 1)})
    for arch in args.arch:
        for feats, configs in grid(arch, args.corpus):
            t0 = time.perf_counter()
            features = fit_vectorizer(train_docs, feats)
            lean = features.lean()
            dev_parts = lean.transform(dev_docs)
            feat_s = time.perf_counter() - t0
            for cfg in configs:
                t0 = time.perf_counter()
                weights = train_linear(features.matrix, y_train, len(classes), cfg, seed=0)
                fit_s = time.perf_counter() - t0
                proba = predict_proba_lean(*dev_parts, weights)
                emit({"event": "dev", "corpus": args.corpus, "arch": arch, "features": feats.to_dict(),
                      "model": cfg.to_dict(), "C": cfg.resolved_C, "n_features": features.n_features,
                      **scores(y_dev, proba, classes), "feature_s": round(feat_s, 1), "fit_s": round(fit_s, 1)})


# -- test figures -----------------------------------------------------------------------------------------
def cmd_final(args: argparse.Namespace) -> None:
    """Default settings, full train split, test split once; run one corpus/arch per process for a clean RSS."""
    arch = args.arch[0]
    t_start = time.perf_counter()
    texts, labels = read_split(args.corpus, "train")
    t0 = time.perf_counter()
    docs = tokenize(texts)
    prep_s = time.perf_counter() - t0
    classes = sorted(set(labels))
    index = {c: i for i, c in enumerate(classes)}
    y = np.array([index[x] for x in labels])
    del texts
    t0 = time.perf_counter()
    features = fit_vectorizer(docs, default_features(arch))
    feat_s = time.perf_counter() - t0
    cfg = LinearConfig(arch=arch)
    t0 = time.perf_counter()
    weights = train_linear(features.matrix, y, len(classes), cfg, seed=0)
    fit_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    arrays, tables, meta = export(weights, features, cfg)
    export_s = time.perf_counter() - t0
    train_total = time.perf_counter() - t_start
    train_rss = peak_rss_mb()
    n_features = features.n_features
    del features, docs
    predictor = LinearPredictor.from_export(arrays, tables, meta)
    test_texts, test_labels = read_split(args.corpus, "test")
    y_test = np.array([index[x] for x in test_labels])
    proba = predictor.predict_proba(tokenize(test_texts))
    emit({"event": "test", "corpus": args.corpus, "arch": arch, "features": default_features(arch).to_dict(),
          "model": cfg.to_dict(), "C": cfg.resolved_C, "n_features": n_features, **scores(y_test, proba, classes),
          "preprocess_s": round(prep_s, 1), "features_s": round(feat_s, 1), "fit_s": round(fit_s, 1),
          "export_s": round(export_s, 1), "train_total_s": round(train_total, 1),
          "peak_rss_train_mb": round(train_rss), "peak_rss_mb": round(peak_rss_mb())})


# -- throughput -------------------------------------------------------------------------------------------
def _best(fn: Any, repeat: int) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def cmd_throughput(args: argparse.Namespace) -> None:
    """Whole predict path on IMDB test (raw text -> probabilities): lean numpy vs scikit-learn's transform and
    predict_proba on the same fitted model; and how long a saved model takes to load."""
    from sentikit.artifacts import load_model, save_model
    from sentikit.features.vectorize import to_scipy
    from sentikit.models.linear import LINEAR_ARCHS

    arch = args.arch[0]
    texts, labels = read_split("imdb", "train")
    classes = sorted(set(labels))
    y = np.array([classes.index(x) for x in labels])
    features = fit_vectorizer(tokenize(texts), default_features(arch), keep_estimators=True)
    fit = LINEAR_ARCHS[arch](features.matrix, y, len(classes), LinearConfig(arch=arch), 0)
    arrays, tables, meta = export(fit.weights, features)
    test_texts = read_split("imdb", "test")[0][: args.docs]
    with tempfile.TemporaryDirectory() as tmp:
        save_model(Path(tmp) / "m", {"model": meta}, arrays, tables)
        size_mb = sum(p.stat().st_size for p in (Path(tmp) / "m").iterdir()) / 2**20
        load_s, folder = _best(lambda: load_model(Path(tmp) / "m"), 3)
        build_s, predictor = _best(lambda: LinearPredictor.from_export(folder.arrays, folder.texts,
                                                                        folder.manifest["model"]), 3)
    pre = Preprocessor(PreprocessConfig()).fit()
    pre.transform(test_texts[:200])  # warm the token cache a little, as a long-running process would be
    lean_s, lean_p = _best(lambda: predictor.predict_proba(pre.transform(test_texts)), args.repeat)
    tok_s, docs = _best(lambda: pre.transform(test_texts), args.repeat)
    vec_s, parts = _best(lambda: predictor.vectorizer.transform(docs), args.repeat)
    sk_s, sk_p = _best(lambda: fit.sklearn_proba(sklearn_transform(features, pre.transform(test_texts))), args.repeat)
    same_matrix = bool(np.array_equal(parts[2], sklearn_transform(features, docs).data))
    emit({"event": "throughput", "arch": arch, "docs": len(test_texts), "model_mb": round(size_mb, 1),
          "n_features": features.n_features, "load_model_s": round(load_s, 3), "from_export_s": round(build_s, 3),
          "lean_docs_per_s": round(len(test_texts) / lean_s), "sklearn_docs_per_s": round(len(test_texts) / sk_s),
          "preprocess_docs_per_s": round(len(test_texts) / tok_s), "lean_vectorize_docs_per_s":
          round(len(test_texts) / vec_s), "max_abs_proba_diff": float(np.abs(lean_p - sk_p).max()),
          "same_matrix": same_matrix, "scipy_npz_nnz": int(to_scipy(parts, features.n_features).nnz)})


def main(argv: list[str] | None = None) -> None:
    global _out_file
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=("tune", "final", "throughput"))
    parser.add_argument("--corpus", choices=NAMES, default="imdb")
    parser.add_argument("--arch", choices=ARCHS, nargs="+", default=["nbsvm"])
    parser.add_argument("--docs", type=int, default=25000, help="throughput: IMDB test documents to score")
    parser.add_argument("--repeat", type=int, default=3, help="throughput: best of N timings")
    parser.add_argument("--out", type=Path, help="also append the JSON lines to this file")
    args = parser.parse_args(argv)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        _out_file = args.out.open("a", encoding="utf-8")
    {"tune": cmd_tune, "final": cmd_final, "throughput": cmd_throughput}[args.command](args)
    emit({"event": "done", "command": args.command, "peak_rss_mb": round(peak_rss_mb())})


if __name__ == "__main__":
    sys.exit(main())
