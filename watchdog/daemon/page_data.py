"""What the status page shows, gathered into frozen data: ``PageData``.

The page reads the daemon's ``DaemonSnapshot`` (each check's last result) and a
few things only the store has: uptime over 24 h / 7 d / 30 d (per-minute
rollups summed in SQL), the main metric's last hour for the sparkline, the
open incidents (alert states), silences, acknowledgements and the open
monitoring windows. ``gather`` does the reading; ``page.py`` renders the
result and never touches the store.

Uptime over the long spans costs the most, so ``UptimeCache`` keeps each
figure for ``UPTIME_TTL_S``: a page refreshed every few seconds by several
people reads those rollups once a minute. Everything shown is already
redacted (results are redacted when they are made) or comes from the config.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from watchdog.daemon.views import DaemonSnapshot
from watchdog.reports import windows as wmath
from watchdog.status import Status
from watchdog.store.base import AlertStates, OutboxQueue, ResultHistory, Silences, MonitoringWindows

SPANS = (("24h", 86400.0), ("7d", 7 * 86400.0), ("30d", 30 * 86400.0))
UPTIME_TTL_S = 60.0
SPARK_S = 3600.0
SPARK_POINTS = 60


class PageStore(ResultHistory, AlertStates, Silences, MonitoringWindows, OutboxQueue, Protocol):
    """The facets the status page reads."""


@dataclass(frozen=True, slots=True)
class CheckRow:
    name: str
    kind: str
    status: Status | None  # None: no result yet
    summary: str
    last_run: float | None
    uptime: Mapping[str, float | None]  # span label -> % of results OK (None: no results)
    metric: str | None = None  # the kind's main metric
    value: float | None = None
    spark: tuple[float, ...] = ()  # the main metric over the last hour


@dataclass(frozen=True, slots=True)
class OpenIncident:
    check: str
    level: Status
    started: float
    acked_by: str = ""  # who acknowledged it, when someone did


@dataclass(frozen=True, slots=True)
class SilenceRow:
    check: str
    ends: float
    reason: str


@dataclass(frozen=True, slots=True)
class WindowRow:
    name: str
    title: str
    start: float
    end: float
    next_label: str | None  # the next checkpoint's label (6h), None when all are written
    next_at: float | None
    latest: str | None = None  # /reports/... of its latest written checkpoint (HTML)


@dataclass(frozen=True, slots=True)
class PageData:
    taken_at: float
    healthy: bool
    health: str
    checks: tuple[CheckRow, ...]
    incidents: tuple[OpenIncident, ...] = ()
    silences: tuple[SilenceRow, ...] = ()
    windows: tuple[WindowRow, ...] = ()
    refresh_s: int = 30


@dataclass
class UptimeCache:
    """Each (check, span) uptime figure, kept ``ttl`` seconds (monotonic)."""

    ttl: float = UPTIME_TTL_S
    clock: Callable[[], float] = time.monotonic
    _kept: dict[tuple[str, str], tuple[float, float | None]] = field(default_factory=dict)

    def get(self, key: tuple[str, str], compute: Callable[[], float | None]) -> float | None:
        now = self.clock()
        hit = self._kept.get(key)
        if hit is not None and now - hit[0] < self.ttl:
            return hit[1]
        value = compute()
        self._kept[key] = (now, value)
        return value


def gather(snap: DaemonSnapshot, store: PageStore, main_metrics: Mapping[str, str | None],
           uptime: UptimeCache, report_links: Callable[[Any], str | None] = lambda w: None) -> PageData:
    """The page's data at ``snap.taken_at``: the configured checks, in the config's order."""
    now = snap.taken_at
    rows = tuple(_row(view, store, main_metrics.get(view.name), uptime, now) for view in snap.checks if view.configured)
    return PageData(
        taken_at=now, healthy=snap.healthy, health=snap.health, checks=rows,
        incidents=tuple(open_incidents(store, [r.name for r in rows], now)),
        silences=tuple(SilenceRow(s.check, s.ends, s.reason) for s in store.silences(now)),
        windows=tuple(_window(w, now, report_links(w)) for w in store.windows()),
    )


def _row(view: Any, store: PageStore, metric: str | None, uptime: UptimeCache, now: float) -> CheckRow:
    last = view.last
    spark: tuple[float, ...] = ()
    if metric and last is not None:
        spark = thin([v for _, v in store.series(view.name, metric, now - SPARK_S, now)], SPARK_POINTS)
    return CheckRow(
        name=view.name, kind=view.kind, status=last.status if last else None,
        summary=last.summary if last else "not run yet", last_run=last.started if last else None,
        uptime={label: uptime.get((view.name, label), lambda s=span: availability(store, view.name, now - s, now))
                for label, span in SPANS},
        metric=metric, value=last.metrics.get(metric) if last and metric else None, spark=spark,
    )


def availability(store: ResultHistory, check: str, since: float, until: float) -> float | None:
    """% of the results in ``[since, until)`` that were OK; None without results."""
    totals = store.totals(check, since, until, metrics=[])
    runs = sum(totals.counts.values())
    return None if runs == 0 else 100.0 * totals.counts.get(Status.OK, 0) / runs


def thin(values: list[float], most: int) -> tuple[float, ...]:
    """At most ``most`` values, evenly picked (the last one kept): a sparkline needs no more."""
    if len(values) <= most:
        return tuple(values)
    step = len(values) / most
    return tuple(values[min(len(values) - 1, int(round((i + 1) * step)) - 1)] for i in range(most))


def open_incidents(store: PageStore, checks: Iterable[str], now: float) -> list[OpenIncident]:
    """Checks whose alert fires now, from their alert states (the policy's ``firing`` and episode start)."""
    found = []
    for name in checks:
        stored = store.load_alert_state(name)
        state = stored.state if stored is not None else {}
        if state.get("firing") and state.get("started") is not None:
            found.append(OpenIncident(name, Status.CRITICAL if int(state["firing"]) >= 2 else Status.WARNING,
                                      float(state["started"])))
    if not found:
        return found
    acks = [n for n in store.notifications(min(i.started for i in found), now + 1) if n.event == "acknowledged"]
    return [OpenIncident(i.check, i.level, i.started, _acked_by(acks, i)) for i in found]


def _acked_by(acks: Iterable[Any], incident: OpenIncident) -> str:
    """Who acknowledged ``incident`` (the outbox's ``acknowledged`` notices since it started), or ``""``."""
    for n in acks:
        if n.check == incident.check and n.created >= incident.started:
            return str(n.payload.get("by") or "someone")
    return ""


def _window(window: Any, now: float, latest: str | None) -> WindowRow:
    offset = wmath.next_checkpoint(window, now) if not window.closed else None
    return WindowRow(window.name, window.title, window.start, wmath.end(window),
                     wmath.label(offset) if offset is not None else None,
                     window.start + offset if offset is not None else None, latest)
