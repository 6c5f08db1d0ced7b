"""What people are told: the difference between an alert's truth and what they heard last (pure).

``tell(state, now, rules)`` is the second half of ``policy.step``: it compares
the truth the policy advanced (firing level, flapping, the episode) with
``state["told"]`` and returns the ``Decision``s that close the gap, updating
``told`` as it goes:

* a new episode, a flap, a level change, a resolve: one notice each;
* while nothing changes: an acknowledgement (``watchdog ack``, kept in
  ``state["ack"]``) is told once; until it expires no reminder and no
  escalation is sent; otherwise the next ``escalate`` step whose ``after``
  has passed since the episode started goes to that step's channels, and a
  reminder goes out once due;
* who hears it: the check's channels plus every escalation step done so far
  (``Decision.channels``: a resolve reaches the pager that was paged), or
  only a step's own channels for the escalation itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from watchdog.alerting.decision import LEVELS, Decision
from watchdog.alerting.rules import AlertRules


def tell(s: dict[str, Any], now: float, rules: AlertRules) -> list[Decision]:
    out: list[Decision] = []
    told = s["told"]
    if told and told["episode"] != s["episode"] and (s["flapping"] or s["firing"]):
        out.append(_notice(s, "resolved", now, rules, level=told["level"]))  # an older episode ended unseen
        s["told"] = None
    if s["flapping"]:
        out += _flapping(s, now, rules)
    elif s["firing"]:
        out += _firing(s, now, rules)
    elif s["told"]:
        out.append(_notice(s, "resolved", now, rules, level=s["told"]["level"]))
    return out


def _flapping(s: dict[str, Any], now: float, rules: AlertRules) -> list[Decision]:
    """One notice at the worst level seen; again when a worse level comes (never swallowed)."""
    told, worst = s["told"], max(s["worst"], 1)
    if told is None or not told["flapping"] or worst > told["level"]:
        return [_notice(s, "flapping", now, rules, level=worst)]
    return []


def _firing(s: dict[str, Any], now: float, rules: AlertRules) -> list[Decision]:
    told = s["told"]
    if told is None or told["flapping"]:
        return [_notice(s, "firing", now, rules, level=s["firing"])]
    if told["level"] != s["firing"]:
        event = "escalated" if s["firing"] > told["level"] else "downgraded"
        return [_notice(s, event, now, rules, level=s["firing"])]
    ack = acknowledgement(s, now)
    if ack is not None:
        return [] if told["acked"] else [_acknowledged(s, now, rules, ack)]
    step = told["escalated"]
    if step < len(rules.escalate) and now - told["started"] >= rules.escalate[step].after:
        return [_escalation(s, now, rules, step)]
    if told["next"] is not None and now >= told["next"]:
        return [_notice(s, "reminder", now, rules, level=s["firing"])]
    return []


def acknowledgement(s: Mapping[str, Any], now: float) -> Mapping[str, Any] | None:
    """The acknowledgement of the episode being told, while it lasts."""
    ack, told = s.get("ack"), s.get("told")
    if not ack or not told or ack.get("episode") != told["episode"]:
        return None
    until = ack.get("until")
    return ack if until is None or now < until else None


def _told(s: dict[str, Any]) -> dict[str, Any]:
    return s["told"] or {"episode": s["episode"], "started": s["started"], "seq": 0, "peak": 0, "level": 0,
                         "flapping": False, "next": None, "reminders": 0, "escalated": 0, "acked": False}


def audience(rules: AlertRules, told: Mapping[str, Any]) -> tuple[str, ...]:
    """The channels of every escalation step told so far (they hear the rest of the episode
    too, besides the check's own channels)."""
    return tuple(dict.fromkeys(c for stage in rules.escalate[: told.get("escalated", 0)] for c in stage.channels))


def _notice(s: dict[str, Any], event: str, now: float, rules: AlertRules, *, level: int) -> Decision:
    """Build the decision and record it as told."""
    told = {"escalated": 0, "acked": False, **_told(s)}
    previous = LEVELS[told["level"]] if event in ("escalated", "downgraded") else None
    peak = max(told["peak"], level)
    decision = Decision(event=event, severity=LEVELS[level], episode=told["episode"], started=told["started"],
                        at=now, seq=told["seq"], previous=previous, peak=LEVELS[peak],
                        channels=audience(rules, told))
    if event == "resolved":
        s["told"] = None
        return decision
    reminders = told["reminders"] + 1 if event == "reminder" else 0
    s["told"] = {**told, "seq": told["seq"] + 1, "peak": peak, "level": level, "flapping": event == "flapping",
                 "reminders": reminders, "next": _next_reminder(now, reminders, rules, event)}
    return decision


def _escalation(s: dict[str, Any], now: float, rules: AlertRules, step: int) -> Decision:
    """The ``step``-th escalation: the firing notice, to that step's channels only."""
    told = s["told"]
    decision = Decision(event="firing", severity=LEVELS[s["firing"]], episode=told["episode"],
                        started=told["started"], at=now, seq=told["seq"], peak=LEVELS[told["peak"]],
                        channels=rules.escalate[step].channels, escalation=step)
    s["told"] = {**told, "seq": told["seq"] + 1, "escalated": step + 1}
    return decision


def _acknowledged(s: dict[str, Any], now: float, rules: AlertRules, ack: Mapping[str, Any]) -> Decision:
    told = s["told"]
    decision = Decision(event="acknowledged", severity=LEVELS[s["firing"]], episode=told["episode"],
                        started=told["started"], at=now, seq=told["seq"], peak=LEVELS[told["peak"]],
                        channels=audience(rules, told), by=str(ack.get("by", "")),
                        reason=str(ack.get("reason", "")))
    s["told"] = {**told, "seq": told["seq"] + 1, "acked": True}
    return decision


def _next_reminder(now: float, reminders: int, rules: AlertRules, event: str) -> float | None:
    if event == "flapping" or rules.repeat <= 0:
        return None
    return now + min(rules.repeat * rules.repeat_backoff ** reminders, max(rules.repeat_max, rules.repeat))
