"""Does memory stay flat as the input grows? Peak RSS of `sentikit preprocess` and `sentikit predict` at several
input sizes.

Usage (from the repository root):

    .venv/bin/python benchmarks/memory_flat.py                  # 10 MB, 100 MB and 1 GB for both commands
    .venv/bin/python benchmarks/memory_flat.py --size-mb 200    # 10 MB, 100 MB and 200 MB
    .venv/bin/python benchmarks/memory_flat.py --sizes 5,50 --commands predict --model models/reviews_en-gru
    .venv/bin/python benchmarks/memory_flat.py --sizes 10,100 --commands evaluate   # evaluate streams too
    .venv/bin/python benchmarks/memory_flat.py --sizes 10,100 --commands preprocess-json  # so do JSON arrays

Inputs are built under the system temp folder (/tmp) by repeating the reviews of the bundled corpus
data/reviews_en.csv (a CSV with text,label,domain for `preprocess FILE` and `evaluate FILE`; plain lines for
`predict`, piped to its stdin) and deleted afterwards (--keep keeps them). Output goes to /dev/null. Without
--model, a Naive Bayes model is trained on the bundled corpus first (--arch to choose another architecture).

Peak RSS: the child's own high-water mark (VmHWM in /proc/PID/status, polled every 20 ms; it only grows) and
wait4's ru_maxrss, whichever is larger. This script imports nothing heavy, so its own size (which Linux may carry
into a child's ru_maxrss across fork+exec) stays far below sentikit's. --unique-tokens appends a never-seen word to
every line, so the preprocessing cache (bounded at 2M forms) grows too: the adversarial case.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MB = 1024 * 1024


def _reviews() -> list[tuple[str, str, str]]:
    with (REPO / "data" / "reviews_en.csv").open(encoding="utf-8", newline="") as handle:
        return [(r["text"], r["label"], r["domain"]) for r in csv.DictReader(handle)]


def build_input(path: Path, size_bytes: int, kind: str, unique: bool) -> int:
    """Write about `size_bytes` of repeated reviews (CSV, plain lines, or an indented JSON array of records, as
    `json.dump(records, indent=2)` writes it); return the number of documents."""
    if kind == "json":
        return _build_json_array(path, size_bytes, unique)
    reviews = _reviews()
    n = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        if kind == "csv":
            writer.writerow(["text", "label", "domain"])
        block: list[str] = []
        while handle.tell() < size_bytes:
            for text, label, domain in reviews:
                text = f"{text} w{n}x" if unique else text
                n += 1
                if kind == "csv":
                    writer.writerow([text, label, domain])
                else:
                    block.append(text + "\n")
            if block:
                handle.write("".join(block))
                block.clear()
    return n


def _build_json_array(path: Path, size_bytes: int, unique: bool) -> int:
    import json

    reviews = _reviews()
    n = 0
    with path.open("w", encoding="utf-8") as handle:
        handle.write("[")
        while handle.tell() < size_bytes:
            block = []
            for text, label, domain in reviews:
                record = {"text": f"{text} w{n}x" if unique else text, "label": label, "domain": domain}
                block.append(("\n" if n == 0 else ",\n") + json.dumps(record, ensure_ascii=False, indent=2))
                n += 1
            handle.write("".join(block))
        handle.write("\n]\n")
    return n


def _hwm_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def measure(args: list[str], stdin_path: Path | None, cwd: Path) -> tuple[float, float, float]:
    """Run `sentikit ARGS` in `cwd` (stdout to /dev/null): (wall s, CPU s, peak RSS MB)."""
    cmd = [sys.executable, "-m", "sentikit", "-q", *args]
    stdin = stdin_path.open("rb") if stdin_path else subprocess.DEVNULL
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdin=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=cwd)
    hwm = 0
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        hwm = max(hwm, _hwm_kb(proc.pid))
        time.sleep(0.02)
    wall = time.perf_counter() - started
    if stdin_path:
        stdin.close()  # type: ignore[union-attr]
    proc.returncode = os.waitstatus_to_exitcode(status)
    stderr = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
    if proc.returncode != 0:
        raise SystemExit(f"sentikit {' '.join(args)} failed ({proc.returncode}): {stderr.strip()}")
    return wall, usage.ru_utime + usage.ru_stime, max(hwm, usage.ru_maxrss) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mb", type=int, default=1024, help="largest input in MB (default 1024)")
    parser.add_argument("--sizes", help="comma-separated sizes in MB (default: 10, 100 and --size-mb)")
    parser.add_argument("--commands", default="preprocess,predict",
                        help="comma-separated: preprocess, preprocess-json (an indented JSON array), predict, "
                             "evaluate (default: preprocess,predict)")
    parser.add_argument("--model", type=Path, help="model for predict (default: train nb on the bundled corpus)")
    parser.add_argument("--arch", default="nb", help="architecture of the model trained without --model")
    parser.add_argument("--unique-tokens", action="store_true", help="a never-seen word on every line")
    parser.add_argument("--keep", action="store_true", help="keep the generated inputs")
    opts = parser.parse_args()
    sizes = ([int(s) for s in opts.sizes.split(",")] if opts.sizes
             else sorted({s for s in (10, 100) if s < opts.size_mb} | {opts.size_mb}))
    commands = [c.strip() for c in opts.commands.split(",") if c.strip()]
    tmp = Path(tempfile.mkdtemp(prefix="sentikit-memory-"))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"sentikit memory benchmark: sizes {sizes} MB, commands {commands}, inputs in {tmp}, "
          f"{os.cpu_count()} CPUs, load average {load:.1f}", flush=True)
    model = opts.model
    if {"predict", "evaluate"} & set(commands) and model is None:
        model = tmp / f"model-{opts.arch}"
        # In tmp, like every run: training remembers its model in ./models/.latest, which must not be the repo's.
        measure(["train", str(REPO / "data" / "reviews_en.csv"), "--arch", opts.arch, "--out", str(model)], None,
                tmp)
    rows = []
    try:
        for size in sizes:
            for command in commands:
                kind = {"predict": "txt", "preprocess-json": "json"}.get(command, "csv")
                path = tmp / f"input-{size}mb.{kind}"
                if not path.exists():
                    docs = build_input(path, size * MB, kind, opts.unique_tokens)
                    (tmp / f"{path.name}.docs").write_text(str(docs))
                docs = int((tmp / f"{path.name}.docs").read_text())
                args = {"preprocess": ["preprocess", str(path)], "preprocess-json": ["preprocess", str(path)],
                        "predict": ["predict", "--model", str(model)],
                        "evaluate": ["evaluate", str(path), "--model", str(model), "--format", "json"]}[command]
                wall, cpu, peak = measure(args, path if command == "predict" else None, tmp)
                rows.append((command, size, docs, wall, cpu, peak))
                print(f"  {command:<10} {size:>6} MB  {docs:>10,} docs  {wall:8.1f} s wall  {cpu:8.1f} s CPU  "
                      f"peak RSS {peak:7.1f} MB", flush=True)
            if not opts.keep:  # one size at a time on disk
                for leftover in tmp.glob(f"input-{size}mb.*"):
                    leftover.unlink()
    finally:
        if not opts.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    print()
    print("| command | input | documents | wall s | CPU s | docs/s (CPU) | peak RSS MB |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for command, size, docs, wall, cpu, peak in rows:
        print(f"| {command} | {size} MB | {docs:,} | {wall:.1f} | {cpu:.1f} | {docs / max(cpu, 1e-9):,.0f} | "
              f"{peak:.1f} |")
    for command in commands:
        peaks = [r[5] for r in rows if r[0] == command]
        if len(peaks) > 1:
            print(f"{command}: peak RSS at the largest input is {peaks[-1] / peaks[0]:.2f}x the smallest "
                  f"({peaks[0]:.0f} → {peaks[-1]:.0f} MB) for {sizes[-1] / sizes[0]:.0f}x the input")


if __name__ == "__main__":
    main()
