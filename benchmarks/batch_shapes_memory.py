"""Peak memory of neural training over many batch shapes, for several sizes of oneDNN's primitive cache.

Length-bucketed training feeds a network batches of dozens of widths. oneDNN (torch's CPU convolution backend)
caches a primitive, with its own buffers, per layer, direction and shape, which made a Conv1D's RSS grow with
`--max-len`. This script isolates that: each setting runs in a fresh process that does one training step
(batch 64) and one evaluation pass (batch 256) at every width training can produce up to `--max-len` (multiples
of 8 up to 64, then of 32, as `sentikit.features.sequences` aligns them), twice over, and prints its peak RSS
and wall time. No corpus is needed: ids are random.

    .venv/bin/python benchmarks/batch_shapes_memory.py --arch conv1d --max-len 800 --capacity 1024 16
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

_CHILD = r"""
import json, resource, sys, time
import torch
from sentikit.models.config import NeuralConfig
from sentikit.models.nets import build_model

arch, max_len, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
torch.manual_seed(0)
torch.set_num_threads(threads)
model = build_model(NeuralConfig(arch=arch), 20000, 2)
optimizer = torch.optim.AdamW(model.parameters())
widths = list(range(8, 65, 8)) + list(range(96, max_len + 1, 32))
start = time.perf_counter()
for _ in range(2):
    for width in widths:
        model.train()
        optimizer.zero_grad()
        ids = torch.randint(2, 20000, (64, width))  # (B, T)
        model(ids, torch.full((64,), width)).sum().backward()
        optimizer.step()
        model.eval()
        with torch.no_grad():
            model(torch.randint(2, 20000, (256, width)), torch.full((256,), width))
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"shapes": len(widths), "peak_mb": round(usage.ru_maxrss / 1024),
                  "seconds": round(time.perf_counter() - start, 2),
                  "cpu_s": round(usage.ru_utime + usage.ru_stime, 2)}))
"""


def measure(arch: str, max_len: int, capacity: int, threads: int) -> dict[str, float]:
    env = dict(os.environ, ONEDNN_PRIMITIVE_CACHE_CAPACITY=str(capacity))
    out = subprocess.run([sys.executable, "-c", _CHILD, arch, str(max_len), str(threads)], env=env,
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--arch", default="conv1d")
    parser.add_argument("--max-len", type=int, default=800)
    parser.add_argument("--capacity", type=int, nargs="+", default=[1024, 16],
                        help="oneDNN primitive cache sizes to compare (1024 is oneDNN's own default)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=1, help="repeat the settings, interleaved; medians printed")
    args = parser.parse_args(argv)
    results: dict[int, list[dict[str, float]]] = {c: [] for c in args.capacity}
    for _ in range(args.rounds):
        for capacity in args.capacity:
            results[capacity].append(measure(args.arch, args.max_len, capacity, args.threads))
    print(f"{args.arch}, widths up to {args.max_len}, {args.threads} threads, medians of {args.rounds} round(s)")
    print("cache capacity | shapes | peak RSS MB | wall s | CPU s (whole process, imports included)")
    for capacity, runs in results.items():
        peak, wall, cpu = (statistics.median(r[key] for r in runs) for key in ("peak_mb", "seconds", "cpu_s"))
        print(f"{capacity} | {runs[0]['shapes']} | {peak:,.0f} | {wall:.2f} | {cpu:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
