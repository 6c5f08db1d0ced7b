"""`watchdog check` and `watchdog probe` end to end: a live HTTP service and a live Redis."""

from __future__ import annotations

import json

import pytest


def config(http_service, redis_server, extra: str = "") -> str:
    return f"""
[defaults]
timeout = "1s"

[checks.health]
type = "http"
url = "{http_service.url}/health"
expect_json = {{ status = "healthy" }}
metrics = {{ ws_connections = "websocket.activeConnections" }}
warning = ["response_ms > 500"]
critical = ["response_ms > 2000", "ws_connections < 1"]
tags = ["app"]

[checks.redis]
type = "redis"
url = "{redis_server.url}"
pubsub = true
warning = ["latency_ms > 100"]
tags = ["infra"]
{extra}"""


@pytest.fixture
def live(http_service, redis_server, write_config):  # type: ignore[no-untyped-def]
    return write_config(config(http_service, redis_server))


def rows(out: str) -> dict[str, list[str]]:
    """Table rows by check name -> the whitespace-separated cells after it."""
    found = {}
    for line in out.splitlines():
        parts = line.split()
        if parts and parts[0] in ("health", "redis", "probe"):
            found[parts[0]] = parts[1:]
    return found


def test_all_ok_exits_0_with_a_plain_table(run_cli, live):
    outcome = run_cli("check", "-c", live)
    assert outcome.code == 0, outcome.out + outcome.err
    table = rows(outcome.out)
    assert table["health"][0] == "OK" and table["redis"][0] == "OK"
    assert "ws_connections=12" in outcome.out
    assert "\x1b[" not in outcome.out  # not a terminal: no colour codes
    assert outcome.out.splitlines()[-1].startswith("OK: 2 checks, all ok (")


@pytest.mark.parametrize(("behaviour", "status", "code", "summary"), [
    ({"status": 503}, "CRITICAL", 2, "HTTP 503 Service Unavailable (expected 200-399)"),
    ({"delay_s": 1.6}, "CRITICAL", 2, "no answer from 127.0.0.1:"),
    ({"body": b"<html>maintenance</html>", "content_type": "text/html"}, "CRITICAL", 2,
     "body is not JSON: '<html>maintenance</html>'"),
    ({"body": b'{"status":"healthy","websocket":{"activeConnections":0}}'}, "CRITICAL", 2,
     "ws_connections = 0 (< 1)"),
])
def test_a_failing_service_changes_verdict_and_exit_code(run_cli, live, http_service, behaviour, status, code, summary):
    http_service.behave(**behaviour)
    outcome = run_cli("check", "-c", live, "-f", "json")
    document = json.loads(outcome.out)
    health = next(c for c in document["checks"] if c["check"] == "health")
    assert (outcome.code, document["status"], health["status"]) == (code, status, status)
    assert summary in health["summary"]


def test_slow_but_answering_is_a_warning(run_cli, http_service, redis_server, write_config):
    path = write_config(config(http_service, redis_server).replace('timeout = "1s"', 'timeout = "3s"'))
    http_service.behave(delay_s=0.6)
    outcome = run_cli("check", "-c", path, "health")
    assert outcome.code == 1
    assert rows(outcome.out)["health"][0] == "WARNING"
    assert "response_ms = " in outcome.out and "(> 500)" in outcome.out


def test_stopped_redis_is_critical_naming_the_port(run_cli, live, redis_server):
    redis_server.stop()
    outcome = run_cli("check", "-c", live, "-f", "json")
    redis = next(c for c in json.loads(outcome.out)["checks"] if c["check"] == "redis")
    assert (outcome.code, redis["status"], redis["summary"]) == (
        2, "CRITICAL", f"connection refused by 127.0.0.1:{redis_server.port}")


def test_json_document_has_statuses_metrics_and_counts(run_cli, live):
    document = json.loads(run_cli("check", "-c", live, "-f", "json").out)
    assert (document["status"], document["exit_code"]) == ("OK", 0)
    assert document["counts"] == {"ok": 2, "warning": 0, "critical": 0, "unknown": 0}
    redis = next(c for c in document["checks"] if c["check"] == "redis")
    assert {"latency_ms", "used_memory_mb", "connected_clients", "pubsub_ms"} <= set(redis["metrics"])


def test_nagios_output_with_performance_data(run_cli, live, http_service):
    http_service.behave(status=503)
    outcome = run_cli("check", "-c", live, "health", "-f", "nagios")
    assert outcome.code == 2
    line = outcome.out.splitlines()[0]
    assert line.startswith("WATCHDOG CRITICAL - health: HTTP 503 Service Unavailable (expected 200-399) in ")
    assert "'response_ms'=" in line and "ms;500;2000" in line
    assert "'status_code'=503;" not in line and "'status_code'=503" in line


def test_tags_and_names_select_checks(run_cli, live):
    assert list(rows(run_cli("check", "-c", live, "--tag", "infra").out)) == ["redis"]
    assert list(rows(run_cli("check", "-c", live, "health").out)) == ["health"]


@pytest.mark.parametrize(("args", "message"), [
    (("nope",), "no check named 'nope' in "),
    (("--tag", "db"), "no check has tag 'db' in "),
    (("--log-window", "soon"), "--log-window: invalid duration 'soon'"),
    (("-f", "xml"), "Invalid value for '-f'"),  # the old spelling, hidden from the help
    (("--format", "xml"), "Invalid value for '--format'"),
])
def test_bad_arguments_are_one_line_exit_3(run_cli, live, args, message):
    outcome = run_cli("check", "-c", live, *args)
    assert outcome.code == 3
    assert len(outcome.err.strip().splitlines()) == 1 and message in outcome.err


def test_probe_shows_status_latency_and_the_json_body(run_cli, http_service):
    outcome = run_cli("probe", f"{http_service.url}/health")
    assert outcome.code == 0
    assert rows(outcome.out)["probe"][0] == "OK"
    assert '| status = "healthy"' in outcome.out
    assert "| websocket.activeConnections = 12" in outcome.out


def test_probe_of_a_refused_port_is_critical(run_cli):
    outcome = run_cli("probe", "http://127.0.0.1:9/health")
    assert outcome.code == 2
    assert "connection refused by 127.0.0.1:9" in outcome.out
