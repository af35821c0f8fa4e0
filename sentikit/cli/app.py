"""The Typer application: global options and the registration of every command."""

import sys
from typing import Annotated, Any

import typer

from sentikit import __version__
from sentikit.cli.errors import SentikitGroup
from sentikit.cli.options import DEBUG_HELP, QUIET_HELP, debug_option, quiet_option
from sentikit.cli.output import set_quiet, setup_logging

HELP = """Sentiment analysis for Russian and English reviews.

Typical use: [bold]sentikit train reviews.csv --arch gru[/] then [bold]sentikit predict "отличный товар"[/].

Commands read files or stdin (`-`) and write results to stdout: a table on a terminal, JSON or JSON lines """ \
    """when piped (predict, evaluate, show, compare, vectorize --show; --format chooses). Progress and warnings """ \
    """go to stderr.

Exit codes: 0 ok, 1 data/model error, 2 usage error, 130 interrupted.
"""

class _Group(SentikitGroup):
    """Every command also takes --quiet/-q and --debug after its name, added here once rather than to each
    signature."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for command in self.commands.values():
            command.params += [quiet_option(), debug_option()]


app = typer.Typer(
    cls=_Group,
    help=HELP,
    rich_markup_mode="rich",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"sentikit {__version__}\n")
        raise typer.Exit()


@app.callback()
def root(
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help=QUIET_HELP)] = False,
    debug: Annotated[bool, typer.Option("--debug", help=DEBUG_HELP)] = False,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    set_quiet(quiet)
    setup_logging()


def _register() -> None:
    # Each module adds its commands to `app`; none of them imports torch, scikit-learn or nltk at import time.
    from sentikit.cli import cmd_model, cmd_predict, cmd_preprocess, cmd_train  # noqa: F401


_register()
