"""The "best settings" rows of each corpus: sentikit configurations chosen on the dev split only.

`benchmarks/run.py` trains one extra sentikit model per entry and labels it `sentikit <arch> (tuned)`; the
report compares every default row with the tuned row of the same architecture. Fill it from dev-split tuning
(`python benchmarks/linear_tuning.py tune --corpus imdb --arch nbsvm logreg` for linear models), never from test
scores, and say where each entry came from in `source`: the report prints it under the table. `options` are
`sentikit train` options, exactly as on the command line; they win over the run's neural caps (--epochs,
--max-len) when they name the same option. `DEFAULTS_ARE_DEV_BEST` records architectures whose dev grid found
nothing better than the defaults, so they need no separate row.
"""

from __future__ import annotations

from typing import Any

BEST_SETTINGS: dict[str, list[dict[str, Any]]] = {
    "imdb": [],
    "sst2": [
        {
            "arch": "logreg",
            "options": ["--char-ngrams", "1-4", "--C", "1"],
            "source": "dev-best of the logreg/nbsvm/nb grid in benchmarks/linear_tuning.py (80 configurations, "
                      "SST-2 official dev split: macro-F1 0.822)",
        },
    ],
    "rusentitweet": [
        {
            "arch": "bigru",
            "options": ["--stem"],
            "source": "dev-best neural setting of a 16-run grid (words/lemmas/stems × gru/bigru/lstm/conv1d, plus "
                      "class-weight, vocabulary, size, lr and pooling variants) on a stratified 10 % dev split of "
                      "train: Snowball-stemmed BiGRU, dev macro-F1 0.616 (word-level GRU default 0.568, BiGRU 0.575; "
                      "lemmas beat words for all four architectures, by 0.4-3.4 points)",
        },
    ],
}

DEFAULTS_ARE_DEV_BEST: dict[str, str] = {
    "imdb": "nbsvm and logreg: the defaults are the dev-best of benchmarks/linear_tuning.py's grid "
            "(nbsvm binary word 1-3-grams, min_df 2, C 1: dev macro-F1 0.928)",
    "rusentitweet": "logreg: the default (word 1-2 + char 1-4-grams, C 3, balanced) is the dev-best of "
                    "benchmarks/linear_tuning.py's grid (dev macro-F1 0.615)",
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
