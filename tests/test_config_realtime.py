"""``config validate`` on the real-time kinds: every bad key is one line naming it; secrets stay masked."""

from __future__ import annotations

from typing import Any

import pytest

from watchdog.config import from_document
from watchdog.errors import ConfigError

BROADCAST = {"type": "socketio-broadcast", "urls": ["http://a:3000"], "event": "portfolio:update",
             "trigger": {"emit": {"event": "go"}}}
SIO = {"type": "socketio", "url": "http://a:3000"}
WS = {"type": "websocket", "url": "ws://a:3000/ws"}
PROM = {"type": "prometheus", "url": "http://a:3000/metrics", "metrics": {"x": "up"}}


@pytest.mark.parametrize(("table", "error"), [
    ({**SIO, "url": "ws://a/x"}, "url: give the http(s) origin, not 'ws://a/x' (type = \"websocket\" is for plain "
                                 "WebSocket endpoints)"),
    ({**SIO, "transport": ["websocket"]}, "transport: unknown key (did you mean 'transports'?)"),
    ({**SIO, "transports": ["flash"]}, "transports[0]: input should be 'polling' or 'websocket', got 'flash'"),
    ({**SIO, "transports": ["websocket", "websocket"]}, "transports: list each transport once: [\"websocket\"] or "
                                                        "[\"polling\", \"websocket\"]"),
    ({**SIO, "namespace": "admin"}, "namespace: must start with '/' (path: '/socket.io', namespace: '/'), got 'admin'"),
    ({**SIO, "emit": {"event": "ping", "acks": True}}, "emit.acks: unknown key (did you mean 'ack'?)"),
    ({**SIO, "emit": {"event": "connect"}}, "emit.event: 'connect' is reserved by Socket.IO; name an application event"),
    ({**SIO, "expect_event": {"match": {}}}, "expect_event.event: required key is missing"),
    ({**SIO, "auth": {"token": "typed-in-the-file"}}, "auth.token: put the value in an environment variable "
                                                       "(auth = { token = \"${SOCKETIO_TOKEN}\" }), not in the file"),
    ({**SIO, "critical": ["event_ms > 5"]}, "critical[0]: metric 'event_ms' is never produced by socketio checks "
                                            "(known: connect_ms)"),
    ({**BROADCAST, "clients": 0}, "clients: input should be greater than or equal to 1, got 0"),
    ({**BROADCAST, "urls": ["http://a:1", "http://b:1"], "clients": 1},
     "clients (1) must be at least the number of urls (2): every replica gets a client"),
    ({**BROADCAST, "trigger": {}}, "trigger: set exactly one of 'http' (a request that makes the server broadcast) "
                                   "or 'emit' (an event the first client sends)"),
    ({**BROADCAST, "trigger": {"http": {"url": "ftp://a/t"}}}, "trigger.http.url: must be an http:// or https:// URL, "
                                                               "got 'ftp://a/t'"),
    ({**BROADCAST, "trigger": {"http": {"url": "http://a/t", "body": {}}}}, "trigger.http.body: unknown key"),
    ({**BROADCAST, "settle": "soon"}, "settle: invalid duration 'soon' (use 500ms, 30s, 5m, 1h, 1d)"),
    ({**BROADCAST, "critical": ["p99_ms > 1"]}, "critical[0]: metric 'p99_ms' is never produced by socketio-broadcast "
                                                "checks (known: clients, connect_ms, lost, max_ms, p50_ms, p95_ms, "
                                                "received, received_pct)"),
    ({**WS, "url": "http://a/ws"}, "url: must be a ws:// or wss:// URL, got 'http://a/ws'"),
    ({**WS, "expect": "("}, "expect: invalid regular expression '(': missing ), unterminated subpattern at position 0"),
    ({**WS, "expect": "a", "expect_json": {"a": 1}}, "set 'expect' (a regular expression) or 'expect_json' "
                                                     "(dot paths), not both"),
    ({**WS, "critical": ["reply_ms > 1"]}, "critical[0]: metric 'reply_ms' is never produced by websocket checks "
                                           "(known: connect_ms)"),
    ({**WS, "pings": True}, "pings: unknown key (did you mean 'ping'?)"),
    ({**PROM, "metrics": {}}, "metrics: dictionary should have at least 1 item after validation, not 0, got {}"),
    ({**PROM, "metrics": {"x": "sum(y)"}}, "metrics.x: invalid selector 'sum(y)': only rate(...) and "
                                           "histogram_quantile(...) are understood; write NAME{label=\"value\"}, "
                                           "rate(NAME{...}) or histogram_quantile(0.95, NAME_bucket{...}), "
                                           "optionally followed by '* 1000'"),
    ({**PROM, "metrics": {"scrape_ms": "y"}}, "metrics: metric name 'scrape_ms' is already a built-in prometheus metric"),
    ({**PROM, "rate_interval": "10s"}, "rate_interval must be shorter than half the timeout (two scrapes fit in it)"),
    ({**PROM, "critical": ["z > 1"]}, "critical[0]: metric 'z' is never produced by prometheus checks "
                                      "(known: samples, scrape_ms, x)"),
])
def test_a_bad_key_is_one_line_naming_it(table: dict[str, Any], error: str) -> None:
    with pytest.raises(ConfigError) as caught:
        from_document({"checks": {"rt": table}}, env={})
    assert str(caught.value) in (f"watchdog.toml: checks.rt.{error}", f"watchdog.toml: checks.rt: {error}")


def test_config_validate_prints_one_line_and_exits_2(run_cli: Any, write_config: Any) -> None:
    path = write_config('[checks.rt]\ntype = "websocket"\nurl = "ws://a/ws"\nping = "yes please"\n')
    outcome = run_cli("config", "validate", "-c", path)
    assert outcome.code == 2
    assert outcome.err.strip().splitlines() == [f"watchdog: {path}: checks.rt.ping: input should be a valid boolean, "
                                                "unable to interpret input, got 'yes please'"]


def test_config_show_masks_auth_and_secret_headers(run_cli: Any, write_config: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv("SIO_TOKEN", "sio-s3cret-value")
    path = write_config('[checks.rt]\ntype = "socketio"\nurl = "http://a:3000"\n'
                        'auth = { token = "${SIO_TOKEN}", userId = "watchdog-probe" }\n'
                        'headers = { Authorization = "Bearer literal-bearer-value", X-Team = "ops" }\n')
    outcome = run_cli("config", "show", "-c", path)
    assert outcome.code == 0
    assert "sio-s3cret-value" not in outcome.out and "literal-bearer-value" not in outcome.out
    assert 'userId = "watchdog-probe"' in outcome.out and 'X-Team = "ops"' in outcome.out
