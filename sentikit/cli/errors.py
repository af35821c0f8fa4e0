"""The one place where exceptions turn into a stderr line and an exit code."""

from __future__ import annotations

import os
import sys
from typing import Any

import typer.core

from sentikit.errors import EXIT_DATA, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, SentikitError

try:  # typer >= 0.20 vendors click; older typer uses click itself
    from typer._click import exceptions as click_exceptions
except ImportError:  # pragma: no cover
    from click import exceptions as click_exceptions  # type: ignore[no-redef]


def _say(message: str) -> None:
    from sentikit.cli.output import stderr_console

    stderr_console().print(f"[bold red]error:[/] {message}", markup=True, highlight=False, soft_wrap=True)


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
            raise
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
            raise
        where = exc.ctx.command_path if exc.ctx is not None else "sentikit"
        _say(f"{exc.format_message()} (see `{where} --help`)")
        return EXIT_USAGE
    except click_exceptions.ClickException as exc:
        _say(exc.format_message())
        return exc.exit_code
    except (KeyboardInterrupt, typer.Abort):
        _say("interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_OK
    except MemoryError:
        _say("out of memory (try a smaller --max-features, --max-len or --batch-size)")
        return EXIT_DATA
    except OSError as exc:
        if debug:
            raise
        where = f"{exc.filename}: " if exc.filename else ""
        _say(f"{where}{exc.strerror or exc}")
        return EXIT_DATA
    except Exception as exc:
        if debug:
            raise
        _say(f"internal error: {type(exc).__name__}: {exc} (run again with --debug for the traceback, and please "
             "report it)")
        return EXIT_DATA


class SentikitGroup(typer.core.TyperGroup):
    """Typer group whose `main` never lets a traceback through (unless --debug)."""

    def main(self, args: Any = None, prog_name: str | None = None, complete_var: str | None = None,
             standalone_mode: bool = True, **extra: Any) -> Any:
        extra.pop("windows_expand_args", None)
        code = run_safely(self, list(args) if args is not None else None, prog_name, extra)
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            _silence_stdout()
        except (OSError, ValueError):
            pass
        sys.exit(code)
