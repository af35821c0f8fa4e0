"""Dev-split grids for the neural models: each setting is trained on several seeded dev splits of a corpus's train
split, so that choosing between settings rests on more than one noisy split. The test split is never read.

  python benchmarks/neural_tuning.py --corpus rusentitweet --arch conv1d lstm --seeds 13 1 2 \\
      --variant 'char3={"text": {"tokens": "char3"}, "seq": {"max_len": 200}}' \\
      --variant 'stem={"text": {"morph": "stem"}}'

Every run is the defaults plus its variant's overrides, keyed by config: `text` (PreprocessConfig), `seq`
(SequenceConfig), `model` (NeuralConfig) and `train` (TrainConfig). The defaults run first as the baseline.
Each run prints a JSON line (also appended to --out). The run ends with a table: mean dev macro-F1 per
architecture and variant, and on how many splits each variant beat the defaults. Split seed s holds out a
stratified 10 % of train (`sentikit.splits.stratified_split`) and also seeds training.

By default a run trains on the rest and early-stops on that dev split, so the score is the early-stopping dev
figure and no refit is done (it would not change the score). `--held-out` instead scores the whole `sentikit
train` procedure: the run gets only the rest, carves its own dev split from it as `sentikit train` does, refits
on train + dev when the settings say so, and is scored on the held-out 10 % it never saw. That is how refitting
is checked:

  python benchmarks/neural_tuning.py --held-out --corpus sst2 --arch gru lstm conv1d \
      --variant 'refit={"train": {"refit": true}}'
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.corpora import DEFAULT_CORPORA
from sentikit.corpus import load_labelled
from sentikit.features.sequences import SequenceConfig
from sentikit.models.config import ARCH_NAMES, NeuralConfig
from sentikit.models.neural_predictor import NeuralPredictor
from sentikit.splits import stratified_split
from sentikit.text import PreprocessConfig, Preprocessor
from sentikit.training.metrics import classification_report
from sentikit.training.neural import NeuralResult, TrainConfig, train_neural

CONFIG_KEYS = ("text", "seq", "model", "train")


def parse_variant(text: str) -> tuple[str, dict[str, dict[str, Any]]]:
    """'name={"text": {...}, ...}' -> (name, overrides); unknown config keys are refused."""
    name, sep, body = text.partition("=")
    try:
        overrides = json.loads(body) if sep else None
    except ValueError as exc:
        raise SystemExit(f"invalid --variant {text!r}: {exc}") from exc
    if not name or not isinstance(overrides, dict) or set(overrides) - set(CONFIG_KEYS):
        raise SystemExit(f"invalid --variant {text!r}: expected NAME={{...}} with keys from {', '.join(CONFIG_KEYS)}")
    return name, overrides


def run_grid(corpus_file: Path, archs: list[str], variants: list[tuple[str, dict[str, dict[str, Any]]]],
             seeds: list[int], threads: int | None, out: Any = None, held_out: bool = False) -> list[dict[str, Any]]:
    """Train every (variant, seed, arch) on its split; return (and print) one record per run."""
    data = load_labelled(corpus_file)
    classes = sorted(set(data.labels))
    y = [classes.index(label) for label in data.labels]
    token_cache: dict[str, list[list[str]]] = {}
    records = []
    for name, overrides in variants:
        text_key = json.dumps(overrides.get("text", {}), sort_keys=True)
        if text_key not in token_cache:
            preprocessor = Preprocessor(PreprocessConfig(**overrides.get("text", {}))).fit()
            token_cache[text_key] = preprocessor.transform(data.texts)
        docs = token_cache[text_key]
        for seed in seeds:
            train_idx, dev_idx = stratified_split(data.labels, 0.1, seed)
            dev_docs, dev_y = [docs[i] for i in dev_idx], [y[i] for i in dev_idx]
            for arch in archs:
                started = time.perf_counter()
                model_cfg = NeuralConfig(**{**overrides.get("model", {}), "arch": arch})
                seq_cfg = SequenceConfig(**overrides.get("seq", {}))
                train = {"threads": threads, **({} if held_out else {"refit": False}), **overrides.get("train", {})}
                result = train_neural(
                    [docs[i] for i in train_idx], [y[i] for i in train_idx],
                    None if held_out else dev_docs, None if held_out else dev_y, classes,
                    model_cfg, seq_cfg, TrainConfig(**{**train, "seed": seed}),
                )
                metrics = _score(result, model_cfg, seq_cfg, dev_docs, dev_y, classes) if held_out \
                    else result.dev_metrics or {}
                record = {"corpus": corpus_file.parent.name, "variant": name, "overrides": overrides,
                          "arch": arch, "seed": seed, "dev_macro_f1": metrics.get("macro_f1"),
                          "dev_accuracy": metrics.get("accuracy"), "best_epoch": result.best_epoch,
                          "epochs_run": len(result.history), "held_out": held_out, "fit_rows": result.fit_rows,
                          "seconds": round(time.perf_counter() - started, 1)}
                records.append(record)
                line = json.dumps(record, ensure_ascii=False)
                print(line, flush=True)
                if out is not None:
                    out.write(line + "\n")
                    out.flush()
    return records


def _score(result: NeuralResult, model_cfg: NeuralConfig, seq_cfg: SequenceConfig, docs: list[list[str]],
           y: list[int], classes: list[str]) -> dict[str, Any]:
    """Metrics of the returned weights on documents the run never saw, through the saved-model predictor."""
    meta = {"model": model_cfg.to_dict(), "sequence": asdict(seq_cfg)}
    predictor = NeuralPredictor.from_export(result.weights, {"vocab": result.vocab}, meta)
    return classification_report(y, predictor.predict_proba(docs).argmax(axis=1).tolist(), classes)


def summary(records: list[dict[str, Any]]) -> str:
    """Mean dev macro-F1 per (arch, variant) and split wins against the `defaults` variant of the same arch."""
    scores: dict[tuple[str, str], dict[int, float]] = {}
    for r in records:
        scores.setdefault((r["arch"], r["variant"]), {})[r["seed"]] = r["dev_macro_f1"]
    lines = ["| arch | variant | mean dev macro-F1 | per split | splits won vs defaults |", "|---|---|---|---|---|"]
    for (arch, variant), by_seed in scores.items():
        base = scores.get((arch, "defaults"), {})
        wins = sum(1 for s, v in by_seed.items() if s in base and v > base[s])
        won = "–" if variant == "defaults" else f"{wins} of {len(by_seed)}"
        per_split = " ".join(f"{v:.3f}" for v in by_seed.values())
        lines.append(f"| {arch} | {variant} | {sum(by_seed.values()) / len(by_seed):.4f} | {per_split} | {won} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", required=True, help="corpus folder name under --corpora")
    parser.add_argument("--corpora", type=Path, default=DEFAULT_CORPORA, help="default: %(default)s")
    parser.add_argument("--arch", nargs="+", choices=ARCH_NAMES, default=["gru"])
    parser.add_argument("--variant", action="append", default=[], help="NAME=JSON overrides (repeatable)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[13, 1, 2])
    parser.add_argument("--threads", type=int, default=2, help="torch threads (default: %(default)s)")
    parser.add_argument("--out", type=Path, help="also append the JSON lines to this file")
    parser.add_argument("--held-out", action="store_true",
                        help="score the full train procedure (own dev split, refit) on the held-out split")
    args = parser.parse_args(argv)
    variants = [("defaults", {})] + [parse_variant(v) for v in args.variant]
    corpus_file = args.corpora / args.corpus / "train.csv.gz"
    if not corpus_file.is_file():
        parser.error(f"no train split at {corpus_file}")
    out = args.out.open("a", encoding="utf-8") if args.out else None
    try:
        records = run_grid(corpus_file, args.arch, variants, args.seeds, args.threads, out, args.held_out)
    finally:
        if out is not None:
            out.close()
    print(summary(records))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
