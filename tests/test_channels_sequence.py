"""Every channel type through the durable outbox: firing, an outage, reminder, resolve, each delivered once, threaded.

One episode of ``health`` goes through a real ``Outbox`` (memory store, a
clock the test moves) to each type: the service is down for the firing's
first attempt (503, or no SMTP server listening), the retry delivers it,
then the reminder and the resolve follow. What the service saw after the
outage is each notification once, in order, in the service's own shape:
one PagerDuty alert by ``dedup_key``, one Opsgenie alert by ``alias``, a
Slack thread whose first message is edited to resolved, an e-mail
conversation by ``References``, one Alertmanager alert by its labels.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.support.daemon_process import free_port
from tests.support.messages import T0, message
from tests.support.receiver import Receiver, Reply
from tests.support.smtp_server import PASSWORD, USER
from watchdog.alerting.channels import build_channel
from watchdog.alerting.config import validate_channel
from watchdog.alerting.outbox import Outbox
from watchdog.alerting.retry import RetryPolicy
from watchdog.store.memory import MemoryStore

EVENTS = ("firing", "reminder", "resolved")
KEY = "R0UTINGKEY0123456789abcdef012345"


def tables(receiver: Receiver) -> dict[str, dict[str, Any]]:
    base, hostport = receiver.url, receiver.url.removeprefix("http://")
    return {
        "pagerduty": {"routing_key": KEY, "url": f"{base}/pagerduty/v2/enqueue"},
        "opsgenie": {"api_key": "genie-key-1", "api_url": f"{base}/opsgenie"},
        "teams": {"url": f"{base}/teams/workflows/1?sig=s3cret"},
        "discord": {"url": f"{base}/discord/webhooks/1/t0ken"},
        "alertmanager": {"url": f"{base}/am"},
        "apprise": {"urls": [f"json://{hostport}/apprise/json"]},
        "slack": {"token": "xoxb-FAKE-3", "channel": "C0123456789", "api_url": receiver.slack_api_url},
        "webhook": {"url": receiver.hook_url(), "format": "alertmanager"},
    }


def seen(kind: str, requests: list[Any]) -> list[Any]:
    """What the service saw, in its own words."""
    shapes: dict[str, Callable[[Any], Any]] = {
        "pagerduty": lambda r: (r.json["event_action"], r.json["dedup_key"]),
        "opsgenie": lambda r: (r.path.removeprefix("/opsgenie"), r.json.get("alias")),
        "teams": lambda r: r.json["attachments"][0]["content"]["body"][0]["text"],
        "discord": lambda r: r.json["embeds"][0]["title"],
        "alertmanager": lambda r: (r.json[0]["labels"], r.json[0]["endsAt"] == "2024-05-01T13:00:30Z"),
        "apprise": lambda r: (r.json["title"], r.json["type"]),
        "slack": lambda r: (r.path.removeprefix("/slack/api/"), r.json.get("thread_ts"), r.json.get("ts")),
        "webhook": lambda r: (r.json["status"], r.json["alerts"][0]["fingerprint"]),
    }
    return [shapes[kind](r) for r in requests]


AM_LABELS = {"alertname": "health", "service": "watchdog", "severity": "critical"}
TITLES = ["CRITICAL: health", "Still CRITICAL: health for 1h", "RESOLVED: health (was CRITICAL for 1h30s)"]
EXPECTED: dict[str, Any] = {
    "pagerduty": [("trigger", "health-1714564800")] * 2 + [("resolve", "health-1714564800")],
    "opsgenie": [("/v2/alerts", "health-1714564800")] * 2
    + [("/v2/alerts/health-1714564800/close?identifierType=alias", None)],
    "teams": TITLES,
    "discord": TITLES,
    "alertmanager": [(AM_LABELS, False), (AM_LABELS, False), (AM_LABELS, True)],  # resolved: ends when it recovered
    "apprise": [(TITLES[0], "failure"), (TITLES[1], "failure"), (TITLES[2], "success")],
    "slack": [("chat.postMessage", None, None), ("chat.postMessage", "1714564800.000001", None),
              ("chat.update", None, "1714564800.000001"), ("chat.postMessage", "1714564800.000001", None)],
}


async def run_episode(outbox: Outbox, name: str, outage_over: Callable[[], None]) -> None:
    """firing (its first attempt fails), then reminder and resolve, with the clock moving on."""
    now = T0
    for event in EVENTS:
        outbox.submit(message(event), [name], now=now)
        outcomes = await outbox.deliver_due(now)
        if event == "firing":
            assert [o.result for o in outcomes] == ["retry"]
            outage_over()
            outcomes = await outbox.deliver_due(now + 10)
        assert [o.result for o in outcomes] == ["delivered"], outcomes
        now += 1800


def outbox_for(name: str, table: dict[str, Any]) -> Outbox:
    config = validate_channel(name, {"type": name, **table}, _Ctx())
    channel = build_channel(name, config)
    return Outbox(MemoryStore(), {name: channel}, clock=lambda: T0, policy=RetryPolicy(jitter=0.0), rng=lambda: 0.0)


class _Ctx:
    file, document = "watchdog.toml", {"channels": {}}


@pytest.mark.parametrize("kind", sorted(EXPECTED))
async def test_an_episode_reaches_each_service_once_in_its_shape(kind: str, receiver: Receiver) -> None:
    outbox = outbox_for(kind, tables(receiver)[kind])
    receiver.script(Reply(503, body="down for maintenance"))
    await run_episode(outbox, kind, receiver.clear_script)
    await outbox.stop()
    assert receiver.invalid == []
    assert seen(kind, receiver.requests[1:]) == EXPECTED[kind]  # [0] is the attempt the outage refused


async def test_the_alertmanager_format_webhook_keeps_one_fingerprint(receiver: Receiver) -> None:
    outbox = outbox_for("webhook", tables(receiver)["webhook"])
    receiver.script(Reply(503))
    await run_episode(outbox, "webhook", receiver.clear_script)
    await outbox.stop()
    statuses = seen("webhook", receiver.requests[1:])
    assert [s for s, _ in statuses] == ["firing", "firing", "resolved"]
    assert len({f for _, f in statuses}) == 1


async def test_an_email_episode_is_one_conversation(smtp_server, smtp_cert) -> None:  # type: ignore[no-untyped-def]
    port, servers = free_port(), []  # nothing listens on the port until the outage is over
    outbox = outbox_for("email", {"host": "127.0.0.1", "port": port, "username": USER, "password": PASSWORD,
                                  "from": "alerts@example.com", "to": ["oncall@example.com"],
                                  "ca_file": str(smtp_cert[0])})
    await run_episode(outbox, "email", lambda: servers.append(smtp_server("starttls", port)))
    await outbox.stop()
    first, reminder, resolved = servers[0].messages
    assert [m["Subject"] for m in servers[0].messages] == [f"[watchdog] {t}" for t in TITLES]
    assert [(m["In-Reply-To"], m["References"]) for m in (reminder, resolved)] == [(first["Message-ID"],) * 2] * 2
