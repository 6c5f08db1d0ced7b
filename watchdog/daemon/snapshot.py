"""Taking the daemon's ``DaemonSnapshot``: its running parts read once, into frozen data.

The core calls ``take_snapshot`` for every ``/status`` and ``/metrics``; the
views (``views.py``) only ever see the frozen result.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from watchdog.daemon.pipeline import PipelineMemory
from watchdog.daemon.views import CheckView, DaemonSnapshot


def take_snapshot(runtime: Any, memory: PipelineMemory, *, now: float, started_at: float, config_path: str,
                  reloads: Mapping[str, int], health: tuple[bool, str]) -> DaemonSnapshot:
    jobs = dict(runtime.scheduler.stats) if runtime else {}
    return DaemonSnapshot(
        taken_at=now, started_at=started_at, config_path=config_path, reloads=dict(reloads),
        healthy=health[0], health=health[1], checks=check_views(runtime, memory, jobs),
        lateness_s=tuple(x for s in jobs.values() for x in s.lateness),
        running=runtime.scheduler.running if runtime else 0,
        outbox=runtime.outbox.status() if runtime else None,
        sources=sources(runtime),
    )


def check_views(runtime: Any, memory: PipelineMemory, jobs: Mapping[str, Any]) -> tuple[CheckView, ...]:
    """Every check running now, and every check with results since start (a reload may have removed it)."""
    checks = dict(runtime.checks) if runtime else {}
    views = []
    for name in dict.fromkeys([*checks, *memory.stats]):
        check, job, seen = checks.get(name), jobs.get(name), memory.stats.get(name)
        views.append(CheckView(
            name=name, kind=check.type if check else (seen.last.kind if seen and seen.last else ""),
            interval_s=check.config.interval if check else 0.0, configured=check is not None,
            last=seen.last if seen else None, results=dict(seen.results) if seen else {},
            runs=job.runs if job else 0, overruns=job.overruns if job else 0,
            missed=job.missed if job else 0, last_lateness_s=job.last_lateness_s if job else 0.0,
        ))
    return tuple(views)


def sources(runtime: Any) -> dict[str, dict[str, Any]]:
    context = runtime.context if runtime else None
    if context is None or not context.logs_in_use:
        return {}
    return {name: status.to_dict() for name, status in context.logs.source_status().items()}
