"""What an alert says, before any channel renders it: the ``Message``.

The policy decides *that* something is sent (firing, escalated, downgraded,
reminder, resolved, flapping; acknowledged when someone took the alert);
``build_message`` turns that decision and the ``Result`` behind it into a
Message: title, severity, check, summary, key metrics, evidence, the
runbook's title, first steps and link, when the episode started. It is plain data: stored as the outbox notification's ``payload``
(``to_payload`` / ``from_payload``) and rendered by each channel's own pure
builder. Pure: no I/O, no clock.

A notification's id is stable for (check, episode, event, sequence, channel),
so a receiver can de-duplicate a message the outbox sent twice (it was
delivered, but the daemon died before it wrote that down).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from watchdog.durations import format_duration
from watchdog.model import Result
from watchdog.redact import NULL_REDACTOR, Redactor
from watchdog.status import Status
from watchdog.store.base import Notification
from watchdog.text import clip, format_number

EVENTS = ("firing", "escalated", "downgraded", "reminder", "resolved", "flapping", "acknowledged", "test")
#: events that say an alert is (still) open; channels of incident tools trigger on these
OPEN_EVENTS = frozenset({"firing", "escalated", "downgraded", "reminder", "flapping"})
MAX_METRICS = 6
MAX_EVIDENCE = 5
MAX_LINE = 300


@dataclass(frozen=True, slots=True)
class Runbook:
    """A runbook as an alert shows it: its title, its first steps, a link."""

    name: str
    title: str
    steps: tuple[str, ...] = ()
    url: str | None = None

    @classmethod
    def of(cls, value: Runbook | Mapping[str, Any] | None) -> Runbook | None:
        """From ``watchdog.runbooks.alert_context()``'s dict (name, title, first_steps, url)."""
        if value is None or isinstance(value, Runbook):
            return value
        steps = value.get("first_steps", value.get("steps", ()))
        return cls(str(value["name"]), str(value.get("title") or value["name"]), tuple(steps), value.get("url"))


@dataclass(frozen=True, slots=True)
class Message:
    """The channel-neutral content of one alert notification."""

    event: str
    check: str
    severity: Status  # the alert's level; for ``resolved``, the level that ended
    title: str
    summary: str
    started: float  # when the episode started (unix seconds)
    episode: str
    at: float = 0.0  # when the policy decided (the result's time)
    metrics: tuple[tuple[str, float], ...] = ()  # key metrics, the main one first
    evidence: tuple[str, ...] = ()
    runbook: Runbook | None = None
    previous: Status | None = None  # escalated / downgraded from
    peak: Status | None = None  # the worst level of the episode (routing of resolves)
    seq: int = 0  # reminder number within the episode
    labels: Mapping[str, str] = field(default_factory=dict)
    note: str = ""  # e.g. "sent here because channel 'oncall' is broken"
    by: str = ""  # acknowledged: who took it
    reason: str = ""  # acknowledged: what they said

    @property
    def routing_severity(self) -> Status:
        """The level a channel's ``min_severity`` is compared with."""
        return max(self.severity, self.peak or self.severity)

    def to_payload(self) -> dict[str, Any]:
        """JSON-able form kept in the outbox (``Notification.payload``)."""
        return {
            "event": self.event, "check": self.check, "severity": self.severity.name,
            "title": self.title, "summary": self.summary, "started": self.started,
            "episode": self.episode, "at": self.at, "metrics": [list(m) for m in self.metrics],
            "evidence": list(self.evidence),
            "runbook": None if self.runbook is None else {
                "name": self.runbook.name, "title": self.runbook.title,
                "steps": list(self.runbook.steps), "url": self.runbook.url,
            },
            "previous": None if self.previous is None else self.previous.name,
            "peak": None if self.peak is None else self.peak.name,
            "seq": self.seq, "labels": dict(self.labels), "note": self.note,
            "by": self.by, "reason": self.reason,
        }

    @classmethod
    def from_payload(cls, data: Mapping[str, Any]) -> Message:
        rb = data.get("runbook")
        return cls(
            event=data["event"], check=data["check"], severity=Status[data["severity"]],
            title=data["title"], summary=data["summary"], started=float(data["started"]),
            episode=data["episode"], at=float(data.get("at", 0.0)),
            metrics=tuple((str(n), float(v)) for n, v in data.get("metrics", ())),
            evidence=tuple(data.get("evidence", ())),
            runbook=None if not rb else Runbook(rb["name"], rb["title"], tuple(rb.get("steps", ())), rb.get("url")),
            previous=Status[data["previous"]] if data.get("previous") else None,
            peak=Status[data["peak"]] if data.get("peak") else None,
            seq=int(data.get("seq", 0)), labels=dict(data.get("labels", {})), note=data.get("note", ""),
            by=str(data.get("by", "")), reason=str(data.get("reason", "")),
        )


def build_message(
    event: str,
    result: Result,
    *,
    episode: str,
    started: float,
    previous: Status | None = None,
    peak: Status | None = None,
    seq: int = 0,
    severity: Status | None = None,
    runbook: Runbook | Mapping[str, Any] | None = None,
    main_metric: str | None = None,
    redactor: Redactor = NULL_REDACTOR,
    by: str = "",
    reason: str = "",
) -> Message:
    """A policy decision (``event`` + episode facts) and the result behind it, as a Message.

    ``severity`` defaults to the result's status; for ``resolved`` pass the level
    that ended (the result itself is OK). ``runbook`` may be the dict of
    ``watchdog.runbooks.alert_context()``. ``by`` and ``reason`` say who
    acknowledged the alert and why (event ``acknowledged``).
    """
    if event not in EVENTS:
        raise ValueError(f"unknown notification event {event!r} (one of: {', '.join(EVENTS)})")
    level = severity if severity is not None else result.status
    return Message(
        event=event, check=result.check, severity=level,
        title=title_for(event, result.check, level, previous=previous, lasted=result.started - started, seq=seq,
                        by=by, reason=redactor(reason)),
        summary=_clip(redactor(result.summary)), started=started, episode=episode, at=result.started,
        metrics=key_metrics(result.metrics, main_metric), evidence=_evidence(result.evidence, redactor),
        runbook=Runbook.of(runbook), previous=previous, peak=peak, seq=seq, labels=dict(result.labels),
        by=by, reason=_clip(redactor(reason)),
    )


def alert_test_message(channel: str, now: float) -> Message:
    """The clearly marked message ``watchdog alert test`` sends."""
    return Message(
        event="test", check="watchdog-test", severity=Status.WARNING,
        title=f"TEST: watchdog alert test for channel {channel}",
        summary="This is a test message from `watchdog alert test`. Nothing is wrong; no action needed.",
        started=now, episode=f"test-{int(now)}", at=now,
    )


def title_for(event: str, check: str, severity: Status, *, previous: Status | None = None,
              lasted: float = 0.0, seq: int = 0, by: str = "", reason: str = "") -> str:
    """The one line a person sees first (Slack header, email subject, log line)."""
    level, was = severity.name, previous.name if previous is not None else ""
    since = f" for {format_duration(max(lasted, 0.0))}" if lasted > 0 else ""
    who = f"by {by}" + (f": {reason}" if reason else "") if by else reason
    titles = {
        "firing": f"{level}: {check}",
        "escalated": f"{level}: {check} (was {was})" if was else f"{level}: {check}",
        "downgraded": f"{level}: {check} (down from {was})" if was else f"{level}: {check}",
        "reminder": f"Still {level}: {check}{since}",
        "resolved": f"RESOLVED: {check} (was {level}{since})",
        "flapping": f"FLAPPING: {check} (notifications paused until it is stable)",
        "acknowledged": f"ACKNOWLEDGED: {check} ({who})" if who else f"ACKNOWLEDGED: {check}",
        "test": f"TEST: {check}",
    }
    return titles[event]


def text_lines(message: Message, notification_id: str) -> list[str]:
    """The notification as a few lines of plain text (console, e-mail, apprise)."""
    lines = [message.title, f"  {message.summary}"]
    if message.note:
        lines.append(f"  ({message.note})")
    if message.metrics:
        lines.append("  " + "  ".join(f"{n}={format_number(v)}" for n, v in message.metrics))
    lines += [f"  | {line}" for line in message.evidence]
    if message.runbook is not None:
        rb = message.runbook
        lines.append(f"  runbook: {rb.title}" + (f" <{rb.url}>" if rb.url else ""))
        lines += [f"    {i}. {step}" for i, step in enumerate(rb.steps[:3], start=1)]
    lines.append(f"  started {human_time(message.started)} · id {notification_id}")
    return lines


def key_metrics(metrics: Mapping[str, float], main: str | None = None,
                limit: int = MAX_METRICS) -> tuple[tuple[str, float], ...]:
    """The main metric first, then the others by name, at most ``limit``."""
    names = sorted(metrics)
    if main in metrics:
        names.remove(main)
        names.insert(0, main)
    return tuple((n, float(metrics[n])) for n in names[:limit])


def notification_id(check: str, episode: str, event: str, channel: str, seq: int = 0) -> str:
    """Stable id: the same decision to the same channel always gets the same id."""
    digest = hashlib.sha256("\x1f".join((check, episode, event, str(seq), channel)).encode()).hexdigest()
    return f"wd-{digest[:24]}"


def notification_for(message: Message, channel: str, now: float) -> Notification:
    """The outbox row for one channel (written before any send)."""
    return Notification(
        id=notification_id(message.check, message.episode, message.event, channel, message.seq),
        channel=channel, check=message.check, event=message.event, severity=message.severity,
        created=now, payload=message.to_payload(), next_attempt=now,
    )


def iso(ts: float) -> str:
    """``2024-05-01T12:00:00Z`` (second precision, UTC): how times go on the wire."""
    return datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def human_time(ts: float) -> str:
    """``2024-05-01 12:00:00 UTC``: how times read in a message."""
    return datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def _evidence(lines: Sequence[str], redactor: Redactor) -> tuple[str, ...]:
    return tuple(_clip(redactor(line)) for line in lines[:MAX_EVIDENCE])


def _clip(text: str, limit: int = MAX_LINE) -> str:
    return clip(text.replace("\r", ""), limit)
