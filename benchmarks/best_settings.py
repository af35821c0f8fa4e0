"""The "best settings" row of each corpus: sentikit's best known configuration, chosen on the dev split only.

`benchmarks/run.py` trains one extra sentikit model per corpus from this table and labels it
`sentikit <arch> (tuned)`. Fill it from dev-split tuning (e.g. `python benchmarks/linear_tuning.py tune
--corpus imdb --arch nbsvm logreg`), never from test scores, and say where each entry came from in `source`:
the report prints it under the table. `options` are `sentikit train` options, exactly as on the command line;
they win over the run's neural caps (--epochs, --max-len) when they name the same option.
"""

from __future__ import annotations

from typing import Any

BEST_SETTINGS: dict[str, dict[str, Any]] = {
    "imdb": {
        "arch": "nbsvm",
        "options": ["--ngram-max", "3"],
        "source": "PLACEHOLDER, not tuned yet: NBSVM with word 1-3 grams (Wang & Manning 2012's recipe); "
                  "replace with the dev-best of `benchmarks/linear_tuning.py tune --corpus imdb`",
    },
    "sst2": {
        "arch": "logreg",
        "options": ["--char-ngrams", "1-4", "--C", "1"],
        "source": "dev-best of the logreg/nbsvm/nb grid in benchmarks/linear_tuning.py (80 configurations, "
                  "SST-2 official dev split: macro-F1 0.822)",
    },
    "rusentitweet": {
        "arch": "logreg",
        "options": ["--C", "10"],
        "source": "PARTIAL: dev-best C of a 3-point logreg grid in benchmarks/linear_tuning.py (macro-F1 0.576, "
                  "without character n-grams, which the CLI cannot switch off for logreg); to be re-tuned",
    },
}


def option_names(options: list[str]) -> set[str]:
    return {o for o in options if o.startswith("--")}


def merge_options(base: list[str], override: list[str]) -> list[str]:
    """`base` options (flag + value pairs or lone flags) minus those `override` names, then `override`."""
    names = option_names(override)
    merged: list[str] = []
    skip_value = False
    for item in base:
        if skip_value and not item.startswith("--"):
            skip_value = False
            continue
        skip_value = False
        if item in names:
            skip_value = True
            continue
        merged.append(item)
    return merged + list(override)
