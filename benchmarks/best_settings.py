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
            "arch": "conv1d",
            # Measured when conv1d read embeddings, before one-hot words became its default.
            "options": ["--tokens", "char3", "--max-len", "200", "--conv-input", "embedding"],
            "source": "dev-best neural setting of a (Russian lemmas | Snowball stems | character trigrams) x "
                      "(gru, bigru, lstm, conv1d) grid at the defaults of 2026-11-27 (embeddings N(0, 0.1^2)) on "
                      "6 stratified 10 % dev splits of train: conv1d over character trigrams of the lemmatized "
                      "text, mean dev macro-F1 0.601 vs 0.590 for word lemmas, better on 5 of 6 splits (3 of them: "
                      "python benchmarks/neural_tuning.py --corpus rusentitweet --arch conv1d lstm --variant "
                      "'char3={\"text\": {\"tokens\": \"char3\"}, \"seq\": {\"max_len\": 200}}'); stems 0.587 "
                      "on the first 3 splits",
        },
        {
            "arch": "lstm",
            "options": ["--tokens", "char3", "--max-len", "200"],
            "source": "same grid: lstm over character trigrams, mean dev macro-F1 0.601 vs 0.591 for word "
                      "lemmas, better on 5 of 6 splits. Trigrams gain less for gru (+0.4) and bigru (+0.5, 2 of "
                      "the first 3 splits each), and stems nothing (-0.3..+0.2), so those get no row",
        },
        {
            "arch": "logreg",
            "options": ["--morph", "none"],
            "source": "logreg on word forms instead of the default Russian lemmas: dev macro-F1 0.615 vs 0.603 "
                      "on the benchmark's dev split (seed 13); over four splits the two tie (mean difference "
                      "0.0), since character n-grams already carry the morphology",
        },
    ],
}

DEFAULTS_ARE_DEV_BEST: dict[str, str] = {
    "imdb": "nbsvm and logreg: the defaults are the dev-best of benchmarks/linear_tuning.py's grid "
            "(nbsvm binary word 1-3-grams, min_df 2, C 1: dev macro-F1 0.928)",
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
