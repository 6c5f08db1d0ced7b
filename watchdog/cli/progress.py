"""The progress line of a one-off ``watchdog check`` on a terminal: what it is waiting for.

``checking ━━━━━━━╸━━━ 7/12 reading railway 7s/10s, health: OK``: the bar counts
the checks done; while log sources are read it says which and how far into
their read (a log check waits for its source's read, ``--log-window``), so a
quiet terminal never looks hung. rich is imported only here, only on a terminal.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from watchdog.durations import format_duration

if TYPE_CHECKING:
    from watchdog.kinds import CheckKind
    from watchdog.model import Result

TICK_S = 0.5


Reading = Mapping[str, tuple[float, "float | None"]]


def reading_text(reading: Reading) -> str:
    """``reading railway 7s/10s, stdin 2s (to its end)`` for the sources still being read, or ``""``."""
    if not reading:
        return ""
    parts = []
    for name, (done, length) in sorted(reading.items()):
        read = format_duration(int(done)) if done >= 1 else "0s"
        parts.append(f"{name} {read} (to its end)" if length is None else f"{name} {read}/{format_duration(length)}")
    return "reading " + ", ".join(parts)


def describe(reading: Reading, last: str) -> str:
    return ", ".join(part for part in (reading_text(reading), last) if part)


async def with_progress(checks: Sequence[CheckKind], context: Any, concurrency: int) -> list[Result]:
    """Run ``checks`` under a transient progress bar on stderr."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn

    from watchdog.cli.output import console
    from watchdog.runner import run_checks

    columns = (SpinnerColumn(), TextColumn("checking"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.description}"))
    last = [""]

    def reading() -> Reading:
        return context.logs.reading() if context.logs_in_use else {}

    with Progress(*columns, console=console(stderr=True), transient=True) as bar:
        task = bar.add_task(describe(reading(), ""), total=len(checks))

        def done(result: Result) -> None:
            last[0] = f"{result.check}: {result.status.name}"
            bar.update(task, advance=1, description=describe(reading(), last[0]))

        async def tick() -> None:
            while True:
                await asyncio.sleep(TICK_S)
                bar.update(task, description=describe(reading(), last[0]))

        ticker = asyncio.create_task(tick())
        try:
            return await run_checks(checks, max_concurrency=concurrency, on_result=done)
        finally:
            ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ticker
