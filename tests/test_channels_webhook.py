"""Webhook: the documented JSON body, the Alertmanager shape, the signature, failures."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

import pytest

from tests.support.receiver import Receiver, Reply
from watchdog.alerting.channels.base import attempt, parse_retry_after
from watchdog.alerting.channels.webhook import (
    WebhookChannel, WebhookConfig, alertmanager_body, encode, signature, webhook_body,
)
from watchdog.alerting.message import Message, Runbook, notification_for
from watchdog.status import Status

T0 = 1714564800.0
DOCS = Path(__file__).resolve().parents[1] / "README.md"


def message(**kw: object) -> Message:
    fields = dict(event="firing", check="health", severity=Status.CRITICAL, title="CRITICAL: health",
                  summary="HTTP 503 from https://api.example.com/health", started=T0, episode="health-1714564800",
                  at=T0 + 90, metrics=(("response_ms", 2304.0), ("status_code", 503.0)),
                  evidence=("GET /health -> 503 Service Unavailable", '{"status": "unhealthy"}'),
                  runbook=Runbook("health-endpoint-down", "Health endpoint down",
                                  ("Check the Railway deployment status", "Read the last 100 log lines"),
                                  "https://runbooks.example.com/health-endpoint-down"))
    fields.update(kw)
    return Message(**fields)  # type: ignore[arg-type]


EXAMPLE = {
    "schema": "watchdog.alert/v1",
    "id": "wd-5f0c6a1e9b2d4c7f8a3e1b6d",
    "event": "firing",
    "severity": "critical",
    "previous_severity": None,
    "check": "health",
    "title": "CRITICAL: health",
    "summary": "HTTP 503 from https://api.example.com/health",
    "metrics": {"response_ms": 2304, "status_code": 503},
    "evidence": ["GET /health -> 503 Service Unavailable", '{"status": "unhealthy"}'],
    "runbook": {
        "name": "health-endpoint-down",
        "title": "Health endpoint down",
        "steps": ["Check the Railway deployment status", "Read the last 100 log lines"],
        "url": "https://runbooks.example.com/health-endpoint-down",
    },
    "started_at": "2024-05-01T12:00:00Z",
    "episode": "health-1714564800",
    "sent_at": "2024-05-01T12:01:30Z",
    "labels": {},
}


def test_the_documented_body_exactly() -> None:
    assert webhook_body("wd-5f0c6a1e9b2d4c7f8a3e1b6d", message(), T0 + 90) == EXAMPLE


def test_the_docstring_and_the_docs_show_the_real_body() -> None:
    from watchdog.alerting.channels import webhook

    for text in (webhook.__doc__ or "", DOCS.read_text(encoding="utf-8")):
        start = text.index('{\n      "schema"') if '{\n      "schema"' in text else text.index('{\n  "schema"')
        depth, end = 0, start
        for end, char in enumerate(text[start:], start):
            depth += {"{": 1, "}": -1}.get(char, 0)
            if depth == 0:
                break
        assert json.loads(text[start:end + 1]) == EXAMPLE


def test_a_resolve_and_an_escalation() -> None:
    body = webhook_body("wd-2", message(event="escalated", previous=Status.WARNING), T0)
    assert (body["event"], body["severity"], body["previous_severity"]) == ("escalated", "critical", "warning")
    assert webhook_body("wd-3", message(event="resolved", runbook=None), T0)["runbook"] is None


def test_the_alertmanager_shape() -> None:
    body = alertmanager_body("wd-1", message(labels={"env": "prod"}), "hook")
    labels = {"alertname": "health", "check": "health", "severity": "critical", "source": "watchdog"}
    annotations = {
        "title": "CRITICAL: health", "summary": "HTTP 503 from https://api.example.com/health",
        "description": 'GET /health -> 503 Service Unavailable\n{"status": "unhealthy"}',
        "metrics": "response_ms=2304, status_code=503",
        "runbook_url": "https://runbooks.example.com/health-endpoint-down", "watchdog_id": "wd-1", "env": "prod",
    }
    assert body == {
        "version": "4", "groupKey": '{}:{alertname="health"}', "truncatedAlerts": 0, "status": "firing",
        "receiver": "hook", "groupLabels": {"alertname": "health"}, "commonLabels": labels,
        "commonAnnotations": annotations, "externalURL": "",
        "alerts": [{"status": "firing", "labels": labels, "annotations": annotations,
                    "startsAt": "2024-05-01T12:00:00Z", "endsAt": "0001-01-01T00:00:00Z", "generatorURL": "",
                    "fingerprint": body["alerts"][0]["fingerprint"]}],
    }
    resolved = alertmanager_body("wd-2", message(event="resolved"), "hook")
    assert (resolved["status"], resolved["alerts"][0]["endsAt"]) == ("resolved", "2024-05-01T12:01:30Z")


def test_alertmanager_labels_and_fingerprint_stay_the_same_from_firing_to_resolve() -> None:
    # the check measured no version while down and one after the deploy that fixed it
    firing = alertmanager_body("wd-1", message(labels={}), "hook")["alerts"][0]
    resolved = alertmanager_body("wd-2", message(event="resolved", labels={"version": "1.4.2"}), "hook")["alerts"][0]
    assert encode(resolved["labels"]) == encode(firing["labels"])
    assert resolved["fingerprint"] == firing["fingerprint"]
    assert resolved["annotations"]["version"] == "1.4.2"


def test_an_escalation_ends_the_alert_of_the_old_level() -> None:
    body = alertmanager_body("wd-3", message(event="escalated", previous=Status.WARNING), "hook")
    now, before = body["alerts"]
    assert (now["status"], now["labels"]["severity"], now["endsAt"]) == ("firing", "critical", "0001-01-01T00:00:00Z")
    assert (before["status"], before["labels"]["severity"], before["endsAt"]) == (
        "resolved", "warning", "2024-05-01T12:01:30Z")
    warning = alertmanager_body("wd-1", message(severity=Status.WARNING), "hook")["alerts"][0]
    assert before["fingerprint"] == warning["fingerprint"]
    assert (body["status"], body["commonLabels"]) == ("firing", {"alertname": "health", "check": "health",
                                                                 "source": "watchdog"})


def test_signature_is_hmac_sha256_of_the_timestamp_a_dot_and_the_raw_body() -> None:
    raw = encode({"a": 1})
    assert raw == b'{"a":1}'
    assert signature("k", 1714564890, raw) == (
        "sha256=" + hmac.new(b"k", b'1714564890.{"a":1}', hashlib.sha256).hexdigest())


@pytest.mark.parametrize(("value", "seconds"), [
    ("1", 1.0), ("2.5", 2.5), (" 30 ", 30.0), ("-4", 0.0), ("", None), (None, None), ("soon", None),
    ("Wed, 01 May 2024 12:00:10 GMT", 10.0), ("Wed, 01 May 2024 11:00:00 GMT", 0.0),
])
def test_retry_after_values(value: str | None, seconds: float | None) -> None:
    assert parse_retry_after(value, now=T0) == seconds


# -- real sends -------------------------------------------------------------------------------

def channel(receiver: Receiver, **kw: object) -> WebhookChannel:
    return WebhookChannel("hook", WebhookConfig(url=receiver.hook_url(), **kw), clock=lambda: T0 + 90)  # type: ignore[arg-type]


async def test_post_with_id_headers_and_a_verifiable_signature(receiver: Receiver) -> None:
    n = notification_for(message(), "hook", T0)
    got = await attempt(channel(receiver, secret="s3cret-key", headers={"Authorization": "Bearer abc123",
                                                                         "X-Team": "ops"}), n)
    assert got.delivered
    [request] = receiver.requests
    assert request.path == "/hook/watchdog" and request.json == {**EXAMPLE, "id": n.id}
    assert (request.header("X-Watchdog-Notification-Id"), request.header("X-Watchdog-Event")) == (n.id, "firing")
    assert (request.header("Authorization"), request.header("X-Team")) == ("Bearer abc123", "ops")
    assert request.header("Content-Type") == "application/json"
    assert request.header("X-Watchdog-Timestamp") == str(int(T0 + 90))
    expected = hmac.new(b"s3cret-key", f"{int(T0 + 90)}.".encode() + request.body, hashlib.sha256).hexdigest()
    assert request.header("X-Watchdog-Signature") == f"sha256={expected}"


async def test_no_signature_without_a_secret(receiver: Receiver) -> None:
    await attempt(channel(receiver), notification_for(message(), "hook", T0))
    assert receiver.requests[0].header("X-Watchdog-Signature") is None
    assert receiver.requests[0].header("X-Watchdog-Timestamp") == str(int(T0 + 90))


async def test_each_attempt_carries_its_own_timestamp(receiver: Receiver) -> None:
    clock = iter([T0 + 90.7, T0 + 150.2])
    hook = WebhookChannel("hook", WebhookConfig(url=receiver.hook_url(), secret="k"),  # type: ignore[arg-type]
                          clock=lambda: next(clock))
    n = notification_for(message(), "hook", T0)
    await attempt(hook, n)
    await attempt(hook, n)
    assert [r.header("X-Watchdog-Timestamp") for r in receiver.requests] == [str(int(T0 + 90)), str(int(T0 + 150))]


# -- the README's verification snippet, run as written ---------------------------------------------

def readme_verifier() -> object:
    """``verified`` from the README's "Webhook body" section: the first Python block after the headers."""
    text = DOCS.read_text(encoding="utf-8")
    section = text[text.index("#### Webhook body"):]
    code = section[section.index("```python\n") + len("```python\n"):]
    namespace: dict[str, object] = {}
    exec(code[:code.index("```")], namespace)  # noqa: S102 - our own README, the code users copy
    return namespace["verified"]


@pytest.fixture
async def signed(receiver: Receiver) -> tuple[bytes, str, str]:
    """The raw body, X-Watchdog-Timestamp and X-Watchdog-Signature of one real send (secret "k", at T0 + 90)."""
    await attempt(channel(receiver, secret="k"), notification_for(message(), "hook", T0))
    [request] = receiver.requests
    return request.body, request.header("X-Watchdog-Timestamp") or "", request.header("X-Watchdog-Signature") or ""


async def test_the_readme_snippet_accepts_a_fresh_request(signed: tuple[bytes, str, str]) -> None:
    verified = readme_verifier()
    assert verified(*signed, b"k", now=T0 + 90 + 299) is True  # type: ignore[operator]


@pytest.mark.parametrize(("change", "now"), [
    ({}, T0 + 90 + 301),  # replayed 5 minutes later
    ({}, T0 + 90 - 301),  # a timestamp from the future
    ({"secret": b"other"}, T0 + 90),
    ({"raw_body": b'{"event":"resolved"}'}, T0 + 90),
    ({"timestamp": str(int(T0 + 200))}, T0 + 200),  # a fresh time on an old request
    ({"timestamp": "soon"}, T0 + 90),
])
async def test_the_readme_snippet_refuses_old_forged_or_changed_requests(
        signed: tuple[bytes, str, str], change: dict[str, object], now: float) -> None:
    body, timestamp, sig = signed
    args = {"raw_body": body, "timestamp": timestamp, "signature": sig, "secret": b"k", **change}
    assert readme_verifier()(**args, now=now) is False  # type: ignore[operator]


async def test_alertmanager_format_on_the_wire(receiver: Receiver) -> None:
    await attempt(channel(receiver, format="alertmanager"), notification_for(message(), "hook", T0))
    body = receiver.requests[0].json
    assert (body["version"], body["status"], body["receiver"], len(body["alerts"])) == ("4", "firing", "hook", 1)


@pytest.mark.parametrize(("reply", "text", "permanent", "retry_after"), [
    (Reply(500, body="boom"), "answered HTTP 500 Internal Server Error: boom", False, None),
    (Reply(502), "answered HTTP 502 Bad Gateway", False, None),
    (Reply(408), "answered HTTP 408 Request Timeout", False, None),
    (Reply(429, headers={"Retry-After": "1"}), "answered HTTP 429 Too Many Requests", False, 1.0),
    (Reply(404, body="no such hook"), "answered HTTP 404 Not Found: no such hook", True, None),
    (Reply(401, json={"error": "bad signature"}), 'answered HTTP 401 Unauthorized: {"error": "bad signature"}',
     True, None),
    (Reply(410), "answered HTTP 410 Gone", True, None),
    (Reply(301, headers={"Location": "/elsewhere"}), "answered HTTP 301 Moved Permanently", True, None),
])
async def test_non_2xx_answers(receiver: Receiver, reply: Reply, text: str, permanent: bool,
                               retry_after: float | None) -> None:
    receiver.script(reply)
    got = await attempt(channel(receiver), notification_for(message(), "hook", T0))
    assert got.error is not None
    host = receiver.url.removeprefix("http://")
    assert (str(got.error), got.error.permanent, got.error.retry_after) == (f"{host} {text}", permanent, retry_after)


async def test_timeout_and_refused_are_transient(receiver: Receiver) -> None:
    receiver.script(Reply(200, delay_s=3))
    slow = await attempt(channel(receiver, timeout="0.2s"), notification_for(message(), "hook", T0))
    host = receiver.url.removeprefix("http://")
    assert (str(slow.error), slow.error.permanent) == (f"no answer from {host} within 200ms", False)  # type: ignore[union-attr]
    refused = WebhookChannel("hook", WebhookConfig(url="http://127.0.0.1:9/hooks/s3cr3t"))  # type: ignore[arg-type]
    got = await attempt(refused, notification_for(message(), "hook", T0))
    assert got.error is not None and not got.error.permanent
    assert str(got.error) == "connection refused by 127.0.0.1:9"
    await refused.aclose()


async def test_the_url_never_shows_in_errors_or_repr(receiver: Receiver) -> None:
    receiver.script(Reply(400, body=f"bad request to {receiver.hook_url()}"))
    ch = channel(receiver)
    got = await attempt(ch, notification_for(message(), "hook", T0))
    assert "/hook/watchdog" not in str(got.error) and str(got.error).endswith("bad request to ***")
    assert "/hook/watchdog" not in repr(ch) and "/hook/watchdog" not in repr(ch.config)
    await ch.aclose()
