"""The durable outbox: written before sent, retried with backoff, broken channels, fallbacks, restarts."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from pathlib import Path
from unittest.mock import ANY

import pytest

from tests.support.receiver import Receiver, Reply
from watchdog.alerting.channels.base import BaseChannel, Delivery, TransportError
from watchdog.alerting.channels.log import LogConfig
from watchdog.alerting.channels.slack import SlackChannel, SlackConfig
from watchdog.alerting.channels.webhook import WebhookChannel, WebhookConfig
from watchdog.alerting.message import Message, notification_for, notification_id
from watchdog.alerting.outbox import Outbox
from watchdog.alerting.retry import RetryPolicy
from watchdog.status import Status
from watchdog.store.base import Notification
from watchdog.store.memory import MemoryStore

T0 = 1714564800.0
NO_JITTER = RetryPolicy(base_s=2.0, factor=2.0, cap_s=300.0, jitter=0.2)


def message(check: str = "health", event: str = "firing", severity: Status = Status.CRITICAL, **kw: object) -> Message:
    fields = dict(event=event, check=check, severity=severity, title=f"{severity.name}: {check}",
                  summary="HTTP 503 from /health", started=T0, episode=f"{check}-1", at=T0)
    fields.update(kw)
    return Message(**fields)  # type: ignore[arg-type]


class ScriptedChannel(BaseChannel):
    """A channel whose answers a test scripts: Delivery objects or TransportErrors."""

    type = "scripted"

    def __init__(self, name: str, *answers: Delivery | Exception, fallback: str | None = None,
                 min_severity: str = "warning") -> None:
        super().__init__(name, LogConfig(fallback=fallback, min_severity=min_severity))  # type: ignore[arg-type]
        self.answers = list(answers)
        self.sent: list[Notification] = []

    async def send(self, notification: Notification) -> Delivery:
        self.sent.append(notification)
        answer = self.answers.pop(0) if self.answers else Delivery()
        if isinstance(answer, Exception):
            raise answer
        return answer


def hook(receiver: Receiver, name: str = "hook", **kw: object) -> WebhookChannel:
    return WebhookChannel(name, WebhookConfig(url=receiver.hook_url(name), **kw))  # type: ignore[arg-type]


def outbox(store: MemoryStore, *channels: BaseChannel, policy: RetryPolicy = NO_JITTER, rng: float = 0.0,
           **kw: object) -> Outbox:
    return Outbox(store, {c.name: c for c in channels}, clock=lambda: T0, policy=policy, rng=lambda: rng,
                  **kw)  # type: ignore[arg-type]


def stored(store: MemoryStore, notification_id_: str) -> Notification:
    [found] = [n for n in store.notifications(0, float("inf")) if n.id == notification_id_]
    return found


# -- durable writes ---------------------------------------------------------------------------

async def test_a_notification_is_stored_before_anything_is_sent(receiver: Receiver) -> None:
    store = MemoryStore()
    box = outbox(store, hook(receiver))
    [n] = box.submit(message(), ["hook"], now=T0)
    assert (store.pending_count(), receiver.requests) == (1, [])
    assert [o.result for o in await box.deliver_due(T0)] == ["delivered"]
    assert (stored(store, n.id).state, stored(store, n.id).delivered_at, store.pending_count()) == ("delivered", T0, 0)


async def test_submit_routes_by_min_severity_and_never_twice() -> None:
    store = MemoryStore()
    box = outbox(store, ScriptedChannel("all"), ScriptedChannel("pager", min_severity="critical"))
    assert [n.channel for n in box.submit(message(severity=Status.WARNING), ["all", "pager", "nope"], T0)] == ["all"]
    assert [n.channel for n in box.submit(message(), ["all", "pager"], T0)] == ["pager"]  # "all" had this id
    resolved = message(event="resolved", severity=Status.WARNING, peak=Status.CRITICAL)
    assert [n.channel for n in box.submit(resolved, ["all", "pager"], T0)] == ["all", "pager"]
    test = message(event="test", severity=Status.WARNING, check="watchdog-test")
    assert [n.channel for n in box.submit(test, ["pager"], T0)] == ["pager"]


# -- transient failures -----------------------------------------------------------------------

@pytest.mark.parametrize(("attempts", "rng", "delay"), [
    (1, 0.0, 2.0), (2, 0.0, 4.0), (3, 0.0, 8.0), (8, 0.0, 256.0), (9, 0.0, 300.0), (30, 0.0, 300.0),
    (1, 1.0, 1.6), (9, 1.0, 240.0), (3, 0.5, 7.2),
])
def test_backoff_is_exponential_capped_with_jitter(attempts: int, rng: float, delay: float) -> None:
    assert NO_JITTER.delay(attempts, TransportError("x"), lambda: rng) == pytest.approx(delay)


@pytest.mark.parametrize(("retry_after", "delay"), [(1.0, 1.0), (0.0, 0.1), (120.0, 120.0), (99999.0, 3600.0)])
def test_retry_after_wins_over_backoff_without_jitter(retry_after: float, delay: float) -> None:
    assert NO_JITTER.delay(5, TransportError("x", retry_after=retry_after), lambda: 1.0) == delay


async def test_a_500_is_retried_after_the_backoff(receiver: Receiver) -> None:
    receiver.script(Reply(500, body="oops"))
    store = MemoryStore()
    box = outbox(store, hook(receiver))
    [n] = box.submit(message(), ["hook"], T0)
    [first] = await box.deliver_due(T0)
    assert (first.result, first.next_attempt) == ("retry", T0 + 2)
    after = stored(store, n.id)
    assert (after.state, after.attempts, after.last_error) == ("pending", 1, "127.0.0.1:%d answered HTTP 500 "
                                                               "Internal Server Error: oops" % _port(receiver))
    assert await box.deliver_due(T0 + 1.9) == []
    assert [o.result for o in await box.deliver_due(T0 + 2)] == ["delivered"]
    assert [r.header("X-Watchdog-Notification-Id") for r in receiver.requests] == [n.id, n.id]


async def test_500_500_429_then_200_is_delivered_exactly_once(receiver: Receiver) -> None:
    receiver.script(Reply(500), Reply(500), Reply(429, headers={"Retry-After": "1"}), Reply(200))
    store = MemoryStore()
    box = outbox(store, hook(receiver), rng=0.5)
    [n] = box.submit(message(), ["hook"], T0)
    steps = []
    now = T0
    for _ in range(10):  # bounded: follow the schedule the outbox sets
        outcomes = await box.deliver_due(now)
        steps.append([(o.result, o.next_attempt and round(o.next_attempt - now, 6)) for o in outcomes])
        if stored(store, n.id).state != "pending":
            break
        now = stored(store, n.id).next_attempt
    assert steps == [[("retry", 1.8)], [("retry", 3.6)], [("retry", 1.0)], [("delivered", None)]]
    assert (stored(store, n.id).state, stored(store, n.id).attempts) == ("delivered", 4)
    assert [r.header("X-Watchdog-Notification-Id") for r in receiver.requests] == [n.id] * 4
    assert await box.deliver_due(now + 3600) == []


async def test_a_channel_that_delivers_again_sends_its_backlog_at_once(receiver: Receiver) -> None:
    receiver.script(*[Reply(500)] * 6)
    store = MemoryStore()
    box = outbox(store, hook(receiver))
    [health] = box.submit(message("health"), ["hook"], T0)
    [redis] = box.submit(message("redis"), ["hook"], T0 + 3)
    for now in (T0, T0 + 2, T0 + 3, T0 + 5, T0 + 6, T0 + 9):  # down: each retried on its own backoff
        assert [(o.result, o.next_attempt) for o in await box.deliver_due(now)] == [("retry", ANY)]
    assert (stored(store, health.id).next_attempt, stored(store, redis.id).next_attempt) == (T0 + 14, T0 + 17)
    assert [(o.id, o.result) for o in await box.deliver_due(T0 + 14)] == [(health.id, "delivered")]  # up again
    assert [(o.id, o.result) for o in await box.deliver_due(T0 + 14)] == [(redis.id, "delivered")]  # not at 17
    assert [r.header("X-Watchdog-Notification-Id") for r in receiver.requests[-2:]] == [health.id, redis.id]


async def test_what_failed_in_the_pass_of_a_delivery_keeps_its_backoff() -> None:
    flaky = ScriptedChannel("flaky", TransportError("HTTP 500"), TransportError("HTTP 500"), Delivery(),
                            TransportError("HTTP 500"))
    store = MemoryStore()
    box = outbox(store, flaky)
    [health] = box.submit(message("health"), ["flaky"], T0)
    box.submit(message("redis"), ["flaky"], T0 + 1)
    assert [o.result for o in await box.deliver_due(T0 + 1)] == ["retry", "retry"]
    assert [o.result for o in await box.deliver_due(T0 + 3)] == ["delivered", "retry"]  # health, then redis again
    assert stored(store, health.id).state == "delivered"
    assert [n.next_attempt for n in store.pending()] == [T0 + 3 + 4]  # redis: its 2nd backoff, not hurried


async def test_a_pass_that_ends_on_a_retry_after_brings_no_backlog_forward(receiver: Receiver) -> None:
    receiver.script(Reply(500), Reply(200), Reply(429, headers={"Retry-After": "30"}))
    store = MemoryStore()
    box = outbox(store, hook(receiver))
    [ws] = box.submit(message("ws"), ["hook"], T0)
    box.submit(message("health"), ["hook"], T0 + 1)
    box.submit(message("redis"), ["hook"], T0 + 1)
    assert [o.result for o in await box.deliver_due(T0)] == ["retry"]  # ws: on its backoff until T0 + 2
    assert [o.result for o in await box.deliver_due(T0 + 1)] == ["delivered", "retry"]  # health; redis: 429
    assert stored(store, ws.id).next_attempt == T0 + 2  # another sender on this store must not send it now


async def test_retry_after_pauses_the_whole_channel(receiver: Receiver) -> None:
    receiver.script(Reply(429, headers={"Retry-After": "30"}))
    store = MemoryStore()
    box = outbox(store, hook(receiver))
    box.submit(message("health"), ["hook"], T0)
    box.submit(message("redis"), ["hook"], T0 + 1)
    assert [o.result for o in await box.deliver_due(T0)] == ["retry"]
    assert await box.deliver_due(T0 + 29) == []
    assert [o.result for o in await box.deliver_due(T0 + 30)] == ["delivered", "delivered"]
    assert len(receiver.requests) == 3


async def test_a_timeout_is_retried_within_the_budget_then_falls_back(receiver: Receiver) -> None:
    receiver.script(Reply(200, delay_s=5), Reply(200, delay_s=5))
    store = MemoryStore()
    backup = ScriptedChannel("backup")
    box = outbox(store, hook(receiver, timeout="0.2s", fallback="backup"), backup,
                 policy=replace(NO_JITTER, give_up_after_s=60))
    [n] = box.submit(message(), ["hook"], T0)
    [first] = await box.deliver_due(T0)
    assert (first.result, first.error) == ("retry", f"no answer from 127.0.0.1:{_port(receiver)} within 200ms")
    [last] = await box.deliver_due(T0 + 61)
    assert (last.result, last.error) == (
        "failed", f"gave up after 2 attempts over 1m1s: no answer from 127.0.0.1:{_port(receiver)} within 200ms")
    assert box.channels["hook"].state.broken == ""  # slow is not broken
    await box.deliver_due(T0 + 61)
    assert [s.id for s in backup.sent] == [notification_id("health", "health-1", "firing", "backup")]
    assert stored(store, n.id).state == "failed"


async def test_a_later_notification_waits_for_an_earlier_one_of_the_same_check() -> None:
    store = MemoryStore()
    slack = ScriptedChannel("slack", TransportError("HTTP 503"))
    box = outbox(store, slack)
    box.submit(message("health"), ["slack"], T0)
    box.submit(message("health", event="resolved"), ["slack"], T0 + 1)
    box.submit(message("redis"), ["slack"], T0 + 2)
    assert [(o.result, o.id) for o in await box.deliver_due(T0 + 3)] == [
        ("retry", notification_id("health", "health-1", "firing", "slack")),
        ("delivered", notification_id("redis", "redis-1", "firing", "slack")),
    ]
    await box.deliver_due(T0 + 10)
    assert [(n.check, n.event) for n in slack.sent] == [
        ("health", "firing"), ("redis", "firing"), ("health", "firing"), ("health", "resolved")]


# -- permanent failures -----------------------------------------------------------------------

async def test_a_404_is_not_retried_breaks_the_channel_and_uses_the_fallback(receiver: Receiver) -> None:
    receiver.script(Reply(404, body="no such hook"))
    store = MemoryStore()
    backup = ScriptedChannel("backup")
    box = outbox(store, hook(receiver, fallback="backup"), backup)
    [n] = box.submit(message(), ["hook"], T0)
    [outcome] = await box.deliver_due(T0)
    error = f"127.0.0.1:{_port(receiver)} answered HTTP 404 Not Found: no such hook"
    assert (outcome.result, outcome.error, stored(store, n.id).state) == ("failed", error, "failed")
    assert box.channels["hook"].state.broken == error
    [event] = store.events(0, T0 + 1, kinds=["channel.broken"])
    assert (event.check, event.message, event.data["channel"], event.data["fallback"]) == (
        "health", f"channel hook is broken: {error}", "hook", "backup")
    await box.deliver_due(T0)
    [sent] = backup.sent
    assert sent.id == notification_id("health", "health-1", "firing", "backup")
    assert Message.from_payload(sent.payload).note == f"sent to backup because channel hook failed: {error}"
    assert len(receiver.requests) == 1
    status = box.status()["channels"]["hook"]
    assert (status["failed"], status["sent"], status["broken"], status["last_error"]) == (1, 0, error, error)


async def test_a_broken_channel_is_not_tried_again() -> None:
    store = MemoryStore()
    slack = ScriptedChannel("slack", TransportError("Slack chat.postMessage refused: invalid_auth", permanent=True))
    box = outbox(store, slack)
    box.submit(message("health"), ["slack"], T0)
    await box.deliver_due(T0)
    box.submit(message("redis"), ["slack"], T0 + 1)
    [outcome] = await box.deliver_due(T0 + 1)
    assert (outcome.result, outcome.error) == (
        "failed", "channel is broken: Slack chat.postMessage refused: invalid_auth")
    assert len(slack.sent) == 1 and len(store.events(0, T0 + 2, kinds=["channel.broken"])) == 1


async def test_fallbacks_skip_broken_channels_and_never_loop() -> None:
    store = MemoryStore()
    dead = TransportError("gone", permanent=True)
    a, b, c = ScriptedChannel("a", dead, fallback="b"), ScriptedChannel("b", dead, fallback="a"), ScriptedChannel("c")
    box = outbox(store, a, b, c)
    box.submit(message(), ["a"], T0)
    for _ in range(3):
        await box.deliver_due(T0)
    assert [len(a.sent), len(b.sent), store.pending_count()] == [1, 1, 0]
    assert box.status()["channels"]["a"]["broken"] == "gone" and box.status()["channels"]["b"]["broken"] == "gone"


async def test_a_channel_removed_from_the_config_fails_its_notifications() -> None:
    store = MemoryStore()
    store.enqueue(notification_for(message(), "old", T0))
    [outcome] = await outbox(store, ScriptedChannel("new")).deliver_due(T0)
    assert (outcome.result, outcome.error) == ("failed", "channel 'old' is not configured")


async def test_secrets_stay_out_of_errors_events_and_logs(receiver: Receiver, caplog: pytest.LogCaptureFixture) -> None:
    receiver.script(Reply(404, body=f"unknown hook {receiver.hook_url('hook')}"))
    store = MemoryStore()
    box = outbox(store, hook(receiver))
    [n] = box.submit(message(), ["hook"], T0)
    with caplog.at_level(logging.DEBUG):
        await box.deliver_due(T0)
    for text in (stored(store, n.id).last_error, store.events(0, T0 + 1)[0].message, caplog.text):
        assert "/hook/hook" not in text and "unknown hook ***" in text


# -- Slack threads ----------------------------------------------------------------------------

async def test_slack_follow_ups_go_into_the_thread_of_the_first_message(receiver: Receiver) -> None:
    store = MemoryStore()
    slack = SlackChannel("oncall", SlackConfig(token="xoxb-test-1234", channel="C0123",  # type: ignore[arg-type]
                                               api_url=receiver.slack_api_url))
    box = outbox(store, slack)
    box.submit(message(), ["oncall"], T0)
    box.submit(message(event="reminder", seq=1), ["oncall"], T0 + 1)
    box.submit(message(event="resolved"), ["oncall"], T0 + 2)
    assert [o.result for o in await box.deliver_due(T0 + 3)] == ["delivered"] * 3
    first, reminder, edit, resolved = (r.json for r in receiver.requests)
    assert "thread_ts" not in first
    assert edit["ts"] == "1714564800.000001"  # the resolve marks the first message resolved, then replies
    assert reminder["thread_ts"] == resolved["thread_ts"] == "1714564800.000001"
    assert store.thread_of("oncall", "health", "health-1") == "1714564800.000001"


# -- the long-lived loop and restarts ---------------------------------------------------------

async def test_the_running_loop_delivers_500_500_429_200_once(receiver: Receiver) -> None:
    receiver.script(Reply(500), Reply(500), Reply(429, headers={"Retry-After": "1"}), Reply(200))
    store = MemoryStore()
    box = Outbox(store, {"hook": hook(receiver)}, policy=RetryPolicy(base_s=0.05, jitter=0.0), idle_poll_s=0.2)
    await box.start()
    [n] = box.submit(message(), ["hook"])
    for _ in range(500):  # bounded wait, ~10 s at most
        if store.pending_count() == 0:
            break
        await asyncio.sleep(0.02)
    await box.stop()
    assert (stored(store, n.id).state, len(receiver.requests)) == ("delivered", 4)


async def test_stop_flushes_what_is_due(receiver: Receiver) -> None:
    store = MemoryStore()
    box = Outbox(store, {"hook": hook(receiver)}, idle_poll_s=60)
    await box.start()
    await asyncio.sleep(0.05)
    box.submit(message(), ["hook"])
    await box.stop(grace=5)
    assert (store.pending_count(), len(receiver.requests)) == (0, 1)


async def test_the_loop_survives_a_store_hiccup(receiver: Receiver, caplog: pytest.LogCaptureFixture) -> None:
    from watchdog.errors import StoreError

    class FlakyStore(MemoryStore):
        calls = 0

        def claim(self, now: float, owner: str, lease: float, limit: int = 100) -> list[Notification]:
            self.calls += 1
            if self.calls == 1:
                raise StoreError("state.db: database is locked")
            return super().claim(now, owner, lease, limit)

    store = FlakyStore()
    store.enqueue(notification_for(message(), "hook", 0.0))
    box = Outbox(store, {"hook": hook(receiver)}, idle_poll_s=0.05)
    await box.start()
    for _ in range(500):  # bounded
        if store.pending_count() == 0:
            break
        await asyncio.sleep(0.01)
    await box.stop()
    assert (store.pending_count(), len(receiver.requests)) == (0, 1)
    assert "outbox pass failed: StoreError: state.db: database is locked" in caplog.text


async def test_pending_notifications_survive_a_restart_and_none_is_sent_twice(
        receiver: Receiver, tmp_path: Path) -> None:
    from watchdog.store.sqlite import SqliteStore

    receiver.script(Reply(200), Reply(503))
    first_run = SqliteStore(tmp_path)
    box = outbox(first_run, hook(receiver))  # type: ignore[arg-type]
    sent = [box.submit(message(check), ["hook"], T0 + i)[0] for i, check in enumerate(("health", "redis", "ws"))]
    assert [o.result for o in await box.deliver_due(T0 + 1)] == ["delivered", "retry"]  # ws: not due yet
    first_run.close()  # the daemon dies here

    second_run = SqliteStore(tmp_path)
    again = outbox(second_run, hook(receiver))  # type: ignore[arg-type]
    assert second_run.pending_count() == 2
    assert [o.result for o in await again.deliver_due(T0 + 60)] == ["delivered", "delivered"]  # redis, ws
    assert await again.deliver_due(T0 + 3600) == []
    ok_ids = [r.header("X-Watchdog-Notification-Id") for r in receiver.requests]
    assert ok_ids == [sent[0].id, sent[1].id, sent[1].id, sent[2].id]
    assert {n.id: n.state for n in second_run.notifications(0, T0 + 10)} == {n.id: "delivered" for n in sent}
    second_run.close()


# -- several senders on one store --------------------------------------------------------------

async def test_a_notification_claimed_by_a_live_other_sender_is_not_sent_until_its_claim_ends() -> None:
    store = MemoryStore()
    slack = ScriptedChannel("slack")
    box = outbox(store, slack)
    [n] = box.submit(message(), ["slack"], T0)
    store.claim(T0, "replica-b", 300.0)
    assert await box.deliver_due(T0 + 299) == [] and slack.sent == []
    assert [(o.id, o.result) for o in await box.deliver_due(T0 + 300)] == [(n.id, "delivered")]  # taken over


async def test_a_send_starts_only_while_the_claim_lasts_through_it() -> None:
    store, now = MemoryStore(), [T0 + 1]  # both due

    class Slow(ScriptedChannel):
        async def send(self, notification: Notification) -> Delivery:
            now[0] += 101.0  # 101 s + the next send's 10 s timeout and 10 s margin: past the 120 s lease
            return await super().send(notification)

    box = Outbox(store, {"slow": Slow("slow")}, clock=lambda: now[0], owner="replica-a", lease_s=120.0)
    first, second = (box.submit(message(check), ["slow"], T0 + i)[0] for i, check in enumerate(("health", "redis")))
    assert [o.id for o in await box.deliver_due()] == [first.id]
    assert [n.id for n in store.claim(now[0], "replica-b", 60.0)] == [second.id]  # released at the pass's end


def test_two_senders_on_one_file_deliver_each_notification_exactly_once(receiver: Receiver, tmp_path: Path) -> None:
    import threading

    from watchdog.store.sqlite import SqliteStore

    with SqliteStore(tmp_path) as store:
        sent = [outbox(store, hook(receiver)).submit(message(f"c{i}", episode=f"c{i}-1"), ["hook"], T0)[0]
                for i in range(40)]
    delivered: dict[str, list[str]] = {"replica-a": [], "replica-b": []}

    async def replica(owner: str) -> None:
        store = SqliteStore(tmp_path)
        box = Outbox(store, {"hook": hook(receiver)}, owner=owner, batch=3)
        for _ in range(2000):  # bounded: until the queue is empty
            delivered[owner] += [o.id for o in await box.deliver_due() if o.result == "delivered"]
            if store.pending_count() == 0:
                break
            await asyncio.sleep(0.001)
        await box.stop()
        store.close()

    threads = [threading.Thread(target=asyncio.run, args=(replica(owner),)) for owner in delivered]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    received = sorted(r.header("X-Watchdog-Notification-Id") or "" for r in receiver.requests)
    assert received == sorted(n.id for n in sent)
    assert sorted(delivered["replica-a"] + delivered["replica-b"]) == received


def _port(receiver: Receiver) -> int:
    return int(receiver.url.rsplit(":", 1)[1])


def test_a_killed_senders_claims_on_this_host_are_freed_at_start_others_wait_for_their_lease() -> None:
    import os
    import socket

    from watchdog.alerting.owners import is_dead

    host, me = socket.gethostname(), f"{socket.gethostname()}:{os.getpid()}:mine"
    dead_pid = 2 ** 22 + 1  # above any pid this machine hands out
    assert is_dead(f"{host}:{dead_pid}:aaaa", me) is True
    assert is_dead(f"{host}:{os.getpid()}:bbbb", me) is True  # our pid, another owner: a restarted container
    assert is_dead(f"{host}:1:cccc", me) is False  # alive (init)
    assert is_dead(f"elsewhere:{dead_pid}:dddd", me) is False  # another replica's: its lease decides
    assert is_dead(me, me) is False


async def test_at_start_the_outbox_frees_what_a_killed_sender_on_this_host_held_and_sends_it() -> None:
    import socket

    store, channel = MemoryStore(), ScriptedChannel("oncall")
    store.enqueue(notification_for(message(), "oncall", T0))
    dead = f"{socket.gethostname()}:{2 ** 22 + 1}:gone"
    store.claim(T0, dead, 120.0)  # killed mid-send: its claim would last two minutes
    box = outbox(store, channel)
    assert len(box.release_dead_claims()) == 1
    assert [o.result for o in await box.deliver_due()] == ["delivered"]
