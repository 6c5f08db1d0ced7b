"""``watchdog check`` and ``watchdog probe``: run checks once, print, exit with the worst status.

Exit codes follow the Nagios plugin convention: 0 OK, 1 WARNING, 2 CRITICAL,
3 UNKNOWN (also for a bad config or bad arguments: the state is unknown).
A plain ``watchdog check`` command line does not come here: ``main()`` runs it
without Typer (``watchdog.cli.once``); this command answers the rest
(``--help``, argument errors) and runs the same ``run_check``.
"""

from __future__ import annotations

import enum
import time
from typing import Annotated

import typer

from watchdog.cli.common import ConfigOption, fail
from watchdog.cli.once import CheckRun, print_results, run_all, run_check


class Format(str, enum.Enum):
    table = "table"
    json = "json"
    nagios = "nagios"


FormatOption = Annotated[Format, typer.Option("--format", "-f", help="Output: table, json or nagios.")]


def check(
    names: Annotated[list[str] | None, typer.Argument(help="Checks to run (default: all enabled).", show_default=False)] = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", "-t", help="Only checks with this tag (repeatable).")] = None,
    output: FormatOption = Format.table,
    config: ConfigOption = None,
    log_window: Annotated[str | None, typer.Option("--log-window", help="Read log sources this long (e.g. 1m) instead of each check's window.")] = None,
    source_stdin: Annotated[str | None, typer.Option("--source-stdin", help="Read this log source from standard input.")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show evidence lines under each check.")] = False,
) -> None:
    """Run checks once, concurrently, and exit 0 OK / 1 WARNING / 2 CRITICAL / 3 UNKNOWN."""
    run = CheckRun(list(names or []), list(tag or []), output.value, config, log_window, source_stdin, verbose)
    raise typer.Exit(run_check(run))


def probe(
    url: Annotated[str, typer.Argument(help="The URL to request, e.g. https://app.example.com/health.")],
    timeout: Annotated[str, typer.Option("--timeout", help="Give up after this long.")] = "10s",
    method: Annotated[str, typer.Option("--method", "-X", help="HTTP method.")] = "GET",
    header: Annotated[list[str] | None, typer.Option("--header", "-H", help="'Name: value' (repeatable).")] = None,
    insecure: Annotated[bool, typer.Option("--insecure", "-k", help="Do not verify the TLS certificate.")] = False,
    output: FormatOption = Format.table,
) -> None:
    """Ad-hoc HTTP check with no config: status, latency, and a summary of the JSON body."""
    import asyncio

    from watchdog import runner
    from watchdog.config import from_document
    from watchdog.errors import ConfigError

    headers = dict(_header(h) for h in header or [])
    table = {"type": "http", "url": url, "timeout": timeout, "method": method, "headers": headers,
             "verify_tls": not insecure, "follow_redirects": True, "show_body": True}
    try:
        cfg = from_document({"checks": {"probe": table}}, file="watchdog probe", env={})
    except ConfigError as err:
        fail(str(err).replace("watchdog probe: checks.probe.", "").replace("watchdog probe: ", ""), 3)
    context = runner.context_for(cfg)
    checks = runner.build(cfg, ["probe"], context)
    started = time.perf_counter()
    results = asyncio.run(run_all(checks, context, 1, progress=False))
    raise typer.Exit(print_results(results, cfg, output.value, time.perf_counter() - started, verbose=True))


def _header(text: str) -> tuple[str, str]:
    name, sep, value = text.partition(":")
    if not sep or not name.strip():
        fail(f"--header: expected 'Name: value', got {text!r}", 3)
    return name.strip(), value.strip()
