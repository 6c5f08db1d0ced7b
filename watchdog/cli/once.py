"""``watchdog check`` without Typer: the one-off run that cron and Nagios start every minute.

Typer (its option coercion builds pydantic adapters) and rich cost more than an
HTTP check itself, so ``main()`` gives a ``watchdog check ...`` command line to
``parse`` first: the options ``watchdog check --help`` lists are read here;
anything else (``--help``, an unknown option, a missing value, an unknown
format) goes to the Typer command, which answers as it always did. Either way
the run is ``run_check``: the config loaded with only the selected checks (and
the sources they read) validated, the checks run, the results printed, the
exit code returned. rich is imported only for the table on a terminal or a pipe.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from watchdog.cli.output import console, fail

if TYPE_CHECKING:
    from watchdog.config import Config
    from watchdog.kinds import CheckKind
    from watchdog.model import Result

FORMATS = ("table", "json", "nagios")
#: option -> the CheckRun field it sets (``tags`` collects every one)
CHECK_OPTIONS = {"--tag": "tags", "-t": "tags", "--format": "output", "-f": "output", "--config": "config",
                 "-c": "config", "--log-window": "log_window", "--source-stdin": "source_stdin"}
CHECK_FLAGS = {"-v": "verbose", "--verbose": "verbose"}


@dataclass
class CheckRun:
    """The arguments of one ``watchdog check``."""

    names: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    output: str = "table"
    config: str | None = None
    log_window: str | None = None
    source_stdin: str | None = None
    verbose: bool = False


def parse(args: Sequence[str]) -> CheckRun | None:
    """The arguments after ``check``, or None for anything but plain names and known options."""
    run = CheckRun()
    if not read_args(args, run, "names", CHECK_OPTIONS, CHECK_FLAGS):
        return None
    return run if run.output in FORMATS else None


def read_args(args: Sequence[str], into: Any, positional: str, options: dict[str, str],
              flags: dict[str, str]) -> bool:
    """Set ``into``'s fields from a plain command line (``-c FILE``, ``-cFILE``, ``--config=FILE``,
    repeated list options, ``--``); False for anything else, which Typer is left to answer."""
    rest = list(args)
    while rest:
        arg = rest.pop(0)
        if arg == "--":
            getattr(into, positional).extend(rest)
            return True
        if not arg.startswith("-") or arg == "-":  # "-": standard input
            getattr(into, positional).append(arg)
        elif arg in flags:
            setattr(into, flags[arg], True)
        elif not _option(into, arg, rest, options):
            return False
    return True


def _option(into: Any, arg: str, rest: list[str], options: dict[str, str]) -> bool:
    key, eq, value = arg.partition("=") if arg.startswith("--") else (arg[:2], "", arg[2:])
    if key not in options:
        return False
    if not eq and not value:
        if not rest or rest[0].startswith("-"):
            return False
        value = rest.pop(0)
    current = getattr(into, options[key])
    if isinstance(current, list):
        current.append(value)
    else:
        setattr(into, options[key], value)
    return True


def run_check(run: CheckRun) -> int:
    """Run the checks once; the exit code is the worst status (3 for a bad config or argument)."""
    import asyncio

    from watchdog import runner
    from watchdog.config import load
    from watchdog.durations import parse_duration
    from watchdog.errors import WatchdogError

    def only(tables: Any, path: Any) -> list[str]:
        return runner.preselect(tables, path, run.names, run.tags)

    try:
        cfg = load(run.config, only=only, sources=run.source_stdin is not None)
        selected = runner.select(cfg, run.names, run.tags)
        window = parse_duration(run.log_window) if run.log_window else None
    except WatchdogError as err:
        fail(str(err), 3)
    except ValueError as err:
        fail(f"--log-window: {err}", 3)
    if run.source_stdin is not None and run.source_stdin not in cfg.sources:
        fail(f"--source-stdin: no source named {run.source_stdin!r} in {cfg.path}", 3)
    context = runner.context_for(cfg, log_window=window, stdin_source=run.source_stdin)
    checks = runner.build(cfg, selected, context)
    started = time.perf_counter()
    concurrency = cfg.settings.defaults.max_concurrency
    results = asyncio.run(run_all(checks, context, concurrency, progress=run.output == "table"))
    return print_results(results, cfg, run.output, time.perf_counter() - started, run.verbose)


async def run_all(checks: Sequence[CheckKind], context: Any, concurrency: int, *, progress: bool) -> list[Result]:
    """Every check once (with a progress line on a terminal for the table: ``cli.progress``),
    then the context closed."""
    from watchdog.runner import run_checks

    try:
        if progress and sys.stderr.isatty() and (len(checks) > 1 or context.logs_in_use):
            from watchdog.cli.progress import with_progress

            return await with_progress(checks, context, concurrency)
        return await run_checks(checks, max_concurrency=concurrency)
    finally:
        await context.aclose()


def print_results(results: list[Result], cfg: Config, output: str, elapsed: float, verbose: bool) -> int:
    """Print in ``output`` (table, json, nagios); returns the exit code of the worst status."""
    from watchdog.cli import render

    if output == "json":
        print(render.to_json(results, elapsed))
    elif output == "nagios":
        thresholds = {n: (c.warning, c.critical) for n, c in cfg.checks.items()}
        print(render.to_nagios(results, thresholds))
    else:
        out = console()
        color = out.is_terminal and not out.no_color
        out.print(render.table(results, _preferred(cfg), verbose=verbose, color=color))
        out.print(render.footer(results, elapsed), style=render.STYLE[render.overall(results)] if color else None)
    return render.overall(results).exit_code


def _preferred(cfg: Config) -> dict[str, list[str]]:
    """Per check: the metrics its thresholds name, then its kind's main metric."""
    out: dict[str, list[str]] = {}
    for name, c in cfg.checks.items():
        names = [m for t in [*c.critical, *c.warning] for m in sorted(t.metrics)]
        main = cfg.kinds[name].MAIN_METRIC
        out[name] = list(dict.fromkeys([*names, *([main] if main else [])]))
    return out
