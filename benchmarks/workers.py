"""What the benchmark runs in child processes, one job per process, so that wall time and peak RSS belong to
that job alone: `python -m benchmarks.workers JOB --args JSON` prints one JSON object on stdout.

Jobs:
  sentikit-throughput   sentikit.load(model).predict_proba(texts): docs/s after load
  fasttext-tune         dev-split grid over lr x epoch (wordNgrams=2, one thread, fixed seed)
  fasttext-train        train on train with the chosen settings, save the .bin
  fasttext-eval         test accuracy and macro-F1
  fasttext-throughput   load, then model.predict(texts): docs/s after load
  sklearn-tune          TfidfVectorizer(1-2 grams, min_df=2, sublinear) + LogisticRegression: C on dev
  sklearn-train         fit the pipeline on train with the chosen C, save it with joblib
  sklearn-eval / sklearn-throughput   as for fastText

fastText gets the preprocessing its tutorial uses (lowercase, punctuation split off) on one line per document;
scikit-learn gets raw text, as a user would pass it. Metrics come from sentikit's own `classification_report`
for every tool, so accuracy and macro-F1 mean exactly the same thing in every row.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

_PUNCT = re.compile(r"([.!?,'/()\"])")
_WHITESPACE = re.compile(r"\s+")
_FT_LABEL = "__label__"


def read_labelled(path: str) -> tuple[list[str], list[str]]:
    import csv

    csv.field_size_limit(2**31 - 1)
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [r["text"] for r in rows], [r["label"] for r in rows]


def read_lines(path: str) -> list[str]:
    return Path(path).read_text(encoding="utf-8").splitlines()


def metrics(gold: list[str], predicted: list[str]) -> dict[str, Any]:
    from sentikit.training.metrics import classification_report

    labels = sorted(set(gold) | set(predicted))
    index = {label: i for i, label in enumerate(labels)}
    report = classification_report([index[y] for y in gold], [index[y] for y in predicted], labels)
    return {"accuracy": report["accuracy"], "macro_f1": report["macro_f1"], "n": report["n"]}


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


# -- sentikit ------------------------------------------------------------------------------------------------
def sentikit_throughput(args: dict[str, Any]) -> dict[str, Any]:
    import sentikit

    texts = read_lines(args["texts"])
    load_s, model = _timed(lambda: sentikit.load(args["model"]))
    predict_s, probs = _timed(lambda: model.predict_proba(texts))
    assert len(probs) == len(texts)
    return {"load_s": load_s, "predict_s": predict_s, "docs": len(texts), "docs_per_s": len(texts) / predict_s}


# -- fastText --------------------------------------------------------------------------------------------------
def ft_text(text: str) -> str:
    """The fastText tutorial's normalisation, on one line."""
    return _WHITESPACE.sub(" ", _PUNCT.sub(r" \1 ", text.lower())).strip()


def ft_label(label: str) -> str:
    return _FT_LABEL + _WHITESPACE.sub("_", label)


def write_ft_file(path: str, out: Path) -> tuple[Path, dict[str, str]]:
    texts, labels = read_labelled(path)
    back = {ft_label(y): y for y in labels}
    out.write_text("".join(f"{ft_label(y)} {ft_text(t)}\n" for t, y in zip(texts, labels)), encoding="utf-8")
    return out, back


def ft_predict(model: Any, texts: list[str]) -> list[str]:
    labels, _ = model.predict([ft_text(t) for t in texts], k=1)
    return [row[0] if row else "" for row in labels]


def _ft_train(path: Path, params: dict[str, Any], seed: int) -> Any:
    import fasttext

    return fasttext.train_supervised(input=str(path), wordNgrams=2, thread=1, seed=seed, verbose=0, **params)


def fasttext_tune(args: dict[str, Any]) -> dict[str, Any]:
    work = Path(args["work"])
    train_file, _ = write_ft_file(args["train"], work / "ft_train.txt")
    dev_texts, dev_labels = read_labelled(args["dev"])
    gold = [ft_label(y) for y in dev_labels]
    grid: list[dict[str, Any]] = []
    started = time.perf_counter()
    for lr in args["grid"]["lr"]:
        for epoch in args["grid"]["epoch"]:
            model = _ft_train(train_file, {"lr": lr, "epoch": epoch}, args["seed"])
            grid.append({"lr": lr, "epoch": epoch, **metrics(gold, ft_predict(model, dev_texts))})
    best = max(grid, key=lambda g: (g["macro_f1"], g["accuracy"]))
    return {"best": {"lr": best["lr"], "epoch": best["epoch"]}, "dev": best, "grid": grid,
            "tune_s": time.perf_counter() - started}


def fasttext_train(args: dict[str, Any]) -> dict[str, Any]:
    train_file, _ = write_ft_file(args["train"], Path(args["work"]) / "ft_final.txt")
    fit_s, model = _timed(lambda: _ft_train(train_file, args["params"], args["seed"]))
    model.save_model(args["model"])
    return {"fit_s": fit_s}


def fasttext_eval(args: dict[str, Any]) -> dict[str, Any]:
    import fasttext

    texts, labels = read_labelled(args["test"])
    model = fasttext.load_model(args["model"])
    predicted = [p[len(_FT_LABEL):] for p in ft_predict(model, texts)]
    back = {_WHITESPACE.sub("_", y): y for y in labels}
    return metrics(labels, [back.get(p, p) for p in predicted])


def fasttext_throughput(args: dict[str, Any]) -> dict[str, Any]:
    import fasttext

    texts = read_lines(args["texts"])
    load_s, model = _timed(lambda: fasttext.load_model(args["model"]))
    predict_s, _ = _timed(lambda: ft_predict(model, texts))
    return {"load_s": load_s, "predict_s": predict_s, "docs": len(texts), "docs_per_s": len(texts) / predict_s}


# -- scikit-learn ----------------------------------------------------------------------------------------------
def sk_vectorizer() -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)


def sk_classifier(c: float, seed: int) -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, max_iter=1000, random_state=seed)


def sklearn_tune(args: dict[str, Any]) -> dict[str, Any]:
    texts, labels = read_labelled(args["train"])
    dev_texts, dev_labels = read_labelled(args["dev"])
    started = time.perf_counter()
    vectorizer = sk_vectorizer()
    x_train = vectorizer.fit_transform(texts)
    x_dev = vectorizer.transform(dev_texts)
    grid = []
    for c in args["grid"]["C"]:
        model = sk_classifier(c, args["seed"]).fit(x_train, labels)
        grid.append({"C": c, **metrics(dev_labels, list(model.predict(x_dev)))})
    best = max(grid, key=lambda g: (g["macro_f1"], g["accuracy"]))
    return {"best": {"C": best["C"]}, "dev": best, "grid": grid, "tune_s": time.perf_counter() - started}


def sklearn_train(args: dict[str, Any]) -> dict[str, Any]:
    import joblib
    from sklearn.pipeline import make_pipeline

    texts, labels = read_labelled(args["train"])
    pipeline = make_pipeline(sk_vectorizer(), sk_classifier(args["params"]["C"], args["seed"]))
    fit_s, _ = _timed(lambda: pipeline.fit(texts, labels))
    # scikit-learn's docs: stop_words_ (every pruned term) "can get large and increase the model size when
    # pickling ... can be safely removed ... before pickling".
    pipeline.steps[0][1].stop_words_ = None
    joblib.dump(pipeline, args["model"])
    return {"fit_s": fit_s}


def sklearn_eval(args: dict[str, Any]) -> dict[str, Any]:
    import joblib

    texts, labels = read_labelled(args["test"])
    return metrics(labels, [str(p) for p in joblib.load(args["model"]).predict(texts)])


def sklearn_throughput(args: dict[str, Any]) -> dict[str, Any]:
    import joblib

    texts = read_lines(args["texts"])
    load_s, model = _timed(lambda: joblib.load(args["model"]))
    predict_s, _ = _timed(lambda: model.predict_proba(texts))
    return {"load_s": load_s, "predict_s": predict_s, "docs": len(texts), "docs_per_s": len(texts) / predict_s}


# What a user would write to label one text in a fresh process (the cold-start measurement).
COLD_START_SNIPPETS = {
    # A list, not a bare string: fasttext-wheel 0.9.2's single-string predict() fails under numpy 2
    # ("Unable to avoid copy while creating an array as requested").
    "fasttext": "import sys, fasttext; m = fasttext.load_model(sys.argv[1]); print(m.predict([sys.argv[2]]))",
    "sklearn": "import sys, joblib; m = joblib.load(sys.argv[1]); print(m.predict([sys.argv[2]]))",
}

JOBS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "sentikit-throughput": sentikit_throughput,
    "fasttext-tune": fasttext_tune,
    "fasttext-train": fasttext_train,
    "fasttext-eval": fasttext_eval,
    "fasttext-throughput": fasttext_throughput,
    "sklearn-tune": sklearn_tune,
    "sklearn-train": sklearn_train,
    "sklearn-eval": sklearn_eval,
    "sklearn-throughput": sklearn_throughput,
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("job", choices=sorted(JOBS))
    parser.add_argument("--args", required=True, help="the job's arguments as one JSON object")
    ns = parser.parse_args(argv)
    result = JOBS[ns.job](json.loads(ns.args))
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
