"""The one place where exceptions turn into a stderr line and an exit code."""

from __future__ import annotations

import errno
import io
import os
import re
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer.core

from sentikit.errors import EXIT_DATA, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, SentikitError
from sentikit.memory import OUT_OF_MEMORY, is_out_of_memory

try:  # typer >= 0.20 vendors click; older typer uses click itself
    from typer._click import exceptions as click_exceptions
except ImportError:  # pragma: no cover
    from click import exceptions as click_exceptions  # type: ignore[no-redef]


_BREAKS = {ord(ch): " " for ch in "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"}
# Control characters, and the bidirectional overrides and isolates, which reorder what follows them on the line
# (a review holding U+202E would show the rest of a table row, or of an error line, reversed).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def one_line(message: str) -> str:
    """Messages quote user data (file names, column names, labels): keep them to one printable line."""
    flat = message.replace("\r\n", " ").translate(_BREAKS)
    return _CONTROL.sub(lambda m: _escaped(ord(m.group())), flat)


def _escaped(code: int) -> str:
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def _say(message: str) -> None:
    """The one error line. Plain text (never Rich markup: messages quote user data such as "[/]")."""
    from rich.text import Text

    from sentikit.cli.output import stderr_console

    try:
        stderr_console().print(Text.assemble(("error:", "bold red"), " ", one_line(message)), highlight=False,
                               soft_wrap=True)
    except (OSError, ValueError):  # stderr closed (`2>&-`) or a broken pipe: nowhere left to say it
        pass


class _Interrupted(Exception):
    """Ctrl-C, carried past Typer (which would turn it into a silent exit 130)."""


class _BrokenPipe(Exception):
    """EPIPE on stdout, carried past Typer (which would turn it into a silent exit 1)."""


def _is_broken_pipe(exc: BaseException) -> bool:
    return isinstance(exc, BrokenPipeError) or (isinstance(exc, OSError) and exc.errno == errno.EPIPE)


def _silence_stdout() -> None:
    """After a broken pipe (`| head -1`) make the interpreter's final flush go nowhere."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def run_safely(command: typer.core.TyperGroup, args: list[str] | None, prog_name: str | None,
               extra: dict[str, Any]) -> int:
    argv = list(sys.argv[1:] if args is None else args)
    debug = "--debug" in argv or os.environ.get("SENTIKIT_DEBUG") == "1"
    try:
        result = typer.core.TyperGroup.main(command, args=argv, prog_name=prog_name or "sentikit",
                                            standalone_mode=False, **extra)
        return result if isinstance(result, int) else EXIT_OK
    except typer.Exit as exc:
        return exc.exit_code
    except SentikitError as exc:
        if debug:
            traceback.print_exc()
        _say(str(exc))
        return exc.exit_code
    except click_exceptions.NoArgsIsHelpError as exc:
        # `sentikit` alone: Typer's rich help has already been printed (and the message is empty).
        message = exc.format_message()
        if message.strip():
            sys.stderr.write(message.rstrip("\n") + "\n")
        return EXIT_USAGE
    except click_exceptions.UsageError as exc:
        if debug:
            traceback.print_exc()
        where = exc.ctx.command_path if exc.ctx is not None else "sentikit"
        _say(f"{exc.format_message()} (see `{where} --help`)")
        return EXIT_USAGE
    except click_exceptions.ClickException as exc:
        _say(exc.format_message())
        return exc.exit_code
    except (_Interrupted, KeyboardInterrupt, typer.Abort):
        with _sigint_ignored():  # a second Ctrl-C must not turn the report into a traceback
            _say("interrupted")
        return EXIT_INTERRUPTED
    except (_BrokenPipe, BrokenPipeError):
        # The reader of stdout went away (`| head -1`): what it wanted is written; stop quietly, like `cat`
        # does. (A broken stderr never gets here: `_ForgivingStderr` drops what cannot be written there.)
        _silence_stdout()
        return EXIT_OK
    except SystemExit as exc:
        # Rich (tables, help) and Typer answer EPIPE with SystemExit(1), raised while handling the OSError.
        if exc.__context__ is not None and _is_broken_pipe(exc.__context__):
            _silence_stdout()
            return EXIT_OK
        raise
    except MemoryError:
        _say(OUT_OF_MEMORY)
        return EXIT_DATA
    except OSError as exc:
        if debug:
            traceback.print_exc()
        where = f"{exc.filename}: " if exc.filename else ""
        _say(f"{where}{exc.strerror or exc}")
        return EXIT_DATA
    except Exception as exc:
        if debug:
            traceback.print_exc()
        if is_out_of_memory(exc):
            _say(OUT_OF_MEMORY)
            return EXIT_DATA
        _say(f"internal error: {type(exc).__name__}: {exc} (run again as `sentikit --debug ...` for the traceback, "
             "and please report it)")
        return EXIT_DATA


class _ClosedStdout(io.TextIOBase):
    """Stands in for a closed stdout (`>&-`): writing results there is an error, not a crash."""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, "standard output is closed; redirect it to a file or /dev/null instead")


class _ForgivingStderr(io.TextIOBase):
    """sys.stderr for the run. Everything written there is a diagnostic (progress, warnings, the error line),
    so a stderr that cannot be written must never abort the work or lose its result: `train ... 2>&1 | head -1`
    has to finish and save the model. The first failed write (EPIPE once the reader is gone, or a full disk)
    silences stderr for the rest of the run; only a broken *stdout* means "stop quietly" (see `run_safely`).

    The descriptor is pointed at /dev/null as well, so that the interpreter's final flush of the real stream
    (which would turn exit 0 into 120) and writes from C code go nowhere instead of failing. `buffer` is
    deliberately not offered: a writer that took it would bypass this guard."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self._silenced = False

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if not self._silenced:
            try:
                return int(self._stream.write(text))
            except (OSError, ValueError):  # ValueError: a stream closed under us
                self._silence()
        return len(text)

    def flush(self) -> None:
        if not self._silenced:
            try:
                self._stream.flush()
            except (OSError, ValueError):
                self._silence()

    def isatty(self) -> bool:
        return not self._silenced and bool(self._stream.isatty())

    def fileno(self) -> int:
        return int(self._stream.fileno())

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return str(getattr(self._stream, "encoding", None) or "utf-8")

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        return getattr(self._stream, "errors", None)

    def _silence(self) -> None:
        self._silenced = True
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(devnull, self._stream.fileno())
            finally:
                os.close(devnull)
        except (OSError, ValueError):  # no descriptor (a test runner's stream): nothing more to quieten
            pass


def _replace_closed_streams() -> None:
    # Python sets sys.stdin/stdout/stderr to None when the descriptor is closed; everything here expects streams.
    if sys.stdin is None:  # `<&-`: nothing to read, as from an empty file
        sys.stdin = open(os.devnull, encoding="utf-8")  # noqa: SIM115 - lives as long as the process
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - lives as long as the process
    elif not isinstance(sys.stderr, _ForgivingStderr):
        sys.stderr = _ForgivingStderr(sys.stderr)
    if sys.stdout is None:
        sys.stdout = _ClosedStdout()


@contextmanager
def _sigint_ignored() -> Iterator[None]:
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@contextmanager
def _surfaced_interrupts() -> Iterator[None]:
    """Re-raise Ctrl-C and EPIPE as exceptions Typer does not swallow, so `run_safely` reports them."""
    try:
        yield
    except KeyboardInterrupt as exc:
        raise _Interrupted from exc
    except OSError as exc:
        if _is_broken_pipe(exc):
            raise _BrokenPipe from exc
        raise


class SentikitGroup(typer.core.TyperGroup):
    """Typer group whose `main` never lets a traceback through (unless --debug).

    Typer's own `main` swallows Ctrl-C (exit 130 without a word) and EPIPE (exit 1); `make_context` (help
    output) and `invoke` (every command) re-raise them as exceptions Typer lets through to `run_safely`.
    """

    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        with _surfaced_interrupts():
            return super().make_context(*args, **kwargs)

    def invoke(self, ctx: Any) -> Any:
        with _surfaced_interrupts():
            return super().invoke(ctx)

    def main(self, args: Any = None, prog_name: str | None = None, complete_var: str | None = None,
             standalone_mode: bool = True, **extra: Any) -> Any:
        extra.pop("windows_expand_args", None)
        _replace_closed_streams()
        code = run_safely(self, list(args) if args is not None else None, prog_name, extra)
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            _silence_stdout()
        except (OSError, ValueError):
            pass
        sys.exit(code)
