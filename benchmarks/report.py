"""BENCHMARKS.md from a results dict: measured table, goals computed from it, published figures kept apart,
the machine, library versions, the exact command, and the time budget of a full run.
"""

from __future__ import annotations

from typing import Any

GOAL_VS_FASTTEXT = 2.0  # points: sentikit's best must beat fastText by this much ...
GOAL_CORPORA = ("imdb", "rusentitweet")  # ... on these corpora
GOAL_DEFAULT_GAP = 2.0  # points: every default within this much of the best settings

PUBLISHED = [
    ("IMDB", "NBSVM, word uni+bigrams", "accuracy", "91.22 %", "Wang & Manning (2012), ACL"),
    ("IMDB", "Keras examples (LSTM, CNN, ...; imdb_*.py)", "accuracy", "81.5–89 %", "keras-team/keras examples"),
    ("IMDB", "fastText-style bigram model", "accuracy", "90.56 %", "Keras example imdb_fasttext.py"),
    ("RuSentiTweet", "multinomial Naive Bayes", "macro-F1", "0.5216", "Smetanin (2022), PeerJ CS 8:e1039"),
    ("RuSentiTweet", "fine-tuned RuBERT", "macro-F1", "0.6594", "Smetanin (2022), PeerJ CS 8:e1039"),
]

COLUMNS = [
    ("corpus", "corpus"), ("tool", "tool"), ("model", "model"), ("accuracy", "test acc %"),
    ("macro_f1", "macro-F1 %"), ("train_s", "train s"), ("train_cpu_s", "train CPU s"), ("tune_s", "tune s"),
    ("predict_docs_s", "docs/s"), ("predict_cli_docs_s", "CLI docs/s"), ("cold_start_s", "cold start s"),
    ("peak_rss_train_mb", "RSS train MB"), ("peak_rss_predict_mb", "RSS predict MB"), ("artifact_mb", "size MB"),
    ("settings", "settings"),
]


def _cell(key: str, value: Any) -> str:
    if value is None:
        return "–"
    if key in ("accuracy", "macro_f1"):
        return f"{100 * value:.2f}"
    if key in ("predict_docs_s", "predict_cli_docs_s"):
        return f"{value:,.0f}"
    if key == "cold_start_s":
        return f"{value:.2f}"
    if key in ("train_s", "train_cpu_s", "tune_s", "peak_rss_train_mb", "peak_rss_predict_mb"):
        return f"{value:,.1f}" if value < 100 else f"{value:,.0f}"
    if key == "artifact_mb":
        return f"{value:.2f}" if value < 10 else f"{value:,.1f}"
    return str(value).replace("|", "\\|")


def markdown_table(headers: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def results_table(rows: list[dict[str, Any]]) -> str:
    body = []
    for row in rows:
        cells = [_cell(key, row.get(key)) for key, _ in COLUMNS]
        if row.get("error"):
            cells[-1] = f"**failed**: {_cell('error', row['error'])[:300]}"
        body.append(cells)
    return markdown_table([title for _, title in COLUMNS], body)


def _points(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else round(100 * (a - b), 2)


def _scored(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in rows if not r.get("error") and r.get("accuracy") is not None]


def compute_goals(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """sentikit's best (chosen by dev macro-F1, never by test) vs fastText, and every default vs the tuned row."""
    vs_fasttext: list[dict[str, Any]] = []
    defaults: list[dict[str, Any]] = []
    for corpus in dict.fromkeys(r["corpus"] for r in rows):
        ours = [r for r in _scored(rows) if r["corpus"] == corpus and r["tool"] == "sentikit"]
        peer = next((r for r in _scored(rows) if r["corpus"] == corpus and r["tool"] == "fastText"), None)
        if ours and peer:
            best = max(ours, key=lambda r: (r.get("dev_macro_f1") or -1.0, r.get("dev_accuracy") or -1.0))
            d_acc, d_f1 = _points(best["accuracy"], peer["accuracy"]), _points(best["macro_f1"], peer["macro_f1"])
            target = GOAL_VS_FASTTEXT if corpus in GOAL_CORPORA else None
            met = None if target is None else bool(d_acc is not None and d_f1 is not None
                                                   and d_acc >= target and d_f1 >= target)
            vs_fasttext.append({"corpus": corpus, "sentikit": best["model"], "accuracy_points": d_acc,
                                "macro_f1_points": d_f1, "goal_points": target, "met": met})
        # Each default is judged against the best settings found for its own architecture.
        tuned_by_arch = {r["arch"]: r for r in ours if r.get("kind") == "tuned"}
        for row in ours:
            tuned = tuned_by_arch.get(row["arch"])
            if row.get("kind") != "default" or tuned is None:
                continue
            d_acc, d_f1 = _points(row["accuracy"], tuned["accuracy"]), _points(row["macro_f1"], tuned["macro_f1"])
            defaults.append({"corpus": corpus, "default": row["model"], "tuned": tuned["model"],
                             "accuracy_points": d_acc, "macro_f1_points": d_f1, "goal_points": -GOAL_DEFAULT_GAP,
                             "met": d_acc >= -GOAL_DEFAULT_GAP and d_f1 >= -GOAL_DEFAULT_GAP})
    return {"sentikit_best_vs_fasttext": vs_fasttext, "defaults_vs_tuned": defaults}


def _signed(value: float | None) -> str:
    return "–" if value is None else f"{value:+.2f}"


def _verdict(met: bool | None) -> str:
    return "no goal" if met is None else ("met" if met else "**missed**")


def goals_section(goals: dict[str, Any]) -> str:
    vs_fasttext, defaults = goals["sentikit_best_vs_fasttext"], goals["defaults_vs_tuned"]
    first = markdown_table(
        ["corpus", "sentikit best (by dev macro-F1)", "Δ accuracy (points)", "Δ macro-F1 (points)", "goal", "verdict"],
        [[g["corpus"], g["sentikit"], _signed(g["accuracy_points"]), _signed(g["macro_f1_points"]),
          "≥ +2 on both" if g["goal_points"] else "–", _verdict(g["met"])] for g in vs_fasttext])
    second = markdown_table(
        ["corpus", "default", "best settings", "Δ accuracy (points)", "Δ macro-F1 (points)", "verdict"],
        [[g["corpus"], g["default"], g["tuned"], _signed(g["accuracy_points"]), _signed(g["macro_f1_points"]),
          _verdict(g["met"])] for g in defaults])
    if not vs_fasttext:
        first = "(no sentikit and fastText rows to compare)"
    if not defaults:
        second = "(no best-settings row in this run)"
    return ("### sentikit's best vs fastText\n\nsentikit's best model of each corpus is the one with the highest "
            "**dev** macro-F1 (choosing by test score would flatter it); Δ = sentikit − fastText on test. Goal: "
            f"≥ +{GOAL_VS_FASTTEXT:g} points on IMDB and RuSentiTweet.\n\n{first}\n\n"
            "### Each default vs the best settings\n\nΔ = default − `(tuned)` row of the same corpus and architecture, "
            "on test. "
            f"Goal: within {GOAL_DEFAULT_GAP:g} points (Δ ≥ −{GOAL_DEFAULT_GAP:g}) on both metrics.\n\n"
            f"{second}")


def _preprocess_section(preprocess: dict[str, Any] | None) -> str:
    if not preprocess:
        return ("Not run (pass `--preprocess` to include `benchmarks/preprocess_speed.py`, about 10 minutes, "
                "2 with `--quick`).")
    if preprocess.get("error"):
        return f"`{preprocess['command']}` failed: {preprocess['error']}"
    def number(value: Any, unit: str) -> str:
        if not isinstance(value, (int, float)):
            return "–" if value is None else str(value)
        return f"{value:,.0f}" if unit.endswith("/s") else f"{value:,.1f}"

    rows = [[str(r.get("section", "")), str(r.get("what", "")), number(r.get("value"), str(r.get("unit", ""))),
             number(r.get("cpu_value"), str(r.get("unit", ""))), str(r.get("unit", "")), str(r.get("goal") or ""),
             "" if r.get("ok") is None else ("ok" if r["ok"] else "**miss**"), str(r.get("note") or "")]
            for r in preprocess.get("rows", [])]
    table = markdown_table(["", "measurement", "wall", "CPU", "unit", "goal", "", "note"], rows)
    return f"Command: `{preprocess['command']}` ({preprocess['seconds']:.0f} s)\n\n{table}"


def _threads_text(threads: int | None) -> str:
    fasttext = "fastText trains with 1 thread (its results only repeat with one)"
    if not threads:
        return f"the libraries' defaults (`--threads 0`); {fasttext}"
    text = f"OMP/OPENBLAS/MKL_NUM_THREADS={threads} in every tool's processes (`--threads`); {fasttext}. "
    if threads == 1:
        return text + ("Same models (up to float summation order), steadier timings: on this shared 2-core machine "
                       "2 threads made sentikit's torch training up to 70× and its numpy prediction up to 25× slower "
                       "(OpenMP/OpenBLAS threads spinning against other load)")
    return text + "Meant for an otherwise idle machine; under other load use `--threads 1`"


def render_markdown(result: dict[str, Any], budget_text: str) -> str:
    meta, rows = result["meta"], result["rows"]
    machine, versions = meta["machine"], meta["versions"]
    quick = meta["quick"]
    corpora = "\n".join(
        f"- **{c['name']}**: train {c['sizes']['train']:,}, dev {c['sizes']['dev']:,} ({c['dev_source']}), test "
        f"{c['sizes']['test']:,}; throughput sample {c['sizes']['throughput']:,} test texts"
        + (f"; {'; '.join(c['notes'])}" if c["notes"] else "") for c in meta["corpora"])
    run_corpora = {c["name"] for c in meta["corpora"]}
    tuned = "\n".join(
        [f"- **{name}** → `sentikit train --arch {s['arch']} {' '.join(s['options'])}`: {s['source']}"
         for name, entries in meta["best_settings"].items() if name in run_corpora for s in entries]
        + [f"- **{name}** (no separate row): {text}"
           for name, text in meta.get("defaults_are_dev_best", {}).items() if name in run_corpora])
    banner = ("> **Quick run** (`--quick`): subsampled corpora and capped neural training. A smoke test of the "
              "harness; do not compare these figures with published ones.\n\n" if quick else "")
    version_text = ", ".join(f"{k} {v or 'not installed'}" for k, v in versions.items())
    load = meta.get("load_average") or {}
    busy = any(v and v[0] > (machine["cores"] or 1) for v in (load.get("start"), load.get("end")))
    load_text = (f"{(load.get('start') or ['?'])[0]} at start, {(load.get('end') or ['?'])[0]} at end"
                 + (" — **the machine was shared with other work: wall times and docs/s are pessimistic; the "
                    "train CPU s column is the steadier figure**" if busy else ""))
    return f"""# Benchmarks

{banner}Generated by `benchmarks/run.py` on {meta['date']}; raw results: `{meta['results_file']}` (gitignored).

- **Command**: `{meta['command']}`
- **Machine**: {machine['cpu']}, {machine['cores']} cores, {machine['memory_gib']} GiB memory; {machine['os']}, \
Python {machine['python']}
- **Libraries**: {version_text}
- **Threads**: {_threads_text(meta.get("threads"))}
- **Wall time of this run**: {meta['wall_s'] / 60:.1f} min; seed {meta['seed']}; 1-minute load average {load_text}

## Measured

Test accuracy and macro-F1 in %, from `sentikit evaluate` for sentikit and from the same metric code for the peers.
*train s*: wall time of the process that trains the final model (start-up, reading, preprocessing, fitting, saving);
*train CPU s*: its user + system CPU time (less sensitive to other load on the machine).
*tune s*: the peers' dev-split grid search, separate. *docs/s*: in-process prediction after loading (sentikit:
`sentikit.load(path).predict_proba(texts)`; fastText `model.predict`; scikit-learn `predict_proba`) on the
throughput sample; *CLI docs/s*: `sentikit predict --model DIR` with the same texts on stdin, start-up and load
included. *cold start*: median of {meta['cold_repeats']} fresh processes labelling one text
(`sentikit predict --model DIR "text"`; for the peers a `python -c` that loads the file and predicts).
*RSS*: peak resident memory of the training process / of the process predicting the throughput sample (MB =
2^20 bytes). *size*: the saved model folder or file.

{results_table(rows)}

Corpora:
{corpora}

Best-settings rows (`benchmarks/best_settings.py`):
{tuned or '- none in this run'}

## Goals (computed from the table above)

{goals_section(result['goals'])}

## Published figures (quoted from the literature; NOT measured here, never mixed with the table above)

{markdown_table(['corpus', 'model', 'metric', 'figure', 'source'], [list(p) for p in PUBLISHED])}

Different preprocessing, splits and tuning: context only, not a like-for-like comparison.

## Preprocessing speed

{_preprocess_section(result.get('preprocess'))}

## Time budget

{budget_text}
"""
