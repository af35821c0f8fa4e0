"""How fast is sentikit's preprocessing, and does its memory stay flat?

Usage (from the repository root):

    .venv/bin/python benchmarks/preprocess_speed.py            # full sizes, ~10 minutes on 2 cores
    .venv/bin/python benchmarks/preprocess_speed.py --quick    # smaller sizes, ~2 minutes

Reads the public corpora in /work/shared/corpora (or --corpora DIR): gzip CSVs with a `text,label` header. Nothing
from them is copied into the repository; the CLI measurements write temporary files under the system temp folder
and delete them afterwards.

What is measured (medians over --repeats runs, 3 by default):
  (a) Russian tokenize + stopwords + lemmatize, tokens/s on one core, over a stream of >= 1M tokens (RuSentiTweet
      train texts repeated and shuffled with a fixed seed), starting from an empty cache; next to raw
      pymorphy3 `parse(w)[0].normal_form`, NLTK's SnowballStemmer and PyStemmer, word by word over the tokens of
      the same stream (tokenization excluded for them, which flatters them).
  (b) distinct, never-seen Russian word forms/s through the lemmatizer: a fresh Preprocessor and empty cache per
      run (the pymorphy3 dictionaries are loaded beforehand), next to raw pymorphy3 on the same forms.
  (c) tokens/s of each mode (none, stopwords, stems, lemmas) for Russian (the stream of (a)) and English (an IMDB
      train subsample of about as many tokens), each from an empty cache.
  (d) wall time, CPU time and peak RSS (process tree) of `sentikit preprocess --lemmatize` over the 25k IMDB
      train reviews (decompressed to a temporary CSV first), output to /dev/null, with --jobs 1 and --jobs 2.
  (e) peak RSS of `sentikit preprocess --lemmatize` on inputs of 10 MB and 100 MB made by repeating the same 5 MB
      of IMDB reviews (same vocabulary, so only the input size differs).

In-process rates are given per wall-clock second and per CPU second of this process: on a shared machine the
CPU figure is the one-core speed, the wall figure is what other load left of it. The load average is printed.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sentikit.text import PreprocessConfig, Preprocessor
from sentikit.text.normalize import normalize_text
from sentikit.text.tokenize import word_tokens

DEFAULT_CORPORA = Path("/work/shared/corpora")
SEED = 13


@dataclass
class Row:
    section: str
    what: str
    value: float
    unit: str
    cpu_value: float | None = None
    goal: str = ""
    ok: bool | None = None
    note: str = ""
    runs: list[float] = field(default_factory=list)


def read_texts(path: Path) -> list[str]:
    with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
        return [row["text"] for row in csv.DictReader(f)]


def measure(fn: Callable[[], Any], repeats: int) -> tuple[float, float, list[float]]:
    """Median wall seconds, median CPU seconds (this process), and the wall times of each run."""
    walls, cpus = [], []
    for _ in range(repeats):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        cpus.append(time.process_time() - c0)
        walls.append(time.perf_counter() - w0)
    return statistics.median(walls), statistics.median(cpus), walls


def build_stream(texts: list[str], min_tokens: int, seed: int) -> tuple[list[str], int]:
    """Repeat `texts` until the stream holds at least `min_tokens` tokens, then shuffle it (seeded)."""
    config = PreprocessConfig()
    per_pass = sum(len(word_tokens(normalize_text(t, config))) for t in texts)
    copies = max(1, math.ceil(min_tokens / max(per_pass, 1)))
    stream = texts * copies
    random.Random(seed).shuffle(stream)
    return stream, per_pass * copies


def stream_tokens(stream: list[str]) -> list[str]:
    config = PreprocessConfig()
    return [tok for text in stream for tok in word_tokens(normalize_text(text, config))]


def measure_fresh(config: PreprocessConfig, texts: list[str], repeats: int) -> tuple[float, float, list[float]]:
    walls, cpus = [], []
    for _ in range(repeats):
        pre = Preprocessor(config).fit()
        pre.process("загрузка loading")  # load the backends outside the measurement
        pre._cache.clear()
        w0, c0 = time.perf_counter(), time.process_time()
        for text in texts:
            pre.process(text)
        cpus.append(time.process_time() - c0)
        walls.append(time.perf_counter() - w0)
    return statistics.median(walls), statistics.median(cpus), walls


# -- (a) ----------------------------------------------------------------------------------------------------------


def bench_a(ru_stream: list[str], n_tokens: int, repeats: int, rows: list[Row]) -> None:
    config = PreprocessConfig(lang="ru", remove_stopwords=True, morph="lemma")
    wall, cpu, runs = measure_fresh(config, ru_stream, repeats)
    rows.append(Row("a", f"ru tokenize+stopwords+lemmatize ({n_tokens:,} tokens)", n_tokens / wall, "tokens/s",
                    n_tokens / cpu, "≥ 300,000 tokens/s", n_tokens / cpu >= 300_000, runs=runs))

    words = stream_tokens(ru_stream)
    import pymorphy3
    import Stemmer
    from nltk.stem.snowball import SnowballStemmer

    parse = pymorphy3.MorphAnalyzer().parse
    snowball = SnowballStemmer("russian").stem
    pystem = Stemmer.Stemmer("russian").stemWord

    def each(fn: Callable[[str], str]) -> Callable[[], None]:
        return lambda: [fn(w) for w in words]

    for name, fn in [("raw pymorphy3 parse(w)[0].normal_form", lambda w: parse(w)[0].normal_form),
                     ("raw NLTK SnowballStemmer('russian').stem", snowball),
                     ("raw PyStemmer stemWord (russian)", pystem)]:
        wall, cpu, runs = measure(each(fn), repeats)
        rows.append(Row("a", f"{name} (same {len(words):,} tokens, no cache)", len(words) / wall, "words/s",
                        len(words) / cpu, runs=runs))


# -- (b) ----------------------------------------------------------------------------------------------------------


def bench_b(ru_texts: list[str], repeats: int, rows: list[Row]) -> None:
    config = PreprocessConfig(lang="ru", morph="lemma")
    forms = sorted({t for text in ru_texts for t in word_tokens(normalize_text(text, config))
                    if t[0].isalpha() and "\u0400" <= t[0] <= "\u04ff"})
    random.Random(SEED).shuffle(forms)
    docs = [" ".join(forms[i : i + 20]) for i in range(0, len(forms), 20)]
    wall, cpu, runs = measure_fresh(config, docs, repeats)
    rows.append(Row("b", f"ru distinct never-seen forms through the lemmatizer ({len(forms):,})", len(forms) / wall,
                    "forms/s", len(forms) / cpu, "≥ 40,000 forms/s", len(forms) / cpu >= 40_000, runs=runs))
    import pymorphy3

    parse = pymorphy3.MorphAnalyzer().parse
    wall, cpu, runs = measure(lambda: [parse(w)[0].normal_form for w in forms], repeats)
    rows.append(Row("b", "raw pymorphy3 parse(w)[0].normal_form, same forms", len(forms) / wall, "forms/s",
                    len(forms) / cpu, runs=runs))


# -- (c) ----------------------------------------------------------------------------------------------------------

MODES = {
    "none": {"morph": "none"},
    "stopwords": {"remove_stopwords": True, "morph": "none"},
    "stems": {"morph": "stem"},
    "lemmas": {"morph": "lemma"},
    "default": {},  # morph=auto: Russian lemmas, English forms as written
}


def bench_c(streams: dict[str, tuple[list[str], int, str]], repeats: int, rows: list[Row]) -> None:
    for lang, (texts, n_tokens, label) in streams.items():
        for mode, settings in MODES.items():
            config = PreprocessConfig(lang=lang, **settings)  # type: ignore[arg-type]
            wall, cpu, runs = measure_fresh(config, texts, repeats)
            rows.append(Row("c", f"{lang} {mode:9s} ({label}, {n_tokens:,} tokens)", n_tokens / wall, "tokens/s",
                            n_tokens / cpu, runs=runs))


# -- (d), (e): the CLI in a subprocess ------------------------------------------------------------------------------


def _hwm_bytes(pid: int) -> int:
    """The kernel's high-water mark of a live process's resident memory (VmHWM), 0 if it is gone."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def run_cli(args: list[str]) -> tuple[float, float, int]:
    """Run `sentikit ARGS` with stdout to /dev/null: (wall s, CPU s of the process tree, peak RSS bytes).

    Peak RSS: every 10 ms, the sum of the current RSS of the CLI and its worker processes, and the CLI's own
    high-water mark (VmHWM); the larger of the two maxima. (wait4's ru_maxrss is no use here: Linux carries the
    parent's peak over fork+exec, and this benchmark process is big.) CPU time comes from wait4 and includes the
    workers that the CLI has reaped."""
    import psutil

    command = [sys.executable, "-m", "sentikit", *args]
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    ps = psutil.Process(proc.pid)
    peak = 0
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        try:
            tree = ps.memory_info().rss + sum(c.memory_info().rss for c in ps.children(recursive=True))
            peak = max(peak, tree, _hwm_bytes(proc.pid))
        except psutil.Error:
            pass
        time.sleep(0.01)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    stderr = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
    if proc.returncode != 0:
        raise SystemExit(f"sentikit {' '.join(args)} failed ({proc.returncode}):\n{stderr}")
    return wall, usage.ru_utime + usage.ru_stime, peak


def write_csv(path: Path, texts: Iterator[str] | list[str]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["text", "label"])
        for text in texts:
            writer.writerow([text, "x"])


def bench_d(imdb_train: Path, n_docs: int | None, repeats: int, tmp: Path, rows: list[Row]) -> None:
    path = tmp / "imdb_train.csv"
    with gzip.open(imdb_train, "rb") as src, path.open("wb") as dst:
        if n_docs is None:
            dst.write(src.read())
        else:
            write_csv(path, read_texts(imdb_train)[:n_docs])
    label = "25k IMDB train" if n_docs is None else f"{n_docs:,} IMDB train reviews"
    for jobs in (1, 2):
        results = [run_cli(["preprocess", str(path), "--lemmatize", "--jobs", str(jobs)]) for _ in range(repeats)]
        wall = statistics.median(r[0] for r in results)
        cpu = statistics.median(r[1] for r in results)
        peak = max(r[2] for r in results)
        goal = "≤ 20 s" if n_docs is None else "(≤ 20 s at 25k)"
        rows.append(Row("d", f"sentikit preprocess --lemmatize --jobs {jobs} ({label})", wall, "s wall", cpu, goal,
                        wall <= 20 if n_docs is None else None, runs=[r[0] for r in results]))
        rows.append(Row("d", f"  peak RSS, --jobs {jobs} (process + workers)", peak / 2**20, "MiB"))


def repeat_until(texts: list[str], n_bytes: int) -> Iterator[str]:
    """The texts over and over until about `n_bytes` of CSV have been produced."""
    written = 0
    while True:
        for text in texts:
            yield text
            written += len(text.encode("utf-8")) + 5
            if written >= n_bytes:
                return


def bench_e(imdb_train: Path, sizes_mb: list[int], block_mb: int, repeats: int, tmp: Path,
            rows: list[Row]) -> None:
    # Both inputs repeat the same block of IMDB reviews, so they have the same vocabulary and only their size
    # differs: memory that grew with the input would show here. (On ever new text the per-form cache grows with
    # the vocabulary, up to its limit of 2M forms.)
    texts = list(repeat_until(read_texts(imdb_train), block_mb * 2**20))
    peaks = []
    for size in sizes_mb:
        path = tmp / f"imdb_{size}mb.csv"
        write_csv(path, repeat_until(texts, size * 2**20))
        results = [run_cli(["preprocess", str(path), "--lemmatize"]) for _ in range(repeats)]
        peak = max(r[2] for r in results) / 2**20
        peaks.append(peak)
        rows.append(Row("e", f"peak RSS, preprocess --lemmatize, {path.stat().st_size / 2**20:.0f} MB input", peak,
                        "MiB", note=f"wall {statistics.median(r[0] for r in results):.1f} s"))
        path.unlink()
    flat = peaks[-1] <= peaks[0] * 1.25 + 10
    rows.append(Row("e", f"  RSS growth {sizes_mb[0]} MB -> {sizes_mb[-1]} MB input", peaks[-1] - peaks[0], "MiB",
                    goal="flat", ok=flat))


# -- report -------------------------------------------------------------------------------------------------------


def fmt(value: float | None, unit: str) -> str:
    if value is None:
        return ""
    if unit.endswith("/s"):
        return f"{value:,.0f}"
    return f"{value:,.1f}"


def print_table(rows: list[Row], args: argparse.Namespace, load: tuple[tuple[float, ...], tuple[float, ...]]) -> None:
    print()
    print(f"sentikit preprocessing benchmark{' (--quick)' if args.quick else ''}: medians of {args.repeats} runs; "
          f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs; load average "
          f"{load[0][0]:.1f} at start, {load[1][0]:.1f} at end")
    header = ("", "measurement", "wall", "CPU", "unit", "goal", "")
    widths = [3, max(len(r.what) for r in rows), 12, 12, 9, 18, 4]
    line = "  ".join(h.ljust(w) for h, w in zip(header, widths))
    print(line)
    print("-" * len(line))
    for r in rows:
        verdict = "" if r.ok is None else ("ok" if r.ok else "MISS")
        unit = r.unit.replace(" wall", "")
        cells = (r.section, r.what, fmt(r.value, r.unit), fmt(r.cpu_value, r.unit), unit, r.goal, verdict)
        text = "  ".join(c.rjust(w) if i in (2, 3) else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths)))
        print(text.rstrip() + (f"   {r.note}" if r.note else ""))
    print()
    print("wall: per wall-clock second (d: seconds); CPU: per CPU second of the process (d: CPU seconds of the "
          "process tree). Goals of (a), (b) are checked on the CPU column (one core); (d) on wall time.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smaller sizes (about 2 minutes)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--corpora", type=Path, default=DEFAULT_CORPORA)
    parser.add_argument("--only", default="abcde", help="sections to run, e.g. 'ab'")
    parser.add_argument("--json", type=Path, help="also write the rows as JSON here (e.g. benchmarks/results/)")
    args = parser.parse_args()

    load_start = os.getloadavg()
    ru_train = read_texts(args.corpora / "rusentitweet" / "train.csv.gz")
    ru_test = read_texts(args.corpora / "rusentitweet" / "test.csv.gz")
    imdb_train = args.corpora / "imdb" / "train.csv.gz"
    min_tokens = 200_000 if args.quick else 1_000_000
    ru_stream, ru_tokens = build_stream(ru_train, min_tokens, SEED)
    rows: list[Row] = []

    if "a" in args.only:
        bench_a(ru_stream, ru_tokens, args.repeats, rows)
    if "b" in args.only:
        bench_b(ru_train + ru_test, args.repeats, rows)
    if "c" in args.only:
        imdb = read_texts(imdb_train)
        random.Random(SEED).shuffle(imdb)
        en_texts, en_tokens, config = [], 0, PreprocessConfig()
        for text in imdb:
            en_texts.append(text)
            en_tokens += len(word_tokens(normalize_text(text, config)))
            if en_tokens >= min_tokens:
                break
        bench_c({"ru": (ru_stream, ru_tokens, "RuSentiTweet stream"),
                 "en": (en_texts, en_tokens, f"{len(en_texts):,} IMDB reviews")}, args.repeats, rows)
    with tempfile.TemporaryDirectory(prefix="sentikit-bench-") as tmp:
        if "d" in args.only:
            bench_d(imdb_train, 5000 if args.quick else None, args.repeats, Path(tmp), rows)
        if "e" in args.only:
            bench_e(imdb_train, [2, 20] if args.quick else [10, 100], 1 if args.quick else 5, args.repeats,
                    Path(tmp), rows)

    print_table(rows, args, (load_start, os.getloadavg()))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps([r.__dict__ for r in rows], indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
