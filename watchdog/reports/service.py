"""What the daemon and the CLI call: open windows, write due checkpoint reports, post summaries.

    ctx = ReportContext.from_config(config)
    open_configured_windows(store, ctx, now=now)          # at start-up
    on_result(store, ctx, previous, result)               # after each result: a deploy opens windows
    for done in write_due_checkpoints(store, ctx, now=now):   # every minute or so
        post_checkpoint(store, done, ctx, now=now)         # into the outbox, to the window's channels

Reports go to ``STATE_DIR/reports/WINDOW/START/LABEL.{md,html,json}`` (START is
the window's start, so a window re-opened by the next deploy keeps the old
reports), written atomically and passed through the config's redactor.
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from watchdog.errors import UsageError
from watchdog.redact import NULL_REDACTOR, Redactor
from watchdog.reports import windows as wmath
from watchdog.reports.build import CheckInfo, Progress, ReportSource, build_checkpoint, check_infos
from watchdog.reports.config import WindowSpec
from watchdog.reports.model import NOT_COMPLETE, CheckpointReport, DailyReport
from watchdog.store.base import Event, EventLog, MonitoringWindows, OutboxQueue, WindowState

if TYPE_CHECKING:
    from watchdog.config import Config
    from watchdog.model import Result
    from watchdog.store.base import Notification

FORMATS = ("md", "html", "json")


class WindowStore(MonitoringWindows, EventLog, Protocol):
    """The facets opening and closing windows use (each is also an event)."""


class CheckpointStore(ReportSource, MonitoringWindows, Protocol):
    """The facets writing due checkpoints uses: a report's reads, and the windows."""


@dataclass(frozen=True)
class ReportContext:
    """What reports need from the config, gathered once (and again after a reload)."""

    specs: Mapping[str, WindowSpec]
    infos: Mapping[str, CheckInfo]
    reports_dir: Path
    redactor: Redactor = NULL_REDACTOR
    default_channels: tuple[str, ...] = ()
    runbooks: Mapping[str, str] = field(default_factory=dict)  # check -> runbook name
    channel_configs: Mapping[str, Any] = field(default_factory=dict)  # [channels.NAME], for --post

    @classmethod
    def from_config(cls, config: Config) -> ReportContext:
        from watchdog.alerting.rules import effective_rules

        defaults = config.settings.defaults.alert
        rules = {n: effective_rules(defaults, c.alert) for n, c in config.checks.items()}
        return cls(
            specs=config.windows, infos=check_infos(config),
            reports_dir=Path(config.settings.state_dir) / "reports", redactor=config.redactor,
            default_channels=tuple(defaults.channels),
            runbooks={n: r.runbook for n, r in rules.items() if r.runbook},
            channel_configs=config.channels,
        )

    def channels_for(self, window: str) -> tuple[str, ...]:
        spec = self.specs.get(window)
        return (spec.channels if spec and spec.channels else ()) or self.default_channels


@dataclass(frozen=True)
class WrittenCheckpoint:
    report: CheckpointReport
    paths: Mapping[str, Path]


def on_result(store: WindowStore, ctx: ReportContext, previous: Result | None, result: Result) -> list[WindowState]:
    """After each result: a restart or deploy seen (``watchdog.restarts.restart_seen``) is recorded
    as an event and opens every ``start = "deploy"`` window. ``previous``: the check's result before."""
    from watchdog.restarts import restart_seen

    if previous is None:
        return []
    seen = restart_seen(previous.metrics, result.metrics, previous.labels, result.labels)
    if seen is None:
        return []
    store.add_event(Event(seen.kind, result.started, result.check, f"{result.check}: {seen.message}",
                          dict(seen.data)))
    return open_on_deploy(store, ctx, at=result.started, reason=seen.message, check=result.check)


def open_window(store: WindowStore, name: str, *, start: float, spec: WindowSpec | None = None,
                duration_s: float | None = None, opened_by: str = "cli", reason: str = "") -> WindowState:
    """Open (or re-open from scratch) the window ``name``; a window of that name still open is replaced."""
    duration = duration_s or (spec.duration_s if spec else wmath.DEFAULT_DURATION)
    if spec and duration == spec.duration_s:
        checkpoints = spec.checkpoints_s
    else:
        wanted = [c for c in (spec.checkpoints_s if spec else ()) if c < duration]
        checkpoints = wmath.normalise_checkpoints(wanted or wmath.default_checkpoints(duration), duration)
    window = WindowState(name, spec.title if spec else name, start, duration, checkpoints,
                         data={"opened_by": opened_by, "reason": reason})
    store.save_window(window)
    store.add_event(Event("window.opened", start, None, f"window {name} opened by {opened_by}"
                          + (f": {reason}" if reason else ""), {"window": name}))
    return window


def open_configured_windows(store: WindowStore, ctx: ReportContext, *, now: float) -> list[WindowState]:
    """Windows with a fixed ``start`` in the config that the store does not hold yet (daemon start-up)."""
    known = {(w.name, w.start) for w in store.windows(include_closed=True)}
    opened = []
    for spec in ctx.specs.values():
        if spec.start is not None and (spec.name, spec.start) not in known and spec.start + spec.duration_s > now:
            opened.append(open_window(store, spec.name, start=spec.start, spec=spec, opened_by="config"))
    return opened


def open_on_deploy(store: WindowStore, ctx: ReportContext, *, at: float, reason: str,
                   check: str | None = None) -> list[WindowState]:
    """Open every ``start = "deploy"`` window at ``at``; one deploy seen by two checks opens it once."""
    current = {w.name: w for w in store.windows()}
    opened = []
    for spec in ctx.specs.values():
        if not spec.opens_on_deploy:
            continue
        existing = current.get(spec.name)
        if existing is not None and abs(existing.start - at) < 300:  # the same deploy, seen again
            continue
        why = f"{check}: {reason}" if check else reason
        opened.append(open_window(store, spec.name, start=at, spec=spec, opened_by="deploy", reason=why))
    return opened


def close_window(store: WindowStore, name: str, *, now: float) -> WindowState:
    """Close an open window early; raises UsageError naming the open ones."""
    for window in store.windows():
        if window.name == name:
            closed = dataclasses.replace(window, closed=True, data={**window.data, "closed_at": now})
            store.save_window(closed)
            store.add_event(Event("window.closed", now, None, f"window {name} closed", {"window": name}))
            return closed
    open_names = ", ".join(w.name for w in store.windows()) or "none"
    raise UsageError(f"no open window {name!r} (open windows: {open_names})")


def write_due_checkpoints(store: CheckpointStore, ctx: ReportContext, *, now: float,
                          formats: Sequence[str] = FORMATS) -> list[WrittenCheckpoint]:
    """Write every checkpoint that fell due (also those missed while the daemon was down)."""
    done = []
    for window in store.windows():
        for offset in wmath.due(window, now):
            report = build_checkpoint(store, window, ctx.infos, checkpoint_s=offset, now=now,
                                      spec=ctx.specs.get(window.name))
            paths = write_report(report, checkpoint_dir(ctx.reports_dir, window), report.label, formats,
                                 ctx.redactor)
            window = dataclasses.replace(window, written=(*window.written, offset),
                                         closed=window.closed or report.final)
            store.save_window(window)
            store.add_event(Event("checkpoint.written", now, None,
                                  f"{window.name} {report.label} checkpoint written",
                                  {"window": window.name, "checkpoint": report.label,
                                   "paths": {k: str(p) for k, p in paths.items()}}))
            done.append(WrittenCheckpoint(report, paths))
    return done


def checkpoint_dir(reports_dir: Path, window: WindowState) -> Path:
    return reports_dir / window.name / time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(window.start))


def render(report: CheckpointReport | DailyReport, fmt_name: str) -> str:
    """The report in ``md``, ``html`` or ``json``."""
    from watchdog.reports import render_html, render_json, render_md

    if fmt_name == "json":
        return render_json.render(report)
    module: Any = render_md if fmt_name == "md" else render_html
    return module.render_checkpoint(report) if isinstance(report, CheckpointReport) else module.render_daily(report)


def write_report(report: CheckpointReport | DailyReport, directory: Path, stem: str,
                 formats: Sequence[str] = FORMATS, redactor: Redactor = NULL_REDACTOR) -> dict[str, Path]:
    """Each format to ``directory/STEM.FORMAT``, atomically (a reader never sees half a file)."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name in formats:
        path = directory / f"{stem}.{name}"
        write_atomic(path, redactor(render(report, name)))
        paths[name] = path
    return paths


def write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def summary_lines(report: CheckpointReport) -> list[str]:
    """The criteria as one line each, for a chat message."""
    icon = {"PASS": "✅", "FAIL": "❌", "MONITORING": "⏳"}
    return [f"{icon[c.status]} {c.status} {c.name} — {c.evidence}" for c in report.criteria]


def checkpoint_notifications(report: CheckpointReport, channels: Sequence[str], *, now: float,
                             paths: Mapping[str, Path] | None = None,
                             redactor: Redactor = NULL_REDACTOR) -> list[Notification]:
    """One outbox notification per channel; ids are stable per window start and checkpoint."""
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
        note=f"report: {paths['html']}" if paths and "html" in paths else "",
    )
    return [notification_for(message, channel, now) for channel in channels]


def post_checkpoint(store: OutboxQueue, written: WrittenCheckpoint, ctx: ReportContext, *, now: float) -> list[str]:
    """Queue the summary for the window's channels (the outbox delivers it); the ids queued."""
    notes = checkpoint_notifications(written.report, ctx.channels_for(written.report.window), now=now,
                                     paths=written.paths, redactor=ctx.redactor)
    return [n.id for n in notes if store.enqueue(n)]


def build_for_window(store: ReportSource, ctx: ReportContext, window: WindowState, *, checkpoint: str | None,
                     now: float, progress: Progress | None = None) -> CheckpointReport:
    """The CLI's report of one window: ``checkpoint`` by label, else the latest one passed."""
    try:
        offset = wmath.checkpoint_for(window, checkpoint, now)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    return build_checkpoint(store, window, ctx.infos, checkpoint_s=offset, now=now,
                            spec=ctx.specs.get(window.name), progress=progress)


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
