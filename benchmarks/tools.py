"""One benchmark row per trained model: sentikit through its CLI, fastText and scikit-learn through
`benchmarks.workers`, every step in its own child process so that time and peak RSS are the step's own.

A row is a flat dict (see `ROW_FIELDS`). A step that fails records `error` and the row keeps what was measured
before it; the run goes on with the next model.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.corpora import REPO_ROOT, PreparedCorpus
from benchmarks.measure import cold_start, folder_bytes, run_measured
from benchmarks.workers import COLD_START_SNIPPETS

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
NEURAL_ARCHS = ("conv1d", "rnn", "lstm", "gru", "birnn", "bilstm", "bigru")
LINEAR_ARCHS = ("logreg", "nbsvm", "nb")
MB = 2**20

ROW_FIELDS = (
    "corpus", "tool", "model", "arch", "kind", "settings", "accuracy", "macro_f1", "n_test", "dev_accuracy",
    "dev_macro_f1", "train_rows", "train_s", "train_cpu_s", "tune_s", "predict_docs_s", "predict_cli_docs_s", "load_s",
    "cold_start_s", "cold_start_runs", "peak_rss_train_mb", "peak_rss_predict_mb", "artifact_mb", "n_parameters",
    "epochs", "error",
)


@dataclass
class Context:
    """What every step needs: where to write, seeds, repeats, limits, and where progress goes."""

    workdir: Path
    seed: int = 13
    cold_repeats: int = 5
    timeout: float = 3 * 3600
    keep_models: bool = False  # models are deleted once measured (fastText's .bin is ~0.8 GB)
    threads: int = 1  # OpenMP/OpenBLAS/MKL threads of every child process; 0 leaves the libraries' defaults
    log: Callable[[str], None] = lambda line: print(line, file=sys.stderr, flush=True)
    env: dict[str, str] = field(default_factory=dict)

    def child_env(self) -> dict[str, str]:
        import os

        env = {**os.environ, **self.env}
        if self.threads > 0:
            env.update(dict.fromkeys(THREAD_VARIABLES, str(self.threads)))
        env["PYTHONPATH"] = str(REPO_ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        return env


def sentikit_command() -> list[str]:
    """The `sentikit` console script of this interpreter's environment (what a user runs)."""
    script = Path(sys.executable).parent / "sentikit"
    if script.is_file():
        return [str(script)]
    found = shutil.which("sentikit")
    return [found] if found else [sys.executable, "-m", "sentikit"]


def new_row(corpus: str, tool: str, model: str, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(ROW_FIELDS)
    row.update(corpus=corpus, tool=tool, model=model, **values)
    return row


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")


def _json(proc_stdout: str) -> dict[str, Any]:
    return json.loads(proc_stdout.strip().splitlines()[-1])


def worker(ctx: Context, job: str, args: dict[str, Any]) -> tuple[Any, dict[str, Any] | None]:
    """Run one `benchmarks.workers` job in a fresh interpreter; (process figures, its JSON answer or None)."""
    payload = json.dumps({k: str(v) if isinstance(v, Path) else v for k, v in args.items()})
    proc = run_measured([sys.executable, "-m", "benchmarks.workers", job, "--args", payload], cwd=ctx.workdir,
                        env=ctx.child_env(), timeout=ctx.timeout)
    return proc, (_json(proc.stdout) if proc.ok else None)


def _finish(ctx: Context, row: dict[str, Any], artifact: Path, cold_cmd: list[str]) -> dict[str, Any]:
    median, runs, error = cold_start(cold_cmd, ctx.cold_repeats, cwd=ctx.workdir, env=ctx.child_env())
    row.update(cold_start_s=median, cold_start_runs=runs, artifact_mb=folder_bytes(artifact) / MB)
    if error:
        row["error"] = f"cold start: {error}"
    if ctx.keep_models:
        return row
    if artifact.is_dir():
        shutil.rmtree(artifact, ignore_errors=True)
    else:
        artifact.unlink(missing_ok=True)
    return row


def run_sentikit(ctx: Context, corpus: PreparedCorpus, arch: str, options: list[str], model: str,
                 kind: str) -> dict[str, Any]:
    """train (with --dev) -> show -> evaluate on test -> predict via stdin -> in-process throughput -> cold start."""
    cli = sentikit_command()
    row = new_row(corpus.name, "sentikit", model, arch=arch, kind=kind, settings=" ".join(options) or "defaults")
    folder = ctx.workdir / corpus.name / "models" / _slug(model)
    train_file = corpus.neural_train if arch in NEURAL_ARCHS and corpus.neural_train else corpus.train
    env = ctx.child_env()
    proc = run_measured([*cli, "train", train_file, "--dev", corpus.dev, "--arch", arch, "--out", folder,
                         "--seed", str(ctx.seed), "--force", *options], cwd=ctx.workdir, env=env, timeout=ctx.timeout)
    if not proc.ok:
        return {**row, "error": f"train: {proc.failure()}"}
    row.update(train_s=proc.wall_s, train_cpu_s=proc.cpu_s, peak_rss_train_mb=proc.peak_rss_mb)

    shown = run_measured([*cli, "show", folder, "--format", "json"], cwd=ctx.workdir, env=env)
    if shown.ok:
        manifest = json.loads(shown.stdout)
        dev = (manifest.get("metrics") or {}).get("dev") or {}
        data = (manifest.get("training") or {}).get("data") or {}
        history = manifest.get("history") or []
        row.update(dev_accuracy=dev.get("accuracy"), dev_macro_f1=dev.get("macro_f1"),
                   n_parameters=manifest.get("n_parameters"), train_rows=data.get("train_rows"),
                   epochs=len(history) or None)

    evaluated = run_measured([*cli, "evaluate", corpus.test, "--model", folder, "--format", "json"],
                             cwd=ctx.workdir, env=env, timeout=ctx.timeout)
    if not evaluated.ok:
        return {**row, "error": f"evaluate: {evaluated.failure()}"}
    report = json.loads(evaluated.stdout)
    row.update(accuracy=report["accuracy"], macro_f1=report["macro_f1"], n_test=report["n"])

    texts = corpus.throughput_texts
    predicted = run_measured([*cli, "predict", "--model", folder], stdin_data=("\n".join(texts) + "\n").encode(),
                             cwd=ctx.workdir, env=env, timeout=ctx.timeout)
    answered = sum(1 for line in predicted.stdout.splitlines() if line.strip())
    if not predicted.ok or answered != len(texts):
        return {**row, "error": f"predict (stdin): {answered}/{len(texts)} answers; {predicted.failure()}"}
    row.update(predict_cli_docs_s=len(texts) / predicted.wall_s, peak_rss_predict_mb=predicted.peak_rss_mb)

    proc, answer = worker(ctx, "sentikit-throughput", {"model": folder, "texts": corpus.throughput_file})
    if answer is None:
        return {**row, "error": f"in-process throughput: {proc.failure()}"}
    row.update(predict_docs_s=answer["docs_per_s"], load_s=answer["load_s"])
    guard = ["--"] if corpus.cold_text.startswith("-") else []
    return _finish(ctx, row, folder, [*cli, "predict", "--model", str(folder), *guard, corpus.cold_text])


def _params_text(params: dict[str, Any]) -> str:
    return ", ".join(f"{k} {v:g}" if isinstance(v, float) else f"{k} {v}" for k, v in params.items())


def _grid_text(grid: dict[str, list[Any]]) -> str:
    return " × ".join(f"{k} {'/'.join(f'{v:g}' for v in values)}" for k, values in grid.items())


def run_peer(ctx: Context, corpus: PreparedCorpus, tool: str, grid: Any) -> dict[str, Any]:
    """fastText or scikit-learn: tune on dev -> train on train -> test metrics -> throughput -> cold start."""
    prefix = {"fastText": "fasttext", "scikit-learn": "sklearn"}[tool]
    work = ctx.workdir / corpus.name / prefix
    work.mkdir(parents=True, exist_ok=True)
    artifact = work / ("model.bin" if prefix == "fasttext" else "model.joblib")
    model = ("fastText supervised, word bigrams" if prefix == "fasttext"
             else "TF-IDF 1-2 grams + LogisticRegression")
    row = new_row(corpus.name, tool, model, arch=prefix, kind="peer")
    common = {"seed": ctx.seed, "work": work}

    proc, tuned = worker(ctx, f"{prefix}-tune", {**common, "train": corpus.train, "dev": corpus.dev, "grid": grid})
    if tuned is None:
        return {**row, "error": f"tune: {proc.failure()}"}
    best = tuned["best"]
    row.update(tune_s=proc.wall_s, dev_accuracy=tuned["dev"]["accuracy"], dev_macro_f1=tuned["dev"]["macro_f1"],
               settings=f"{_params_text(best)} (best dev macro-F1 of {_grid_text(grid)})",
               train_rows=corpus.sizes["train"])

    proc, _ = worker(ctx, f"{prefix}-train", {**common, "train": corpus.train, "params": best, "model": artifact})
    if not proc.ok:
        return {**row, "error": f"train: {proc.failure()}"}
    row.update(train_s=proc.wall_s, train_cpu_s=proc.cpu_s, peak_rss_train_mb=proc.peak_rss_mb)

    proc, report = worker(ctx, f"{prefix}-eval", {"test": corpus.test, "model": artifact})
    if report is None:
        return {**row, "error": f"evaluate: {proc.failure()}"}
    row.update(accuracy=report["accuracy"], macro_f1=report["macro_f1"], n_test=report["n"])

    proc, answer = worker(ctx, f"{prefix}-throughput", {"model": artifact, "texts": corpus.throughput_file})
    if answer is None:
        return {**row, "error": f"throughput: {proc.failure()}"}
    row.update(predict_docs_s=answer["docs_per_s"], load_s=answer["load_s"], peak_rss_predict_mb=proc.peak_rss_mb)
    return _finish(ctx, row, artifact, [sys.executable, "-c", COLD_START_SNIPPETS[prefix], str(artifact),
                                        corpus.cold_text])


def progress_line(row: dict[str, Any]) -> str:
    """One stderr line with a row's key numbers."""
    def num(key: str, spec: str, unit: str = "") -> str:
        value = row.get(key)
        return "-" if value is None else f"{value:{spec}}{unit}"

    head = f"[{row['corpus']}] {row['tool']} {row['model']}"
    if row.get("error"):
        return f"{head}: FAILED {row['error']}"
    return (f"{head}: acc {num('accuracy', '.4f')} F1 {num('macro_f1', '.4f')} · train {num('train_s', '.1f', ' s')}"
            f" · {num('predict_docs_s', ',.0f')} docs/s · cold {num('cold_start_s', '.2f', ' s')} · RSS "
            f"{num('peak_rss_train_mb', '.0f')}/{num('peak_rss_predict_mb', '.0f')} MB · "
            f"{num('artifact_mb', '.1f', ' MB')}")
