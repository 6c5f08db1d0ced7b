"""Report summaries as notifications: a checkpoint's or the daily report's chat message, per
channel, and the "deploy seen" notice that opens a window.

The outbox delivers them like alerts; ids are stable per window start and
checkpoint (per date for the daily report, per check and moment for a deploy),
so each is queued once. Incident tools (PagerDuty, Opsgenie, Alertmanager)
skip them: they are information, not incidents.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from watchdog.redact import NULL_REDACTOR, Redactor
from watchdog.reports.model import NOT_COMPLETE, CheckpointReport, DailyReport

if TYPE_CHECKING:
    from watchdog.reports.checkpoints import WrittenCheckpoint
    from watchdog.reports.context import ReportContext
    from watchdog.store.base import Notification, OutboxQueue, WindowState


def summary_lines(report: CheckpointReport) -> list[str]:
    """The criteria as one line each, for a chat message."""
    icon = {"PASS": "✅", "FAIL": "❌", "MONITORING": "⏳"}
    return [f"{icon[c.status]} {c.status} {c.name} — {c.evidence}" for c in report.criteria]


def checkpoint_notifications(report: CheckpointReport, channels: Sequence[str], *, now: float,
                             paths: Mapping[str, Path] | None = None, link: str | None = None,
                             redactor: Redactor = NULL_REDACTOR) -> list[Notification]:
    """One outbox notification per channel; ids are stable per window start and checkpoint. The
    note says where the report is: ``link``, else the HTML file of ``paths``."""
    from watchdog.alerting.message import Message, notification_for
    from watchdog.reports import fmt
    from watchdog.reports.render_md import checkpoint_heading
    from watchdog.status import Status

    statuses = {c.status for c in report.criteria}
    failed = "FAIL" in statuses or (report.verdict is not None and report.verdict.outcome == NOT_COMPLETE)
    verdict = f" Verdict: {report.verdict.outcome}." if report.verdict else ""
    s = report.summary
    summary = (f"{fmt.plural(s.results, 'result')}, {s.failures:,} not OK, {fmt.plural(s.incidents, 'incident')}, "
               f"{fmt.plural(s.alerts, 'alert')}.{verdict}")
    if report.next_at is not None:
        summary += f" Next: {report.next_label} checkpoint."
    message = Message(
        event="checkpoint", check=report.window, severity=Status.CRITICAL if failed else Status.OK,
        title=redactor(checkpoint_heading(report)), summary=redactor(summary), started=report.start,
        episode=f"{report.window}-{int(report.start)}", at=report.at,
        metrics=(("results", float(s.results)), ("failures", float(s.failures)), ("incidents", float(s.incidents))),
        evidence=tuple(redactor(line) for line in summary_lines(report)), seq=report.index or int(report.checkpoint_s),
        note=f"report: {link}" if link else f"report: {paths['html']}" if paths and "html" in paths else "",
    )
    return [notification_for(message, channel, now) for channel in channels]


def post_checkpoint(store: OutboxQueue, written: WrittenCheckpoint, ctx: ReportContext, *, now: float) -> list[str]:
    """Queue the summary for the window's channels (the outbox delivers it); the ids queued."""
    notes = checkpoint_notifications(written.report, ctx.channels_for(written.report.window), now=now,
                                     link=served_link(written.paths, ctx), redactor=ctx.redactor)
    return [n.id for n in notes if store.enqueue(n)]


def served_link(paths: Mapping[str, Path], ctx: ReportContext) -> str | None:
    """The HTML report's address under ``[server] public_url``, else where it is in the state
    directory (the daemon's own file path means nothing to a reader in Slack)."""
    from watchdog.reports.library import report_link

    html = paths.get("html")
    if html is None:
        return None
    try:
        rel = html.relative_to(ctx.reports_dir).as_posix()
    except ValueError:
        return str(html)
    return report_link(rel, ctx.public_url)


def daily_notifications(report: DailyReport, channels: Sequence[str], *, now: float,
                        redactor: Redactor = NULL_REDACTOR) -> list[Notification]:
    """The daily report's summary, one notification per channel (stable id per date)."""
    from watchdog.alerting.message import Message, notification_for
    from watchdog.reports import fmt
    from watchdog.status import Status

    s = report.summary
    lines = [f"{c.check}: {fmt.number(c.availability_pct, '%')} available, {c.errors:,} not OK"
             for c in sorted(report.checks, key=lambda c: (c.availability_pct or 0.0, c.check))[:5]]
    message = Message(
        event="daily-report", check="daily", severity=Status.WARNING if report.action_items else Status.OK,
        title=report.title, started=report.since, episode=f"daily-{report.date}", at=report.until,
        summary=redactor(f"{fmt.plural(s.results, 'result')}, {s.failures:,} not OK, "
                         f"{fmt.plural(s.incidents, 'incident')}; "
                         f"{fmt.plural(len(report.action_items), 'open action item')}."),
        evidence=tuple(redactor(x) for x in (*report.action_items, *lines)),
    )
    return [notification_for(message, channel, now) for channel in channels]


def deploy_notifications(check: str, seen: Any, opened: Sequence[WindowState], channels: Sequence[str], *,
                         at: float, now: float, redactor: Redactor = NULL_REDACTOR) -> list[Notification]:
    """"deploy seen: 1.4.2 -> 1.4.3, window post-deploy opened, first checkpoint at 13:10", per channel.

    ``seen`` is ``watchdog.restarts.Restart`` (a deploy: the version changed; a restart: an
    uptime went down). Ids are stable per check and moment, so a deploy is told once."""
    from watchdog.alerting.message import Message, notification_for
    from watchdog.status import Status

    what = f"deploy seen: {seen.data.get('from')} → {seen.data.get('to')}" if seen.kind == "deploy" else \
        f"restart seen: {seen.message}"
    parts = [what]
    for window in opened:
        first = window.checkpoints_s[0] if window.checkpoints_s else None
        when = time.strftime("%H:%M UTC", time.gmtime(window.start + first)) if first is not None else "-"
        parts.append(f"window {window.name} opened, first checkpoint at {when}")
    message = Message(event="deploy", check=check, severity=Status.OK,
                      title=redactor(f"{'DEPLOY' if seen.kind == 'deploy' else 'RESTART'} SEEN: {check}"),
                      summary=redactor(", ".join(parts)), started=at, episode=f"{check}-{seen.kind}-{int(at)}", at=at)
    return [notification_for(message, channel, now) for channel in channels]
