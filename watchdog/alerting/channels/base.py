"""The contract every channel meets, and the one place a send attempt is timed.

A channel is one module holding its config model (a ``ChannelConfig``
subclass, named by the channel class's ``Config``), the pure functions that
render a message, and its ``BaseChannel`` subclass, registered under the
entry-point group ``watchdog.channels`` (``watchdog.registry.CHANNELS``).

A channel turns one ``Notification`` into one request (or a short sequence
that is safe to repeat: a test's PagerDuty trigger and resolve, Slack's edit
of the first message before the resolve's reply). It raises
``TransportError`` when that failed, saying whether a retry can help
(``permanent``) and how long the receiver asked us to wait (``retry_after``);
it never retries by itself: the outbox owns retries, the CLI owns tests.

Two optional parts: ``uses_threads = True`` makes the outbox hand a
follow-up the ``Delivery.thread`` of its episode's first message
(``notification.thread``: Slack's ``ts``, an e-mail's Message-ID); an
``async start(history)`` is called by the outbox as it starts, with the
store's ``OutboxQueue``, for a channel that runs something of its own
(Alertmanager's re-posts), which its ``aclose()`` ends. Web channels subclass
``httppost.HttpChannel``.

``attempt()`` wraps a send with the channel's timeout, times it, records the
outcome on the channel's ``ChannelState`` (last error, last duration, counts)
and returns an ``Attempt``. Error text goes through the channel's redactor,
which knows the channel's own secrets, so a webhook URL or a token never
reaches a log line, an event or the terminal.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Annotated, ClassVar, Protocol

from pydantic import BaseModel, ConfigDict, SecretStr

from watchdog.alerting.message import Message
from watchdog.durations import format_duration
from watchdog.redact import NULL_REDACTOR, Redactor, secret_values
from watchdog.status import Status
from watchdog.store.base import Notification
from watchdog.text import one_line
from watchdog.types import PositiveDuration, Severity

#: HTTP statuses worth retrying besides 5xx
RETRYABLE_STATUS = frozenset({408, 425, 429})
#: the colour of an alert in every channel that has colours (Slack, Discord, e-mail)
COLORS = {Status.OK: "#2EB67D", Status.WARNING: "#FFA500", Status.CRITICAL: "#FF0000", Status.UNKNOWN: "#808080"}
EVENT_COLORS = {"resolved": "#2EB67D", "flapping": "#9B59B6", "acknowledged": "#1D9BD1", "test": "#439FE0"}


class ChannelConfig(BaseModel):
    """What every channel has: its type, the lowest severity it takes, a fallback, a timeout."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: str
    #: lowest severity sent to this channel; resolves follow the episode's worst level
    min_severity: Annotated[Status, Severity(Status.WARNING, Status.CRITICAL, Status.UNKNOWN)] = Status.WARNING
    #: another channel that gets the notification when this one fails for good
    fallback: str | None = None
    #: one send attempt may take this long before it counts as a (retried) timeout
    timeout: PositiveDuration = 10.0

    def accepts(self, severity: Status) -> bool:
        return severity >= self.min_severity


def alert_color(message: Message) -> str:
    """``#RRGGBB``: green for a resolve, blue for a test or an acknowledgement, else by severity."""
    return EVENT_COLORS.get(message.event) or COLORS[message.severity]


def http_url(value: str | None) -> str | None:
    """A field validator for a URL that is not a secret: http(s) only."""
    if value is not None and not value.startswith(("http://", "https://")):
        raise ValueError(f"must be an http:// or https:// URL, got {value!r}")
    return value


def secret_http_url(value: SecretStr | None) -> SecretStr | None:
    """A field validator for a URL that is a secret: http(s) only, and never echoed in the error."""
    if value is not None and not value.get_secret_value().startswith(("http://", "https://")):
        raise ValueError("must be an http:// or https:// URL")
    return value


class TransportError(Exception):
    """A send failed; ``permanent`` means retrying the same request cannot help."""

    def __init__(self, message: str, *, permanent: bool = False, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class Delivery:
    """What a successful send tells the outbox: the thread key for follow-ups, if any."""

    thread: str | None = None


@dataclass
class ChannelState:
    """What the daemon knows about a channel's health (``/status``, ``/metrics``)."""

    sent: int = 0
    retried: int = 0  # transient failures
    failed: int = 0  # notifications given up on
    last_error: str = ""
    last_success_at: float | None = None
    last_duration_s: float | None = None
    broken: str = ""  # the permanent error that broke it, "" while healthy


class Channel(Protocol):
    """One configured channel."""

    name: str
    type: str
    config: ChannelConfig
    state: ChannelState

    def redact(self, text: str) -> str: ...
    async def send(self, notification: Notification) -> Delivery: ...
    async def aclose(self) -> None: ...


class BaseChannel:
    """Base class of channels. Subclasses set ``type`` and ``Config`` and implement ``send()``.

    Shared plumbing: name, config, state, a redactor that knows this channel's secrets.
    """

    type: ClassVar[str] = ""
    Config: ClassVar[type[ChannelConfig]] = ChannelConfig

    def __init__(self, name: str, config: ChannelConfig, redactor: Redactor = NULL_REDACTOR) -> None:
        self.name = name
        self.config = config
        self.state = ChannelState()
        self._redactor = redactor
        self._own = Redactor(secret_values(config))

    def redact(self, text: str) -> str:
        """Hide this channel's secrets and the config's."""
        return self._redactor(self._own(text))

    @staticmethod
    def message_of(notification: Notification) -> Message:
        return Message.from_payload(notification.payload)

    async def send(self, notification: Notification) -> Delivery:  # pragma: no cover - abstract
        raise NotImplementedError

    async def aclose(self) -> None:
        return None

    def __repr__(self) -> str:  # never the config: it holds secrets
        return f"<{type(self).__name__} {self.name!r}>"


@dataclass(frozen=True, slots=True)
class Attempt:
    """The outcome of one send."""

    delivered: bool
    duration_s: float
    delivery: Delivery | None = None
    error: TransportError | None = None


async def attempt(channel: Channel, notification: Notification, *,
                  clock: Callable[[], float] = time.time) -> Attempt:
    """Send once within the channel's timeout; record and return the outcome."""
    timeout = channel.config.timeout
    t0 = time.perf_counter()
    try:
        delivery = await asyncio.wait_for(channel.send(notification), timeout + 1.0)
    except TransportError as exc:
        error = TransportError(channel.redact(str(exc)), permanent=exc.permanent, retry_after=exc.retry_after)
    except asyncio.TimeoutError:
        error = TransportError(f"no answer within {format_duration(timeout)}")
    except Exception as exc:  # a channel bug must not stop the outbox; retry, and say what it was
        error = TransportError(channel.redact(f"{type(exc).__name__}: {exc}"))
    else:
        duration = time.perf_counter() - t0
        state = channel.state
        state.sent, state.last_success_at, state.last_duration_s = state.sent + 1, clock(), duration
        return Attempt(True, duration, delivery=delivery)
    duration = time.perf_counter() - t0
    state = channel.state
    state.last_error, state.last_duration_s = str(error), duration
    return Attempt(False, duration, error=error)


def http_error(status: int, reason: str, detail: str = "", *, retry_after: str | None = None,
               who: str = "receiver") -> TransportError:
    """A non-2xx answer as a TransportError: 5xx, 408, 425, 429 are retried; other 4xx are not."""
    text = f"{who} answered HTTP {status}" + (f" {reason}" if reason else "")
    if detail:
        text += f": {one_line(detail)}"
    permanent = not (status >= 500 or status in RETRYABLE_STATUS)
    return TransportError(text, permanent=permanent, retry_after=parse_retry_after(retry_after))


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """``Retry-After`` in seconds (``"1"``, ``"1.5"``) or as an HTTP date; None when absent or bad."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError):
        return None
    return max(when - (time.time() if now is None else now), 0.0)

