"""The ``redis`` kind against a real redis-server spawned on a free port (never the shared 6379)."""

from __future__ import annotations

import asyncio
import gc
import json
import re
import threading
from collections.abc import Mapping
from typing import Any

import pytest
import redis.asyncio as aredis
from redis import exceptions as rex

from watchdog.checks.redis_health import map_redis_error, summarize, target_of, wait_note
from tests.support.redis_server import RedisServer
from watchdog.config import from_document
from watchdog.errors import ConfigError, ProbeConnectError, ProbeResponseError, ProbeTimeout
from watchdog.model import Result
from watchdog.runner import build, context_for, run_checks, select
from watchdog.status import Status

# An unclosed connection or client is a failure here, not a warning in the log.
pytestmark = pytest.mark.filterwarnings("error::ResourceWarning")

PASSWORD = "Tr0ub4dor-redis-pw"
WRONG = "not-the-Tr0ub4dor-pw"
FREEZE_S = 1.5  # how long a test keeps the server under SIGSTOP


async def run_redis(env: Mapping[str, str] | None = None, **keys: Any) -> Result:
    """One ``[checks.redis]`` through the real path: config -> runner -> Result."""
    config = from_document({"checks": {"redis": {"type": "redis", **keys}}}, env=dict(env or {}))
    ctx = context_for(config)
    try:
        [result] = await run_checks(build(config, select(config), ctx))
    finally:
        await ctx.aclose()
    gc.collect()  # an unclosed redis client warns from __del__: make it happen inside the test
    assert asyncio.all_tasks() == {asyncio.current_task()}, "the check left tasks running"
    return result


async def client_count(server: RedisServer, password: str | None = None) -> int:
    """Clients connected besides the one asking, once the server has seen our closes."""
    admin = aredis.Redis(host="127.0.0.1", port=server.port, password=password)
    try:
        for _ in range(100):
            count = len(await admin.client_list()) - 1
            if count == 0:
                return 0
            await asyncio.sleep(0.02)
        return count
    finally:
        await admin.aclose()


def everything_shown(result: Result) -> str:
    return repr(result) + json.dumps(result.to_dict())


# -- against a live server ---------------------------------------------------------------------

async def test_live_redis_is_ok_with_ping_memory_and_clients(redis_server: RedisServer) -> None:
    result = await run_redis(url=redis_server.url)
    assert result.status is Status.OK
    assert set(result.metrics) == {"latency_ms", "connect_ms", "total_ms", "used_memory_mb", "connected_clients"}
    assert result.metrics["latency_ms"] > 0
    assert 0.1 < result.metrics["used_memory_mb"] < 100
    assert result.metrics["connected_clients"] == 1  # ours, INFO is read before any subscription
    assert re.fullmatch(r"PONG in [\d.]+ ms, [\d.]+ MB used, 1 client", result.summary), result.summary
    assert re.fullmatch(rf"redis 7\.\d+\.\d+ \(master\) at 127\.0\.0\.1:{redis_server.port}, up \d+[smh]\w*",
                        result.evidence[0]), result.evidence
    assert result.labels["target"] == f"127.0.0.1:{redis_server.port}"
    assert await client_count(redis_server) == 0


async def test_pubsub_round_trip_is_measured_and_the_channel_is_gone_after(redis_server: RedisServer) -> None:
    result = await run_redis(url=redis_server.url, pubsub=True)
    assert result.status is Status.OK
    assert result.metrics["pubsub_ms"] > 0
    assert re.fullmatch(r"PONG in [\d.]+ ms, [\d.]+ MB used, 1 client, pub/sub round trip [\d.]+ ms",
                        result.summary), result.summary
    assert await client_count(redis_server) == 0
    admin = aredis.Redis(host="127.0.0.1", port=redis_server.port)
    try:
        assert await admin.pubsub_channels() == []
    finally:
        await admin.aclose()


async def test_pubsub_uses_a_private_random_channel_under_the_prefix(redis_server: RedisServer) -> None:
    watcher = aredis.Redis(host="127.0.0.1", port=redis_server.port)
    spy = watcher.pubsub(ignore_subscribe_messages=True)
    try:
        await spy.psubscribe("myapp:probe:*")
        await spy.get_message(timeout=1.0)  # the psubscribe confirmation
        result = await run_redis(url=redis_server.url, pubsub=True, channel_prefix="myapp:probe:")
        assert result.status is Status.OK
        seen = await spy.get_message(ignore_subscribe_messages=True, timeout=2.0)
    finally:
        await spy.aclose()
        await watcher.aclose()
    assert seen is not None and seen["type"] == "pmessage"
    assert re.fullmatch(rb"myapp:probe:[0-9a-f]{16}", seen["channel"])
    assert re.fullmatch(rb"[0-9a-f]{16}", seen["data"])


async def test_unix_socket_url(redis_server: RedisServer) -> None:
    result = await run_redis(url=redis_server.unix_url)
    assert result.status is Status.OK
    assert result.labels["target"] == redis_server.socket_path
    assert f"at {redis_server.socket_path}, up" in result.evidence[0]


async def test_memory_pct_only_when_maxmemory_is_set(make_redis_server: Any) -> None:
    server = make_redis_server(maxmemory="64mb")
    result = await run_redis(url=server.url)
    assert result.status is Status.OK
    assert result.metrics["memory_pct"] == pytest.approx(result.metrics["used_memory_mb"] / 64 * 100)
    assert re.search(r"MB used \([\d.]+% of maxmemory\)", result.summary), result.summary


async def test_every_phase_is_inside_the_total(redis_server: RedisServer) -> None:
    result = await run_redis(url=redis_server.url, pubsub=True)
    parts = result.metrics["connect_ms"] + result.metrics["latency_ms"] + result.metrics["pubsub_ms"]
    assert 0 < parts < result.metrics["total_ms"]


async def test_a_server_frozen_while_connecting_shows_the_wait(redis_server: RedisServer) -> None:
    redis_server.pause()
    thaw = threading.Timer(FREEZE_S, redis_server.resume)
    thaw.start()
    try:
        result = await run_redis(url=redis_server.url, timeout="20s")
    finally:
        thaw.cancel()
        redis_server.resume()
    assert result.status is Status.OK
    assert result.metrics["total_ms"] >= result.metrics["connect_ms"] > FREEZE_S * 1000 / 2
    assert re.fullmatch(r"PONG in [\d.]+ ms, [\d.]+ MB used, 1 client \(connecting took [\d.]+ s of [\d.]+ s\)",
                        result.summary), result.summary


async def test_threshold_on_latency_trips_warning(redis_server: RedisServer) -> None:
    result = await run_redis(url=redis_server.url, warning=["latency_ms >= 0"], critical=["latency_ms > 60000"])
    assert result.status is Status.WARNING
    assert re.fullmatch(r"latency_ms = [\d.]+ \(>= 0\) - PONG in .+", result.summary), result.summary


async def test_threshold_on_clients_trips_critical(redis_server: RedisServer) -> None:
    result = await run_redis(url=redis_server.url, critical=["connected_clients < 2"])
    assert result.status is Status.CRITICAL
    assert result.summary.startswith("connected_clients = 1 (< 2) - PONG in ")


# -- failures -----------------------------------------------------------------------------------

async def test_stopped_server_is_critical_connection_refused(redis_server: RedisServer) -> None:
    redis_server.stop()
    result = await run_redis(url=redis_server.url, pubsub=True)
    assert result.status is Status.CRITICAL
    assert result.summary == f"connection refused by 127.0.0.1:{redis_server.port}"
    assert result.metrics == {}


async def test_restarted_server_is_ok_again(redis_server: RedisServer) -> None:
    redis_server.stop()
    assert (await run_redis(url=redis_server.url)).status is Status.CRITICAL
    redis_server.start()
    assert (await run_redis(url=redis_server.url)).status is Status.OK


async def test_hung_server_is_critical_timeout_naming_the_host(redis_server: RedisServer) -> None:
    redis_server.pause()
    try:
        result = await run_redis(url=redis_server.url, timeout="500ms")
    finally:
        redis_server.resume()
    assert result.status is Status.CRITICAL
    assert result.summary == f"no answer from 127.0.0.1:{redis_server.port} within 450ms"
    assert await client_count(redis_server) == 0


async def test_missing_unix_socket_is_critical(tmp_path: Any) -> None:
    result = await run_redis(url=f"unix://{tmp_path}/none.sock")
    assert result.status is Status.CRITICAL
    assert result.summary == f"no Redis socket at {tmp_path}/none.sock"


# -- passwords ----------------------------------------------------------------------------------

async def test_password_from_env_works(make_redis_server: Any) -> None:
    server = make_redis_server(password=PASSWORD)
    url = f"redis://:${{REDIS_PASSWORD}}@127.0.0.1:{server.port}/0"
    result = await run_redis(env={"REDIS_PASSWORD": PASSWORD}, url=url, pubsub=True)
    assert result.status is Status.OK
    assert "pubsub_ms" in result.metrics
    assert PASSWORD not in everything_shown(result)
    assert await client_count(server, PASSWORD) == 0


@pytest.mark.parametrize("var", ["REDIS_PASSWORD", "RDS_PW"])  # RDS_PW: a name the redactor does not know
async def test_wrong_password_is_critical_and_never_shown(make_redis_server: Any, var: str) -> None:
    server = make_redis_server(password=PASSWORD)
    url = f"redis://:${{{var}}}@127.0.0.1:{server.port}/0"
    result = await run_redis(env={var: WRONG}, url=url, pubsub=True)
    assert result.status is Status.CRITICAL
    assert result.summary == f"authentication failed for 127.0.0.1:{server.port} (wrong password or user)"
    shown = everything_shown(result)
    assert WRONG not in shown and PASSWORD not in shown
    assert await client_count(server, PASSWORD) == 0


async def test_missing_password_is_critical_with_a_clear_reason(make_redis_server: Any) -> None:
    server = make_redis_server(password=PASSWORD)
    result = await run_redis(url=server.url)
    assert result.status is Status.CRITICAL
    assert result.summary == (
        f"authentication failed for 127.0.0.1:{server.port} (the server wants a password and the URL has none)"
    )


# -- config -------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ({"url": "http://127.0.0.1:6379"},
         "watchdog.toml: checks.redis.url: must start with redis://, rediss:// or unix://, "
         "got 'http://127.0.0.1:6379'"),
        ({"url": "redis://127.0.0.1:99999"},
         "watchdog.toml: checks.redis.url: invalid Redis URL 'redis://127.0.0.1:99999': "
         "Port out of range 0-65535"),
        ({"url": "unix:///run/redis.sock?password=${P}"},
         "watchdog.toml: checks.redis.url: put the password before the host "
         "(unix://:${REDIS_PASSWORD}@/run/redis.sock), not in ?password= where output could show it"),
        ({"url": "redis://localhost", "critical": ["pubsub_ms > 100"]},
         "watchdog.toml: checks.redis.critical[0]: metric 'pubsub_ms' is never produced by redis checks "
         "(known: connect_ms, connected_clients, latency_ms, memory_pct, total_ms, used_memory_mb)"),
        ({"url": "redis://localhost", "channel_prefix": ""},
         "watchdog.toml: checks.redis.channel_prefix: string should have at least 1 character, got ''"),
        ({"url": "redis://localhost", "pubsup": True},
         "watchdog.toml: checks.redis.pubsup: unknown key (did you mean 'pubsub'?)"),
    ],
)
def test_bad_config_names_the_key(keys: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as err:
        from_document({"checks": {"redis": {"type": "redis", **keys}}}, env={"P": "x"})
    assert str(err.value) == message


def test_literal_password_in_the_file_is_refused() -> None:
    with pytest.raises(ConfigError) as err:
        from_document({"checks": {"redis": {"type": "redis", "url": f"redis://:{PASSWORD}@localhost"}}}, env={})
    assert PASSWORD not in str(err.value)
    assert str(err.value).startswith("watchdog.toml: checks.redis.url: put the Redis password in an environment")


# -- pure parts ---------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("url", "target"),
    [
        ("redis://localhost", "localhost:6379"),
        ("redis://:pw@10.0.0.5:6380/2", "10.0.0.5:6380"),
        ("rediss://user:pw@cache.example.com:25061", "cache.example.com:25061"),
        ("redis://[::1]:7000", "[::1]:7000"),
        ("unix:///run/redis/redis.sock", "/run/redis/redis.sock"),
        ("unix://:pw@/run/redis.sock", "/run/redis.sock"),
    ],
)
def test_target_never_includes_the_userinfo(url: str, target: str) -> None:
    assert target_of(url) == target


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Error 111 connecting to 127.0.0.1:6380. Connect call failed ('127.0.0.1', 6380).",
         "connection refused by T"),
        ("Error -2 connecting to nohost:6379. Name or service not known.", "DNS lookup failed for T"),
        ("Error -3 connecting to nohost:6379. Temporary failure in name resolution.", "DNS lookup failed for T"),
        ("Error 2 connecting to /run/x.sock. No such file or directory.", "no Redis socket at T"),
        ("Error 113 connecting to 10.0.0.9:6379. No route to host.", "T is unreachable"),
        ("Connection closed by server.", "T closed the connection"),
        ("Error 13 connecting to /run/x.sock. Permission denied.",
         "cannot connect to T: Error 13 connecting to /run/x.sock. Permission denied."),
    ],
)
def test_connection_errors_name_the_reason(text: str, reason: str) -> None:
    error = map_redis_error(rex.ConnectionError(text), "T", None)
    assert (type(error), str(error)) == (ProbeConnectError, reason)


@pytest.mark.parametrize(
    ("exc", "kind", "message"),
    [
        (rex.AuthenticationError("invalid username-password pair"), ProbeConnectError,
         "authentication failed for h:1 (wrong password or user)"),
        (rex.TimeoutError("Timeout reading from h:1"), ProbeTimeout, "no answer from h:1 (Timeout reading from h:1)"),
        (rex.ConnectionError("Error 111 connecting to h:1. Connection refused."), ProbeConnectError,
         "connection refused by h:1"),
        (rex.NoPermissionError("NOPERM this user has no permissions to run the 'info' command"),
         ProbeResponseError, "h:1 refused a command: NOPERM this user has no permissions to run the 'info' command"),
        (rex.ResponseError(f"ERR odd reply mentioning {PASSWORD} and redis://u:{PASSWORD}@h:1"),
         ProbeResponseError, "h:1 answered with an error: ERR odd reply mentioning *** and redis://u:***@h:1"),
    ],
)
def test_redis_errors_become_probe_errors_without_the_password(exc: Exception, kind: type, message: str) -> None:
    error = map_redis_error(exc, "h:1", PASSWORD, {"latency_ms": 0.5})
    assert type(error) is kind
    assert str(error) == message
    assert error.metrics == {"latency_ms": 0.5}


@pytest.mark.parametrize(
    ("metrics", "summary"),
    [
        ({"latency_ms": 0.4123, "used_memory_mb": 1.234, "connected_clients": 3.0},
         "PONG in 0.41 ms, 1.2 MB used, 3 clients"),
        ({"latency_ms": 12.6, "used_memory_mb": 812.0, "connected_clients": 1.0, "memory_pct": 79.34},
         "PONG in 13 ms, 812 MB used (79.3% of maxmemory), 1 client"),
        ({"latency_ms": 2.25, "used_memory_mb": 0.92, "connected_clients": 40.0, "pubsub_ms": 0.9},
         "PONG in 2.2 ms, 0.9 MB used, 40 clients, pub/sub round trip 0.90 ms"),
    ],
)
def test_summary(metrics: dict[str, float], summary: str) -> None:
    assert summarize(metrics) == summary


@pytest.mark.parametrize(
    ("spent", "total_ms", "note"),
    [
        ({"connecting": 1270.0, "the PINGs": 0.3, "INFO": 0.2}, 1300.0, " (connecting took 1.27 s of 1.30 s)"),
        ({"connecting": 0.4, "the PINGs": 1504.0, "INFO": 0.2}, 1510.0, " (the PINGs took 1.50 s of 1.51 s)"),
        ({"connecting": 1.0, "the PINGs": 0.3, "INFO": 0.2, "pub/sub": 900.0}, 950.0,
         " (pub/sub took 0.90 s of 0.95 s)"),
        ({"connecting": 150.0, "the PINGs": 0.3, "INFO": 0.2}, 160.0, ""),  # a short run: nothing to explain
        ({"connecting": 200.0, "the PINGs": 150.0, "INFO": 150.0}, 520.0, ""),  # no phase took most of it
        ({}, 5000.0, ""),
    ],
)
def test_wait_note_names_the_phase_that_took_most_of_a_long_run(
        spent: dict[str, float], total_ms: float, note: str) -> None:
    assert wait_note(spent, total_ms) == note
