"""Building the end-of-day ``DailyReport`` (what cron asks for) from the store.

Everything comes from the per-minute rollups (availability, error counts, the
main metric's average and maximum) and the events (incidents, alerts and how
long they lasted, broken channels, failing sources): no result is read one by
one except in a minute the period's end cuts through.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from watchdog.durations import format_duration
from watchdog.reports import figures, fmt
from watchdog.reports.build import CheckInfo, Progress, ReportSource, report_checks
from watchdog.reports.model import DailyCheck, DailyReport, Incident, Summary
from watchdog.store.base import Event, ResultHistory

DAY = 86400.0
#: the daemon writes "log source NAME: reason" / "channel NAME is broken: reason"
_NAMED = re.compile(r"^(?:log source|channel) (\S+?):? ")
CHANNEL_BROKEN, CHANNEL_OK = "channel.broken", ("channel.recovered", "channel.ok")
SOURCE_FAILING, SOURCE_OK = "source.failing", ("source.recovered",)


def day_bounds(date: str | None, now: float) -> tuple[str, float, float]:
    """``(YYYY-MM-DD, midnight, end)`` of ``date`` (default: today, UTC); a day not over ends at ``now``.

    Raises ValueError for a date that is not YYYY-MM-DD.
    """
    if date is None:
        date = datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%d")
    try:
        day = datetime.strptime(date, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise ValueError(f"invalid date {date!r} (use YYYY-MM-DD, e.g. 2025-10-13)") from None
    since = day.timestamp()
    return date, since, min(since + DAY, max(now, since))


def build_daily(store: ReportSource, infos: Mapping[str, CheckInfo], *, now: float, date: str | None = None,
                runbooks: Mapping[str, str] | None = None, progress: Progress | None = None) -> DailyReport:
    """The report of one UTC day; ``runbooks`` (check -> runbook name) go into the action items."""
    date, since, until = day_bounds(date, now)
    checks = report_checks(store, infos)
    rows = []
    for i, info in enumerate(checks, start=1):
        row = _daily_check(store, info, since, until)
        if row.results or info.name in infos:
            rows.append(row)
        if progress:
            progress(i, len(checks))
    events = store.events(since - figures.LOOKBACK_S, until)
    incidents = tuple(figures.incidents(events, since, until))
    states = [n for n in store.notifications(since, until)]
    summary = Summary(
        checks=sum(1 for r in rows if r.results), results=sum(r.results for r in rows),
        failures=sum(r.errors for r in rows),
        notifications_sent=sum(1 for n in states if n.state == "delivered"),
        notifications_failed=sum(1 for n in states if n.state == "failed"),
        notifications_pending=sum(1 for n in states if n.state == "pending"),
        incidents=len(incidents), alerts=sum(1 for e in events if e.kind in figures.RAISING and e.ts >= since),
        restarts=len(figures.restarts(events, since, until)),
    )
    day_events = [e for e in events if e.ts >= since]
    kinds = (*figures.RESTART_KINDS, CHANNEL_BROKEN, *CHANNEL_OK, SOURCE_FAILING, *SOURCE_OK)
    return DailyReport(
        date=date, since=since, until=until, generated=now, summary=summary, checks=tuple(rows),
        incidents=incidents, events=figures.event_lines(day_events, kinds),
        action_items=action_items(incidents, events, states, runbooks or {}, until),
    )


def _daily_check(store: ResultHistory, info: CheckInfo, since: float, until: float) -> DailyCheck:
    t = figures.tally(store, info.name, [since, until], info.metric)[0]
    ok, warning, critical, unknown = t.counts
    return DailyCheck(
        info.name, info.kind, t.results, ok, warning, critical, unknown, fmt.pct(ok, t.results),
        info.metric, fmt.unit_of(info.metric or ""), t.total / t.n if t.n else None, t.peak,
    )


def action_items(incidents: Sequence[Incident], events: Sequence[Event], notifications: Sequence[object],
                 runbooks: Mapping[str, str], until: float) -> tuple[str, ...]:
    """Alerts still firing, channels broken, sources failing: what someone must look at."""
    items = []
    for i in incidents:
        if i.end is None:
            book = f" (runbook: {runbooks[i.check]})" if i.check in runbooks else ""
            items.append(f"{i.severity} alert on {i.check} still firing since {fmt.stamp(i.start)} "
                         f"({format_duration(i.duration_s)}){book}")
    delivered = {getattr(n, "channel", ""): getattr(n, "delivered_at", None) or 0.0 for n in notifications
                 if getattr(n, "state", "") == "delivered"}
    for name, event in _still_open(events, CHANNEL_BROKEN, CHANNEL_OK, "channel").items():
        if delivered.get(name, 0.0) > event.ts:  # it delivered again since: repaired
            continue
        detail = event.message.split(": ", 1)[1] if _NAMED.match(event.message) else event.message
        items.append(f"channel {name} is broken since {fmt.stamp(event.ts)}: {detail or 'no detail'} "
                     "(runbook: alert-delivery-failing)")
    failed: dict[str, list[object]] = {}
    for n in notifications:
        if getattr(n, "state", "") == "failed":
            failed.setdefault(n.channel, []).append(n)  # type: ignore[attr-defined]
    for channel, rows in sorted(failed.items()):
        last = rows[-1].last_error or "no error recorded"  # type: ignore[attr-defined]
        items.append(f"channel {channel}: {fmt.plural(len(rows), 'notification')} failed for good "
                     f"(last error: {last})")
    for name, event in _still_open(events, SOURCE_FAILING, SOURCE_OK, "source").items():
        detail = event.message.split(": ", 1)[1] if _NAMED.match(event.message) else event.message
        items.append(f"log source {name} failing since {fmt.stamp(event.ts)}: {detail or 'no detail'}")
    return tuple(items)


def _still_open(events: Sequence[Event], bad: str, good: Sequence[str], key: str) -> dict[str, Event]:
    """Per channel/source name, the ``bad`` event not followed by a ``good`` one."""
    open_: dict[str, Event] = {}
    for e in sorted(events, key=lambda e: e.ts):
        named = _NAMED.match(e.message)
        name = str(e.data.get(key) or (named.group(1) if named else None) or e.check or e.message or "?")
        if e.kind == bad:
            open_.setdefault(name, e)
        elif e.kind in good:
            open_.pop(name, None)
    return open_
