"""Rendering of training events on stderr: a Rich progress bar per epoch (loss, throughput, ETA) on a
terminal, and one line of dev metrics per epoch everywhere (unless --quiet)."""

from __future__ import annotations

import sys
from typing import Any

from sentikit.cli.output import info, is_quiet, stderr_console, warn


def _some(labels: list[str], limit: int = 20) -> str:
    """The label list, shortened when there are thousands of them."""
    shown = ", ".join(labels[:limit])
    return shown if len(labels) <= limit else f"{shown}, … ({len(labels)} labels)"


class TrainingProgress:
    """Context manager whose `handle(event)` is the training loop's progress callback."""

    def __init__(self) -> None:
        self._bar: Any = None
        self._task: Any = None
        self._interactive = sys.stderr.isatty() and not is_quiet()

    def __enter__(self) -> TrainingProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        self._close_bar()

    def _close_bar(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

    def handle(self, event: dict[str, Any]) -> None:
        kind = event.get("event")
        if kind == "data":
            info(f"{event['train']} training and {event['dev']} dev documents; labels: {_some(event['labels'])}")
        elif kind == "stage":
            info(f"{event['stage']}…", style="dim")
        elif kind == "epoch_start" and self._interactive:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self._close_bar()
            phase = "refit epoch" if event.get("phase") == "refit" else "epoch"
            self._bar = Progress(TextColumn(f"{phase} {event['epoch']}"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("loss {task.fields[loss]:.4f} · {task.fields[rate]:.0f} docs/s"),
                                 TimeRemainingColumn(), console=stderr_console(), transient=True)
            self._bar.start()
            self._task = self._bar.add_task("train", total=event.get("batches"), loss=0.0, rate=0.0)
        elif kind == "batch" and self._bar is not None:
            self._bar.update(self._task, completed=event["batch"], loss=event.get("loss", 0.0),
                             rate=event.get("docs_per_s", 0.0))
        elif kind == "epoch_end":
            self._close_bar()
            info(f"epoch {event['epoch']}: train loss {event['train_loss']:.4f} · dev loss {event['dev_loss']:.4f} · "
                 f"dev acc {event['dev_accuracy']:.4f} · dev macro-F1 {event['dev_macro_f1']:.4f} · "
                 f"grad norm {event['grad_norm']:.3f} · {event['seconds']:.1f} s")
        elif kind == "refit_epoch_end":
            self._close_bar()
            info(f"refit epoch {event['epoch']}: train loss {event['train_loss']:.4f} · "
                 f"grad norm {event['grad_norm']:.3f} · {event['train_seconds']:.1f} s")
        elif kind == "failed":
            self._close_bar()
            if event.get("remaining"):  # else the comparison ends now, with an error line that says it
                warn(f"{event['arch']} failed: {event['error']}; going on with {', '.join(event['remaining'])}")
        elif kind == "compared":
            info(f"{event['arch']}: dev accuracy {event['accuracy']:.4f}, macro-F1 {event['macro_f1']:.4f}, "
                 f"{event['train_seconds']} s")
