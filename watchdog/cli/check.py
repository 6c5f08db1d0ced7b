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


FormatOption = Annotated[Format, typer.Option("--format", metavar="FORMAT", help="Output: table, json or nagios.")]
#: the old spelling ``-f json``, still read, no longer shown
ShortFormat = Annotated[Format | None, typer.Option("-f", hidden=True, show_default=False)]


def check(
    names: Annotated[list[str] | None, typer.Argument(metavar="CHECK", help="Checks to run (default: all enabled).",
                                                      show_default=False)] = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", "-t", metavar="TAG", help="Only checks with this tag (repeatable).")] = None,
    output: FormatOption = Format.table,
    short: ShortFormat = None,
    config: ConfigOption = None,
    log_window: Annotated[str | None, typer.Option("--log-window", metavar="DURATION", help="Read live log sources this long (default: 10s, or the check's window when shorter; "
                                                                                  "stdin and files read from the start: to their end).")] = None,
    source_stdin: Annotated[str | None, typer.Option("--source-stdin", metavar="SOURCE",
                                                     help="Read this log source from standard input.")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show evidence lines under each check.")] = False,
) -> None:
    """Run checks once, concurrently, and exit 0 OK / 1 WARNING / 2 CRITICAL / 3 UNKNOWN."""
    run = CheckRun(list(names or []), list(tag or []), (short or output).value, config, log_window, source_stdin, verbose)
    raise typer.Exit(run_check(run))


def probe(
    url: Annotated[str, typer.Argument(metavar="URL", help="http(s)://..., ws(s)://... or socketio+http(s)://HOST[/NAMESPACE].")],
    timeout: Annotated[str, typer.Option("--timeout", metavar="DURATION", help="Give up after this long.")] = "10s",
    method: Annotated[str, typer.Option("--method", "-X", metavar="METHOD", help="HTTP method.")] = "GET",
    header: Annotated[list[str] | None, typer.Option("--header", "-H", metavar="'NAME: VALUE'", help="A request header (repeatable).")] = None,
    insecure: Annotated[bool, typer.Option("--insecure", "-k", help="Do not verify the TLS certificate.")] = False,
    output: FormatOption = Format.table,
    short: ShortFormat = None,
) -> None:
    """Ad-hoc check with no config: an HTTP URL (status, latency, the JSON body), a WebSocket
    (ws://, wss://: connect and ping) or a Socket.IO server (socketio+https://host/namespace: connect)."""
    import asyncio

    from watchdog import runner
    from watchdog.config import from_document
    from watchdog.errors import ConfigError

    headers = dict(_header(h) for h in header or [])
    table = _probe_table(url, headers, verify_tls=not insecure)
    if table["type"] == "http":
        table.update(method=method, follow_redirects=True, show_body=True)
    try:
        cfg = from_document({"checks": {"probe": {**table, "timeout": timeout}}}, file="watchdog probe", env={})
    except ConfigError as err:
        fail(str(err).replace("watchdog probe: checks.probe.", "").replace("watchdog probe: ", ""), 3)
    context = runner.context_for(cfg)
    checks = runner.build(cfg, ["probe"], context)
    started = time.perf_counter()
    results = asyncio.run(run_all(checks, context, 1, progress=False))
    raise typer.Exit(print_results(results, cfg, (short or output).value, time.perf_counter() - started, verbose=True))


def _probe_table(url: str, headers: dict[str, str], *, verify_tls: bool) -> dict[str, object]:
    """The check a probe URL asks for: ``ws(s)://`` a websocket ping, ``socketio+http(s)://`` a Socket.IO
    connect (the URL's path is the namespace, as in socket.io-client), anything else HTTP."""
    common = {"url": url, "headers": headers, "verify_tls": verify_tls}
    if url.startswith(("ws://", "wss://")):
        return {**common, "type": "websocket", "ping": True}
    if url.startswith(("socketio+http://", "socketio+https://")):
        from watchdog.checks.socketio_probe import split_probe_url

        origin, namespace = split_probe_url(url.removeprefix("socketio+"))
        return {**common, "type": "socketio", "url": origin, "namespace": namespace}
    return {**common, "type": "http"}


def _header(text: str) -> tuple[str, str]:
    name, sep, value = text.partition(":")
    if not sep or not name.strip():
        fail(f"--header: expected 'Name: value', got {text!r}", 3)
    return name.strip(), value.strip()
