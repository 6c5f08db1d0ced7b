"""The dead man's switch: pinging an outside service while the daemon is healthy.

Who watches the watchdog? A monitor that died, hangs, or lost its disk cannot
page about itself. With ``[heartbeat] url = "${HEARTBEAT_URL}"`` the daemon
POSTs to ``url`` every ``interval`` while its self report is healthy, and to
``url/fail`` with the reasons in the body while it is not (Healthchecks.io,
Better Stack, Cronitor and Uptime Kuma's push monitors take this convention).
When the pings stop or a ``/fail`` arrives, that service alerts: from
outside, by a path that does not depend on this process.

The URL is a secret (it lets anyone report "all well"): never logged, and
every error names the host only.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any

from watchdog.daemon.health import SelfReport
from watchdog.neterrors import describe, detail_of

log = logging.getLogger("watchdog.heartbeat")


def ping_url(url: str, healthy: bool) -> str:
    """``url`` itself, or ``url/fail`` (before any query string) when unhealthy."""
    if healthy:
        return url
    base, sep, query = url.partition("?")
    return f"{base.rstrip('/')}/fail{sep}{query}"


def ping_body(report: SelfReport) -> bytes:
    """What the service shows beside the ping: the reasons, or that all is well."""
    return (report.healthz()[1] + "\n").encode()


class Heartbeat:
    """Pings while the daemon runs: ``run()`` until cancelled, ``beat()`` once."""

    def __init__(self, url: str, *, interval: float, timeout: float, report: Callable[[], SelfReport],
                 clock: Callable[[], float] = time.time) -> None:
        self.url, self.interval, self.timeout = url, interval, timeout
        self.report = report
        self.clock = clock
        self.last_ok_at: float | None = None
        self.last_error = ""
        self._client: Any = None

    async def run(self) -> None:
        try:
            while True:
                await self.beat()
                await asyncio.sleep(self.interval)
        finally:
            await self.aclose()

    async def beat(self) -> bool:
        """One ping (``/fail`` when unhealthy); False when the service could not be reached."""
        import httpx

        report = self.report()
        target = ping_url(self.url, report.healthy)
        try:
            response = await self._http().post(target, content=ping_body(report),
                                               headers={"Content-Type": "text/plain; charset=utf-8"})
            response.raise_for_status()
        except httpx.HTTPStatusError as exc:
            return self._failed(f"answered HTTP {exc.response.status_code}")
        except httpx.HTTPError as exc:
            return self._failed(describe(exc, self._host()) or f"cannot reach {self._host()}: {detail_of(exc)}")
        self.last_ok_at, self.last_error = self.clock(), ""
        return True

    def _failed(self, reason: str) -> bool:
        self.last_error = reason
        log.warning("heartbeat not delivered: %s", reason)
        return False

    def _http(self) -> Any:
        if self._client is None:
            import httpx

            from watchdog.http import system_tls_context

            self._client = httpx.AsyncClient(timeout=self.timeout, verify=system_tls_context(), follow_redirects=True)
        return self._client

    def _host(self) -> str:
        import httpx

        url = httpx.URL(self.url)
        return f"{url.host}:{url.port}" if url.port else url.host

    async def aclose(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            await client.aclose()


class HeartbeatRunner:
    """Keeps one ``Heartbeat`` task running as the config asks (started, changed by a reload, stopped)."""

    def __init__(self, report: Callable[[], SelfReport], *, clock: Callable[[], float] = time.time) -> None:
        self.report = report
        self.clock = clock
        self.beat: Heartbeat | None = None
        self._running: tuple[Any, asyncio.Task[None]] | None = None  # (its settings, its task)

    async def follow(self, settings: Any) -> None:
        """Run the heartbeat ``settings`` (``[heartbeat]``) ask for; None or no url: none. Unchanged
        settings keep the one running."""
        wanted = settings if settings is not None and settings.url is not None else None
        if self._running is not None:
            if self._running[0] == wanted:
                return
            self._running[1].cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._running[1]
            self._running, self.beat = None, None
        if wanted is not None:
            self.beat = Heartbeat(wanted.url.get_secret_value(), interval=wanted.interval, timeout=wanted.timeout,
                                  report=self.report, clock=self.clock)
            self._running = (wanted, asyncio.create_task(self.beat.run(), name="watchdog-heartbeat"))
