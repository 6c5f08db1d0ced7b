"""What commands share that needs no Typer (so ``watchdog check`` and ``logs scan`` can run
without importing it): the config loaded with one-line errors, one-line failures, the rich console."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from watchdog.config import Config


def fail(message: str, code: int) -> NoReturn:
    """Print one line to stderr and exit with ``code``."""
    print(f"watchdog: {message}", file=sys.stderr)
    raise SystemExit(code)


def console(stderr: bool = False):  # type: ignore[no-untyped-def]
    """A rich console; into a pipe or file, lines are not wrapped (one check per line for grep)."""
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    width = None if stream.isatty() else 4096
    return Console(stderr=stderr, highlight=False, soft_wrap=False, width=width)


def load_config(path: str | None, *, exit_code: int = 3, **only: Any) -> Config:
    """Load the config or exit with one line naming file and key (``only``: see ``config.load``)."""
    from watchdog.config import load
    from watchdog.errors import WatchdogError

    try:
        return load(path, **only)
    except WatchdogError as err:
        fail(str(err), exit_code)
