"""One Socket.IO client the way a probe needs it: python-socketio's asyncio client, tamed.

The library's defaults suit an application, not a monitor, so ``SocketIOClient``:

* never reconnects (``reconnection=False``): a monitor reports what it sees;
* installs no SIGINT handler (the library's disconnects every client and stops the
  loop; the daemon owns its signals);
* logs nothing (the library prints errors to stderr, unredacted): the reason goes
  into the result instead;
* owns its aiohttp session (after a failed websocket connect the library leaves its
  own open until garbage collection) and ``close()`` always ends it, within
  ``CLOSE_WITHIN_S``, even when the check is cancelled or timed out.

Timing is taken where things happen: ``connect()`` is the first byte of the
Engine.IO handshake to the namespace's CONNECT; an event's or an ack's arrival
is read in the library's callback, not when our task next runs.

``EventWatch`` waits for the first event whose payload matches (a ``{probe_id}``
already filled in), counting the others.

``connect_failure`` words each way a connect fails (refused, DNS, TLS, a wrong
``path``, the server's ``connect_error`` reason, a refused namespace), naming the host.
"""

from __future__ import annotations

import asyncio
import logging
import re
import ssl
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from watchdog.checks.client_config import matches, payload_of
from watchdog.checks.latency_probe import host_of
from watchdog.errors import CheckError, ProbeConnectError, ProbeResponseError, ProbeTimeout, ProbeTLSError
from watchdog.neterrors import DNS_WITH_DETAIL, connect_reason

CLOSE_WITHIN_S = 1.0
#: what servers answer for a namespace they do not have: Node's socket.io, python-socketio
NAMESPACE_REFUSALS = ("Invalid namespace", "Unable to connect")
_STATUS = re.compile(r"Unexpected status code (\d{3})")
_QUIET = logging.getLogger("watchdog.checks.socketio.library")
_QUIET.addHandler(logging.NullHandler())
_QUIET.propagate = False  # the library's errors are worded in the result, never logged raw

EventHandler = Callable[..., Any]


class SocketIOClient:
    """``async with SocketIOClient(url, ...) as client: await client.connect(budget)``."""

    def __init__(self, url: str, *, path: str = "/socket.io", namespace: str = "/",
                 transports: Sequence[str] = ("websocket",), headers: Mapping[str, str] | None = None,
                 auth: Mapping[str, Any] | None = None, verify_tls: bool = True, timeout: float = 10.0) -> None:
        self.url, self.host = url, host_of(url)
        self.path, self.namespace = path, namespace
        self.transports, self.headers, self.auth = list(transports), dict(headers or {}), auth
        self.verify_tls, self.timeout = verify_tls, timeout
        #: what the server sent with connect_error (its reason for refusing the handshake)
        self.rejections: list[Any] = []
        #: the transport the connect ended on (None until connected)
        self.transport_used: str | None = None
        self._session: Any = None
        self._sio: Any = None

    async def __aenter__(self) -> SocketIOClient:
        import aiohttp
        import socketio

        self._session = aiohttp.ClientSession()
        self._sio = socketio.AsyncClient(
            reconnection=False, handle_sigint=False, logger=_QUIET, engineio_logger=_QUIET,
            http_session=self._session, ssl_verify=self.verify_tls, request_timeout=self.timeout,
        )
        self._sio.on("connect_error", self._rejected, namespace=self.namespace)
        return self

    async def __aexit__(self, *exc: object) -> None:
        # shielded: a second cancel while closing must not leave the session open
        await asyncio.shield(asyncio.ensure_future(self.close()))

    def _rejected(self, *data: Any) -> None:
        self.rejections.append(data[0] if len(data) == 1 else data)

    def on(self, event: str, handler: EventHandler) -> None:
        """Call ``handler(*args)`` for each ``event`` on the namespace (register before connecting)."""
        self._sio.on(event, handler, namespace=self.namespace)

    async def connect(self, wait: float) -> float:
        """Connect the namespace; the milliseconds it took. Raises ``connect_failure``'s errors."""
        import socketio

        t0 = time.perf_counter()
        try:
            await self._sio.connect(
                self.url, headers=dict(self.headers), auth=self.auth, transports=self.transports,
                namespaces=[self.namespace], socketio_path=self.path, wait_timeout=wait,
            )
        except socketio.exceptions.ConnectionError as exc:
            raise connect_failure(exc, self.host, self.namespace, self.path, self.rejections) from None
        elapsed = (time.perf_counter() - t0) * 1000
        self.transport_used = str(self._sio.transport())
        return elapsed

    @property
    def connected(self) -> bool:
        return self._sio is not None and bool(self._sio.connected)

    async def emit(self, event: str, data: Any = None) -> None:
        await self._sio.emit(event, data, namespace=self.namespace)

    async def call(self, event: str, data: Any = None) -> tuple[float, Any]:
        """Emit with an acknowledgement; ``(ms until the ack arrived, its payload)``. Bounded by the caller."""
        arrived: asyncio.Future[tuple[float, Any]] = asyncio.get_running_loop().create_future()
        t0 = time.perf_counter()

        def on_ack(*args: Any) -> None:
            if not arrived.done():
                arrived.set_result(((time.perf_counter() - t0) * 1000, payload_of(args)))

        await self._sio.emit(event, data, namespace=self.namespace, callback=on_ack)
        return await arrived

    async def close(self) -> None:
        """Disconnect (bounded), close the session, and end the library's tasks: nothing outlives a check."""
        sio, self._sio = self._sio, None
        if sio is None:
            return
        try:
            async with asyncio.timeout(CLOSE_WITHIN_S):
                await sio.disconnect()
        except Exception:  # a server gone mid-close: the session is closed below anyway
            pass
        finally:
            await self._session.close()
            await _cancel(sio.eio.read_loop_task, sio.eio.write_loop_task)


class EventWatch:
    """Waits for the first event whose payload matches: ``arrived`` gets its ``perf_counter()``
    time, read as it arrives; other events are counted (``ignored``) and the last one kept."""

    def __init__(self, expected: Mapping[str, Any]) -> None:
        self.expected = dict(expected)
        self.arrived: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.since: float | None = None
        self.ignored = 0
        self.last_ignored: Any = None

    def start(self) -> None:
        """From now on a matching event counts (registered before, so none is missed in between)."""
        self.since = time.perf_counter()

    def receive(self, *args: Any) -> None:
        """The handler to register: called by the library as the event is read."""
        if self.since is None or self.arrived.done():
            return
        payload = payload_of(args)
        if matches(payload, self.expected):
            self.arrived.set_result(time.perf_counter())
        else:
            self.ignored += 1
            self.last_ignored = payload

    def ms_after(self, moment: float | None = None) -> float | None:
        """Milliseconds from ``moment`` (default: ``start()``) to the arrival; None before it."""
        base = self.since if moment is None else moment
        if not self.arrived.done() or base is None:
            return None
        return max(self.arrived.result() - base, 0.0) * 1000


async def _cancel(*tasks: asyncio.Task[Any] | None) -> None:
    pending = [t for t in tasks if t is not None and not t.done()]
    for task in pending:
        task.cancel()
    if pending:
        await asyncio.gather(*pending, return_exceptions=True)


def connect_failure(exc: BaseException, host: str, namespace: str, path: str,
                    rejections: Sequence[Any] = ()) -> CheckError:
    """The person's reason a Socket.IO connect failed."""
    text = str(exc.args[0]) if exc.args else str(exc)
    if text.startswith("One or more namespaces failed"):
        reason = server_reason(rejections[-1] if rejections else None)
        if reason in NAMESPACE_REFUSALS:
            return ProbeResponseError(f"namespace {namespace!r} refused by {host}: {reason}")
        return ProbeResponseError(f"handshake rejected by {host}: {reason}")
    if text == "Unexpected connection error":  # the Engine.IO link is up, the namespace never answered
        return ProbeTimeout(f"{host} never connected namespace {namespace!r}")
    status = _handshake_status(exc)
    if status is not None:
        return ProbeResponseError(f"{host} answered HTTP {status} at {path} (is 'path' the server's?)")
    if _is_tls(exc):
        return ProbeTLSError(f"TLS handshake with {host} failed: {_tls_detail(exc)}")
    return ProbeConnectError(connect_reason(exc, host, text=text, wording=DNS_WITH_DETAIL))


def server_reason(data: Any) -> str:
    """The text of a ``connect_error`` payload: ``{"message": ...}`` (Node, python-socketio) or a string."""
    if isinstance(data, Mapping) and data.get("message"):
        return str(data["message"])
    if isinstance(data, str) and data:
        return data
    return "no reason given"


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and len(seen) < 10:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def _handshake_status(exc: BaseException) -> int | None:
    """The HTTP status of a refused handshake: aiohttp's WSServerHandshakeError, or engineio's polling text."""
    for seen in _chain(exc):
        status = getattr(seen, "status", None)
        if type(seen).__name__ == "WSServerHandshakeError" and isinstance(status, int):
            return status
        found = _STATUS.search(str(seen))
        if found:
            return int(found.group(1))
    return None


def _is_tls(exc: BaseException) -> bool:
    return any(isinstance(seen, ssl.SSLError) or "SSLCertVerificationError" in str(seen)
               or "certificate verify failed" in str(seen) for seen in _chain(exc))


def _tls_detail(exc: BaseException) -> str:
    for seen in _chain(exc):
        if isinstance(seen, ssl.SSLError):
            return str(getattr(seen, "verify_message", None) or seen.reason or seen)
    found = re.search(r"certificate verify failed: ([^(\]]+)", str(exc))
    return found.group(1).strip() if found else "certificate not accepted"
