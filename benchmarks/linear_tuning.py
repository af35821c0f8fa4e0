"""Tuning and benchmarks for the linear models (sentikit.models.linear) on the shared corpora.

Owns the small dev-split grids that chose the defaults in `LinearConfig`/`DEFAULT_C`/`default_features`,
the one-off test-set runs with those defaults (train time, peak RSS), and the prediction throughput and load
time measurements. Corpora are read in place from $SENTIKIT_CORPORA (default /work/shared/corpora); nothing
from them is written into the repository. Results go to stdout as JSON lines (and, with --out, a file).

  python benchmarks/linear_tuning.py tune --corpus imdb --arch nbsvm      # dev split only
  python benchmarks/linear_tuning.py final --corpus imdb --arch nbsvm     # test figures, one fresh process
  python benchmarks/linear_tuning.py throughput --arch nbsvm              # IMDB test, lean vs scikit-learn
  python benchmarks/linear_tuning.py summary --results benchmarks/results/tune_*.jsonl

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

from sentikit.corpus import load_labelled
from sentikit.features.vectorize import FeatureConfig, fit_vectorizer, sklearn_transform
from sentikit.models.linear import (
    ARCHS,
    LinearConfig,
    default_features,
    export,
    predict_proba_lean,
    train_linear,
)
from sentikit.models.linear_predictor import LinearPredictor
from sentikit.splits import stratified_split
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
    # The real default preprocessing: lowercase, HTML stripped, no stopword removal, Russian lemmas (morph=auto).
    # The grids in benchmarks/results/tune_*.jsonl predate morph=auto and ran on word forms.
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
    """Feature settings x model settings tried on dev. Small on purpose: IMDB runs take minutes each.

    Built in two rounds: the first (min_df=1 everywhere) showed character n-grams matter for logreg,
    interpolation (beta < 1) and nb class balancing hurt, and trigrams help nbsvm on IMDB; the second added
    min_df=2 variants and the class weight x alpha grid for nb.
    """
    big = corpus == "imdb"
    if arch == "nbsvm":
        cs = [LinearConfig("nbsvm", C=c, nbsvm_beta=b) for c in (0.1, 0.3, 1.0, 3.0) for b in (1.0, 0.25)]
        cs.append(LinearConfig("nbsvm", C=1.0, nb_alpha=0.5))
        feats = [FeatureConfig("binary", 2), FeatureConfig("binary", 3), FeatureConfig("binary", 3, min_df=2),
                 FeatureConfig("tfidf", 3)]
        return [(f, cs) for f in feats]
    if arch == "logreg":
        cs = [LinearConfig("logreg", C=c) for c in (1.0, 3.0, 10.0, 30.0)]
        cs.append(LinearConfig("logreg", C=3.0, class_weight="none"))
        feats = [FeatureConfig("tfidf", 2), FeatureConfig("tfidf", 3), FeatureConfig("tfidf", 2, min_df=2)]
        if big:  # character n-grams of 25k long reviews cost minutes and gigabytes to count
            feats.append(FeatureConfig("tfidf", 3, min_df=2))
        else:
            chars = ((2, 5), (1, 4))
            feats += [FeatureConfig("tfidf", 2, char_ngrams=c, min_df=m) for c in chars for m in (1, 2)]
            feats += [FeatureConfig("tfidf", 2, char_ngrams=(2, 6)),
                      FeatureConfig("tfidf", 2, char_ngrams=(2, 5), sublinear_tf=False)]
        return [(f, cs) for f in feats]
    alphas = (0.03, 0.1, 0.3, 1.0)
    cs = [LinearConfig("nb", nb_alpha=a, class_weight=w) for w in ("none", "balanced") for a in alphas]
    feats = [FeatureConfig("tfidf", 2), FeatureConfig("tfidf", 3), FeatureConfig("binary", 3),
             FeatureConfig("count", 2), FeatureConfig("tfidf", 2, min_df=2),
             FeatureConfig("binary", 3, min_df=2)]
    return [(f, cs) for f in feats]


def _done(path: Path | None) -> set[str]:
    """Keys of the dev runs already in a results file (--skip-done), so a grid can be extended cheaply."""
    if path is None or not path.exists():
        return set()
    records = (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    return {_key(r["corpus"], r["features"], r["model"]) for r in records if r.get("event") == "dev"}


def _key(corpus: str, features: dict[str, Any], model: dict[str, Any]) -> str:
    resolved = LinearConfig.from_dict(model)  # None means the arch default: compare what was actually used
    model = {**model, "C": resolved.resolved_C, "class_weight": resolved.resolved_class_weight,
             "nb_alpha": resolved.resolved_nb_alpha}
    return json.dumps([corpus, features, model], sort_keys=True)


def cmd_tune(args: argparse.Namespace) -> None:
    t0 = time.perf_counter()
    train_docs, y_train, dev_docs, y_dev, classes = dev_data(args.corpus)
    emit({"event": "data", "corpus": args.corpus, "train": len(train_docs), "dev": len(dev_docs),
          "classes": classes, "seconds": round(time.perf_counter() - t0, 1)})
    done = _done(args.out) if args.skip_done else set()
    for arch in args.arch:
        for feats, all_configs in grid(arch, args.corpus):
            configs = [c for c in all_configs if _key(args.corpus, feats.to_dict(), c.to_dict()) not in done]
            if not configs:
                continue
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
                      "model": cfg.to_dict(), "C": cfg.resolved_C, "class_weight": cfg.resolved_class_weight,
                      "nb_alpha": cfg.resolved_nb_alpha,
                      "n_features": features.n_features, **scores(y_dev, proba, classes),
                      "feature_s": round(feat_s, 1), "fit_s": round(fit_s, 1)})


# -- test figures -----------------------------------------------------------------------------------------
class Stopwatch:
    """Wall and CPU (user + system) seconds per step: the machine is shared, so CPU time is the figure that
    does not depend on what else runs (the work is single-threaded apart from short numpy/BLAS bursts)."""

    def __init__(self) -> None:
        self.steps: dict[str, float] = {}
        self._wall, self._cpu = time.perf_counter(), self.cpu()
        self.wall0, self.cpu0 = self._wall, self._cpu

    @staticmethod
    def cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    def lap(self, name: str) -> None:
        wall, cpu = time.perf_counter(), self.cpu()
        self.steps[f"{name}_s"] = round(wall - self._wall, 1)
        self.steps[f"{name}_cpu_s"] = round(cpu - self._cpu, 1)
        self._wall, self._cpu = wall, cpu

    def total(self, name: str) -> None:
        self.steps[f"{name}_s"] = round(time.perf_counter() - self.wall0, 1)
        self.steps[f"{name}_cpu_s"] = round(self.cpu() - self.cpu0, 1)


def cmd_final(args: argparse.Namespace) -> None:
    """Default settings, full train split, test split once; one corpus/arch per process for a clean RSS."""
    arch = args.arch[0]
    clock = Stopwatch()
    texts, labels = read_split(args.corpus, "train")
    clock.lap("read")
    docs = tokenize(texts)
    clock.lap("preprocess")
    classes = sorted(set(labels))
    index = {c: i for i, c in enumerate(classes)}
    y = np.array([index[x] for x in labels])
    del texts
    features = fit_vectorizer(docs, default_features(arch))
    clock.lap("features")
    cfg = LinearConfig(arch=arch)
    weights = train_linear(features.matrix, y, len(classes), cfg, seed=0)
    clock.lap("fit")
    arrays, tables, meta = export(weights, features, cfg)
    clock.lap("export")
    clock.total("train_total")
    train_rss = peak_rss_mb()
    n_features = features.n_features
    del features, docs
    predictor = LinearPredictor.from_export(arrays, tables, meta)
    test_texts, test_labels = read_split(args.corpus, "test")
    y_test = np.array([index[x] for x in test_labels])
    proba = predictor.predict_proba(tokenize(test_texts))
    emit({"event": "test", "corpus": args.corpus, "arch": arch, "features": default_features(arch).to_dict(),
          "model": cfg.to_dict(), "C": cfg.resolved_C, "class_weight": cfg.resolved_class_weight,
          "nb_alpha": cfg.resolved_nb_alpha, "n_features": n_features, **scores(y_test, proba, classes),
          **clock.steps,
          "peak_rss_train_mb": round(train_rss), "peak_rss_mb": round(peak_rss_mb()),
          "loadavg_1min": round(os.getloadavg()[0], 1)})


# -- throughput -------------------------------------------------------------------------------------------
def _timed(fn: Any, repeat: int) -> tuple[dict[str, float], Any]:
    """First (cold) and best wall seconds, and the best run's CPU seconds, of `repeat` calls."""
    times: dict[str, float] = {"best": float("inf")}
    result = None
    for i in range(repeat):
        wall, cpu = time.perf_counter(), Stopwatch.cpu()
        result = fn()
        wall, cpu = time.perf_counter() - wall, Stopwatch.cpu() - cpu
        if i == 0:
            times["first"] = wall
        if wall < times["best"]:
            times["best"], times["cpu"] = wall, cpu
    return times, result


def cmd_throughput(args: argparse.Namespace) -> None:
    """The whole predict path on IMDB test (raw text -> probabilities): lean numpy vs scikit-learn's own
    transform + predict_proba of the same fitted model, both after the same Preprocessor; and how long a saved
    model takes to load."""
    from sentikit.artifacts import load_model, save_model
    from sentikit.models.linear import LINEAR_ARCHS

    arch = args.arch[0]
    texts, labels = read_split("imdb", "train")
    classes = sorted(set(labels))
    y = np.array([classes.index(x) for x in labels])
    features = fit_vectorizer(tokenize(texts), default_features(arch), keep_estimators=True)
    fit = LINEAR_ARCHS[arch](features.matrix, y, len(classes), LinearConfig(arch=arch), 0)
    arrays, tables, meta = export(fit.weights, features)
    test_texts = read_split("imdb", "test")[0][: args.docs]
    n = len(test_texts)
    with tempfile.TemporaryDirectory() as tmp:
        folder_path = Path(tmp) / "model"
        save_model(folder_path, {"model": meta}, arrays, tables)
        size_mb = sum(p.stat().st_size for p in folder_path.iterdir()) / 2**20
        load, folder = _timed(lambda: load_model(folder_path), args.repeat)
        arrays, tables, meta = folder.arrays, folder.texts, folder.manifest["model"]
        build, predictor = _timed(lambda: LinearPredictor.from_export(arrays, tables, meta), args.repeat)
    pre = Preprocessor(PreprocessConfig()).fit()  # a fresh one: its token cache starts cold, as in a CLI run
    lean, lean_p = _timed(lambda: predictor.predict_proba(pre.transform(test_texts)), args.repeat)
    prep, docs = _timed(lambda: pre.transform(test_texts), args.repeat)
    vec, parts = _timed(lambda: predictor.vectorizer.transform(docs), args.repeat)
    sk, sk_p = _timed(lambda: fit.sklearn_proba(sklearn_transform(features, pre.transform(test_texts))),
                      args.repeat)
    emit({"event": "throughput", "arch": arch, "docs": n, "n_features": features.n_features,
          "model_mb": round(size_mb, 1), "load_model_s": round(load["best"], 3),
          "from_export_s": round(build["best"], 3),
          "lean_docs_per_s": round(n / lean["best"]), "lean_docs_per_cpu_s": round(n / lean["cpu"]),
          "lean_cold_docs_per_s": round(n / lean["first"]),
          "sklearn_docs_per_s": round(n / sk["best"]), "sklearn_docs_per_cpu_s": round(n / sk["cpu"]),
          "preprocess_docs_per_s": round(n / prep["best"]),
          "lean_vectorize_docs_per_s": round(n / vec["best"]),
          "same_matrix": bool(np.array_equal(parts[2], sklearn_transform(features, docs).data)),
          "max_abs_proba_diff": float(np.abs(lean_p - sk_p).max()),
          "loadavg_1min": round(os.getloadavg()[0], 1)})


def cmd_summary(args: argparse.Namespace) -> None:
    """Dev results of every --out file given as --results, one line per setting: the metric on each corpus
    (accuracy; macro-F1 for 5-class RuSentiTweet) and their mean over the corpora it was tried on."""
    table: dict[tuple[str, str, str], dict[str, float]] = {}
    for path in args.results:
        for line in path.read_text(encoding="utf-8").splitlines():
            r = json.loads(line)
            if r.get("event") != "dev":
                continue
            f, m = FeatureConfig.from_dict(r["features"]), LinearConfig.from_dict(r["model"])
            feats = (f"{f.encoding} w1-{f.ngram_max} char{f.char_ngrams or '-'} min_df={f.min_df}"
                     f"{'' if f.sublinear_tf else ' linear-tf'}")
            model = (f"C={m.resolved_C:g} {m.resolved_class_weight} alpha={m.resolved_nb_alpha:g}"
                     f" beta={m.nbsvm_beta:g}")
            metric = r["macro_f1"] if r["corpus"] == "rusentitweet" else r["accuracy"]
            table.setdefault((r["arch"], feats, model), {})[r["corpus"]] = metric
    for (arch, feats, model), by_corpus in sorted(table.items(), key=lambda kv: (kv[0][0], -len(kv[1]),
                                                                                -np.mean(list(kv[1].values())))):
        cells = "  ".join(f"{c}={by_corpus[c]:.4f}" if c in by_corpus else f"{c}=   -  " for c in NAMES)
        print(f"{arch:6} {feats:42} {model:40} {cells}  mean={np.mean(list(by_corpus.values())):.4f}")


def main(argv: list[str] | None = None) -> None:
    global _out_file
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=("tune", "final", "throughput", "summary"))
    parser.add_argument("--corpus", choices=NAMES, default="imdb")
    parser.add_argument("--arch", choices=ARCHS, nargs="+", default=["nbsvm"])
    parser.add_argument("--docs", type=int, default=25000, help="throughput: IMDB test documents to score")
    parser.add_argument("--repeat", type=int, default=3, help="throughput: best of N timings")
    parser.add_argument("--out", type=Path, help="also append the JSON lines to this file")
    parser.add_argument("--skip-done", action="store_true", help="tune: skip settings already in --out")
    parser.add_argument("--results", type=Path, nargs="+", default=[], help="summary: tune result files")
    args = parser.parse_args(argv)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        _out_file = args.out.open("a", encoding="utf-8")
    commands = {"tune": cmd_tune, "final": cmd_final, "throughput": cmd_throughput, "summary": cmd_summary}
    commands[args.command](args)
    if args.command != "summary":
        emit({"event": "done", "command": args.command, "peak_rss_mb": round(peak_rss_mb())})


if __name__ == "__main__":
    sys.exit(main())
