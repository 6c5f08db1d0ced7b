"""The five log kinds end to end: config -> runner -> LogHub -> real sources -> Results."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.support.log_sources import script, wait_until
from watchdog import runner
from watchdog.config import from_document
from watchdog.checks.log_base import read_span
from watchdog.logs import reads
from watchdog.logs.hub import LogMatch, ReadView
from watchdog.logs.sources import SourceStatus
from watchdog.model import Result
from watchdog.redact import Redactor

CHECKS: dict[str, dict[str, Any]] = {
    "signal-latency": {
        "type": "log-latency", "source": "railway", "start": r"Broadcasting trade:executed for user (?P<user>\S+)",
        "end": r"Emitted signal quality to user (?P<user>\S+)", "key": "user", "window": "15m", "timeout": "30s",
        "critical": ["p95_ms > 500"], "min_samples": 1,  # this short log has 2 pairs
    },
    "ws-drops": {"type": "log-rate", "source": "railway", "match": "WebSocket disconnected", "window": "1m",
                 "critical": ["count > 5"]},
    "error-rate": {"type": "log-ratio", "source": "railway", "match": r"(?i)\berror\b|failed", "window": "5m",
                   "warning": ["ratio_pct > 1"], "critical": ["ratio_pct > 5"]},
    "heartbeat": {"type": "log-absence", "source": "railway", "match": "Heartbeat", "within": "5m"},
    "app-alerts": {"type": "log-match", "source": "railway", "match": "🚨 ALERT: (?P<what>.*)", "severity": "critical"},
}


def railway_log() -> list[str]:
    """100 lines with their own times: 2 pairs (150 and 420 ms), 1 lost start, 7 drops, 2 errors."""
    at = "2026-11-29T12:{}Z".format
    lines = [
        f"{at('00:00.000')} 📡 Broadcasting trade:executed for user u1",
        f"{at('00:00.100')} 📡 Broadcasting trade:executed for user u2",
        f"{at('00:00.250')} 📡 Emitted signal quality to user u2 for trade t2",
        f"{at('00:00.420')} 📡 Emitted signal quality to user u1 for trade t1",
        f"{at('00:01.000')} 📡 Broadcasting trade:executed for user u3",
        f"{at('00:01.500')} 📡 Emitted signal quality to user u9 for trade t9",
        *[f"{at(f'00:0{n}.000')} ❌ WebSocket disconnected: socket s{n}" for n in range(2, 8)],
        f"{at('00:10.000')} ERROR: db timeout",
        f"{at('00:11.000')} job failed",
        f"{at('00:12.000')} 💓 Heartbeat uptime=3600",
        f"{at('00:13.000')} 🚨 ALERT: High WebSocket latency detected",
        *[f"{at('00:20.000')} GET /api/trades 200 12ms" for _ in range(81)],
        f"{at('00:41.000')} 📡 Emitted signal quality to user u3 for trade t3",
        f"{at('02:00.000')} ❌ WebSocket disconnected: socket late",
        f"{at('06:00.000')} GET /health 200 1ms",
    ]
    assert len(lines) == 100
    return lines


def build(sources: dict[str, Any], checks: dict[str, Any] = CHECKS, **context: Any) -> tuple[Any, list[Any]]:
    config = from_document({"sources": sources, "checks": checks}, file="w.toml")
    ctx = runner.context_for(config, **context)
    return ctx, runner.build(config, list(config.checks), ctx)


async def run_all(sources: dict[str, Any], checks: dict[str, Any] = CHECKS, **context: Any) -> dict[str, Result]:
    ctx, built = build(sources, checks, **context)
    try:
        return {r.check: r for r in await runner.run_checks(built)}
    finally:
        await ctx.aclose()


def seen(result: Result) -> tuple[str, str, dict[str, float]]:
    return result.status.name, result.summary, {k: round(v, 3) for k, v in result.metrics.items()}


async def test_every_kind_from_a_command_source_with_line_times(tmp_path: Path) -> None:
    source = {"command": script(tmp_path, railway_log()), "timestamp_pattern": r"^(?P<ts>\S+)"}
    results = await run_all({"railway": source})
    assert seen(results["signal-latency"]) == (
        "OK", "p95 406.5 ms over 2 pairs in 100 lines read; 1 lost (33.333%)",
        {"p50_ms": 285.0, "p95_ms": 406.5, "p99_ms": 417.3, "max_ms": 420.0, "avg_ms": 285.0, "pairs": 2.0,
         "lost": 1.0, "lost_pct": 33.333},
    )
    assert seen(results["ws-drops"]) == (
        "CRITICAL", "count = 6 (> 5) - 6 matches in the busiest 1m (7 in 100 lines read)",
        {"count": 6.0, "per_min": 6.0},
    )
    assert seen(results["error-rate"]) == (
        "WARNING", "ratio_pct = 2 (> 1) - 2% of lines matched (2 of 100) in 100 lines read",
        {"matches": 2.0, "total": 100.0, "ratio_pct": 2.0},
    )
    assert seen(results["heartbeat"]) == (
        "CRITICAL", "last match 5m48s ago (within 5m)", {"since_last_s": 348.0, "seen": 1.0},
    )
    alerts = results["app-alerts"]
    assert seen(alerts) == ("CRITICAL", "1 matching line in 100 lines read (first: what=High WebSocket latency detected)",
                            {"matches": 1.0})
    assert alerts.labels == {"what": "High WebSocket latency detected"}
    assert alerts.evidence == ("2026-11-29T12:00:13.000Z 🚨 ALERT: High WebSocket latency detected",)
    assert results["error-rate"].evidence == ("2026-11-29T12:00:10.000Z ERROR: db timeout",
                                              "2026-11-29T12:00:11.000Z job failed")


async def test_read_time_clock_and_quiet_log(tmp_path: Path) -> None:
    lines = ["GET / 200"] * 9 + ["📡 Broadcasting trade:executed for user u1"]
    results = await run_all({"railway": {"command": script(tmp_path, lines)}})
    assert seen(results["signal-latency"]) == ("OK", "no pairs in 10 lines read; 0 lost (n/a), 1 waiting",
                                               {"pairs": 0.0, "lost": 0.0})
    assert seen(results["ws-drops"])[:2] == ("OK", "0 matches in 10 lines read (0/min over 1m)")
    assert seen(results["error-rate"])[:2] == ("OK", "not enough data (10 of 20 lines) in 10 lines read: 0 matched")
    assert seen(results["app-alerts"]) == ("OK", "no line matched in 10 lines read", {"matches": 0.0})
    heartbeat = results["heartbeat"]
    assert heartbeat.status.name == "CRITICAL"  # the input ended without a single heartbeat
    assert heartbeat.summary.startswith("no line matched in ") and heartbeat.summary.endswith(
        " (10 lines read, within 5m)")


async def test_a_source_that_cannot_start_makes_its_checks_unknown(tmp_path: Path) -> None:
    results = await run_all({"railway": {"command": ["/nonexistent/railway", "logs"]}})
    assert {seen(r)[:2] for r in results.values()} == {
        ("UNKNOWN", "source 'railway': cannot run '/nonexistent/railway': No such file or directory")}


async def test_a_live_stream_is_read_for_the_one_off_default_and_the_summary_says_so(
        tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setattr(reads, "ONE_OFF_READ_S", 0.3)  # the default is 10 s; the read stops there, not at 15m
    source = {"command": script(tmp_path, ["❌ WebSocket disconnected"] * 3, stay=60)}
    checks = {"ws-drops": {**CHECKS["ws-drops"], "window": "15m"}}
    result = (await run_all({"railway": source}, checks))["ws-drops"]
    assert re.fullmatch(r"3 matches in \d+ms of a 15m window \(3 lines read\)", result.summary)


@pytest.mark.parametrize(("state", "elapsed", "expected"), [
    ("running", 10.0, "in 10s of a 1m window (120 lines read)"),
    ("backoff", 7.2, "in 7.2s of a 1m window (120 lines read)"),
    ("running", 60.0, "in 120 lines read"),  # the whole window was read
    ("ended", 10.0, "in 120 lines read"),  # the input ended (a file from its start, stdin)
])
def test_read_span_says_when_a_one_off_read_covered_less_than_the_window(
        state: str, elapsed: float, expected: str) -> None:
    status = SourceStatus("railway", "command", "railway logs", state=state, lines=120)
    assert read_span(ReadView(0.0, True, status, elapsed=elapsed), 60.0) == expected


def test_read_span_of_the_daemon_is_the_window() -> None:
    status = SourceStatus("railway", "command", "railway logs", state="running", lines=120)
    assert read_span(ReadView(0.0, False, status, elapsed=3.0), 300.0) == "in 5m"


async def test_a_dying_command_is_restarted_within_the_read_and_said_in_the_summary(tmp_path: Path) -> None:
    argv = script(tmp_path, ["❌ WebSocket disconnected"], exit_code=1, stderr="boom\n")
    source = {"command": argv, "restart_initial": "10ms", "restart_max": "50ms"}
    checks = {"ws-drops": CHECKS["ws-drops"]}
    results = await run_all({"railway": source}, checks, log_window=1.5)
    result = results["ws-drops"]
    assert result.summary.endswith("; source railway failing: exited with status 1: boom")
    assert result.metrics["count"] >= 3


async def test_file_rotated_while_live_and_per_match_results(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text("🚨 ALERT: old, before the daemon started\n")
    ctx, built = build({"railway": {"file": str(log), "poll_interval": "20ms"}})
    checks = {c.name: c for c in built}
    pushed: list[LogMatch] = []
    ctx.logs.subscribe("app-alerts", pushed.append)
    await ctx.logs.start()
    status = ctx.logs.source_status()["railway"]
    try:
        await wait_until(lambda: status.state == "running")
        with log.open("a") as f:
            f.write("❌ WebSocket disconnected\n" * 3 + "🚨 ALERT: Redis down token=s3cr3t-value\n")
        log.rename(tmp_path / "app.log.1")
        log.write_text("❌ WebSocket disconnected\n💓 Heartbeat\nfailed\n")
        await wait_until(lambda: status.lines == 7)
        results = {name: await check.run() for name, check in checks.items()}
    finally:
        await ctx.aclose()
    # live, a window not yet read once since start is not judged; too few lines are not a ratio
    drops = seen(results["ws-drops"])
    assert drops[0] == "OK" and drops[2] == {"count": 4.0, "per_min": 4.0}
    assert drops[1].startswith("4 matches in 1m (4/min) (not judged yet: ") and drops[1].endswith(" of the 1m window read)")
    assert seen(results["error-rate"])[1].startswith("not enough data (7 of 20 lines) in 5m: 1 matched (not judged yet")
    assert seen(results["heartbeat"])[0] == "OK"
    assert results["app-alerts"].labels == {"what": "Redis down token=s3cr3t-value"}
    checks["app-alerts"].context.redactor = Redactor(["s3cr3t-value"])
    single = checks["app-alerts"].result_for(pushed[0])  # type: ignore[attr-defined]
    assert (single.status.name, single.summary, single.evidence) == (
        "CRITICAL", "1 matching line in source railway (first: what=Redis down token=***)",
        ("🚨 ALERT: Redis down token=***",))


async def test_json_field_ratio_over_another_pattern(tmp_path: Path) -> None:
    import json

    lines = [json.dumps({"level": level, "msg": msg}) for level, msg in [
        ("info", "GET /api/trades"), ("error", "GET /api/trades"), ("info", "POST /api/orders"),
        ("error", "error in the message only"), ("info", "GET /api/trades")]] + ["plain error line, not JSON"]
    checks = {"api-errors": {"type": "log-ratio", "source": "railway", "field": "level", "match": "^error$",
                             "of": ".", "warning": ["ratio_pct > 10"], "min_samples": 5}}  # of: lines with a level
    results = await run_all({"railway": {"command": script(tmp_path, lines)}}, checks)
    assert seen(results["api-errors"]) == (
        "WARNING", "ratio_pct = 40 (> 10) - 40% of lines matching 'of' matched (2 of 5) in 6 lines read",
        {"matches": 2.0, "total": 5.0, "ratio_pct": 40.0})
