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
from typing import TYPE_CHECKING, Annotated, Any

import typer

from watchdog.cli.common import ConfigOption, console, fail, load_config
from watchdog.cli.scan import ScanRun, run_scan, unknown_checks

if TYPE_CHECKING:
    from watchdog.config import Config
    from watchdog.logs.hub import LogMatch

app = typer.Typer(help="Scan a log to its end, or follow a source live, with the config's log checks.",
                  no_args_is_help=True)
COLOURS = ("red", "yellow", "cyan", "magenta", "green", "blue")
CheckOption = Annotated[list[str] | None, typer.Option("--check", metavar="CHECK", help="Only this log check (repeatable).")]


class Format(str, enum.Enum):
    table = "table"
    json = "json"


@app.command("scan")
def scan(
    target: Annotated[str, typer.Argument(metavar="SOURCE_OR_FILE", help="A [sources.NAME], a file, or - for stdin.")],
    config: ConfigOption = None,
    check: CheckOption = None,
    output: Annotated[Format, typer.Option("--format", metavar="FORMAT", help="table or json.")] = Format.table,
    short: Annotated[Format | None, typer.Option("-f", hidden=True, show_default=False)] = None,
    evidence: Annotated[int, typer.Option("--evidence", metavar="LINES", help="Evidence lines shown per check.")] = 3,
) -> None:
    """Read a whole log and print every log check over it (exit 0/1/2 like `watchdog check`)."""
    raise typer.Exit(run_scan(ScanRun([target], list(check or []), (short or output).value, config, evidence)))


@app.command("tail")
def tail(
    source: Annotated[str, typer.Argument(metavar="SOURCE", help="A [sources.NAME] of the config.")],
    config: ConfigOption = None,
    check: CheckOption = None,
    duration: Annotated[str | None, typer.Option("--for", metavar="DURATION", help="Stop after this long (e.g. 10m).")] = None,
    count: Annotated[int | None, typer.Option("--count", "-n", metavar="LINES", help="Stop after this many matching lines.")] = None,
) -> None:
    """Follow a source and print each line a log check matches, tagged by check, until Ctrl-C."""
    import asyncio

    from watchdog import runner
    from watchdog.durations import parse_duration

    cfg = load_config(config, exit_code=3)
    sources = cfg.sources
    if source not in sources:
        fail(f"no source named {source!r} in {cfg.path} (sources: {', '.join(sorted(sources)) or 'none'})", 3)
    unknown_checks(cfg, check or [])
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
