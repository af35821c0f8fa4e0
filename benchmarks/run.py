"""sentikit against its peers on real corpora: one command, one table, side by side.

    python benchmarks/run.py                       # full run: IMDB, SST-2, RuSentiTweet (~90 min on 2 cores)
    python benchmarks/run.py --quick               # subsampled smoke run (~5 min)
    python benchmarks/run.py --corpus sst2 --only sentikit,fasttext --archs logreg,gru

For each corpus: every sentikit architecture at its defaults plus one "best settings" row
(benchmarks/best_settings.py), all through the `sentikit` CLI; fastText supervised with word bigrams and lr/epoch
tuned on dev; a plain scikit-learn TF-IDF + LogisticRegression pipeline with C tuned on dev. Every tool trains on
the same train split, tunes on the same dev split (the official one, else a seeded stratified 10 % of train) and
is scored on the same test split. Raw results go to benchmarks/results/<timestamp>.json, the report to
BENCHMARKS.md, one progress line per model to stderr, the table to stdout. Corpus files are read in place and
temporary files live in the system temp folder only.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable as a package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse
import json
import shlex
import shutil
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from benchmarks.best_settings import BEST_SETTINGS, DEFAULTS_ARE_DEV_BEST, merge_options
from benchmarks.corpora import DEFAULT_CORPORA, REPO_ROOT, prepare_corpus
from benchmarks.measure import library_versions, load_average, machine_info, now_stamp
from benchmarks.report import compute_goals, goals_section, render_markdown, results_table
from benchmarks.tools import LINEAR_ARCHS, NEURAL_ARCHS, Context, progress_line, run_peer, run_sentikit

CORPORA = ("imdb", "sst2", "rusentitweet")
TOOLS = ("sentikit", "fasttext", "sklearn")
ALL_ARCHS = LINEAR_ARCHS + NEURAL_ARCHS


@dataclass(frozen=True)
class Plan:
    """How much of everything a run does. Neural caps are per corpus ("*": any other corpus)."""

    quick: bool
    sizes: dict[str, int] | None  # subsample train/dev/test to at most this many rows
    throughput_docs: int
    archs: tuple[str, ...]
    neural_options: dict[str, list[str]]
    neural_train_rows: dict[str, int] = field(default_factory=dict)
    cold_repeats: int = 5
    fasttext_grid: dict[str, list[float]] = field(default_factory=lambda: {"lr": [0.1, 0.5, 1.0], "epoch": [5, 25]})
    sklearn_grid: dict[str, list[float]] = field(default_factory=lambda: {"C": [0.3, 1.0, 3.0, 10.0, 30.0]})

    def neural_caps(self, corpus: str) -> list[str]:
        return list(self.neural_options.get(corpus, self.neural_options.get("*", [])))


# Full run on a 2-core CPU: IMDB's neural models are capped to ~4-7 minutes each (training + full-test
# evaluation); see FULL_BUDGET for the measurements behind the caps.
FULL = Plan(quick=False, sizes=None, throughput_docs=2000, archs=ALL_ARCHS,
            neural_options={"imdb": ["--epochs", "3"], "*": []})
QUICK = Plan(quick=True, sizes={"train": 1500, "dev": 500, "test": 1000}, throughput_docs=500,
             archs=("logreg", "nbsvm", "nb", "gru"), neural_options={"*": ["--epochs", "2", "--max-len", "128"]},
             cold_repeats=3, fasttext_grid={"lr": [0.1, 1.0], "epoch": [5, 25]})

FULL_BUDGET = """Design of the full run (`python benchmarks/run.py`, no `--quick`): **≤ 90 minutes** on this 2-core
machine. SST-2 and RuSentiTweet run everything at full size and every sentikit architecture at its defaults (at most
10 epochs, patience 2). IMDB cannot: at the defaults (max-len 400) a GRU needs 5-8 epochs of ~1 min each with two
idle threads (~2 min with one thread or under load) and the bidirectional nets twice that, so 7 architectures would
take over an hour on IMDB alone. IMDB's neural rows therefore train on the full train split for `--epochs 3` (the
learning rate still decays to 0, over 3 epochs) and are evaluated on the full test split like every other row; their
*settings* column shows the cap. Full-length IMDB runs of gru, lstm and conv1d at their defaults are measured
separately with `sentikit train`/`sentikit evaluate` (README, section Benchmarks).

Every row includes its cold starts (5 processes), the 2,000-text throughput sample (CLI and in-process) and
`sentikit evaluate` on the full test split. Pass `--threads 1` (the default) on a shared machine: two threads per
tool made torch up to 70× slower under load; `--threads 2` is for an otherwise idle machine. Lift the IMDB cap with
`--neural-options=""` when hours are available."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add = parser.add_argument
    add("--corpus", default=",".join(CORPORA), help="comma-separated corpus folders (default: %(default)s)")
    add("--corpora", type=Path, default=DEFAULT_CORPORA, help="folder of corpora (default: ../shared/corpora)")
    add("--quick", action="store_true", help="subsampled corpora and capped neural training (~5 min)")
    add("--only", default=",".join(TOOLS), help="tools to run, from: %(default)s")
    add("--archs", help="sentikit architectures at defaults, comma-separated or 'all' "
        f"(default: all; with --quick {','.join(QUICK.archs)})")
    add("--no-tuned", action="store_true", help="skip the best-settings row (benchmarks/best_settings.py)")
    add("--neural-options", help="sentikit train options for every neural row instead of the plan's caps, "
        "e.g. --neural-options='--epochs 1 --max-len 64' ('' for the defaults)")
    add("--neural-train-rows", type=int, help="cap neural training documents (0: no cap; default: the plan's)")
    add("--throughput-docs", type=int, help="test texts timed for docs/s (default: 2000; quick 500)")
    add("--fasttext-grid", help="fastText dev grid, e.g. 'lr=0.1,0.5,1.0;epoch=5,25' (the default)")
    add("--sklearn-grid", help="scikit-learn dev grid, e.g. 'C=0.3,1,3,10,30' (the default)")
    add("--cold-repeats", type=int, help="fresh processes per cold-start median (default: 5; quick 3)")
    add("--threads", type=int, default=1, help="OMP/OPENBLAS/MKL_NUM_THREADS of every tool's processes "
        "(default: 1; 0: the libraries' own defaults)")
    add("--seed", type=int, default=13, help="seed of splits, samples and every tool (default: 13)")
    add("--out", type=Path, default=REPO_ROOT / "benchmarks" / "results", help="folder of raw JSON results")
    add("--markdown", type=Path, default=REPO_ROOT / "BENCHMARKS.md", help="report file (default: BENCHMARKS.md)")
    add("--preprocess", action="store_true", help="also run benchmarks/preprocess_speed.py")
    add("--timeout", type=float, default=7200, help="seconds allowed to any one step (default: 7200)")
    add("--keep-temp", action="store_true", help="keep the temporary folder (models, split files)")
    return parser


def _names(text: str, allowed: Sequence[str], what: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in allowed]
    if unknown:
        raise SystemExit(f"unknown {what}: {', '.join(unknown)} (choose from {', '.join(allowed)})")
    return names


def parse_grid(text: str, keys: Sequence[str]) -> dict[str, list[float]]:
    """'lr=0.1,0.5;epoch=5,25' -> {'lr': [0.1, 0.5], 'epoch': [5, 25]}; every key in `keys` is required."""
    grid: dict[str, list[float]] = {}
    for part in filter(None, (p.strip() for p in text.split(";"))):
        key, _, values = part.partition("=")
        try:
            grid[key.strip()] = [int(v) if key.strip() == "epoch" else float(v) for v in values.split(",")]
        except ValueError as exc:
            raise SystemExit(f"invalid grid {text!r}: {exc}") from exc
    if sorted(grid) != sorted(keys):
        raise SystemExit(f"invalid grid {text!r}: give exactly {', '.join(keys)}, e.g. "
                         + ";".join(f"{k}=1,2" for k in keys))
    return grid


def make_plan(args: argparse.Namespace) -> Plan:
    plan = QUICK if args.quick else FULL
    if args.archs:
        archs = ALL_ARCHS if args.archs == "all" else tuple(_names(args.archs, ALL_ARCHS, "architecture"))
        plan = replace(plan, archs=archs)
    if args.neural_options is not None:
        plan = replace(plan, neural_options={"*": shlex.split(args.neural_options)})
    if args.neural_train_rows is not None:
        plan = replace(plan, neural_train_rows={"*": args.neural_train_rows} if args.neural_train_rows else {})
    if args.cold_repeats:
        plan = replace(plan, cold_repeats=args.cold_repeats)
    if args.throughput_docs:
        plan = replace(plan, throughput_docs=args.throughput_docs)
    if args.fasttext_grid:
        plan = replace(plan, fasttext_grid=parse_grid(args.fasttext_grid, ("lr", "epoch")))
    if args.sklearn_grid:
        plan = replace(plan, sklearn_grid=parse_grid(args.sklearn_grid, ("C",)))
    return plan


def run_corpus(ctx: Context, root: Path, name: str, plan: Plan, tools: list[str], tuned: bool
               ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Every requested model on one corpus; (rows, what the corpus looked like)."""
    started = time.perf_counter()
    rows_cap = plan.neural_train_rows.get(name, plan.neural_train_rows.get("*"))
    corpus = prepare_corpus(root, name, ctx.workdir, seed=ctx.seed, sizes=plan.sizes,
                            throughput_docs=plan.throughput_docs, neural_train_rows=rows_cap)
    if corpus.neural_train is not None:
        corpus.notes.append(f"neural rows train on a stratified sample of {rows_cap:,} train documents")
    sizes = corpus.sizes
    ctx.log(f"[{name}] train {sizes['train']:,} · dev {sizes['dev']:,} ({corpus.dev_source}) · test "
            f"{sizes['test']:,} · labels {', '.join(corpus.labels)} ({time.perf_counter() - started:.1f} s)")
    jobs: list[tuple[str, Any]] = []
    if "sentikit" in tools:
        for arch in plan.archs:
            options = plan.neural_caps(name) if arch in NEURAL_ARCHS else []
            jobs.append(("sentikit", (arch, options, f"{arch} (defaults)", "default")))
        for best in BEST_SETTINGS.get(name, []) if tuned else []:
            caps = plan.neural_caps(name) if best["arch"] in NEURAL_ARCHS else []
            jobs.append(("sentikit", (best["arch"], merge_options(caps, best["options"]), f"{best['arch']} (tuned)",
                                      "tuned")))
    if "fasttext" in tools:
        jobs.append(("fastText", plan.fasttext_grid))
    if "sklearn" in tools:
        jobs.append(("scikit-learn", plan.sklearn_grid))
    rows = []
    for tool, spec in jobs:
        began = time.perf_counter()
        row = run_sentikit(ctx, corpus, *spec) if tool == "sentikit" else run_peer(ctx, corpus, tool, spec)
        row["row_s"] = round(time.perf_counter() - began, 2)
        rows.append(row)
        ctx.log(progress_line(row))
    meta = {"name": name, "sizes": corpus.sizes, "dev_source": corpus.dev_source, "labels": corpus.labels,
            "notes": corpus.notes, "seconds": round(time.perf_counter() - started, 1)}
    return rows, meta


def run_preprocess(args: argparse.Namespace, json_path: Path, log: Any) -> dict[str, Any]:
    """benchmarks/preprocess_speed.py in a subprocess; its table goes to stderr, its rows into the results."""
    script = REPO_ROOT / "benchmarks" / "preprocess_speed.py"
    cmd = [sys.executable, str(script), *(["--quick"] if args.quick else []), "--corpora", str(args.corpora),
           "--json", str(json_path)]
    shown = "python benchmarks/preprocess_speed.py" + (" --quick" if args.quick else "")
    if not script.is_file():
        return {"command": shown, "error": "benchmarks/preprocess_speed.py not found", "seconds": 0}
    log(f"[preprocess] {shown} …")
    started = time.perf_counter()
    proc = subprocess.run(cmd, cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True, check=False)
    sys.stderr.write(proc.stdout)
    seconds = time.perf_counter() - started
    if proc.returncode != 0 or not json_path.is_file():
        return {"command": shown, "error": f"exit {proc.returncode}", "seconds": seconds}
    return {"command": shown, "seconds": seconds, "rows": json.loads(json_path.read_text(encoding="utf-8"))}


def time_breakdown(rows: list[dict[str, Any]], corpora: list[dict[str, Any]]) -> str:
    """Minutes this run spent per corpus and tool, to calibrate the budget."""
    lines = ["| corpus | " + " | ".join(("sentikit linear", "sentikit neural", "fastText", "scikit-learn", "total"))
             + " |", "|---|---|---|---|---|---|"]
    for meta in corpora:
        mine = [r for r in rows if r["corpus"] == meta["name"]]
        groups = [[r for r in mine if r["tool"] == "sentikit" and r["arch"] in LINEAR_ARCHS],
                  [r for r in mine if r["tool"] == "sentikit" and r["arch"] in NEURAL_ARCHS],
                  [r for r in mine if r["tool"] == "fastText"], [r for r in mine if r["tool"] == "scikit-learn"]]
        cells = [f"{sum(r.get('row_s') or 0 for r in group) / 60:.1f}" for group in groups]
        lines.append(f"| {meta['name']} | {' | '.join(cells)} | {meta['seconds'] / 60:.1f} |")
    return "Minutes spent by this run:\n\n" + "\n".join(lines)


def run_benchmark(args: argparse.Namespace, argv: Sequence[str]) -> dict[str, Any]:
    """The whole run: every corpus, the JSON results file and the Markdown report. Returns the results."""
    plan = make_plan(args)
    names = [n.strip() for n in args.corpus.split(",") if n.strip()]
    tools = _names(args.only, TOOLS, "tool")
    date, stamp = now_stamp()
    args.out.mkdir(parents=True, exist_ok=True)
    results_file = args.out / f"{stamp}.json"
    workdir = Path(tempfile.mkdtemp(prefix="sentikit-bench-"))
    ctx = Context(workdir=workdir, seed=args.seed, cold_repeats=plan.cold_repeats, timeout=args.timeout,
                  keep_models=args.keep_temp, threads=args.threads)
    load_start = load_average()
    started = time.perf_counter()
    rows: list[dict[str, Any]] = []
    corpora: list[dict[str, Any]] = []
    try:
        ctx.log(f"sentikit benchmark{' (--quick)' if plan.quick else ''}: {', '.join(names)}; tools "
                f"{', '.join(tools)}; temporary files in {workdir}")
        for name in names:
            corpus_rows, meta = run_corpus(ctx, args.corpora, name, plan, tools, not args.no_tuned)
            rows += corpus_rows
            corpora.append(meta)
        preprocess = run_preprocess(args, args.out / f"{stamp}-preprocess.json", ctx.log) if args.preprocess else None
    finally:
        if args.keep_temp:
            ctx.log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    result: dict[str, Any] = {
        "meta": {"date": date, "command": "python benchmarks/run.py " + shlex.join(argv), "quick": plan.quick,
                 "seed": args.seed, "threads": args.threads, "cold_repeats": plan.cold_repeats,
                 "machine": machine_info(),
                 "versions": library_versions(), "load_average": {"start": load_start, "end": load_average()},
                 "wall_s": round(time.perf_counter() - started, 1),
                 "results_file": _relative(results_file), "corpora": corpora,
                 "plan": {"archs": list(plan.archs), "sizes": plan.sizes, "throughput_docs": plan.throughput_docs,
                          "neural_options": plan.neural_options, "neural_train_rows": plan.neural_train_rows,
                          "fasttext_grid": plan.fasttext_grid, "sklearn_grid": plan.sklearn_grid},
                 "best_settings": {k: v for k, v in BEST_SETTINGS.items() if k in names and not args.no_tuned},
                 "defaults_are_dev_best": {k: v for k, v in DEFAULTS_ARE_DEV_BEST.items() if k in names}},
        "rows": rows,
        "goals": compute_goals(rows),
        "preprocess": preprocess,
    }
    results_file.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    budget = FULL_BUDGET + "\n\n" + time_breakdown(rows, corpora)
    args.markdown.write_text(render_markdown(result, budget), encoding="utf-8")
    ctx.log(f"done in {result['meta']['wall_s'] / 60:.1f} min: {_relative(results_file)}, {_relative(args.markdown)}")
    return result


def _relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; exit status 1 when any model failed (its row says why)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    result = run_benchmark(args, argv)
    print(results_table(result["rows"]))
    print()
    print(goals_section(result["goals"]))
    return 1 if any(r.get("error") for r in result["rows"]) else 0


if __name__ == "__main__":
    sys.exit(main())
