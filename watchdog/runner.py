"""Running checks once: the one path ``watchdog check`` and the daemon share.

Concurrency is capped; each check's timeout starts when it gets its slot, so a
hung target costs one slot for its timeout while the rest go on. The exception
boundary and the judging live in ``CheckKind.run``; this module only orders,
bounds and reports progress.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from watchdog.config import Config
from watchdog.errors import UsageError
from watchdog.kinds import CheckContext, CheckKind
from watchdog.model import Measurement, Result

if TYPE_CHECKING:
    from watchdog.logs.config import SourceConfig

ResultCallback = Callable[[Result], None]


def select(config: Config, names: Sequence[str] = (), tags: Sequence[str] = ()) -> list[str]:
    """The check names to run: named ones, or every enabled one, filtered by tag."""
    _known(names, config.checks, config.path)
    chosen = list(names) or [n for n, c in config.checks.items() if c.enabled]
    if tags:
        chosen = [n for n in chosen if set(tags) & set(config.checks[n].tags)]
        if not chosen:
            raise UsageError(f"no check has tag {', '.join(tags)!r} in {config.path}")
    return chosen


def preselect(tables: Mapping[str, Mapping[str, Any]], path: Path, names: Sequence[str] = (),
              tags: Sequence[str] = ()) -> list[str]:
    """The ``[checks.*]`` tables, as written, that ``select`` may pick: the only ones a one-off
    ``watchdog check`` validates (``config.load(only=...)``). Generous where a key is not a plain
    value yet (``enabled = "no"`` is kept, for validation to judge)."""
    _known(names, tables, path)
    chosen = list(names) or [n for n, t in tables.items() if t.get("enabled", True) is not False]
    if tags:
        chosen = [n for n in chosen if _may_have(tables[n].get("tags"), tags)]
    return chosen


def _known(names: Sequence[str], checks: Mapping[str, object], path: Path) -> None:
    unknown = [n for n in names if n not in checks]
    if unknown:
        have = ", ".join(sorted(checks)) or "none"
        raise UsageError(f"no check named {unknown[0]!r} in {path} (checks: {have})")


def _may_have(written: object, tags: Sequence[str]) -> bool:
    if not isinstance(written, list) or not all(isinstance(t, str) for t in written):
        return True
    return bool(set(tags) & set(written))


def build(config: Config, names: Iterable[str], context: CheckContext) -> list[CheckKind]:
    """Instantiate the kind of each named check with its validated config."""
    return [config.kinds[name](name, config.checks[name], context) for name in names]


def context_for(config: Config, *, log_sources: Mapping[str, SourceConfig] | None = None,
                log_window: float | None = None, stdin_source: str | None = None,
                logs_to_end: bool = False, clock: Callable[[], float] = time.time,
                self_watch: Callable[[], Measurement] | None = None) -> CheckContext:
    """The context the checks of ``config`` share; the log options are for one-off runs
    (``--log-window``, ``--source-stdin``, ``logs scan`` reading a file instead of the sources)."""
    return CheckContext(
        redactor=config.redactor, max_http_in_flight=config.settings.defaults.http_max_in_flight,
        log_sources=config.sources if log_sources is None else log_sources,
        log_window=log_window, stdin_source=stdin_source, logs_to_end=logs_to_end, clock=clock,
        self_watch=self_watch,
    )


async def run_checks(
    checks: Sequence[CheckKind],
    *,
    max_concurrency: int = 32,
    on_start: Callable[[CheckKind], None] | None = None,
    on_result: ResultCallback | None = None,
) -> list[Result]:
    """Run every check once, at most ``max_concurrency`` at a time; results in input order."""
    slots = asyncio.Semaphore(max_concurrency)

    async def one(check: CheckKind) -> Result:
        async with slots:
            if on_start:
                on_start(check)
            result = await check.run()
        if on_result:
            on_result(result)
        return result

    return list(await asyncio.gather(*(one(c) for c in checks)))
