"""What every command shares: the config option, loading with one-line errors, output."""

from __future__ import annotations

from typing import Annotated

import typer

from watchdog.cli.output import console, fail, load_config

__all__ = ["ConfigOption", "console", "fail", "load_config"]

ConfigOption = Annotated[
    str | None,
    typer.Option("--config", "-c", metavar="FILE", help="Config file (default: $WATCHDOG_CONFIG, ./watchdog.toml, /etc/watchdog/watchdog.toml).",
                 show_default=False),
]

