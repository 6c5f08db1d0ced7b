"""From one result to what the world is told: policy step, history events, outbox.

``Dispatcher.handle(result)`` is called by the daemon for every result. It
advances the check's alert state (the pure policy), records the *truth* of the
alert as ``alert.*`` events (fired, escalated, downgraded, resolved — also while
silenced, so reports count incidents nobody was paged for), and turns the
policy's decisions into messages in the durable outbox.

The state is saved by compare-and-set: when another writer (a second replica)
saved the check's state since it was read, the dispatcher reads it again and
steps the policy once more from there; a second conflict is logged and the
result leaves no trace in the alert state, events or outbox (the other writer
is telling the world about this check), never a step taken from a stale state.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Protocol

from watchdog.alerting.policy import LEVELS, Decision, is_quiet, step, step_match
from watchdog.alerting.rules import AlertRules
from watchdog.durations import format_duration
from watchdog.model import Result
from watchdog.store.base import AlertStates, Event, EventLog, Silences

if TYPE_CHECKING:
    from watchdog.config import Config

log = logging.getLogger("watchdog.alerts")


def truth_events(check: str, before: Mapping[str, Any] | None, after: Mapping[str, Any], now: float,
                 summary: str = "") -> list[Event]:
    """``alert.*`` events for a change of the firing level between two policy states (pure)."""
    old = int((before or {}).get("firing") or 0)
    new = int(after.get("firing") or 0)
    if old == new:
        return []
    if old == 0:
        kind, level = "alert.fired", new
    elif new == 0:
        kind, level = "alert.resolved", old
    else:
        kind, level = ("alert.escalated" if new > old else "alert.downgraded"), new
    data = {"severity": LEVELS[level].name, "episode": after.get("episode") or (before or {}).get("episode"),
            "started": after.get("started") or (before or {}).get("started")}
    return [Event(kind, now, check, f"{check} {kind.removeprefix('alert.')} {LEVELS[level].name}"
                  + (f": {summary}" if summary else ""), data)]


class DispatchStore(AlertStates, Silences, EventLog, Protocol):
    """The facets the dispatcher uses."""


@dataclass
class CheckRouting:
    """What the dispatcher needs to know of one check."""

    rules: AlertRules
    channels: tuple[str, ...]
    main_metric: str | None = None
    runbook: Mapping[str, Any] | None = None
    per_match: bool = False  # log-match: every match notifies, rate-limited


def routing_for(config: Config, per_match: Collection[str] = ()) -> dict[str, CheckRouting]:
    """Each check's effective alert rules, channels, main metric and runbook (``per_match``: the
    checks whose every pushed result alerts on its own, rate-limited)."""
    return {name: check_routing(config, check.alert, config.kinds[name].MAIN_METRIC, per_match=name in per_match)
            for name, check in config.checks.items()}


def check_routing(config: Config, alert: AlertRules, main_metric: str | None, *,
                  per_match: bool = False) -> CheckRouting:
    """One check's routing: its ``alert`` table over ``[defaults.alert]``."""
    from watchdog.alerting.rules import effective_rules
    from watchdog.runbooks import alert_context

    rules = effective_rules(config.settings.defaults.alert, alert)
    return CheckRouting(rules=rules, channels=tuple(rules.channels), main_metric=main_metric,
                        runbook=alert_context(rules.runbook, config), per_match=per_match)


def _note(decision: Decision, route: CheckRouting) -> str:
    """The line a notice carries besides the result: matches held back, an escalation."""
    if decision.suppressed:
        return f"{decision.suppressed} more matches held back by the rate limit"
    if decision.escalation is not None:
        stage = route.rules.escalate[decision.escalation]
        return f"escalated: not resolved after {format_duration(stage.after)}"
    return ""


class Dispatcher:
    def __init__(self, store: DispatchStore, submit: Callable[[Any, Sequence[str]], Any],
                 routing: Mapping[str, CheckRouting], redactor: Any) -> None:
        self.store = store
        self.submit = submit  # Outbox.submit(message, channels)
        self.routing = dict(routing)
        self.redactor = redactor
        self.sent = 0

    def handle(self, result: Result, now: float | None = None) -> list[Decision]:
        """Advance ``result.check``'s alert state; enqueue what must be told."""
        route = self.routing.get(result.check)
        if route is None:
            return []
        at = result.started if now is None else now
        quiet = is_quiet(result.check, at, route.rules, self.store.silences(at))
        stepped = self._step(result, route, at, quiet)
        if stepped is None:
            log.warning("alert state of %s changed twice while this result was judged: "
                        "left to the other writer", result.check)
            return []
        before, after, decisions = stepped
        if not route.per_match:
            for event in truth_events(result.check, before, after, at, self.redactor(result.summary)):
                self.store.add_event(event)
        for decision in decisions:
            self._tell(decision, result, route)
        return decisions

    def _step(self, result: Result, route: CheckRouting, at: float, quiet: bool,
              ) -> tuple[Mapping[str, Any] | None, dict[str, Any], list[Decision]] | None:
        """(before, after, decisions) once ``after`` is saved over the state it came from; None
        when someone else saved in between, twice."""
        for _ in range(2):
            found = self.store.load_alert_state(result.check)
            before = found.state if found is not None else None
            if route.per_match:
                after, decisions = step_match(before, result.status, at, route.rules, quiet)
            else:
                after, decisions = step(before, result.status, at, route.rules, quiet, result.recovered)
            if self.store.save_alert_state(result.check, after, expected=found.version if found else None):
                return before, after, decisions
        return None

    def _tell(self, decision: Decision, result: Result, route: CheckRouting) -> None:
        from watchdog.alerting.message import build_message

        message = build_message(
            decision.event, result, episode=decision.episode, started=decision.started,
            previous=decision.previous, peak=decision.peak, seq=decision.seq, severity=decision.severity,
            runbook=route.runbook, main_metric=route.main_metric, redactor=self.redactor,
            by=decision.by, reason=decision.reason,
        )
        note = _note(decision, route)
        if note:
            message = replace(message, note=note)
        if route.per_match:
            self.store.add_event(Event("alert.match", decision.at, result.check, message.summary,
                                       {"severity": decision.severity.name}))
        targets = decision.channels if decision.escalation is not None else (*route.channels, *decision.channels)
        self.submit(message, targets)
        self.sent += 1
        log.info("%s %s %s: %s", result.check, decision.event, decision.severity.name, message.summary)
