"""The dead man's switch: the URL it calls, what it says, and a service it cannot reach."""

from __future__ import annotations

import pytest

from watchdog.daemon.health import Problem, SelfReport
from watchdog.daemon.heartbeat import Heartbeat, ping_url
from watchdog.status import Status

WELL = SelfReport((), {}, checks=3)
SICK = SelfReport((Problem("store_errors", Status.CRITICAL, "store unwritable: disk full"),), {}, checks=3)


@pytest.mark.parametrize(("url", "healthy", "called"), [
    ("https://hc-ping.com/5f0c", True, "https://hc-ping.com/5f0c"),
    ("https://hc-ping.com/5f0c", False, "https://hc-ping.com/5f0c/fail"),
    ("https://hc-ping.com/5f0c/", False, "https://hc-ping.com/5f0c/fail"),
    ("https://push.example.com/api/push/abc?status=up", False, "https://push.example.com/api/push/abc/fail?status=up"),
])
def test_the_url_called(url: str, healthy: bool, called: str) -> None:
    assert ping_url(url, healthy) == called


@pytest.mark.parametrize(("report", "path", "body"), [
    (WELL, "/ping/prod", b"ok: 3 checks\n"),
    (SICK, "/ping/prod/fail", b"store unwritable: disk full\n"),
])
async def test_a_beat_posts_the_state_in_words(receiver, report: SelfReport, path: str, body: bytes) -> None:
    beat = Heartbeat(f"{receiver.url}/ping/prod", interval=1, timeout=2, report=lambda: report)
    try:
        assert await beat.beat() is True
    finally:
        await beat.aclose()
    [got] = receiver.requests
    assert (got.method, got.path, got.body) == ("POST", path, body)


async def test_an_unreachable_service_is_said_without_the_url() -> None:
    beat = Heartbeat("http://127.0.0.1:9/ping/s3cr3t-uuid", interval=1, timeout=2, report=lambda: WELL)
    try:
        assert await beat.beat() is False
    finally:
        await beat.aclose()
    assert beat.last_error == "connection refused by 127.0.0.1:9"
