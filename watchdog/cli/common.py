"""What every command shares: the config option, loading with one-line errors, output."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

if TYPE_CHECKING:
    from watchdog.config import Config

ConfigOption = Annotated[
    str | None,
    typer.Option("--config", "-c", help="Config file (default: $WATCHDOG_CONFIG, ./watchdog.toml, /etc/watchdog/watchdog.toml).",
                 show_default=False),
]


def fail(message: str, code: int) -> NoReturn:
    """Print one line to stderr and exit with ``code``."""
    print(f"watchdog: {message}", file=sys.stderr)
    raise typer.Exit(code)


def load_config(path: str | None, *, exit_code: int = 3) -> Config:
    """Load the config or exit with one line naming file and key."""
    from watchdog.config import load
    from watchdog.errors import WatchdogError

    try:
        return load(path)
    except WatchdogError as err:
        fail(str(err), exit_code)


def console(stderr: bool = False):  # type: ignore[no-untyped-def]
    """A rich console; into a pipe or file, lines are not wrapped (one check per line for grep)."""
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    width = None if stream.isatty() else 4096
    return Console(stderr=stderr, highlight=False, soft_wrap=False, width=width)
