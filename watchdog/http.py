"""The one HTTP client every HTTP-speaking check shares, and honest timing of requests.

Why it looks like this:

* One ``httpx.AsyncClient`` per TLS-verification mode, reused, so connections
  are kept alive and a check pays no handshake it does not need.
* Requests in flight are capped by our own semaphore *below* the pool size.
  httpx queues badly above ~10 concurrent requests, and with 5-10 in flight on
  one client some requests were seen stalled for seconds inside httpcore's pool
  (httpcore #822): a monitor would report false timeouts. With our cap below
  the pool limit, a request never waits inside httpcore for a connection.
* ``response_ms`` is timed on the wire with httpcore's ``trace`` extension:
  from the first byte of the request headers sent to the last byte of the
  body read. Waiting for a slot, for the pool, or for a new TCP/TLS connection
  is not the server's response time; connection setup is reported apart as
  ``connect_ms`` / ``tls_ms`` when a new connection was opened.
* The body is streamed and read up to a cap, never whole.
* TLS is verified against the **system trust store** (what curl uses, where
  admins install their internal CAs), not only certifi's bundle as httpx does
  by default; certifi is the fallback on a system with no CA certificates.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from watchdog import neterrors
from watchdog.errors import CheckError, ProbeConnectError, ProbeTimeout, ProbeTLSError
from watchdog.neterrors import map_exceptions

USER_AGENT = "ops-watchdog/0.1 (+https://github.com/ops-watchdog)"


@dataclass
class Timing:
    """Monotonic marks collected from httpcore's trace events (seconds)."""

    connect_started: float | None = None
    connect_done: float | None = None
    tls_done: float | None = None
    sent: float | None = None
    headers: float | None = None
    done: float | None = None

    async def trace(self, event: str, info: dict[str, Any]) -> None:
        now = time.perf_counter()
        if event == "connection.connect_tcp.started":
            self.connect_started = now
        elif event == "connection.connect_tcp.complete":
            self.connect_done = now
        elif event == "connection.start_tls.complete":
            self.tls_done = now
        elif event.endswith("send_request_headers.started"):
            # a redirect's next request: the headers of the previous answer are not this one's
            self.sent, self.headers = now, None
        elif event.endswith("receive_response_headers.complete"):
            self.headers = now

    @property
    def body_incomplete(self) -> bool:
        """The answer's headers arrived but not the end of its body."""
        return self.headers is not None and self.done is None

    def metrics(self) -> dict[str, float]:
        out: dict[str, float] = {}
        if self.sent is not None and self.done is not None:
            out["response_ms"] = (self.done - self.sent) * 1000
        if self.sent is not None and self.headers is not None:
            out["ttfb_ms"] = (self.headers - self.sent) * 1000
        if self.connect_started is not None and self.connect_done is not None:
            out["connect_ms"] = (self.connect_done - self.connect_started) * 1000
            if self.tls_done is not None:
                out["tls_ms"] = (self.tls_done - self.connect_done) * 1000
        return out


@dataclass
class Reply:
    """What came back: status, headers, the body read up to the cap, the timing."""

    status_code: int
    reason: str
    headers: httpx.Headers
    body: bytes
    truncated: bool
    timing: Timing
    peer_cert: dict[str, Any] | None = None
    http_version: str = "HTTP/1.1"
    url: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


class HttpTransport:
    """Shared clients + the in-flight cap. Created lazily by ``CheckContext.http``."""

    def __init__(self, *, max_in_flight: int = 10, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.max_in_flight = max_in_flight
        self._slots = asyncio.Semaphore(max_in_flight)
        self._transport = transport  # tests pass respx/mock transports here
        self._clients: dict[bool, httpx.AsyncClient] = {}

    def client(self, verify: bool = True) -> httpx.AsyncClient:
        if verify not in self._clients:
            tls: ssl.SSLContext | bool = system_tls_context() if verify else False
            # The pool is larger than our cap so a slot holder never waits in httpcore.
            limits = httpx.Limits(
                max_connections=self.max_in_flight * 2, max_keepalive_connections=self.max_in_flight * 2
            )
            self._clients[verify] = httpx.AsyncClient(
                verify=tls, limits=limits, transport=self._transport,
                headers={"User-Agent": USER_AGENT}, trust_env=False,
            )
        return self._clients[verify]

    async def request(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        content: bytes | str | None = None,
        timeout: float = 10.0,
        follow_redirects: bool = False,
        max_body_bytes: int = 1 << 20,
        verify: bool = True,
    ) -> Reply:
        """Send one request within ``timeout`` (counted from when it holds a slot)."""
        async with self._slots:
            timing = Timing()
            client = self.client(verify)
            try:
                async with asyncio.timeout(timeout):
                    with map_exceptions({httpx.HTTPError: lambda exc: map_http_error(exc, url, timeout, timing)}):
                        return await self._send(
                            client, method, url, headers, content, timeout, follow_redirects, max_body_bytes, timing
                        )
            except TimeoutError:
                raise ProbeTimeout(timeout_reason(url, timeout, timing)) from None

    async def _send(self, client: httpx.AsyncClient, method: str, url: str, headers: dict[str, str] | None,
                    content: bytes | str | None, timeout: float, follow: bool, cap: int, timing: Timing) -> Reply:
        request = client.build_request(
            method, url, headers=headers, content=content, timeout=timeout, extensions={"trace": timing.trace}
        )
        response = await client.send(request, stream=True, follow_redirects=follow)
        try:
            body, truncated = await _read_capped(response, cap)
            timing.done = time.perf_counter()
            return Reply(
                status_code=response.status_code,
                reason=response.reason_phrase,
                headers=response.headers,
                body=body,
                truncated=truncated,
                timing=timing,
                peer_cert=_peer_cert(response),
                http_version=response.http_version,
                url=str(response.url),
            )
        finally:
            await response.aclose()

    async def aclose(self) -> None:
        for client in self._clients.values():
            await client.aclose()
        self._clients.clear()


def system_tls_context() -> ssl.SSLContext:
    """A verifying context with the system's CA certificates (certifi's when there are none)."""
    context = ssl.create_default_context()
    if not context.cert_store_stats().get("x509_ca"):
        import certifi

        context.load_verify_locations(certifi.where())
    return context


async def _read_capped(response: httpx.Response, cap: int) -> tuple[bytes, bool]:
    """Read the (decoded) body up to ``cap`` bytes; stop reading past it."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size > cap:
            return b"".join(chunks)[:cap], True
    return b"".join(chunks), False


def _peer_cert(response: httpx.Response) -> dict[str, Any] | None:
    stream = response.extensions.get("network_stream")
    if stream is None:
        return None
    ssl_object = stream.get_extra_info("ssl_object")
    if ssl_object is None:
        return None
    try:
        return ssl_object.getpeercert() or None
    except (ValueError, ssl.SSLError):
        return None


def timeout_reason(url: str, timeout: float, timing: Timing | None = None) -> str:
    """Why a request ran out of time: ``no answer from HOST within 4s``, or, when the
    headers came and the body did not finish, ``headers received, body incomplete after 4s``
    (a server that trickles its body answered, but too slowly to be judged)."""
    if timing is not None and timing.body_incomplete:
        return f"headers received, body incomplete after {_secs(timeout)}"
    return f"no answer from {_host(url)} within {_secs(timeout)}"


def map_http_error(exc: httpx.HTTPError, url: str, timeout: float, timing: Timing | None = None) -> CheckError:
    """httpx's exceptions as the project's probe errors, with the host named."""
    host = _host(url)
    text = _root_cause(exc)
    if isinstance(exc, httpx.TimeoutException):
        if timing is not None and timing.body_incomplete:
            return ProbeTimeout(timeout_reason(url, timeout, timing))
        return ProbeTimeout(f"no answer from {host} within {_secs(timeout)} ({type(exc).__name__})")
    if "CERTIFICATE" in text.upper() or "SSL" in text.upper() or "TLS" in text.upper():
        return ProbeTLSError(f"TLS failed for {host}: {text}")
    if isinstance(exc, httpx.ConnectError):
        return ProbeConnectError(neterrors.connect_reason(exc, host, text=text, wording=neterrors.DNS_WITH_DETAIL))
    network = neterrors.describe(exc, host) if isinstance(exc, httpx.NetworkError) else None
    if network:
        return ProbeConnectError(network)
    if isinstance(exc, httpx.RemoteProtocolError):
        return ProbeConnectError(f"{host} closed the connection or spoke bad HTTP: {text}")
    if isinstance(exc, httpx.TooManyRedirects):
        return ProbeConnectError(f"too many redirects from {host}")
    if isinstance(exc, (httpx.UnsupportedProtocol, httpx.InvalidURL)):
        return ProbeConnectError(f"invalid URL {url!r}: {text}")
    return ProbeConnectError(f"request to {host} failed: {type(exc).__name__}: {text}")


def _root_cause(exc: BaseException) -> str:
    """The first non-empty message along ``__cause__`` (httpx re-raises httpcore's with ``from``)."""
    seen: BaseException | None = exc
    for _ in range(10):
        if seen is None:
            break
        if str(seen):
            return str(seen).replace("[Errno 111] ", "").replace("[Errno -2] ", "")
        seen = seen.__cause__
    return type(exc).__name__


def _host(url: str) -> str:
    try:
        parsed = httpx.URL(url)
        port = f":{parsed.port}" if parsed.port else ""
        return f"{parsed.host}{port}" or url
    except Exception:
        return url


def _secs(timeout: float) -> str:
    from watchdog.durations import format_duration

    return format_duration(timeout)
