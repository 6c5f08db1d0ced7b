"""The daemon in-process: real service, real Redis, a local Slack stand-in; checks fired by hand.

A ``NullScheduler`` lets each test run "one interval" with ``fire()`` instead of
sleeping; everything else is the real path (runner, store, policy, outbox,
Slack channel over HTTP).
"""

from __future__ import annotations

import asyncio
import time

import pytest

from watchdog.alerting.dispatch import truth_events
from watchdog.config import from_document
from watchdog.daemon.core import Daemon
from watchdog.daemon.scheduler import NullScheduler
from watchdog.status import Status
from watchdog.store.base import Silence
from watchdog.store.memory import MemoryStore


def config(receiver, checks: dict, **alert) -> object:
    doc = {
        "defaults": {"timeout": "2s", "alert": {"after": 2, "recover_after": 1, "repeat": "1h",
                                                  "channels": ["oncall"], **alert}},
        "channels": {"oncall": {"type": "slack", "token": "xoxb-FAKE-3", "channel": "#ops",
                                "api_url": receiver.slack_api_url}},
        "checks": checks,
    }
    return from_document(doc, env={})


class Clock:
    """The daemon's wall clock, moved by the test instead of sleeping."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


async def started(cfg, clock=time.time) -> Daemon:
    daemon = Daemon(cfg, store=MemoryStore(), scheduler_factory=NullScheduler, clock=clock)
    await daemon.start()
    return daemon


async def fire(daemon: Daemon, name: str, times: int = 1) -> None:
    for _ in range(times):
        await daemon.scheduler.fire(name)


def posted(receiver) -> list:
    """The messages sent (a resolve's Slack chat.update edits the first message: it adds none)."""
    return [r.json for r in receiver.requests if not r.path.endswith("/chat.update")]


async def messages(receiver, count: int, timeout: float = 10.0) -> list:
    deadline = asyncio.get_running_loop().time() + timeout
    while len(posted(receiver)) < count and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.2)  # anything extra would arrive now
    return posted(receiver)


def text_of(message: dict) -> str:
    """The notification text without the leading Slack emoji (``:rotating_light: CRITICAL: ...``)."""
    text = message.get("text", "")
    return text.split(": ", 1)[1] if text.startswith(":") else text


async def test_outage_pages_once_after_threshold_then_resolves_in_the_thread(http_service, receiver):
    daemon = await started(config(receiver, {"health": {"type": "http", "url": f"{http_service.url}/health"}}))
    try:
        await fire(daemon, "health")
        http_service.behave(status=503)
        await fire(daemon, "health")  # 1st failure: below after = 2
        assert receiver.requests == []
        await fire(daemon, "health", times=3)  # 2nd fires; 3rd and 4th stay quiet (repeat is 1h)
        [firing] = await messages(receiver, 1)
        assert text_of(firing).startswith("CRITICAL: health")
        assert "thread_ts" not in firing
        http_service.behave()
        await fire(daemon, "health")
        sent = await messages(receiver, 2)
        assert len(sent) == 2
        resolved = sent[1]
        assert text_of(resolved).startswith("RESOLVED: health")
        assert resolved["thread_ts"] == "1714564800.000001"  # the ts the receiver gave the firing
        [edited] = [r.json for r in receiver.requests if r.path.endswith("/chat.update")]
        assert (edited["ts"], text_of(edited)) == ("1714564800.000001", text_of(resolved))
    finally:
        await daemon.stop()


async def test_redis_stopped_and_started(redis_server, receiver):
    daemon = await started(config(receiver, {"redis": {"type": "redis", "url": redis_server.url}}))
    try:
        await fire(daemon, "redis")
        redis_server.stop()
        await fire(daemon, "redis", times=3)
        [firing] = await messages(receiver, 1)
        assert text_of(firing).startswith("CRITICAL: redis")
        redis_server.start()
        await fire(daemon, "redis")
        sent = await messages(receiver, 2)
        assert [text_of(m).split(":")[0] for m in sent] == ["CRITICAL", "RESOLVED"]
    finally:
        await daemon.stop()


async def test_flapping_target_sends_one_flapping_notice(http_service, receiver):
    cfg = config(receiver, {"health": {"type": "http", "url": f"{http_service.url}/health"}}, after=1)
    daemon = await started(cfg)
    try:
        for i in range(12):
            http_service.behave(status=503 if i % 2 else 200)
            await fire(daemon, "health")
        sent = await messages(receiver, 5)
        # after = 1: the first flips page and resolve; 5 recent changes weigh 29 % of the last 20 (>= 25 %):
        # flapping, one notice, then the flips after it send nothing
        assert [text_of(m).split(":")[0] for m in sent] == ["CRITICAL", "RESOLVED", "CRITICAL", "RESOLVED", "FLAPPING"]
    finally:
        await daemon.stop()


async def test_silenced_check_sends_nothing_but_records_everything(http_service, receiver):
    daemon = await started(config(receiver, {"health": {"type": "http", "url": f"{http_service.url}/health"}}))
    try:
        daemon.store.add_silence(Silence("s1", "health", 0, 4e9, "deploy"))
        http_service.behave(status=503)
        await fire(daemon, "health", times=4)
        await asyncio.sleep(0.3)
        assert receiver.requests == []
        stored = list(daemon.store.results("health", 0, 4e9))
        assert [r.status for r in stored] == [Status.CRITICAL] * 4
        fired = daemon.store.events(0, 4e9, ["alert.fired"])
        assert [e.check for e in fired] == ["health"]  # the incident is history even though nobody was paged
    finally:
        await daemon.stop()


async def test_uptime_going_down_is_recorded_as_a_restart(http_service, receiver):
    table = {"type": "http", "url": f"{http_service.url}/health", "metrics": {"uptime_s": "uptime"}}
    daemon = await started(config(receiver, {"health": table}))
    try:
        await fire(daemon, "health")
        http_service.behave(body=b'{"status":"healthy","uptime":12}')
        await fire(daemon, "health")
        [restart] = daemon.store.events(0, 4e9, ["restart"])
        assert restart.message == "health: uptime_s went down 3600 -> 12 (up 12s)"
    finally:
        await daemon.stop()


async def test_a_hung_check_is_timed_out_while_the_others_go_on(http_service, receiver):
    checks = {"slow": {"type": "http", "url": f"{http_service.url}/health", "timeout": "300ms"},
              "redis-down": {"type": "redis", "url": "redis://127.0.0.1:9/0", "timeout": "300ms"}}
    daemon = await started(config(receiver, checks))
    try:
        http_service.behave(delay_s=2)
        await asyncio.gather(fire(daemon, "slow"), fire(daemon, "redis-down"))
        latest = daemon.store.latest()
        assert latest["slow"].summary.startswith("no answer from 127.0.0.1:")
        assert latest["redis-down"].summary == "connection refused by 127.0.0.1:9"
    finally:
        await daemon.stop()


@pytest.mark.parametrize(("before", "after", "kind", "severity"), [
    (None, {"firing": 2, "episode": "e"}, "alert.fired", "CRITICAL"),
    ({"firing": 1}, {"firing": 2}, "alert.escalated", "CRITICAL"),
    ({"firing": 2}, {"firing": 1}, "alert.downgraded", "WARNING"),
    ({"firing": 2, "episode": "e"}, {"firing": 0}, "alert.resolved", "CRITICAL"),
    ({"firing": 1}, {"firing": 1}, None, None),
])
def test_truth_events(before, after, kind, severity):
    events = truth_events("health", before, after, 100.0)
    assert [(e.kind, e.data["severity"]) for e in events] == ([(kind, severity)] if kind else [])


async def test_log_source_runs_live_and_a_paging_line_alerts_once(tmp_path, receiver):
    app = tmp_path / "app.py"
    app.write_text("import time\nprint('Heartbeat', flush=True)\n"
                   "print('🚨 ALERT: High connection drop rate', flush=True)\ntime.sleep(30)\n")
    doc = {
        "defaults": {"alert": {"channels": ["hook"], "log_match_rate_limit": "1h"}},
        "channels": {"hook": {"type": "webhook", "url": receiver.hook_url()}},
        "sources": {"app": {"command": ["python3", str(app)]}},
        "checks": {"app-alerts": {"type": "log-match", "source": "app", "match": "🚨 ALERT: (?P<what>.*)"},
                   "heartbeat": {"type": "log-absence", "source": "app", "match": "Heartbeat", "within": "5m"}},
    }
    daemon = await started(from_document(doc, env={}))
    try:
        [alert] = await messages(receiver, 1)
        assert (alert["event"], alert["check"], alert["severity"]) == ("firing", "app-alerts", "critical")
        assert alert["evidence"] == ["🚨 ALERT: High connection drop rate"]
        await fire(daemon, "app-alerts")  # the scheduled run records history; it must not page again
        await fire(daemon, "heartbeat")
        assert len(await messages(receiver, 2, timeout=1.0)) == 1
        latest = daemon.store.latest()
        assert latest["heartbeat"].status is Status.OK
        assert latest["app-alerts"].metrics["matches"] == 1
    finally:
        await daemon.stop()


async def test_a_lasting_outage_is_repeated_on_repeat_in_the_same_thread(http_service, receiver):
    cfg = config(receiver, {"health": {"type": "http", "url": f"{http_service.url}/health"}}, after=1, repeat="1m")
    clock = Clock()
    daemon = await started(cfg, clock)
    try:
        http_service.behave(status=503)
        await fire(daemon, "health")
        await messages(receiver, 1)
        clock.offset += 61  # the repeat interval passes
        await fire(daemon, "health")
        http_service.behave()
        await fire(daemon, "health")
        sent = await messages(receiver, 3)
        assert [text_of(m).split(":")[0] for m in sent] == ["CRITICAL", "Still CRITICAL", "RESOLVED"]
        assert [m.get("thread_ts") for m in sent] == [None, "1714564800.000001", "1714564800.000001"]
    finally:
        await daemon.stop()


async def test_six_paging_lines_read_in_one_block_are_six_notifications(tmp_path, receiver):
    app = tmp_path / "app.py"
    app.write_text("import sys, time\nsys.stdout.write(''.join(f'🚨 ALERT: drop {i}\\n' for i in range(6)))\n"
                   "sys.stdout.flush()\ntime.sleep(30)\n")
    doc = {
        "defaults": {"alert": {"channels": ["hook"], "log_match_rate_limit": "0s"}},
        "channels": {"hook": {"type": "webhook", "url": receiver.hook_url()}},
        "sources": {"app": {"command": ["python3", str(app)]}},
        "checks": {"app-alerts": {"type": "log-match", "source": "app", "match": "🚨 ALERT: (?P<what>.*)"}},
    }
    daemon = await started(from_document(doc, env={}))
    try:
        sent = await messages(receiver, 6)
        assert sorted(m["evidence"][0] for m in sent) == [f"🚨 ALERT: drop {i}" for i in range(6)]
        assert len({m["id"] for m in sent}) == 6
    finally:
        await daemon.stop()


async def test_a_deploy_seen_is_told_with_the_window_it_opens(http_service, receiver):
    import time as clock

    doc = {
        "defaults": {"alert": {"channels": ["hook"]}},
        "channels": {"hook": {"type": "webhook", "url": receiver.hook_url()}},
        "checks": {"health": {"type": "http", "url": f"{http_service.url}/health", "labels": {"version": "version"}}},
        "windows": {"post-deploy": {"duration": "24h", "checkpoints": ["6h", "24h"]}},
    }
    daemon = await started(from_document(doc, env={}))
    try:
        await fire(daemon, "health")
        http_service.behave(body=b'{"status":"healthy","uptime":5,"version":"1.0.1"}')
        await fire(daemon, "health")
        [note] = await messages(receiver, 1)
    finally:
        await daemon.stop()
    first = clock.strftime("%H:%M UTC", clock.gmtime(daemon.memory.previous["health"].started + 6 * 3600))
    assert (note["event"], note["title"]) == ("deploy", "DEPLOY SEEN: health")
    assert note["summary"] == f"deploy seen: 1.0.0 → 1.0.1, window post-deploy opened, first checkpoint at {first}"
