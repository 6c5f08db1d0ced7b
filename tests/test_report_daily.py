"""The end-of-day report from the scripted history: availability, errors, alerts, action items."""

from __future__ import annotations

import pytest

from tests.report_history import H, INFOS, START, fill
from watchdog.reports.daily import action_items, build_daily, day_bounds
from watchdog.reports.model import DailyCheck, Incident, Summary
from watchdog.status import Status
from watchdog.store.base import Event, Notification
from watchdog.store.memory import MemoryStore

NOW = START + 20 * H  # 2025-10-14 03:10:30 UTC: the 13th is over
DAY = 1760313600.0  # 2025-10-13 00:00 UTC


def test_day_bounds() -> None:
    assert day_bounds("2025-10-13", NOW) == ("2025-10-13", DAY, DAY + 86400)
    assert day_bounds(None, NOW) == ("2025-10-14", DAY + 86400, NOW)  # today: up to now
    with pytest.raises(ValueError, match=r"invalid date '13/10/2025' \(use YYYY-MM-DD, e.g. 2025-10-13\)"):
        day_bounds("13/10/2025", NOW)


def test_daily_figures() -> None:
    store = fill(MemoryStore())
    r = build_daily(store, INFOS, now=NOW, date="2025-10-13", runbooks={"health": "health-endpoint-down"})
    # the 13th holds results 0..1009 (07:10:30 to 23:59:30), the incident's 20 among them
    assert r.checks == (
        DailyCheck("health", "http", 1010, 990, 0, 20, 0, 100 * 990 / 1010, "response_ms", " ms",
                   (99 * 1450 + 20 * 2500) / 1010, 2500.0),
        DailyCheck("redis", "redis", 1010, 1010, 0, 0, 0, 100.0, "latency_ms", " ms", 3029 / 1010, 4.0),
        DailyCheck("signal-latency", "log-latency", 1010, 1010, 0, 0, 0, 100.0, "p95_ms", " ms",
                   (198 * 1200 + 20 * 450) / 1010, 450.0),
        DailyCheck("ws-drops", "log-rate", 1010, 990, 0, 20, 0, 100 * 990 / 1010, "count", "", 140 / 1010, 7.0),
    )
    assert r.summary == Summary(checks=4, results=4040, failures=40, notifications_sent=2, notifications_failed=1,
                                notifications_pending=0, incidents=1, alerts=1, restarts=1)
    assert r.incidents == (Incident("health", "CRITICAL", START + 7 * H, START + 7 * H + 1200, 1200.0,
                                    "response_ms = 2500 (> 2000)"),)
    assert r.action_items == ("channel hook: 1 notification failed for good (last error: 404 no_service)",)


def test_next_day_has_no_incident() -> None:
    r = build_daily(fill(MemoryStore()), INFOS, now=START + 30 * H, date="2025-10-14")
    assert r.checks[0].results == 1440 - 1010
    assert r.incidents == () and r.summary.restarts == 0


def test_action_items_name_what_is_still_wrong() -> None:
    events = [
        Event("alert.fired", START, "health", "down", {"severity": "CRITICAL"}),
        Event("channel.broken", START + 60, None, "404 channel_not_found", {"channel": "oncall"}),
        Event("channel.broken", START + 90, None, "invalid_token", {"channel": "pager"}),
        Event("channel.recovered", START + 120, None, "", {"channel": "pager"}),
        # as the daemon writes them: the name only in the message
        Event("source.failing", START + 180, None, "log source railway: exited 1 (5 times in 2m)"),
        Event("source.failing", START + 200, None, "log source app-log: file vanished"),
        Event("source.recovered", START + 300, None, "log source app-log: source.recovered"),
        Event("channel.broken", START + 400, "health", "channel hook is broken: 404 no_service",
              {"channel": "hook"}),
    ]
    from watchdog.reports.figures import incidents

    open_ = incidents(events, START, START + 3600)
    # hook delivered again after it broke: repaired, not an action item
    hook_ok = Notification("n9", "hook", "health", "firing", Status.CRITICAL, START + 500, {}, state="delivered",
                           delivered_at=START + 501)
    assert action_items(open_, events, [hook_ok], {"health": "health-endpoint-down"}, START + 3600) == (
        "CRITICAL alert on health still firing since 2025-10-13 07:10 UTC (1h) (runbook: health-endpoint-down)",
        "channel oncall is broken since 2025-10-13 07:11 UTC: 404 channel_not_found "
        "(runbook: alert-delivery-failing)",
        "log source railway failing since 2025-10-13 07:13 UTC: exited 1 (5 times in 2m)",
    )
