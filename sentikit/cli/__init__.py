"""Command-line interface. Only this package imports typer and rich.

`main()` is the console-script entry point; `SentikitGroup.main` is the one place where exceptions become a
single stderr line and an exit code (0 ok, 1 data/model error, 2 usage, 130 interrupted).
"""

from __future__ import annotations

import os
import sys

# Prediction multiplies small matrices batch by batch: one BLAS thread is as fast on an idle machine and up to
# 10x faster on a busy one (threads spin waiting for each other). Set before numpy is first imported.
_SINGLE_BLAS_THREAD_COMMANDS = {"predict", "evaluate"}


def _command(argv: list[str]) -> str | None:
    return next((arg for arg in argv if not arg.startswith("-")), None)


def main() -> None:
    if _command(sys.argv[1:]) in _SINGLE_BLAS_THREAD_COMMANDS:
        for var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS"):
            os.environ.setdefault(var, "1")
    from sentikit.cli.app import app

    app()
