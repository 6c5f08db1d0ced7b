"""The Alertmanager alert, as the ``alertmanager`` channel and the webhook's ``format = "alertmanager"`` send it.

Labels name an alert for its whole life: Alertmanager, and every tool that
tracks alerts by label set, computes the alert's fingerprint from them, so a
resolve whose labels differ from its firing's closes nothing. Labels therefore
hold only what cannot change while the alert lives: ``alertname`` (the
check), fixed names from the config, and ``severity``. A change of level is
a new alert, as with Prometheus's one rule per severity: the escalation or
downgrade ends the alert of the old level (``endsAt``) and starts the new
one. Everything a check measured (its result labels such as a ``version``,
the summary, the evidence, the numbers) goes into annotations, which may
change from one post to the next.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from watchdog.alerting.message import Message, iso
from watchdog.status import Status
from watchdog.text import format_number

#: annotations watchdog writes; a result label of the same name does not replace one
ANNOTATIONS = ("title", "summary", "description", "metrics", "runbook_url", "acknowledged", "watchdog_id")


def alert_labels(message: Message, severity: Status, fixed: Mapping[str, str]) -> dict[str, str]:
    """The alert's identity: ``alertname`` = the check, the fixed labels, ``severity``."""
    return {"alertname": message.check, **fixed, "severity": severity.name.lower()}


def alert_annotations(message: Message, notification_id: str) -> dict[str, str]:
    """What the alert says now: title, summary, evidence, numbers, runbook link, the check's labels."""
    annotations = {"title": message.title, "summary": message.summary}
    if message.evidence:
        annotations["description"] = "\n".join(message.evidence)
    if message.metrics:
        annotations["metrics"] = ", ".join(f"{n}={format_number(v)}" for n, v in message.metrics)
    if message.runbook is not None and message.runbook.url:
        annotations["runbook_url"] = message.runbook.url
    if message.event == "acknowledged":
        annotations["acknowledged"] = message.title
    annotations["watchdog_id"] = notification_id
    for name, value in message.labels.items():
        if name not in ANNOTATIONS:
            annotations[name] = value
    return annotations


def alert_changes(message: Message, notification_id: str, fixed: Mapping[str, str],
                  open_until: str | None) -> list[dict[str, Any]]:
    """The alerts one notification posts: labels, annotations, ``startsAt``, ``endsAt``.

    An open alert ends at ``open_until`` (None: not given); a resolve ends at
    the time it was decided; an escalation or downgrade also ends the alert of
    the previous level.
    """
    annotations = alert_annotations(message, notification_id)
    ended = iso(message.at)
    current = {"labels": alert_labels(message, message.severity, fixed), "annotations": annotations,
               "startsAt": iso(message.started)}
    if message.event == "resolved":
        return [{**current, "endsAt": ended}]
    alerts = [{**current, **({"endsAt": open_until} if open_until else {})}]
    if message.event in ("escalated", "downgraded") and message.previous is not None:
        alerts.append({"labels": alert_labels(message, message.previous, fixed), "annotations": annotations,
                       "startsAt": iso(message.started), "endsAt": ended})
    return alerts


def fingerprint(labels: Mapping[str, str]) -> str:
    """A stable hash of a label set (the same labels, the same fingerprint)."""
    text = "\x1f".join(f"{k}={v}" for k, v in sorted(labels.items()))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
