"""``watchdog runbook [NAME]``: list the runbooks, or show one in the terminal.

Mounted by the root app as a single command: ``app.command("runbook")(runbook)``.
Works without a config file (it then shows the runbooks shipped with watchdog).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from watchdog.cli.common import ConfigOption, console, fail

if TYPE_CHECKING:
    from watchdog.runbooks import Runbook

NameArgument = Annotated[str | None, typer.Argument(metavar="RUNBOOK", help="Runbook to show (omit to list them).", show_default=False)]


def runbook(
    name: NameArgument = None,
    config: ConfigOption = None,
    steps: Annotated[bool, typer.Option("--steps", help="Only the first steps, one per line.")] = False,
) -> None:
    """List the runbooks alerts link to, or show one."""
    from watchdog import runbooks
    from watchdog.errors import WatchdogError

    directory, base_url = _where(config)
    try:
        if name is None:
            _list(list(runbooks.iter_runbooks(directory)), directory)
            return
        book = runbooks.load(name, directory)
    except WatchdogError as err:
        fail(str(err), 2)
    if steps:
        for i, step in enumerate(book.first_steps(20), start=1):
            print(f"{i}. {step}")
        return
    _show(book, base_url)


def _where(config_path: str | None) -> tuple[Path, str]:
    from watchdog import runbooks
    from watchdog.cli.common import load_config
    from watchdog.config import find_config
    from watchdog.errors import ConfigError

    try:
        find_config(config_path)
    except ConfigError as err:
        if config_path:
            fail(str(err), 2)
        return runbooks.default_dir(None), ""
    config = load_config(config_path, exit_code=2)
    return runbooks.default_dir(config), config.settings.runbooks.base_url


def _list(books: list[Runbook], directory: Path) -> None:
    from rich.table import Table

    out = console()
    if not books:
        out.print(f"no runbooks in {directory}")
        return
    table = Table(title=f"Runbooks in {directory}", title_justify="left")
    table.add_column("name", no_wrap=True)
    for column in ("title", "severity", "applies to"):
        table.add_column(column)
    for book in books:
        table.add_row(book.name, book.title, book.severity, ", ".join(book.applies_to))
    out.print(table)


def _show(book: Runbook, base_url: str) -> None:
    from rich.markdown import Markdown

    out = console()
    out.print(f"[bold]{book.title}[/bold]  severity: {book.severity}  applies to: "
              f"{', '.join(book.applies_to)}", markup=True)
    link = book.link(base_url)
    if link:
        out.print(f"link: {link}", markup=False)
    out.print(Markdown(book.body))
