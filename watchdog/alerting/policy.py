"""The alert policy: a pure state machine from one check's results to notifications.

``step(state, status, now, rules, silenced)`` takes the stored state (a small
JSON-able dict, ``None`` at first), one result's status and time, and returns
the new state and the ``Decision``s to notify. No I/O, no clock: the caller
passes ``now`` (the result's time) and saves the state with the store.

Two layers, so silences and flapping stay simple:

* the **truth** advances on every result, silenced or not: counters of
  consecutive results, whether the alert fires and at which level, flapping;
* what people were **told** (``state["told"]``) is compared with the truth
  whenever notifications are allowed, and the difference is notified:
  firing, escalated, downgraded, resolved, flapping; or, when nothing changed,
  a reminder once it is due.

Rules, with the defaults of ``AlertRules``:

* Levels: OK 0, WARNING 1, CRITICAL 2. UNKNOWN (the check could not run) is
  alerted as CRITICAL: a blind spot is as urgent as an outage. With
  ``min_severity = "critical"`` a WARNING result counts as OK.
* Firing: ``after`` consecutive non-OK results (and, with ``for``, non-OK for
  that long since the first of them). It fires at CRITICAL when the CRITICAL
  results alone meet the same condition, else at WARNING.
* Escalated (WARNING -> CRITICAL): CRITICAL held as long as firing needs.
  Downgraded (CRITICAL -> WARNING): ``recover_after`` results below CRITICAL.
  Resolved: ``recover_after`` consecutive OK results.
* Reminders while firing: ``repeat`` after the last notice, each next wait
  multiplied by ``repeat_backoff`` and capped at ``repeat_max`` (1h, backoff 2:
  reminders at +1h, +3h, +7h...). ``repeat = 0``: none.
* Flapping: more than ``flap_threshold`` level changes between consecutive
  results within ``flap_window``: one "flapping" notice, then nothing until no
  level changed for a whole ``flap_window``; then a normal "firing" (still
  failing) or "resolved" (OK), in the same episode.
* Silenced (a silence or a maintenance window): nothing is notified, the truth
  still advances. When the silence ends the difference is notified: an alert
  that started under the silence and is still firing notifies "firing" then;
  one that started and ended under it notifies nothing; one notified before
  the silence and resolved under it notifies "resolved"; one still firing gets
  its reminder if one fell due.

An **episode** is one incident: its id is the UTC time of its first non-OK
result (``20240501T120000.000Z``; ``...Z-flap`` for one opened by flapping).
``(check, episode)`` threads its notifications; ``seq`` numbers them from 0, so
``(check, episode, event, seq, channel)`` is a stable notification id.

``step_match`` is the per-match mode of ``log-match`` checks: every non-OK
result notifies at once, at most one per ``log_match_rate_limit``, the next
one saying how many were held back.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from watchdog.alerting.rules import AlertRules
from watchdog.status import Status

VERSION = 1
#: the alert levels by number: 0 OK, 1 WARNING, 2 CRITICAL (``level_of``)
LEVELS = (Status.OK, Status.WARNING, Status.CRITICAL)


@dataclass(frozen=True, slots=True)
class Decision:
    """One notification to send; the arguments of ``alerting.message.build_message``."""

    event: str  # firing | escalated | downgraded | reminder | resolved | flapping
    severity: Status  # the alert's level; for ``resolved``, the level that ended
    episode: str
    started: float  # the episode's first non-OK result
    at: float  # the result's time that decided it
    seq: int = 0  # this notification's number within the episode, from 0
    previous: Status | None = None  # escalated / downgraded from
    peak: Status | None = None  # the worst level told in the episode
    suppressed: int = 0  # step_match: matches held back by the rate limit since the last notice


def level_of(status: Status, rules: AlertRules) -> int:
    """0 OK, 1 WARNING, 2 CRITICAL (UNKNOWN too); below ``min_severity``: 0."""
    level = min(int(status), 2)
    return level if level >= int(rules.min_severity) else 0


def episode_id(ts: float, suffix: str = "") -> str:
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(ts))
    return f"{stamp}.{int(round(ts * 1000)) % 1000:03d}Z{suffix}"


def initial_state() -> dict[str, Any]:
    return {
        "v": VERSION, "level": 0, "bad": 0, "bad_since": None, "crit": 0, "crit_since": None,
        "good": 0, "calm": 0, "firing": 0, "episode": None, "started": None,
        "changes": [], "flapping": False, "told": None,
    }


def _copy(state: Mapping[str, Any] | None) -> dict[str, Any]:
    if not state or state.get("v") != VERSION or "told" not in state:
        return initial_state()  # none yet, or written by another version: start afresh
    s = dict(state)
    s["changes"] = list(state["changes"])
    s["told"] = dict(state["told"]) if state["told"] else None
    return s


def step(state: Mapping[str, Any] | None, status: Status, now: float, rules: AlertRules,
         silenced: bool = False) -> tuple[dict[str, Any], list[Decision]]:
    """Advance one check's alert state by one result; returns (new state, decisions)."""
    s = _copy(state)
    level = level_of(status, rules)
    _count(s, level, now)
    _flap(s, now, rules)
    _fire_or_recover(s, now, rules)
    if silenced:
        return s, []
    return s, _tell(s, now, rules)


# the truth ------------------------------------------------------------------------------

def _count(s: dict[str, Any], level: int, now: float) -> None:
    if level != s["level"]:
        s["changes"].append(now)
    s["level"] = level
    s["bad"], s["bad_since"] = (s["bad"] + 1, s["bad_since"] if s["bad"] else now) if level >= 1 else (0, None)
    s["crit"], s["crit_since"] = (s["crit"] + 1, s["crit_since"] if s["crit"] else now) if level >= 2 else (0, None)
    s["good"] = s["good"] + 1 if level == 0 else 0
    s["calm"] = s["calm"] + 1 if level < 2 else 0


def _held(count: int, since: float | None, now: float, rules: AlertRules) -> bool:
    if count < rules.after_n or since is None:
        return False
    return rules.for_ is None or now - since >= rules.for_


def _flap(s: dict[str, Any], now: float, rules: AlertRules) -> None:
    s["changes"] = [t for t in s["changes"] if t > now - rules.flap_window]
    if not rules.flap_threshold:
        s["flapping"] = False
    elif not s["flapping"] and len(s["changes"]) > rules.flap_threshold:
        s["flapping"] = True
        if not s["firing"]:
            s["episode"], s["started"] = episode_id(now, "-flap"), s["changes"][0]
    elif s["flapping"] and not s["changes"]:
        s["flapping"] = False  # no level change for a whole flap_window: stable again


def _fire_or_recover(s: dict[str, Any], now: float, rules: AlertRules) -> None:
    crit_held = _held(s["crit"], s["crit_since"], now, rules)
    if not s["firing"]:
        if _held(s["bad"], s["bad_since"], now, rules):
            s["firing"] = 2 if crit_held else 1
            if not s["flapping"]:  # while flapping, the flapping episode goes on
                s["episode"], s["started"] = episode_id(s["bad_since"]), s["bad_since"]
    elif s["good"] >= rules.recover_after:
        s["firing"] = 0
    elif s["firing"] == 1 and crit_held:
        s["firing"] = 2
    elif s["firing"] == 2 and s["calm"] >= rules.recover_after:
        s["firing"] = 1


# what people are told -------------------------------------------------------------------

def _tell(s: dict[str, Any], now: float, rules: AlertRules) -> list[Decision]:
    out: list[Decision] = []
    told = s["told"]
    if told and told["episode"] != s["episode"] and (s["flapping"] or s["firing"]):
        out.append(_notice(s, "resolved", now, rules, level=told["level"]))  # an older episode ended unseen
        told = s["told"] = None
    if s["flapping"]:
        if not (told and told["flapping"]):
            out.append(_notice(s, "flapping", now, rules, level=max(s["firing"], 1)))
    elif s["firing"]:
        if told is None or told["flapping"]:
            out.append(_notice(s, "firing", now, rules, level=s["firing"]))
        elif told["level"] != s["firing"]:
            event = "escalated" if s["firing"] > told["level"] else "downgraded"
            out.append(_notice(s, event, now, rules, level=s["firing"]))
        elif told["next"] is not None and now >= told["next"]:
            out.append(_notice(s, "reminder", now, rules, level=s["firing"]))
    elif told:
        out.append(_notice(s, "resolved", now, rules, level=told["level"]))
    return out


def _notice(s: dict[str, Any], event: str, now: float, rules: AlertRules, *, level: int) -> Decision:
    """Build the decision and record it as told."""
    told = s["told"] or {"episode": s["episode"], "started": s["started"], "seq": 0, "peak": 0,
                         "level": 0, "flapping": False, "next": None, "reminders": 0}
    previous = LEVELS[told["level"]] if event in ("escalated", "downgraded") else None
    peak = max(told["peak"], level)
    decision = Decision(event=event, severity=LEVELS[level], episode=told["episode"], started=told["started"],
                        at=now, seq=told["seq"], previous=previous, peak=LEVELS[peak])
    if event == "resolved":
        s["told"] = None
        return decision
    reminders = told["reminders"] + 1 if event == "reminder" else 0
    s["told"] = {**told, "seq": told["seq"] + 1, "peak": peak, "level": level, "flapping": event == "flapping",
                 "reminders": reminders, "next": _next_reminder(now, reminders, rules, event)}
    return decision


def _next_reminder(now: float, reminders: int, rules: AlertRules, event: str) -> float | None:
    if event == "flapping" or rules.repeat <= 0:
        return None
    return now + min(rules.repeat * rules.repeat_backoff ** reminders, max(rules.repeat_max, rules.repeat))


# per-match mode (log-match) ---------------------------------------------------------------

def step_match(state: Mapping[str, Any] | None, status: Status, now: float, rules: AlertRules,
               silenced: bool = False) -> tuple[dict[str, Any], list[Decision]]:
    """Each non-OK result notifies at once (its own episode), rate-limited per check.

    Episodes are numbered (``...Z-match-7``): lines read in one block share a time, and
    each still needs a notification id of its own."""
    s = dict(state) if state and state.get("mode") == "match" else {"v": VERSION, "mode": "match",
                                                                     "last": None, "held": 0}
    s.setdefault("n", 0)
    level = level_of(status, rules)
    if level == 0 or silenced:
        return s, []
    if s["last"] is not None and now - s["last"] < rules.log_match_rate_limit:
        s["held"] += 1
        return s, []
    s["n"] += 1
    decision = Decision(event="firing", severity=LEVELS[level], episode=episode_id(now, f"-match-{s['n']}"),
                        started=now, at=now, peak=LEVELS[level], suppressed=s["held"])
    s["last"], s["held"] = now, 0
    return s, [decision]


# silences and maintenance ------------------------------------------------------------------

def is_quiet(check: str, now: float, rules: AlertRules, silences: Iterable[Any] = ()) -> bool:
    """Are ``check``'s notifications held at ``now``: a silence (``store.base.Silence``:
    its check, or ``"*"``) in force, or one of its maintenance windows."""
    for silence in silences:
        if silence.check in (check, "*") and silence.starts <= now < silence.ends:
            return True
    return rules.in_maintenance(now)
