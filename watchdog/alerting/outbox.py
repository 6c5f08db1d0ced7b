"""The durable outbox: every notification is written to the store first, then sent.

Nothing is lost and nothing is sent twice on purpose:

* ``enqueue`` writes the ``Notification`` to the store before any send; a
  daemon killed at any point finds it there on restart (``start()`` sends
  whatever is pending at once; what it had claimed when killed, once that
  claim ends). Ids are stable, so the rare resend of a message whose delivery
  was not yet written down carries the same id and the receiver can drop it.
* Several senders may share one store (replicas, ``report --post`` beside
  the daemon): a pass first claims what is due (``OutboxQueue.claim``) for its
  ``owner`` (``host:pid:random``) and a lease, so what a live other sender holds
  is not sent twice and a dead one's claims are taken over when they end. A
  send starts only if it ends within the lease; the rest is released.
* Per channel, notifications go out one at a time, oldest first, and a
  check's later notification waits while an earlier one for the same channel
  is still being retried (the store's claim enforces this across senders): a
  resolve never overtakes its firing, and the Slack thread of an episode
  exists before its replies.
* A transient failure (5xx, timeout, connection error, 429) is retried with
  capped exponential backoff and jitter (``RetryPolicy``); a ``Retry-After``
  is honoured exactly and pauses the whole channel. After
  ``give_up_after_s`` the notification fails and goes to the fallback.
* A channel that delivers again sends its backlog at once: after a pass
  delivered on it, its other pending notifications waiting on their own backoff
  become due (``OutboxQueue.make_due``), oldest first as ever, so a sink back
  from an outage does not wait up to one backoff cap per notification. Those
  that failed in that pass keep their backoff: they just failed.
* A permanent failure (404, Slack ``invalid_token``, ``channel_not_found``...)
  fails the notification, marks the channel broken (kept in memory until the
  channels are rebuilt, e.g. by a config reload; recorded as a
  ``channel.broken`` event), and re-enqueues the notification for the
  channel's ``fallback``, following the chain past broken channels.
* A channel with an ``async start(history)`` is started first, given the
  store (Alertmanager rebuilds from it what fires, to re-post it); ``stop()``
  ends it with the channel's ``aclose()``.

Time is injected (``clock``, ``rng``; ``deliver_due(now)``) so tests drive the
backoff without sleeping.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import random
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Protocol

from watchdog.alerting.channels.base import Channel, TransportError, attempt
from watchdog.alerting.message import Message, notification_for
from watchdog.alerting.owners import default_owner, is_dead
from watchdog.alerting.retry import RetryPolicy
from watchdog.durations import format_duration
from watchdog.store.base import Event, EventLog, Notification, OutboxQueue

log = logging.getLogger("watchdog.outbox")
#: how long a pass's claim lasts (at least two sends on the slowest channel)
LEASE_S = 120.0
#: a send's time beyond its channel's timeout: ``attempt``'s extra second, the store write after it
SEND_MARGIN_S = 10.0


class OutboxStore(OutboxQueue, EventLog, Protocol):
    """The facets the outbox uses (``channel.broken`` is an event)."""


def send_time(channel: Channel | None) -> float:
    """The longest one send through ``channel`` can take, the store write after it included."""
    return (channel.config.timeout if channel is not None else 0.0) + SEND_MARGIN_S


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one pass did with one notification: delivered, retry, or failed."""

    id: str
    channel: str
    result: str
    error: str = ""
    next_attempt: float | None = None


class Outbox:
    """Sends the store's pending notifications through the channels, durably."""

    def __init__(self, store: OutboxStore, channels: Mapping[str, Channel], *,
                 clock: Callable[[], float] = time.time, policy: RetryPolicy = RetryPolicy(),
                 rng: Callable[[], float] = random.random, batch: int = 500, idle_poll_s: float = 5.0,
                 owner: str | None = None, lease_s: float = LEASE_S) -> None:
        self.store = store
        self.owner = owner or default_owner()
        self.lease_s = lease_s
        self.channels = dict(channels)
        self.clock = clock
        self.policy = policy
        self.rng = rng
        self.batch = batch
        self.idle_poll_s = idle_poll_s
        self._paused_until: dict[str, float] = {}
        self._next_wake = math.inf
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    # -- writing ---------------------------------------------------------------------------
    def enqueue(self, notification: Notification) -> bool:
        """Write to the store (before any send) and wake the sender; False if the id exists."""
        fresh = self.store.enqueue(notification)
        self._wake.set()
        return fresh

    def submit(self, message: Message, channels: Iterable[str], now: float | None = None) -> list[Notification]:
        """One notification per named channel whose ``min_severity`` the message meets."""
        now = self.clock() if now is None else now
        out = []
        for name in dict.fromkeys(channels):
            channel = self.channels.get(name)
            if channel is None:
                log.warning("no channel named %r: notification for %s not sent", name, message.check)
                continue
            if message.event != "test" and not channel.config.accepts(message.routing_severity):
                continue
            notification = notification_for(message, name, now)
            if self.enqueue(notification):
                out.append(notification)
        return out

    # -- sending ---------------------------------------------------------------------------
    async def deliver_due(self, now: float | None = None) -> list[Outcome]:
        """One pass: claim what is due, send it per channel in order, release what was not tried."""
        fixed = now
        clock = (lambda: fixed) if fixed is not None else self.clock
        start = clock()
        lease = max([self.lease_s, *(2 * send_time(c) for c in self.channels.values())])  # 2 sends at least
        claimed = self.store.claim(start, self.owner, lease, self.batch)
        queues: dict[str, list[Notification]] = {}
        for notification in claimed:
            queues.setdefault(notification.channel, []).append(notification)
        self._next_wake = math.inf
        try:
            done = await asyncio.gather(*(self._drain(name, queue, clock, start + lease)
                                          for name, queue in queues.items()),
                                        return_exceptions=True)  # one channel's trouble never stops another's
        finally:
            if claimed:  # the sent ones were released by their mark_*; this frees the rest
                self.store.release(self.owner, [n.id for n in claimed])
        for item in done:
            if isinstance(item, BaseException):
                raise item
        return [outcome for outcomes in done for outcome in outcomes]  # type: ignore[union-attr]

    async def _drain(self, name: str, queue: list[Notification], clock: Callable[[], float],
                     until: float) -> list[Outcome]:
        outcomes: list[Outcome] = []
        paused = self._paused_until.get(name, 0.0)
        if paused > clock():
            self._later(paused)
            return outcomes
        held: set[str] = set()  # checks whose older notification was retried in this pass
        for notification in queue:
            if notification.check in held:
                continue
            if clock() + send_time(self.channels.get(name)) > until:  # the claim could end mid-send
                self._later(clock())
                break
            outcome = await self._deliver_one(notification, clock)
            outcomes.append(outcome)
            if outcome.result == "retry":
                held.add(notification.check)
                self._later(outcome.next_attempt or 0.0)
                if self._paused_until.get(name, 0.0) > clock():
                    break  # the receiver asked us to slow down
        if any(o.result == "delivered" for o in outcomes):
            self._send_backlog(name, clock(), keep=[o.id for o in outcomes if o.result == "retry"])
        return outcomes

    def _send_backlog(self, name: str, now: float, keep: list[str]) -> None:
        """``name`` delivers again: what waits on its own backoff goes out in the next pass."""
        if self._paused_until.get(name, 0.0) > now:
            return  # a Retry-After is honoured whatever else got through
        hurried = self.store.make_due(name, now, keep)
        if hurried:
            log.info("channel %s delivers again: %d waiting notification%s sent now", name, hurried,
                     "" if hurried == 1 else "s")
            self._later(now)

    async def _deliver_one(self, notification: Notification, clock: Callable[[], float]) -> Outcome:
        channel = self.channels.get(notification.channel)
        if channel is None:
            return self._fail(notification, f"channel {notification.channel!r} is not configured", clock())
        if channel.state.broken:
            return self._fail(notification, f"channel is broken: {channel.state.broken}", clock())
        notification = self._threaded(channel, notification)
        result = await attempt(channel, notification, clock=self.clock)
        now = clock()
        if result.delivered:
            thread = result.delivery.thread if result.delivery else None
            self.store.mark_delivered(notification.id, now, thread=thread)
            log.debug("delivered %s (%s %s) via %s", notification.id, notification.event,
                      notification.check, channel.name)
            return Outcome(notification.id, channel.name, "delivered")
        error = result.error or TransportError("unknown error")
        if error.permanent:
            self._break(channel, notification, str(error), now)
            return self._fail(notification, str(error), now)
        if now - notification.created >= self.policy.give_up_after_s:
            given_up = f"gave up after {notification.attempts + 1} attempts over " \
                       f"{format_duration(now - notification.created)}: {error}"
            return self._fail(notification, given_up, now)
        return self._retry(channel, notification, error, now)

    def _retry(self, channel: Channel, notification: Notification, error: TransportError, now: float) -> Outcome:
        wait = self.policy.delay(notification.attempts + 1, error, self.rng)
        self.store.mark_attempt(notification.id, error=str(error), next_attempt=now + wait, permanent=False)
        channel.state.retried += 1
        if error.retry_after is not None:
            self._paused_until[channel.name] = now + wait
        log.warning("%s to %s failed, retry in %s: %s", notification.event, channel.name,
                    format_duration(wait), error)
        return Outcome(notification.id, channel.name, "retry", str(error), now + wait)

    def _fail(self, notification: Notification, reason: str, now: float) -> Outcome:
        self.store.mark_attempt(notification.id, error=reason, next_attempt=now, permanent=True)
        channel = self.channels.get(notification.channel)
        if channel is not None:
            channel.state.failed += 1
        fallback = self._fallback(notification, reason, now)
        log.error("%s for %s not delivered to %s: %s%s", notification.event, notification.check,
                  notification.channel, reason, f" (sent to {fallback} instead)" if fallback else "")
        return Outcome(notification.id, notification.channel, "failed", reason)

    def _break(self, channel: Channel, notification: Notification, reason: str, now: float) -> None:
        if channel.state.broken:
            return
        channel.state.broken = reason
        self.store.add_event(Event(
            "channel.broken", now, check=notification.check, message=f"channel {channel.name} is broken: {reason}",
            data={"channel": channel.name, "type": channel.type, "notification": notification.id,
                  "fallback": channel.config.fallback},
        ))

    def _fallback(self, notification: Notification, reason: str, now: float) -> str | None:
        target = self._fallback_target(notification.channel)
        if target is None:
            return None
        message = Message.from_payload(notification.payload)
        note = f"sent to {target} because channel {notification.channel} failed: {reason}"
        self.enqueue(notification_for(replace(message, note=note), target, now))
        return target

    def _fallback_target(self, name: str) -> str | None:
        seen = {name}
        current = self.channels[name].config.fallback if name in self.channels else None
        while current is not None and current in self.channels and current not in seen:
            if not self.channels[current].state.broken:
                return current
            seen.add(current)
            current = self.channels[current].config.fallback
        return None

    def _threaded(self, channel: Channel, notification: Notification) -> Notification:
        if notification.thread or not getattr(channel, "uses_threads", False):
            return notification
        episode = str(notification.payload.get("episode", ""))
        thread = self.store.thread_of(notification.channel, notification.check, episode)
        return replace(notification, thread=thread) if thread else notification

    def _later(self, when: float) -> None:
        self._next_wake = min(self._next_wake, when)

    # -- the long-lived loop ---------------------------------------------------------------
    def release_dead_claims(self) -> list[str]:
        """Free what a killed sender on this host still held (at start); the ids freed."""
        freed = []
        for owner, ids in self.store.claims().items():
            if is_dead(owner, self.owner):
                self.store.release(owner, ids)
                freed += ids
        return freed

    async def start(self) -> None:
        """Start the channels that run something of their own, send what is pending now (what a
        killed predecessor on this host held included), keep sending."""
        if self._task is None:
            self._stopping = False
            with contextlib.suppress(Exception):  # a store that cannot say: the lease frees them later
                self.release_dead_claims()
            for channel in self.channels.values():
                await self._start_channel(channel)
            self._task = asyncio.create_task(self.run(), name="watchdog-outbox")

    async def _start_channel(self, channel: Channel) -> None:
        starter = getattr(channel, "start", None)
        if starter is None:
            return
        try:
            await starter(self.store)
        except Exception as exc:  # one channel's start-up trouble must not stop delivery
            log.error("channel %s did not start: %s", channel.name, channel.redact(f"{type(exc).__name__}: {exc}"))

    async def stop(self, grace: float = 5.0) -> None:
        """One last pass within ``grace`` seconds, then close the channels; pending stays stored."""
        if self._task is not None:
            self._stopping = True
            self._wake.set()
            try:
                await asyncio.wait_for(asyncio.shield(self._task), grace)
            except asyncio.TimeoutError:
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
            self._task = None
        for channel in self.channels.values():
            with contextlib.suppress(Exception):
                await channel.aclose()

    async def run(self) -> None:
        while True:
            self._wake.clear()
            try:
                await self.deliver_due()
            except Exception as exc:  # a store hiccup must not end delivery; say it and go on
                log.error("outbox pass failed: %s: %s", type(exc).__name__, exc)
                self._next_wake = self.clock() + self.idle_poll_s
            if self._stopping:
                return
            delay = min(max(self._next_wake - self.clock(), 0.01), self.idle_poll_s)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), delay)

    # -- what it knows ---------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        """Per channel: counts, last error, last send duration, broken; and the pending count."""
        channels = {
            name: {"type": ch.type, "sent": ch.state.sent, "retried": ch.state.retried, "failed": ch.state.failed,
                   "last_error": ch.state.last_error, "last_duration_s": ch.state.last_duration_s,
                   "last_success_at": ch.state.last_success_at, "broken": ch.state.broken or None}
            for name, ch in self.channels.items()
        }
        return {"pending": self.store.pending_count(), "channels": channels}
