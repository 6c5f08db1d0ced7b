"""The ``latency`` kind: HTTP samples against real local servers, TCP connects to real sockets."""

from __future__ import annotations

import asyncio
import gc
import re
import socket
import threading
from collections.abc import Iterator, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from watchdog.checks.latency_probe import Sample, format_ms, judge_samples, split_target, summarize, take_samples
from tests.support.http_service import Service
from tests.support.redis_server import free_port
from watchdog.config import from_document
from watchdog.errors import CheckError, ConfigError
from watchdog.model import Result
from watchdog.runner import build, context_for, run_checks, select
from watchdog.status import Status

pytestmark = pytest.mark.filterwarnings("error::ResourceWarning")
SUMMARY = re.compile(r"(\d+) samples: p50 [\d.]+ ms, p95 [\d.]+ ms, p99 [\d.]+ ms, ([\d.]+)% errors")


async def run_latency(env: Mapping[str, str] | None = None, **keys: Any) -> Result:
    """One ``[checks.lat]`` through the real path: config -> runner -> Result."""
    config = from_document({"checks": {"lat": {"type": "latency", **keys}}}, env=dict(env or {}))
    ctx = context_for(config)
    try:
        [result] = await run_checks(build(config, select(config), ctx))
    finally:
        await ctx.aclose()
    gc.collect()
    assert asyncio.all_tasks() == {asyncio.current_task()}, "the check left tasks running"
    return result


class Alternating:
    """An HTTP server whose odd-numbered answers are 200 and even-numbered ones 500; it keeps
    the method and the X-Probe header of every request."""

    def __init__(self) -> None:
        self.count = 0
        self.seen: list[tuple[str, str | None]] = []
        lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # headers and body go out in two writes: without TCP_NODELAY every keep-alive
            # answer waits ~40 ms for the client's delayed ACK (Nagle)
            disable_nagle_algorithm = True

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                with lock:
                    owner.count += 1
                    status = 200 if owner.count % 2 else 500
                    owner.seen.append((self.command, self.headers.get("X-Probe")))
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            do_POST = do_GET

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/health"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def alternating() -> Iterator[Alternating]:
    server = Alternating()
    yield server
    server.stop()


@pytest.fixture
def listening() -> Iterator[int]:
    """A TCP port with a listener (connections complete in the kernel backlog)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(128)
        yield sock.getsockname()[1]


# -- HTTP ---------------------------------------------------------------------------------------

async def test_http_samples_give_percentiles(http_service: Service) -> None:
    result = await run_latency(url=f"{http_service.url}/health", samples=20)
    assert result.status is Status.OK
    m = result.metrics
    assert set(m) == {"p50_ms", "p95_ms", "p99_ms", "max_ms", "min_ms", "error_pct", "samples"}
    assert (m["samples"], m["error_pct"]) == (20, 0)
    assert 0 < m["min_ms"] <= m["p50_ms"] <= m["p95_ms"] <= m["p99_ms"] <= m["max_ms"]
    match = SUMMARY.fullmatch(result.summary)
    assert match and match.groups() == ("20", "0"), result.summary
    assert http_service.hits == 20
    assert result.evidence == ()


async def test_all_samples_failing_is_critical_with_the_first_reason(http_service: Service) -> None:
    http_service.behave(status=503)
    result = await run_latency(url=f"{http_service.url}/health")
    host = http_service.url.removeprefix("http://")
    assert result.status is Status.CRITICAL
    assert result.summary == f"all 10 samples failed; first: HTTP 503 Service Unavailable from {host}"
    assert result.metrics == {"error_pct": 100.0, "samples": 10.0}
    assert result.evidence == (f"10 x HTTP 503 Service Unavailable from {host}",)


async def test_expected_status_is_configurable(http_service: Service) -> None:
    http_service.behave(status=503)
    result = await run_latency(url=f"{http_service.url}/health", samples=3, expect_status=[503])
    assert result.status is Status.OK
    assert result.metrics["error_pct"] == 0


async def test_partial_errors_are_counted_exactly(alternating: Alternating) -> None:
    result = await run_latency(url=alternating.url, samples=10, concurrency=3)
    assert result.status is Status.OK  # no threshold on error_pct: thresholds decide
    assert (result.metrics["samples"], result.metrics["error_pct"]) == (10, 50)
    assert result.evidence == (f"5 x HTTP 500 Internal Server Error from 127.0.0.1:{alternating.port}",)
    match = SUMMARY.fullmatch(result.summary)
    assert match and match.groups() == ("10", "50"), result.summary


async def test_error_pct_threshold_trips(alternating: Alternating) -> None:
    result = await run_latency(url=alternating.url, samples=4, warning=["error_pct > 1"], critical=["error_pct > 60"])
    assert result.status is Status.WARNING
    assert result.summary.startswith("error_pct = 50 (> 1) - 4 samples: p50 ")


async def test_method_and_headers_are_sent(alternating: Alternating) -> None:
    await run_latency(url=alternating.url, samples=2, method="post", headers={"X-Probe": "${PROBE}"},
                      env={"PROBE": "watchdog"})
    assert alternating.seen == [("POST", "watchdog"), ("POST", "watchdog")]


async def test_samples_stop_at_the_budget_and_say_so(http_service: Service) -> None:
    http_service.behave(delay_s=0.3)
    result = await run_latency(url=f"{http_service.url}/health", samples=10, concurrency=1, timeout="500ms")
    taken = int(result.metrics["samples"])
    assert 1 <= taken < 10
    assert f"{taken} of 10 samples (stopped at the 450ms budget)" in result.summary
    host = http_service.url.removeprefix("http://")
    assert result.evidence[-1].endswith(f"x no answer from {host} within 450ms")


async def test_refused_http_is_critical() -> None:
    port = free_port()
    result = await run_latency(url=f"http://127.0.0.1:{port}/health", samples=3)
    assert result.status is Status.CRITICAL
    assert result.summary == f"all 3 samples failed; first: connection refused by 127.0.0.1:{port}"


# -- TCP ----------------------------------------------------------------------------------------

async def test_tcp_connect_samples(listening: int) -> None:
    result = await run_latency(target=f"127.0.0.1:{listening}", samples=5)
    assert result.status is Status.OK
    assert (result.metrics["samples"], result.metrics["error_pct"]) == (5, 0)
    match = SUMMARY.fullmatch(result.summary)
    assert match and match.groups() == ("5", "0"), result.summary


async def test_tcp_to_a_redis_server(redis_server: Any) -> None:
    result = await run_latency(target=f"localhost:{redis_server.port}", samples=3, critical=["p99_ms >= 0"])
    assert result.status is Status.CRITICAL
    assert result.summary.startswith("p99_ms = ")


async def test_tcp_to_a_closed_port_is_critical_refused() -> None:
    port = free_port()
    result = await run_latency(target=f"127.0.0.1:{port}", samples=4)
    assert result.status is Status.CRITICAL
    assert result.summary == f"all 4 samples failed; first: connection refused by 127.0.0.1:{port}"
    assert result.evidence == (f"4 x connection refused by 127.0.0.1:{port}",)


async def test_tcp_unknown_host_is_critical_dns() -> None:
    result = await run_latency(target="no-such-host.invalid:80", samples=2)
    assert result.status is Status.CRITICAL
    assert result.summary.startswith("DNS lookup failed for no-such-host.invalid:80: ")


# -- config -------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ({"url": "http://x/health", "target": "x:80"},
         "checks.lat: set exactly one of 'url' (HTTP samples) or 'target' (\"host:port\", TCP connect samples); "
         "both are set"),
        ({}, "checks.lat: set exactly one of 'url' (HTTP samples) or 'target' (\"host:port\", TCP connect samples); "
             "neither is set"),
        ({"url": "ftp://x/"}, "checks.lat.url: must be an http:// or https:// URL, got 'ftp://x/'"),
        ({"target": "db.internal"}, "checks.lat.target: expected \"host:port\", got 'db.internal'"),
        ({"target": "db:70000"}, "checks.lat.target: port 70000 of 'db:70000' is out of range (1-65535)"),
        ({"target": "db:5432", "headers": {"A": "b"}},
         "checks.lat: 'headers' applies to HTTP samples only ('url'), not to a TCP 'target'"),
        ({"url": "http://x/", "samples": 0}, "checks.lat.samples: input should be greater than or equal to 1, got 0"),
        ({"url": "http://x/", "samples": 1001},
         "checks.lat.samples: input should be less than or equal to 1000, got 1001"),
        ({"url": "http://x/", "concurrency": 50},
         "checks.lat.concurrency: input should be less than or equal to 20, got 50"),
        ({"url": "http://x/", "method": "FETCH"},
         "checks.lat.method: unknown HTTP method 'FETCH' (one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS)"),
        ({"url": "http://x/", "expect_status": [200, 999]},
         "checks.lat.expect_status: invalid HTTP status 999 (100-599)"),
        ({"url": "http://x/", "interval_between": "soon"},
         "checks.lat.interval_between: invalid duration 'soon' (use 500ms, 30s, 5m, 1h, 1d)"),
        ({"url": "http://x/", "warning": ["response_ms > 5"]},
         "checks.lat.warning[0]: metric 'response_ms' is never produced by latency checks "
         "(known: error_pct, max_ms, min_ms, p50_ms, p95_ms, p99_ms, samples)"),
    ],
)
def test_bad_config_names_the_key(keys: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as err:
        from_document({"checks": {"lat": {"type": "latency", **keys}}}, env={})
    assert str(err.value) == f"watchdog.toml: {message}"


# -- pure parts ---------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("target", "parsed"),
    [("db:5432", ("db", 5432)), ("127.0.0.1:6379", ("127.0.0.1", 6379)), ("[::1]:80", ("::1", 80))],
)
def test_split_target(target: str, parsed: tuple[str, int]) -> None:
    assert split_target(target) == parsed


@pytest.mark.parametrize(("ms", "text"), [(51.4, "51"), (4.23, "4.2"), (0.384, "0.38"), (1234.5, "1234")])
def test_format_ms(ms: float, text: str) -> None:
    assert format_ms(ms) == text


@pytest.mark.parametrize(
    ("samples", "metrics"),
    [
        ([Sample(ms=float(v)) for v in range(1, 11)],
         {"p50_ms": 5.5, "p95_ms": 9.55, "p99_ms": 9.91, "max_ms": 10.0, "min_ms": 1.0, "error_pct": 0.0,
          "samples": 10.0}),
        ([Sample(ms=50.0), Sample(error="HTTP 500"), Sample(ms=70.0), Sample(error="HTTP 500")],
         {"p50_ms": 60.0, "p95_ms": 69.0, "p99_ms": 69.8, "max_ms": 70.0, "min_ms": 50.0, "error_pct": 50.0,
          "samples": 4.0}),
        ([Sample(ms=3.0)],
         {"p50_ms": 3.0, "p95_ms": 3.0, "p99_ms": 3.0, "max_ms": 3.0, "min_ms": 3.0, "error_pct": 0.0,
          "samples": 1.0}),
    ],
)
def test_judge_samples_metrics(samples: list[Sample], metrics: dict[str, float]) -> None:
    assert judge_samples(samples, len(samples), 9.0).metrics == pytest.approx(metrics)


def test_judge_samples_all_failed_keeps_counts_and_reasons() -> None:
    samples = [Sample(error="refused"), Sample(error="timeout"), Sample(error="refused")]
    with pytest.raises(CheckError) as err:
        judge_samples(samples, 3, 9.0)
    assert str(err.value) == "all 3 samples failed; first: refused"
    assert err.value.metrics == {"error_pct": 100.0, "samples": 3.0}
    assert err.value.evidence == ("2 x refused", "1 x timeout")


@pytest.mark.parametrize(
    ("taken", "planned", "error_pct", "summary"),
    [
        (20, 20, 0.0, "20 samples: p50 51 ms, p95 55 ms, p99 58 ms, 0% errors"),
        (20, 20, 100 / 3, "20 samples: p50 51 ms, p95 55 ms, p99 58 ms, 33.3% errors"),
        (7, 20, 0.0, "7 of 20 samples (stopped at the 9s budget): p50 51 ms, p95 55 ms, p99 58 ms, 0% errors"),
        (1, 1, 0.0, "1 sample: p50 51 ms, p95 55 ms, p99 58 ms, 0% errors"),
    ],
)
def test_summary(taken: int, planned: int, error_pct: float, summary: str) -> None:
    metrics = {"p50_ms": 51.2, "p95_ms": 55.0, "p99_ms": 57.9, "samples": float(taken), "error_pct": error_pct}
    assert summarize(metrics, planned, 9.0) == summary


@pytest.mark.parametrize(("count", "concurrency"), [(10, 2), (7, 3), (3, 8), (1, 1)])
async def test_take_samples_bounds_concurrency_and_takes_each_once(count: int, concurrency: int) -> None:
    in_flight, peak = 0, 0

    async def sample() -> Sample:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.005)
        in_flight -= 1
        return Sample(ms=1.0)

    deadline = asyncio.get_running_loop().time() + 30
    taken = await take_samples(sample, count, concurrency, 0.001, deadline)
    assert len(taken) == count
    assert peak == min(count, concurrency)
