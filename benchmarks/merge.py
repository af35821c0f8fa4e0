"""Current figures from several benchmark runs: a full run, then partial re-runs (`--corpus`, `--archs`).

Usage: `python benchmarks/merge.py benchmarks/results/FULL.json benchmarks/results/LATER.json ...` (the files whose
rows should win last) prints the merged
results table and the goals computed from it, as Markdown. A later run's row replaces the row of the same corpus,
tool and model. Tuned rows go by corpus: a later run with any `(tuned)` row of a corpus replaces all earlier tuned
rows of that corpus, since `benchmarks/run.py` runs every best-settings entry of a corpus together (so a row whose
entry was removed from `benchmarks/best_settings.py` does not linger).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.report import compute_goals, goals_section, results_table

Row = dict[str, Any]


def _key(row: Row) -> tuple[str, str, str]:
    return row["corpus"], row["tool"], row["model"]


def merge_rows(runs: Sequence[list[Row]]) -> list[Row]:
    """Rows of `runs`, later files' rows winning; order: corpora, then rows, as first seen."""
    merged: dict[tuple[str, str, str], Row] = {}
    for rows in runs:
        tuned_corpora = {r["corpus"] for r in rows if r.get("kind") == "tuned"}
        for key in [k for k, r in merged.items() if r.get("kind") == "tuned" and r["corpus"] in tuned_corpora]:
            del merged[key]
        for row in rows:
            merged[_key(row)] = row  # a replaced key keeps its first position (dicts keep insertion order)
    corpora = list(dict.fromkeys(r["corpus"] for r in merged.values()))
    return sorted(merged.values(), key=lambda r: corpora.index(r["corpus"]))  # stable: row order kept


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("results", nargs="+", type=Path,
                        help="results JSON files of benchmarks/run.py; a later file's rows replace an earlier one's")
    args = parser.parse_args(argv)
    runs = []
    for path in args.results:
        try:
            runs.append(json.loads(path.read_text(encoding="utf-8"))["rows"])
        except (OSError, ValueError, KeyError) as exc:
            parser.error(f"{path}: not a benchmarks/run.py results file ({exc})")
    rows = merge_rows(runs)
    sys.stdout.write(f"{results_table(rows)}\n\n{goals_section(compute_goals(rows))}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
