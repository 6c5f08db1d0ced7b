"""``watchdog status``: what the daemon sees now, read from the store.

Safe while the daemon runs (SQLite in WAL mode: readers never block the
writer). Per check: status, since when, the last value of its main metric, a
sparkline of recent values, and the silences in force.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any

import typer

from watchdog.cli.common import ConfigOption, console, fail, load_config

if TYPE_CHECKING:
    from typing import Protocol

    from watchdog.store.base import AlertStates, ResultHistory, Silences

    class StatusSource(ResultHistory, Silences, AlertStates, Protocol):
        """The facets ``watchdog status`` reads."""

SPARKS = "▁▂▃▄▅▆▇█"


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


def status(
    config: ConfigOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
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
    if as_json:
        print(json.dumps({"checks": rows, "silences": silences}, indent=2, default=str))
        return
    render(rows, silences)
    if not any(r["status"] != "-" for r in rows):
        print(f"no results in {cfg.settings.state_dir} yet: is `watchdog run` running with this config?")


def collect(cfg: Any, store: StatusSource, now: float) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    latest = store.latest()
    silenced = store.silences(now)
    rows = []
    for name in cfg.checks:
        main = cfg.kinds[name].MAIN_METRIC
        last = latest.get(name)
        found = store.load_alert_state(name)
        state = found.state if found is not None else {}
        values = [v for _, v in store.series(name, main, now - 3600, now)] if main and last else []
        rows.append({
            "check": name,
            "status": last.status.name if last else "-",
            "since": state.get("since") or (last.ts if last else None),
            "last_run": last.ts if last else None,
            "metric": main,
            "value": last.metrics.get(main) if last and main else None,
            "trend": sparkline(values),
            "summary": last.summary if last else "never run",
            "firing": bool(state.get("firing")),
            "acked": _ack(state, now),
            "silenced": any(s.check in ("*", name) for s in silenced),
        })
    return rows, [{"id": s.id, "check": s.check, "ends": s.ends, "reason": s.reason} for s in silenced]


def _ack(state: dict[str, Any], now: float) -> dict[str, Any] | None:
    from watchdog.alerting.notices import acknowledgement

    ack = acknowledgement(state, now)
    return None if ack is None else {"by": ack.get("by", ""), "reason": ack.get("reason", ""),
                                     "until": ack.get("until")}


def render(rows: list[dict[str, Any]], silences: list[dict[str, Any]]) -> None:
    from rich.table import Table
    from rich.text import Text

    from watchdog.cli.render import STYLE
    from watchdog.status import Status
    from watchdog.thresholds import format_number

    now = time.time()
    out = console()
    grid = Table(box=None, pad_edge=False)
    for column in ("CHECK", "STATUS", "SINCE", "LAST", "TREND (1h)", "SUMMARY"):
        grid.add_column(column, no_wrap=column != "SUMMARY", overflow="fold")
    for r in rows:
        style = STYLE.get(Status[r["status"]], "") if r["status"] in Status.__members__ else ""
        flags = (" (firing)" if r["firing"] else "") + (" (silenced)" if r["silenced"] else "")
        if r["acked"]:
            flags += f" (acked by {r['acked']['by'] or 'someone'})"
        value = f"{r['metric']}={format_number(round(r['value'], 1))}" if r["value"] is not None else "-"
        grid.add_row(r["check"], Text(r["status"] + flags, style=style), since_text(r["since"], now), value,
                     r["trend"], r["summary"])
    out.print(grid)
    for s in silences:
        out.print(f"silence {s['id']}: {s['check']} until {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(s['ends']))}"
                  f" - {s['reason']}")
