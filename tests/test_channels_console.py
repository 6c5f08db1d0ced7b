"""The console and log channels: plain text, no markup interpretation, log levels."""

from __future__ import annotations

import io
import logging

import pytest
from rich.console import Console

from watchdog.alerting.channels import build_channel, build_channels
from watchdog.alerting.channels.base import attempt
from watchdog.alerting.channels.console import ConsoleChannel, ConsoleConfig
from watchdog.alerting.message import text_lines as console_lines
from watchdog.alerting.channels.log import LogChannel, LogConfig, log_level, log_line
from watchdog.alerting.message import Message, Runbook, notification_for
from watchdog.status import Status

T0 = 1714564800.0


def message(**kw: object) -> Message:
    fields = dict(event="firing", check="health", severity=Status.CRITICAL, title="CRITICAL: health",
                  summary="HTTP 503 from /health", started=T0, episode="health-1",
                  metrics=(("response_ms", 2304.0), ("error_rate", 0.125)), evidence=("GET /health -> 503",),
                  runbook=Runbook("health-endpoint-down", "Health endpoint down", ("Check the deploy",),
                                  "https://runbooks.example.com/h"))
    fields.update(kw)
    return Message(**fields)  # type: ignore[arg-type]


def test_console_lines() -> None:
    assert console_lines(message(note="sent here because channel oncall failed"), "wd-1") == [
        "CRITICAL: health",
        "  HTTP 503 from /health",
        "  (sent here because channel oncall failed)",
        "  response_ms=2304  error_rate=0.125",
        "  | GET /health -> 503",
        "  runbook: Health endpoint down <https://runbooks.example.com/h>",
        "    1. Check the deploy",
        "  started 2024-05-01 12:00:00 UTC · id wd-1",
    ]


def test_log_line() -> None:
    assert log_line(message(summary="two\nlines"), "wd-1") == (
        "CRITICAL: health: two lines [response_ms=2304 error_rate=0.125] "
        "runbook=https://runbooks.example.com/h id=wd-1")


@pytest.mark.parametrize(("event", "severity", "level"), [
    ("firing", Status.CRITICAL, logging.ERROR), ("firing", Status.UNKNOWN, logging.ERROR),
    ("reminder", Status.WARNING, logging.WARNING), ("resolved", Status.CRITICAL, logging.INFO),
    ("test", Status.WARNING, logging.INFO),
])
def test_log_levels(event: str, severity: Status, level: int) -> None:
    assert log_level(message(event=event, severity=severity)) == level


async def test_console_prints_check_text_literally() -> None:
    out = io.StringIO()
    channel = ConsoleChannel("dev", ConsoleConfig(), console=Console(file=out, width=200, color_system=None))
    got = await attempt(channel, notification_for(message(summary="[bold]x[/bold] [link=http://e]y"), "dev", T0))
    assert got.delivered
    assert out.getvalue().splitlines()[:2] == ["CRITICAL: health", "  [bold]x[/bold] [link=http://e]y"]


async def test_log_channel_writes_one_record(caplog: pytest.LogCaptureFixture) -> None:
    channel = LogChannel("daemon", LogConfig(logger="watchdog.test-alerts"))
    n = notification_for(message(), "daemon", T0)
    with caplog.at_level(logging.INFO, logger="watchdog.test-alerts"):
        assert (await attempt(channel, n)).delivered
    [record] = caplog.records
    assert (record.name, record.levelno, record.notification_id) == ("watchdog.test-alerts", logging.ERROR, n.id)  # type: ignore[attr-defined]
    assert record.getMessage() == log_line(message(), n.id)
    assert channel.state.sent == 1 and channel.state.last_duration_s is not None


def test_channels_are_built_by_type_and_repr_shows_no_config() -> None:
    built = build_channels({"dev": ConsoleConfig(), "daemon": LogConfig()})
    assert [(n, c.type, repr(c)) for n, c in built.items()] == [
        ("dev", "console", "<ConsoleChannel 'dev'>"), ("daemon", "log", "<LogChannel 'daemon'>")]
    assert build_channel("x", LogConfig()).name == "x"
