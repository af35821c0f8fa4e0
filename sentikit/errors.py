"""User-facing exceptions and their exit codes.

Library code raises these; the CLI turns them into one stderr line and an exit code in exactly one place
(`sentikit.cli.main`). Anything else that escapes is a bug and is reported as such.
"""

from __future__ import annotations

from typing import Any

EXIT_OK = 0
EXIT_DATA = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class SentikitError(Exception):
    """Base class: a problem the user can fix. `str(error)` is the one line shown to them."""

    exit_code: int = EXIT_DATA

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint

    def __str__(self) -> str:
        message = super().__str__()
        return f"{message} ({self.hint})" if self.hint else message


class DataError(SentikitError):
    """Input data cannot be read or is not usable (bad file, bad column, bad encoding...)."""

    exit_code = EXIT_DATA


class ModelError(SentikitError):
    """A model folder is missing, corrupt, unsafe, or from an incompatible sentikit."""

    exit_code = EXIT_DATA


class UsageError(SentikitError):
    """Options or arguments are invalid or inconsistent."""

    exit_code = EXIT_USAGE


class Interrupted(SentikitError):
    """The user stopped the command (Ctrl-C); the message says what was kept."""

    exit_code = EXIT_INTERRUPTED


class ComparisonInterrupted(Interrupted):
    """Ctrl-C during `compare`; `rows` holds the result rows of the architectures finished before it."""

    def __init__(self, message: str, rows: list[dict[str, Any]], *, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.rows = rows


class ComparisonFailed(DataError):
    """`compare` trained every architecture it could, but some failed: `rows` holds the result rows of those
    that finished, `failures` the error of each that did not (by architecture). Exit code 1, whatever the
    failures were: training had started, so the command as a whole was not a usage mistake."""

    def __init__(self, message: str, rows: list[dict[str, Any]], failures: dict[str, SentikitError], *,
                 hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.rows = rows
        self.failures = failures


class OutputError(SentikitError):
    """Results cannot be written (read-only folder, existing model without --force, ...)."""

    exit_code = EXIT_DATA


class NotFittedError(ValueError, AttributeError):
    """A transformer was used before `fit`: a programming mistake, not bad input, so it is no SentikitError (the
    CLI fits before it transforms).

    Like scikit-learn's NotFittedError it is both a ValueError and an AttributeError, so `except ValueError`
    and `except AttributeError` catch it. It is not scikit-learn's class, so `except
    sklearn.exceptions.NotFittedError` does not: subclassing that would import scikit-learn (about 1.2 s) on
    the prediction path, which sentikit.text must not. Catch this class, or one of those two.
    (`sklearn.utils.validation.check_is_fitted(preprocessor)` raises scikit-learn's own, as for any
    estimator.)"""
