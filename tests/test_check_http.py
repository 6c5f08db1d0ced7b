"""The http kind against a real local service (and respx for what a server cannot easily do)."""

import json
import ssl
import time

import httpx
import pytest
import respx

from watchdog.checks.http_endpoint import cert_days_left, cut_text, status_allowed
from watchdog.checks.json_body import lookup, to_number
from watchdog import runner
from watchdog.http import Timing, timeout_reason
from watchdog.config import from_document
from watchdog.status import Status


async def run_one(table: dict, **defaults):
    cfg = from_document({"defaults": defaults, "checks": {"health": {"type": "http", **table}}}, env={})
    ctx = runner.context_for(cfg)
    try:
        [result] = await runner.run_checks(runner.build(cfg, ["health"], ctx))
    finally:
        await ctx.aclose()
    return result


HEALTH_METRICS = {"uptime_s": "uptime", "ws_connections": "websocket.activeConnections", "heap_used_mb": "memory.heapUsed"}


async def test_healthy_endpoint_is_ok_with_metrics_from_the_body(http_service):
    r = await run_one({"url": f"{http_service.url}/health", "expect_json": {"status": "healthy"},
                       "metrics": HEALTH_METRICS, "labels": {"version": "version"}, "critical": ["ws_connections < 1"]})
    assert r.status is Status.OK
    assert (r.metrics["uptime_s"], r.metrics["ws_connections"], r.metrics["heap_used_mb"]) == (3600, 12, 81.5)
    assert r.metrics["status_code"] == 200 and r.metrics["response_ms"] > 0
    assert r.summary.startswith("HTTP 200 OK in ")
    assert r.labels == {"version": "1.0.0"}


async def test_503_is_critical_and_keeps_the_response_time(http_service):
    http_service.behave(status=503, body=b'{"status":"unhealthy"}')
    r = await run_one({"url": f"{http_service.url}/health", "expect_status": [200]})
    assert r.status is Status.CRITICAL
    assert r.summary.startswith("HTTP 503 Service Unavailable (expected 200) in ")
    assert r.metrics["status_code"] == 503 and "response_ms" in r.metrics
    assert r.evidence == ('{"status":"unhealthy"}',)


async def test_slow_answer_past_the_timeout_is_critical_timed_out(http_service):
    http_service.behave(delay_s=1.5)
    r = await run_one({"url": f"{http_service.url}/health", "timeout": "300ms"})
    assert r.status is Status.CRITICAL
    port = http_service.url.rsplit(":", 1)[1]
    assert r.summary.startswith(f"no answer from 127.0.0.1:{port} within 300ms")


async def test_a_body_that_trickles_past_the_timeout_says_the_headers_came(http_service):
    http_service.behave(trickle_s=0.1)
    r = await run_one({"url": f"{http_service.url}/health", "timeout": "500ms"})
    assert (r.status, r.summary) == (Status.CRITICAL, "headers received, body incomplete after 500ms")


async def test_slow_answer_within_the_timeout_trips_the_threshold(http_service):
    http_service.behave(delay_s=0.3)
    r = await run_one({"url": f"{http_service.url}/health", "warning": ["response_ms > 200"],
                       "critical": ["response_ms > 2000"]})
    assert r.status is Status.WARNING
    assert r.summary.startswith("response_ms = ") and "(> 200) - HTTP 200 OK in " in r.summary


async def test_body_that_is_not_json_is_critical(http_service):
    http_service.behave(body=b"<html>oops</html>", content_type="text/html")
    r = await run_one({"url": f"{http_service.url}/health", "expect_json": {"status": "healthy"}})
    assert r.status is Status.CRITICAL
    assert r.summary.startswith("body is not JSON: '<html>oops</html>'")


async def test_json_assertion_names_the_path_and_both_values(http_service):
    http_service.behave(body=json.dumps({"status": "degraded"}).encode())
    r = await run_one({"url": f"{http_service.url}/health", "expect_json": {"status": "healthy"}})
    assert r.status is Status.CRITICAL
    assert r.summary.startswith('JSON status is "degraded" (expected "healthy")')


async def test_missing_metric_path_is_critical(http_service):
    http_service.behave(body=b'{"status":"healthy"}')
    r = await run_one({"url": f"{http_service.url}/health", "metrics": {"ws_connections": "websocket.activeConnections"}})
    assert r.status is Status.CRITICAL
    assert r.summary.startswith("metric ws_connections: JSON websocket.activeConnections is missing")


async def test_body_over_the_cap_is_not_read_whole(http_service):
    http_service.behave(body=b"x" * 200_000, content_type="text/plain")
    r = await run_one({"url": f"{http_service.url}/health", "max_body_bytes": 1000})
    assert r.status is Status.OK
    assert r.metrics["body_bytes"] == 1000


async def test_a_cut_body_sets_body_truncated_and_says_so(http_service):
    http_service.behave(body=b"x" * 200_000, content_type="text/plain")
    r = await run_one({"url": f"{http_service.url}/health", "max_body_bytes": 1000})
    assert r.metrics["body_truncated"] == 1
    assert r.summary.endswith(" ms, body cut at 1000 B (max_body_bytes)"), r.summary


async def test_a_whole_body_has_body_truncated_0(http_service):
    r = await run_one({"url": f"{http_service.url}/health"})
    assert r.metrics["body_truncated"] == 0
    assert r.summary.endswith(" ms, 151 B"), r.summary


BIG_HEALTHY = json.dumps({"status": "healthy", "uptime": 3600, "pad": "x" * (2 << 20)}).encode()


@pytest.mark.parametrize("asks", [{"expect_json": {"status": "healthy"}}, {"metrics": {"uptime_s": "uptime"}},
                                  {"labels": {"state": "status"}}])
async def test_json_assertions_on_a_cut_body_fail_naming_the_cut(http_service, asks):
    http_service.behave(body=BIG_HEALTHY)
    r = await run_one({"url": f"{http_service.url}/health", **asks})
    assert (r.status, r.summary) == (
        Status.CRITICAL, "body cut at 1 MB (max_body_bytes): JSON assertions cannot be checked")
    assert r.metrics["body_truncated"] == 1


async def test_expect_body_regex(http_service):
    http_service.behave(body=b"all systems go", content_type="text/plain")
    ok = await run_one({"url": f"{http_service.url}/health", "expect_body": "systems go"})
    bad = await run_one({"url": f"{http_service.url}/health", "expect_body": "^ready$"})
    assert (ok.status, bad.status) == (Status.OK, Status.CRITICAL)
    assert bad.summary.startswith("body does not match /^ready$/")


async def test_connection_closed_without_answer_is_critical(http_service):
    http_service.behave(close_without_answer=True)
    r = await run_one({"url": f"{http_service.url}/health"})
    assert r.status is Status.CRITICAL
    assert "closed the connection" in r.summary


async def test_refused_connection_names_host_and_port():
    r = await run_one({"url": "http://127.0.0.1:9/health"})
    assert (r.status, r.summary) == (Status.CRITICAL, "connection refused by 127.0.0.1:9")


async def test_redirect_counts_as_up_unless_followed(http_service):
    plain = await run_one({"url": f"{http_service.url}/redirect"})
    followed = await run_one({"url": f"{http_service.url}/redirect", "follow_redirects": True})
    assert (plain.metrics["status_code"], followed.metrics["status_code"]) == (302, 200)


async def test_many_concurrent_checks_are_not_falsely_timed_out(http_service):
    """httpcore #822: requests stalled for seconds inside the pool would show as timeouts here."""
    http_service.behave(delay_s=0.02)
    checks = {f"c{i}": {"type": "http", "url": f"{http_service.url}/health", "timeout": "5s"} for i in range(60)}
    cfg = from_document({"checks": checks}, env={})
    ctx = runner.context_for(cfg)
    try:
        results = await runner.run_checks(runner.build(cfg, list(checks), ctx), max_concurrency=32)
    finally:
        await ctx.aclose()
    assert [r.status for r in results] == [Status.OK] * 60
    assert http_service.hits == 60


@respx.mock
async def test_connect_timeout_is_reported_as_timeout():
    respx.get("http://app.test/health").mock(side_effect=httpx.ConnectTimeout("timed out"))
    r = await run_one({"url": "http://app.test/health", "timeout": "2s"})
    assert (r.status, r.summary) == (Status.CRITICAL, "no answer from app.test within 2s (ConnectTimeout)")


@respx.mock
async def test_tls_failure_is_reported_as_tls():
    respx.get("https://app.test/health").mock(
        side_effect=httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"))
    r = await run_one({"url": "https://app.test/health"})
    assert r.status is Status.CRITICAL
    assert r.summary.startswith("TLS failed for app.test: [SSL: CERTIFICATE_VERIFY_FAILED]")


@respx.mock
async def test_a_reset_while_reading_is_the_host_closing_the_connection():
    respx.get("http://app.test/health").mock(side_effect=httpx.ReadError("[Errno 104] Connection reset by peer"))
    r = await run_one({"url": "http://app.test/health"})
    assert (r.status, r.summary) == (Status.CRITICAL, "app.test closed the connection")


@respx.mock
async def test_a_dns_failure_keeps_the_resolver_s_words():
    respx.get("http://app.test/health").mock(side_effect=httpx.ConnectError("[Errno -3] Temporary failure in name resolution"))
    r = await run_one({"url": "http://app.test/health"})
    assert r.summary == "DNS lookup failed for app.test: Temporary failure in name resolution"


@pytest.mark.parametrize(("status", "expected", "allowed"), [
    (200, ["200-399"], True), (399, ["200-399"], True), (404, ["200-399"], False),
    (503, [200, "5xx"], True), (201, [200], False), (204, ["2xx"], True)])
def test_status_sets(status, expected, allowed):
    assert status_allowed(status, expected) is allowed


@pytest.mark.parametrize(("value", "number"), [(12, 12.0), (True, 1.0), ("5ms", 5.0), ("1.5s", 1500.0),
                                              ("42", 42.0), ("fast", None), (None, None), ([1], None)])
def test_numbers_read_from_json(value, number):
    assert to_number(value) == number


@pytest.mark.parametrize(("path", "found", "value"), [
    ("a.b", True, 1), ("list.1.x", True, 2), ("list[1].x", True, 2), ("a.c", False, None), ("list.9", False, None)])
def test_dot_paths(path, found, value):
    assert lookup({"a": {"b": 1}, "list": [{"x": 1}, {"x": 2}]}, path) == (found, value)


def test_cert_days_left_from_not_after():
    not_after = time.strftime("%b %d %H:%M:%S %Y GMT", time.gmtime(time.time() + 10 * 86400 + 60))
    assert cert_days_left({"notAfter": not_after}) == pytest.approx(10.0, abs=0.01)
    assert cert_days_left(None) is None
    assert ssl  # the parser used is ssl.cert_time_to_seconds


@pytest.mark.parametrize(("cap", "text"), [
    (1 << 20, "body cut at 1 MB (max_body_bytes)"),
    (1000, "body cut at 1000 B (max_body_bytes)"),
    (65536, "body cut at 64 kB (max_body_bytes)"),
    (1_500_000, "body cut at 1.4 MB (max_body_bytes)"),
])
def test_cut_text_names_the_cap(cap, text):
    assert cut_text(cap) == text


@pytest.mark.parametrize(("marks", "reason"), [
    ({}, "no answer from app.test:8080 within 4s"),
    ({"sent": 1.0}, "no answer from app.test:8080 within 4s"),
    ({"sent": 1.0, "headers": 1.2}, "headers received, body incomplete after 4s"),
])
def test_timeout_reason_says_whether_the_headers_came(marks, reason):
    assert timeout_reason("http://app.test:8080/health", 4.0, Timing(**marks)) == reason
