"""``watchdog check`` and ``watchdog probe``: run checks once, print, exit with the worst status.

Exit codes follow the Nagios plugin convention: 0 OK, 1 WARNING, 2 CRITICAL,
3 UNKNOWN (also for a bad config or bad arguments: the state is unknown).
"""

from __future__ import annotations

import enum
import sys
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated

import typer

from watchdog.cli.common import ConfigOption, console, fail, load_config

if TYPE_CHECKING:
    from watchdog.config import Config
    from watchdog.kinds import CheckKind
    from watchdog.model import Result


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
    import asyncio

    from watchdog import runner
    from watchdog.durations import parse_duration
    from watchdog.errors import UsageError

    cfg = load_config(config, exit_code=3)
    try:
        selected = runner.select(cfg, names or [], tag or [])
        window = parse_duration(log_window) if log_window else None
    except UsageError as err:
        fail(str(err), 3)
    except ValueError as err:
        fail(f"--log-window: {err}", 3)
    if source_stdin is not None and source_stdin not in cfg.sources:
        fail(f"--source-stdin: no source named {source_stdin!r} in {cfg.path}", 3)
    context = runner.context_for(cfg, log_window=window, stdin_source=source_stdin)
    checks = runner.build(cfg, selected, context)
    started = time.perf_counter()
    results = asyncio.run(_run(checks, context, cfg.settings.defaults.max_concurrency, progress=output is Format.table))
    _print(results, cfg, output, time.perf_counter() - started, verbose)


def probe(
    url: Annotated[str, typer.Argument(help="http(s)://..., ws(s)://... or socketio+http(s)://HOST[/NAMESPACE].")],
    timeout: Annotated[str, typer.Option("--timeout", help="Give up after this long.")] = "10s",
    method: Annotated[str, typer.Option("--method", "-X", help="HTTP method.")] = "GET",
    header: Annotated[list[str] | None, typer.Option("--header", "-H", help="'Name: value' (repeatable).")] = None,
    insecure: Annotated[bool, typer.Option("--insecure", "-k", help="Do not verify the TLS certificate.")] = False,
    output: FormatOption = Format.table,
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
    results = asyncio.run(_run(checks, context, 1, progress=False))
    _print(results, cfg, output, time.perf_counter() - started, verbose=True)


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


async def _run(checks: Sequence[CheckKind], context, concurrency: int, *, progress: bool) -> list[Result]:  # type: ignore[no-untyped-def]
    from watchdog.runner import run_checks

    try:
        if progress and sys.stderr.isatty() and len(checks) > 1:
            return await _with_progress(checks, concurrency)
        return await run_checks(checks, max_concurrency=concurrency)
    finally:
        await context.aclose()


async def _with_progress(checks: Sequence[CheckKind], concurrency: int) -> list[Result]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn

    from watchdog.runner import run_checks

    columns = (SpinnerColumn(), TextColumn("checking"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"))
    with Progress(*columns, console=console(stderr=True), transient=True) as bar:
        task = bar.add_task("", total=len(checks))
        return await run_checks(
            checks, max_concurrency=concurrency,
            on_result=lambda r: bar.update(task, advance=1, description=f"{r.check}: {r.status.name}"),
        )


def _print(results: list[Result], cfg: Config, output: Format, elapsed: float, verbose: bool) -> None:
    from watchdog.cli import render

    if output is Format.json:
        print(render.to_json(results, elapsed))
    elif output is Format.nagios:
        thresholds = {n: (c.warning, c.critical) for n, c in cfg.checks.items()}
        print(render.to_nagios(results, thresholds))
    else:
        out = console()
        color = out.is_terminal and not out.no_color
        out.print(render.table(results, _preferred(cfg), verbose=verbose, color=color))
        out.print(render.footer(results, elapsed), style=render.STYLE[render.overall(results)] if color else None)
    raise typer.Exit(render.overall(results).exit_code)


def _preferred(cfg: Config) -> dict[str, list[str]]:
    """Per check: the metrics its thresholds name, then its kind's main metric."""
    out: dict[str, list[str]] = {}
    for name, c in cfg.checks.items():
        names = [t.metric for t in [*c.critical, *c.warning]]
        main = cfg.kinds[name].MAIN_METRIC
        out[name] = list(dict.fromkeys([*names, *([main] if main else [])]))
    return out
