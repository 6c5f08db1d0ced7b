"""``watchdog logs scan`` and ``watchdog logs tail``: the log checks of the config over a log.

* ``scan SOURCE_OR_FILE`` reads a source, a file (``-`` for stdin) to its end
  and prints every log check over it: status, counts, ratios, percentiles and
  the first evidence lines - the forensic view of yesterday's log. A file or
  stdin is read once for every log check of the config, whatever its source.
  Exits like ``watchdog check``: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN/error.
* ``tail SOURCE`` follows a source live (commands restarted, files followed
  across rotation) and prints each matching line, tagged and highlighted by
  check, until Ctrl-C, ``--for`` or ``--count``.

Every line printed goes through the config's redactor.
"""

from __future__ import annotations

import enum
import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from watchdog.cli.common import ConfigOption, console, fail, load_config

if TYPE_CHECKING:
    from watchdog.config import Config
    from watchdog.kinds import CheckKind
    from watchdog.logs.hub import LogMatch
    from watchdog.model import Result

app = typer.Typer(help="Scan a log to its end, or follow a source live, with the config's log checks.",
                  no_args_is_help=True)
SCAN_SOURCE = "scan"
COLOURS = ("red", "yellow", "cyan", "magenta", "green", "blue")
CheckOption = Annotated[list[str] | None, typer.Option("--check", help="Only this log check (repeatable).")]


class Format(str, enum.Enum):
    table = "table"
    json = "json"


@app.command("scan")
def scan(
    target: Annotated[str, typer.Argument(metavar="SOURCE_OR_FILE", help="A [sources.NAME], a file, or - for stdin.")],
    config: ConfigOption = None,
    check: CheckOption = None,
    output: Annotated[Format, typer.Option("--format", "-f", help="table or json.")] = Format.table,
    evidence: Annotated[int, typer.Option("--evidence", help="Evidence lines shown per check.")] = 3,
) -> None:
    """Read a whole log and print every log check over it (exit 0/1/2 like `watchdog check`)."""
    import asyncio

    from watchdog import runner
    from watchdog.status import worst

    cfg = load_config(config, exit_code=3)
    sources, tables = _scan_plan(cfg, target, check or [])
    context = runner.context_for(cfg, log_sources=sources, logs_to_end=True)
    checks = [cfg.kinds[n](n, table, context) for n, table in tables.items()]
    results, status = asyncio.run(_scan(checks, context))
    if output is Format.json:
        import json

        print(json.dumps({"results": [r.to_dict() for r in results], "sources": status}, ensure_ascii=False, indent=2))
    else:
        _print_scan(results, status, evidence)
    raise typer.Exit(worst([r.status for r in results]).exit_code)


def _scan_plan(cfg: Config, target: str, only: list[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The sources to read and the log checks (name -> config) to scan ``target`` with;
    a file or stdin replaces every source."""
    import os

    sources = cfg.sources
    log_checks = [n for n, k in cfg.kinds.items() if hasattr(cfg.checks[n], "source") and (not only or n in only)]
    _unknown_checks(cfg, only)
    if target in sources:
        names = [n for n in log_checks if cfg.checks[n].source == target]  # type: ignore[attr-defined]
        if not names:
            fail(f"no log check reads source {target!r} in {cfg.path}", 3)
        return dict(sources), {n: cfg.checks[n] for n in names}
    if target != "-" and not os.path.isfile(target):
        have = ", ".join(sorted(sources)) or "none"
        fail(f"{target!r} is neither a source in {cfg.path} (sources: {have}) nor a readable file", 3)
    if not log_checks:
        fail(f"no log checks in {cfg.path}", 3)
    replaced = {n: cfg.checks[n].model_copy(update={"source": SCAN_SOURCE}) for n in log_checks}
    return {SCAN_SOURCE: _replacement(cfg, log_checks, target)}, replaced


def _unknown_checks(cfg: Config, only: list[str]) -> None:
    for name in only:
        if name not in cfg.checks or not hasattr(cfg.checks[name], "source"):
            have = ", ".join(n for n in cfg.checks if hasattr(cfg.checks[n], "source")) or "none"
            fail(f"--check: no log check named {name!r} in {cfg.path} (log checks: {have})", 3)


def _replacement(cfg: Config, names: list[str], target: str) -> Any:
    """The file (or stdin) as a source, keeping the line options (timestamps...) of the checks' source."""
    from watchdog.logs.config import SourceConfig

    sources = cfg.sources
    first = sources.get(cfg.checks[names[0]].source)  # type: ignore[attr-defined]
    base = first if first is not None else SourceConfig(stdin=True)
    if target == "-":
        return base.model_copy(update={"command": None, "file": None, "stdin": True})
    return base.model_copy(update={"command": None, "file": target, "stdin": False, "from_start": True})


async def _scan(checks: list[CheckKind], context: Any) -> tuple[list[Result], dict[str, Any]]:
    """Run the checks over the whole read; on Ctrl-C, stop reading and judge what was read."""
    import asyncio

    from watchdog import runner

    try:
        try:
            results = await runner.run_checks(checks, max_concurrency=max(1, len(checks)))
        except asyncio.CancelledError:
            await context.logs.stop()
            results = await runner.run_checks(checks, max_concurrency=max(1, len(checks)))
            task = asyncio.current_task()
            if task is not None:
                task.uncancel()
            print("watchdog: interrupted: the results cover the lines read so far", file=sys.stderr)
        status = {n: s.to_dict() for n, s in context.logs.source_status().items()}
    finally:
        await context.aclose()
    return results, status


def _print_scan(results: list[Result], status: dict[str, Any], evidence: int) -> None:
    from rich.table import Table

    out = console()
    for name, s in status.items():
        label = s["description"] if name == SCAN_SOURCE else f"source {name} ({s['description']})"
        note = f", last error: {s['last_error']}" if s["last_error"] else ""
        out.print(f"{label}: {s['lines']:,} lines, {s['bytes'] / 1e6:.1f} MB{note}", markup=False, soft_wrap=True)
    table = Table(show_edge=False, pad_edge=False, box=None)
    for column in ("check", "status", "summary"):
        table.add_column(column, overflow="fold")
    for r in results:
        table.add_row(r.check, r.status.name, r.summary)
    out.print(table)
    for r in results:
        for line in r.evidence[:evidence]:
            out.print(f"  {r.check}: {line}", markup=False, soft_wrap=True)


@app.command("tail")
def tail(
    source: Annotated[str, typer.Argument(help="A [sources.NAME] of the config.")],
    config: ConfigOption = None,
    check: CheckOption = None,
    duration: Annotated[str | None, typer.Option("--for", help="Stop after this long (e.g. 10m).")] = None,
    count: Annotated[int | None, typer.Option("--count", "-n", help="Stop after this many matching lines.")] = None,
) -> None:
    """Follow a source and print each line a log check matches, tagged by check, until Ctrl-C."""
    import asyncio

    from watchdog import runner
    from watchdog.durations import parse_duration

    cfg = load_config(config, exit_code=3)
    sources = cfg.sources
    if source not in sources:
        fail(f"no source named {source!r} in {cfg.path} (sources: {', '.join(sorted(sources)) or 'none'})", 3)
    _unknown_checks(cfg, check or [])
    try:
        seconds = parse_duration(duration) if duration else None
    except ValueError as err:
        fail(f"--for: {err}", 3)
    names = [n for n in cfg.checks if getattr(cfg.checks[n], "source", None) == source and (not check or n in check)]
    if not names:
        fail(f"no log check reads source {source!r} in {cfg.path}", 3)
    context = runner.context_for(cfg)
    runner.build(cfg, names, context)
    try:
        asyncio.run(_tail(cfg, context, names, seconds, count))
    except KeyboardInterrupt:
        pass


async def _tail(cfg: Config, context: Any, names: list[str], seconds: float | None, count: int | None) -> None:
    import asyncio

    hub, out, done = context.logs, console(), asyncio.Event()
    printed = [0]

    def show(match: LogMatch, colour: str) -> None:
        if count is not None and printed[0] >= count:
            return
        out.print(_tail_line(cfg, match, colour), soft_wrap=True)
        printed[0] += 1
        if count is not None and printed[0] >= count:
            done.set()

    for i, name in enumerate(names):
        hub.subscribe(name, lambda m, c=COLOURS[i % len(COLOURS)]: show(m, c))
    try:
        await hub.start()
        await asyncio.wait_for(done.wait(), seconds)
    except TimeoutError:
        pass
    finally:
        await context.aclose()


def _tail_line(cfg: Config, match: LogMatch, colour: str) -> Any:
    import time

    from rich.text import Text

    clock = time.strftime("%H:%M:%S", time.localtime(match.time))
    line = cfg.redactor(match.line)
    text = Text(f"{clock} ")
    text.append(f"[{match.check}]", style=f"bold {colour}")
    body = Text(" " + line)
    if line == match.line:  # highlight only when redaction did not move the text
        at = line.find(match.matched)
        if match.matched and at >= 0:
            body.stylize(f"bold {colour}", at + 1, at + 1 + len(match.matched))
    return text + body
