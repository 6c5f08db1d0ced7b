"""``watchdog status``: what the daemon sees now, read from the store.

Safe while the daemon runs (SQLite in WAL mode: readers never block the
writer). Per check: status, since when (the open incident's start, read from
the alert state; for an OK check, when the last incident ended), the last value
of its main metric, a sparkline of recent values, and the silences in force.
JSON times are RFC 3339 (UTC). ``--exit-code`` exits like ``watchdog check``
over the daemon's view: the worst status, UNKNOWN for a check with no result or
a stale one (the daemon stopped running it).
"""

from __future__ import annotations

import enum
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Annotated, Any

import typer

from watchdog.cli.common import ConfigOption, console, fail, load_config
from watchdog.status import Status

if TYPE_CHECKING:
    from typing import Protocol

    from watchdog.store.base import AlertStates, EventLog, ResultHistory, Silences

    class StatusSource(ResultHistory, Silences, AlertStates, EventLog, Protocol):
        """The facets ``watchdog status`` reads."""

SPARKS = "▁▂▃▄▅▆▇█"
#: a last result older than this many intervals is stale
STALE_INTERVALS = 3


class StatusFormat(str, enum.Enum):
    table = "table"
    json = "json"


def sparkline(values: Sequence[float], width: int = 20) -> str:
    """``▁▂▅█▃`` for the last ``width`` values, scaled between their min and max."""
    tail = [v for v in values[-width:] if v == v]
    if not tail:
        return ""
    low, high = min(tail), max(tail)
    span = high - low
    return "".join(SPARKS[int((v - low) / span * (len(SPARKS) - 1)) if span else 0] for v in tail)


def since_text(since: float | None, now: float) -> str:
    if since is None:
        return "-"
    from watchdog.durations import format_duration

    return f"{format_duration(max(0.0, now - since))} ago"


def status_since(state: Mapping[str, Any], status: Status, resolved_at: float | None) -> float | None:
    """When the check's current status began, from its alert state (pure): the open incident's
    start (the episode's first non-OK result); a run of non-OK results not alerting yet: its
    first; OK: when the last incident resolved. None when that is not known (never an incident)."""
    if state.get("firing") and state.get("started") is not None:
        return float(state["started"])
    if status is not Status.OK and state.get("bad_since") is not None:
        return float(state["bad_since"])
    if status is Status.OK:
        return resolved_at
    return None


def is_stale(last_ts: float, interval_s: float, now: float) -> bool:
    """A last result older than ``STALE_INTERVALS`` intervals (at least a minute): the daemon
    is not running it any more, so what it says is not the current state."""
    return now - last_ts > max(STALE_INTERVALS * interval_s, 60.0)


def exit_code(rows: Sequence[Mapping[str, Any]]) -> int:
    """Nagios semantics over the daemon's view: the worst status; a check with no result, or a
    stale one, is UNKNOWN (3)."""
    from watchdog.status import worst

    statuses = [Status[r["status"]] if r["status"] in Status.__members__ and not r["stale"] else Status.UNKNOWN
                for r in rows]
    return worst(statuses).exit_code if statuses else Status.UNKNOWN.exit_code


def status(
    config: ConfigOption = None,
    output: Annotated[StatusFormat, typer.Option("--format", metavar="FORMAT", help="table or json.")] = StatusFormat.table,
    as_json: Annotated[bool, typer.Option("--json", hidden=True, help="Same as --format json.")] = False,
    with_code: Annotated[bool, typer.Option("--exit-code", help="Exit with the worst status, as `check` does "
                                                                 "(0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN or stale).")] = False,
) -> None:
    """What the daemon sees now: each check's status, since when, last value, trend, silences."""
    import json

    from watchdog.errors import WatchdogError
    from watchdog.store import open_store

    cfg = load_config(config, exit_code=2)
    try:
        store = open_store(cfg.settings.state_dir)
    except WatchdogError as err:
        fail(str(err), 2)
    try:
        rows, silences = collect(cfg, store, time.time())
    finally:
        store.close()
    if as_json or output is StatusFormat.json:
        print(json.dumps({"checks": rows, "silences": silences}, indent=2, default=str))
    else:
        render(rows, silences)
        if not any(r["status"] != "-" for r in rows):
            print(f"no results in {cfg.settings.state_dir} yet: is `watchdog run` running with this config?")
    if with_code:
        raise typer.Exit(exit_code(rows))


def collect(cfg: Any, store: StatusSource, now: float) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """One row per configured check; times as RFC 3339 (UTC)."""
    from watchdog.alerting.message import iso

    latest = store.latest()
    silenced = store.silences(now)
    resolved = {e.check: e.ts for e in store.events(now - cfg.settings.retention, now + 1, ("alert.resolved",))}
    rows = []
    for name, check in cfg.checks.items():
        main = cfg.kinds[name].MAIN_METRIC
        last = latest.get(name)
        found = store.load_alert_state(name)
        since = status_since(found.state if found else {}, last.status, resolved.get(name)) if last else None
        values = [v for _, v in store.series(name, main, now - 3600, now)] if main and last else []
        rows.append({
            "check": name,
            "status": last.status.name if last else "-",
            "since": iso(since) if since is not None else None,
            "last_run": iso(last.ts) if last else None,
            "stale": bool(last) and is_stale(last.ts, check.interval, now),
            "metric": main,
            "value": last.metrics.get(main) if last and main else None,
            "trend": sparkline(values),
            "summary": last.summary if last else "never run",
            "firing": bool(found and found.state.get("firing")),
            "acked": _ack(found.state if found else {}, now),
            "silenced": any(s.check in ("*", name) for s in silenced),
        })
    return rows, [{"id": s.id, "check": s.check, "ends": iso(s.ends), "reason": s.reason} for s in silenced]


def _ack(state: dict[str, Any], now: float) -> dict[str, Any] | None:
    from watchdog.alerting.notices import acknowledgement

    ack = acknowledgement(state, now)
    return None if ack is None else {"by": ack.get("by", ""), "reason": ack.get("reason", ""),
                                     "until": ack.get("until")}


def render(rows: list[dict[str, Any]], silences: list[dict[str, Any]]) -> None:
    from rich.table import Table
    from rich.text import Text

    from watchdog.cli.render import STYLE
    from watchdog.thresholds import format_number

    now = time.time()
    out = console()
    grid = Table(box=None, pad_edge=False)
    for column in ("CHECK", "STATUS", "SINCE", "LAST", "TREND (1h)", "SUMMARY"):
        grid.add_column(column, no_wrap=column != "SUMMARY", overflow="fold")
    for r in rows:
        style = STYLE.get(Status[r["status"]], "") if r["status"] in Status.__members__ else ""
        flags = (" (firing)" if r["firing"] else "") + (" (silenced)" if r["silenced"] else "") + \
            (" (stale)" if r["stale"] else "")
        if r["acked"]:
            flags += f" (acked by {r['acked']['by'] or 'someone'})"
        value = f"{r['metric']}={format_number(round(r['value'], 1))}" if r["value"] is not None else "-"
        grid.add_row(r["check"], Text(r["status"] + flags, style=style), since_text(_ts(r["since"]), now), value,
                     r["trend"], r["summary"])
    out.print(grid)
    for s in silences:
        out.print(f"silence {s['id']}: {s['check']} until {s['ends'].replace('T', ' ').replace('Z', ' UTC')}"
                  f" - {s['reason']}")


def _ts(text: str | None) -> float | None:
    from datetime import datetime

    return None if text is None else datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
