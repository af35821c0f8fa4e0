"""Command-line interface. Only this package imports typer and rich.

`main()` is the console-script entry point; `SentikitGroup.main` is the one place where exceptions become a
single stderr line and an exit code (0 ok, 1 data/model error, 2 usage, 130 interrupted).
"""

from __future__ import annotations


def main() -> None:
    from sentikit.cli.app import app

    app()
