"""How fast is `sentikit predict` from a shell: a cold one-text call, and texts piped through the CLI?

Usage (from the repository root, with a trained model):

    .venv/bin/sentikit train /work/shared/corpora/imdb/train.csv.gz --arch nbsvm --out /tmp/imdb-nbsvm
    .venv/bin/python benchmarks/cli_speed.py --model /tmp/imdb-nbsvm --corpus imdb --rounds 10

What is measured, in --rounds interleaved rounds (medians reported, plus the spread):
  cold:  `sentikit predict --model M "TEXT"` (interpreter start, imports, model load, one prediction);
  piped: `sentikit predict --model M` with --docs test texts on stdin (newlines inside a text flattened),
         output captured: the end-to-end rate, start-up and model load included, as a user's pipeline sees it.

--compare NAME=DIR runs every round again with DIR first on PYTHONPATH, so an alternative version of a
dependency can be timed against the installed one on the same machine in the same minutes, e.g.

    .venv/bin/pip install --target /tmp/typer29 typer==0.29.2
    .venv/bin/python benchmarks/cli_speed.py --model /tmp/imdb-nbsvm --compare typer0.29=/tmp/typer29

The texts are read from the shared corpora (never copied into the repository); the first --docs test rows
in file order are used, so every run and every variant sees the same texts.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.corpora import DEFAULT_CORPORA
from benchmarks.tools import sentikit_command
from sentikit.corpus import load_labelled


def texts_of(corpora: Path, corpus: str, docs: int) -> list[str]:
    texts = load_labelled(corpora / corpus / "test.csv.gz").texts[:docs]
    return [" ".join(t.split()) for t in texts]


def timed(args: list[str], env: dict[str, str], stdin: bytes | None = None) -> float:
    started = time.perf_counter()
    done = subprocess.run(args, input=stdin, env=env, capture_output=True)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args[:4])} … failed ({done.returncode}): {done.stderr.decode()[-300:]}")
    return wall


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, help="a model folder written by `sentikit train`")
    parser.add_argument("--corpus", default="imdb", help="corpus folder name under --corpora (default: imdb)")
    parser.add_argument("--corpora", type=Path, default=DEFAULT_CORPORA)
    parser.add_argument("--docs", type=int, default=2000, help="texts piped per round (default: 2000)")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--compare", action="append", default=[], metavar="NAME=DIR",
                        help="also time with DIR first on PYTHONPATH (repeatable)")
    args = parser.parse_args(argv)

    texts = texts_of(args.corpora, args.corpus, args.docs)
    stdin = ("\n".join(texts) + "\n").encode()
    cold_text = texts[0][:200]
    cli = sentikit_command()
    envs = {"installed": dict(os.environ)}
    for item in args.compare:
        name, _, folder = item.partition("=")
        path = os.pathsep.join(p for p in (folder, os.environ.get("PYTHONPATH", "")) if p)
        envs[name] = {**os.environ, "PYTHONPATH": path}
    cold: dict[str, list[float]] = {name: [] for name in envs}
    piped: dict[str, list[float]] = {name: [] for name in envs}
    for _ in range(args.rounds):
        for name, env in envs.items():  # interleaved, so drifting machine load hits every variant alike
            cold[name].append(timed([*cli, "predict", "--model", args.model, "--", cold_text], env))
            piped[name].append(timed([*cli, "predict", "--model", args.model], env, stdin))
    base = statistics.median(cold["installed"]), statistics.median(piped["installed"])
    for name in envs:
        cold_s, piped_s = statistics.median(cold[name]), statistics.median(piped[name])
        print(json.dumps({
            "variant": name, "model": args.model, "docs": len(texts), "rounds": args.rounds,
            "cold_start_s": round(cold_s, 3), "cold_min_max_s": [round(min(cold[name]), 3), round(max(cold[name]), 3)],
            "piped_s": round(piped_s, 3), "piped_docs_per_s": round(len(texts) / piped_s),
            "piped_min_max_s": [round(min(piped[name]), 3), round(max(piped[name]), 3)],
            "cold_vs_installed": round(cold_s / base[0], 3), "piped_vs_installed": round(piped_s / base[1], 3),
            "loadavg_1min": round(os.getloadavg()[0], 2),
        }), flush=True)


if __name__ == "__main__":
    main()
