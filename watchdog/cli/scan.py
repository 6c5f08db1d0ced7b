"""``watchdog logs scan`` without Typer: read a whole log and judge every log check over it.

``main()`` gives a plain ``watchdog logs scan ...`` command line to ``parse_scan``
(as ``check`` to ``once.parse``); the Typer command answers the rest and runs
the same ``run_scan``. A file or stdin is read once for every log check of the
config, whatever its source; the exit code is the worst status, like ``check``.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from watchdog.cli.once import read_args
from watchdog.cli.output import console, fail, load_config

if TYPE_CHECKING:
    from watchdog.config import Config
    from watchdog.kinds import CheckKind
    from watchdog.model import Result

SCAN_SOURCE = "scan"
SCAN_OPTIONS = {"--config": "config", "-c": "config", "--check": "checks", "--format": "output", "-f": "output",
                "--evidence": "evidence"}


@dataclass
class ScanRun:
    """The arguments of one ``watchdog logs scan`` (``target``: the one positional argument)."""

    target: list[str] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)
    output: str = "table"
    config: str | None = None
    evidence: int | str = 3


def parse_scan(args: Sequence[str]) -> ScanRun | None:
    """The arguments after ``logs scan``, or None for anything Typer should answer."""
    run = ScanRun()
    if not read_args(args, run, "target", SCAN_OPTIONS, {}) or len(run.target) != 1:
        return None
    if run.output not in ("table", "json") or not str(run.evidence).lstrip("-").isdigit():
        return None
    run.evidence = int(run.evidence)
    return run


def run_scan(run: ScanRun) -> int:
    """Scan ``run.target`` with the config's log checks; print; the exit code of the worst status."""
    import asyncio

    from watchdog import runner
    from watchdog.status import worst

    cfg = load_config(run.config, exit_code=3)
    sources, tables = scan_plan(cfg, run.target[0], run.checks)
    context = runner.context_for(cfg, log_sources=sources, logs_to_end=True)
    checks = [cfg.kinds[n](n, table, context) for n, table in tables.items()]
    results, status = asyncio.run(_scan(checks, context))
    if run.output == "json":
        import json

        print(json.dumps({"results": [r.to_dict() for r in results], "sources": status}, ensure_ascii=False, indent=2))
    else:
        _print_scan(results, status, int(run.evidence))
    return worst([r.status for r in results]).exit_code


def scan_plan(cfg: Config, target: str, only: list[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The sources to read and the log checks (name -> config) to scan ``target`` with;
    a file or stdin replaces every source."""
    import os

    sources = cfg.sources
    log_checks = [n for n, k in cfg.kinds.items() if hasattr(cfg.checks[n], "source") and (not only or n in only)]
    unknown_checks(cfg, only)
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


def unknown_checks(cfg: Config, only: list[str]) -> None:
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
