"""Does `--device cuda` work end to end? A check for a machine with a CUDA GPU (CI has none, so it is not a test).

Usage (from the repository root, with sentikit importable and a CUDA build of torch):

    python benchmarks/cuda_check.py [--corpus TRAIN --test TEST] [--archs gru,conv1d]

For every neural architecture, on the bundled English corpus (data/reviews_en.csv):
  - train a small network for --epochs epochs with `device="cuda"` through the library, as `sentikit train` does;
  - check that the manifest says it was trained on cuda;
  - run the saved weights through the torch-free numpy path (what `sentikit predict` uses) and through the same
    network on the GPU, on every review of the corpus: the largest probability difference and label agreement;
  - train once more with the same seed and say whether the dev metrics repeat (promised on CPU only: cuDNN
    kernels need not be bitwise repeatable).
Then `--device auto` once (it must pick the GPU). `--device cpu` runs it all on the CPU, as a dry run.
With --corpus and --test, each of --archs is trained at its default settings on the device and evaluated on the
test file, with its training time: the figures for a GPU user.
Prints one table per part on stdout (each row also on stderr as it is measured); exits 1 when a check fails.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

if __package__ in (None, ""):  # run as a script: make `sentikit` importable from the checkout
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sentikit
from sentikit.corpus import load_labelled
from sentikit.features.sequences import encode, pad_batch
from sentikit.models.config import ARCH_NAMES
from sentikit.models.nets import build_model
from sentikit.models.numpy_forward import forward_numpy, softmax
from sentikit.predict import evaluate
from sentikit.training.pipeline import TrainSettings, train

BUNDLED = Path(__file__).resolve().parent.parent / "data" / "reviews_en.csv"
SMALL = {"embed_dim": 32, "hidden_size": 32, "conv_filters": 32}
PARITY_TOLERANCE = 1e-3  # float32 on both sides; cuDNN may use TF32 in convolutions (~3e-4 relative)


def device_probabilities(model: sentikit.SentimentModel, texts: list[str], device: str
                         ) -> tuple[np.ndarray, np.ndarray]:
    """(numpy-path probabilities, the same network's probabilities on `device`) for `texts`, in one padded batch."""
    predictor: Any = model.predictor
    seqs, _ = encode(model.tokens(texts), predictor.vocab_index, predictor.seq_config)
    ids, lengths = pad_batch(seqs)  # (B, T), (B,)
    numpy_probs = softmax(forward_numpy(predictor.config, predictor.weights, ids, lengths), dtype=np.float64)
    net = build_model(predictor.config, len(predictor.vocab_index), predictor.n_classes).to(device).eval()
    net.load_state_dict({name: torch.from_numpy(array) for name, array in predictor.weights.items()})
    with torch.no_grad():
        logits = net(torch.from_numpy(ids).to(device), torch.from_numpy(lengths).to(device))  # (B, C)
    return numpy_probs, torch.softmax(logits.double(), dim=1).cpu().numpy()


def check_arch(arch: str, device: str, epochs: int, folder: Path, texts: list[str]) -> dict[str, Any]:
    overrides = {"device": device, "epochs": epochs, **SMALL}
    runs = []
    for attempt in (1, 2):
        started = time.perf_counter()
        outcome = train(str(BUNDLED), out=folder / f"{arch}-{attempt}", settings=TrainSettings(arch=arch),
                        overrides=overrides)
        runs.append((outcome, time.perf_counter() - started))
    model = sentikit.load(runs[0][0].path)
    recorded = model.manifest["training"].get("device", "")
    numpy_probs, gpu_probs = device_probabilities(model, texts, device)
    gap = float(np.abs(numpy_probs - gpu_probs).max())
    agree = float((numpy_probs.argmax(1) == gpu_probs.argmax(1)).mean())
    histories = [[(row["train_loss"], row["dev_macro_f1"]) for row in outcome.fitted.history] for outcome, _ in runs]
    return {"arch": arch, "device": recorded, "ok": recorded.startswith(device) and gap < PARITY_TOLERANCE,
            "dev_f1": round(runs[0][0].dev_metrics["macro_f1"], 4), "max_prob_gap": f"{gap:.1e}",
            "label_agreement": f"{agree:.2%}", "repeatable": histories[0] == histories[1],
            "seconds": round(runs[0][1], 1)}


def real_corpus(archs: list[str], device: str, corpus: str, test: str, folder: Path) -> list[dict[str, Any]]:
    rows = []
    for arch in archs:
        outcome = train(corpus, out=folder / f"real-{arch}", settings=TrainSettings(arch=arch),
                        overrides={"device": device})
        history = outcome.fitted.history
        started = time.perf_counter()
        report = evaluate(sentikit.load(outcome.path), test)
        rows.append({"arch": arch, "test_accuracy": round(report["accuracy"], 4),
                     "test_macro_f1": round(report["macro_f1"], 4), "train_s": round(outcome.seconds, 1),
                     "epochs": len(history), "best_epoch": outcome.fitted.best_epoch,
                     "median_epoch_s": round(float(np.median([row["seconds"] for row in history])), 1),
                     "evaluate_s": round(time.perf_counter() - started, 1)})
        print(rows[-1], file=sys.stderr, flush=True)  # progress: the table comes at the end
    return rows


def print_table(title: str, rows: list[dict[str, Any]]) -> None:
    print(f"\n{title}")
    if rows:
        widths = {key: max(len(key), *(len(str(row[key])) for row in rows)) for key in rows[0]}
        print("  ".join(key.ljust(width) for key, width in widths.items()))
        for row in rows:
            print("  ".join(str(row[key]).ljust(width) for key, width in widths.items()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--device", default="cuda", help="cpu runs the same checks without a GPU (a dry run)")
    parser.add_argument("--corpus", help="a labelled training corpus for the timing part")
    parser.add_argument("--test", help="its test file")
    parser.add_argument("--archs", default="gru,conv1d", help="architectures for the timing part")
    args = parser.parse_args()
    if args.device == "cuda" and not torch.cuda.is_available():
        print("no CUDA GPU visible to torch: nothing to check (--device cpu for a dry run)", file=sys.stderr)
        return 1
    print(f"torch {torch.__version__}, {torch.cuda.get_device_name(0) if args.device == 'cuda' else 'cpu'}",
          flush=True)
    texts = load_labelled(str(BUNDLED)).texts
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        rows = []
        for arch in ARCH_NAMES:
            rows.append(check_arch(arch, args.device, args.epochs, folder, texts))
            print(rows[-1], file=sys.stderr, flush=True)  # progress: the table comes at the end
        auto = train(str(BUNDLED), out=folder / "auto", settings=TrainSettings(arch="gru"),
                     overrides={"epochs": 1, **SMALL})
        auto_device = sentikit.load(auto.path).manifest["training"].get("device", "")
        print_table(f"--device {args.device} on the bundled corpus ({len(texts)} reviews, "
                    f"{args.epochs} epoch(s))", rows)
        print(f"\n--device auto trained on: {auto_device}")
        if args.corpus and args.test:
            print_table(f"default settings on {args.corpus}, tested on {args.test}",
                        real_corpus(args.archs.split(","), args.device, args.corpus, args.test, folder))
    # Without a GPU, --device auto must pick the CPU: the check holds either way.
    failed = [row["arch"] for row in rows if not row["ok"]] + ([] if auto_device.startswith(args.device) else ["auto"])
    print(f"\n{'FAILED: ' + ', '.join(failed) if failed else f'all {args.device} checks passed'}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
