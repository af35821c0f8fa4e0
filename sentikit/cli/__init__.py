"""Command-line interface. Only this package imports typer and rich.

`main()` is the console-script entry point; `SentikitGroup.main` is the one place where exceptions become a
single stderr line and an exit code (0 ok, 1 data/model error, 2 usage, 130 interrupted).
"""

from __future__ import annotations

import atexit
import os
import signal
import sys
import threading

# Prediction multiplies small matrices batch by batch: one BLAS thread is as fast on an idle machine and up to
# 10x faster on a busy one (threads spin waiting for each other). Set before numpy is first imported.
_SINGLE_BLAS_THREAD_COMMANDS = {"predict", "evaluate"}


def _command(argv: list[str]) -> str | None:
    return next((arg for arg in argv if not arg.startswith("-")), None)


def main() -> None:
    if _command(sys.argv[1:]) in _SINGLE_BLAS_THREAD_COMMANDS:
        for var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS"):
            os.environ.setdefault(var, "1")
    try:
        # Ctrl-C here, while typer, rich and the command's modules load (up to a second on a busy machine),
        # and in the moment between the command's own report and the exit, is outside `SentikitGroup.main`.
        from sentikit.cli.app import app

        app()
    except KeyboardInterrupt:
        _ignore_sigint()
        try:
            sys.stderr.write("error: interrupted\n")
        except (OSError, ValueError):
            pass
        raise SystemExit(130) from None
    finally:
        # The command is over and its exit code decided. A Ctrl-C during the interpreter's shutdown would only
        # break an atexit handler (torch's, multiprocessing's) into a traceback, or kill the process with no
        # word after a success. Registered last, this handler runs first at exit; ignored signals stay ignored
        # through shutdown. (Not now: a caller of main() in its own process keeps its Ctrl-C until it exits.)
        atexit.register(_ignore_sigint)


def _ignore_sigint() -> None:
    if threading.current_thread() is threading.main_thread():  # signal handlers belong to the main thread
        signal.signal(signal.SIGINT, signal.SIG_IGN)
