"""Apprise: the body per format, the notify type, and the plumbing end to end through apprise's json:// and form://."""

from __future__ import annotations

import pytest

from tests.support.messages import message, note
from tests.support.receiver import Receiver, Reply
from watchdog.alerting.channels.apprise_urls import (
    AppriseChannel, AppriseConfig, apprise_body, apprise_error, notify_type,
)
from watchdog.alerting.channels.base import attempt
from watchdog.status import Status


def channel(*urls: str, **kw: object) -> AppriseChannel:
    return AppriseChannel("phone", AppriseConfig(urls=list(urls), **kw))  # type: ignore[arg-type]


def hostport(receiver: Receiver) -> str:
    return receiver.url.removeprefix("http://")


def test_the_text_body() -> None:
    assert apprise_body(message(), "wd-1", "text") == (
        "HTTP 503 from https://api.example.com/health\nresponse_ms=2304  status_code=503\n"
        "| GET /health -> 503 Service Unavailable\n"
        "runbook: Health endpoint down <https://runbooks.example.com/health-endpoint-down>\n"
        "1. Check the deploy\n2. Roll back\nstarted 2024-05-01 12:00:00 UTC · id wd-1")


def test_the_markdown_body() -> None:
    assert apprise_body(message(), "wd-1", "markdown") == (
        "HTTP 503 from https://api.example.com/health\n- **response_ms**: 2304\n- **status_code**: 503\n"
        "```\nGET /health -> 503 Service Unavailable\n```\n"
        "**Runbook:** [Health endpoint down](https://runbooks.example.com/health-endpoint-down)\n"
        "1. Check the deploy\n2. Roll back\nStarted 2024-05-01 12:00:00 UTC · check `health` · id `wd-1`")


@pytest.mark.parametrize(("event", "severity", "kind"), [
    ("firing", Status.CRITICAL, "failure"), ("firing", Status.UNKNOWN, "failure"),
    ("reminder", Status.WARNING, "warning"), ("resolved", Status.CRITICAL, "success"),
    ("acknowledged", Status.CRITICAL, "info"), ("test", Status.WARNING, "info"),
])
def test_notify_type(event: str, severity: Status, kind: str) -> None:
    assert notify_type(message(event, severity=severity)) == kind


@pytest.mark.parametrize(("logged", "text", "permanent"), [
    ("Failed to send JSON POST notification: Page not found., error=404.",
     "apprise: Failed to send JSON POST notification: Page not found., error=404.", True),
    ("Failed to send JSON POST notification: error=429.", "apprise: Failed to send JSON POST notification: "
     "error=429.", False),
    ("A Connection error occurred sending JSON notification to 10.0.0.5.",
     "apprise: A Connection error occurred sending JSON notification to 10.0.0.5.", False),
    ("", "apprise: apprise reported a failure and logged no reason", False),
])
def test_what_apprise_logged_is_classified(logged: str, text: str, permanent: bool) -> None:
    error = apprise_error(logged)
    assert (str(error), error.permanent) == (text, permanent)


def test_urls_must_be_urls() -> None:
    with pytest.raises(ValueError, match=r"urls\[0\] is not a URL like tgram://TOKEN/CHAT"):
        AppriseConfig(urls=["telegram-token"])  # type: ignore[list-item]


# -- end to end through apprise -------------------------------------------------------------

async def test_json_scheme_reaches_the_receiver(receiver: Receiver) -> None:
    ch = channel(f"json://{hostport(receiver)}/apprise/json")
    for event in ("firing", "reminder", "resolved"):
        assert (await attempt(ch, note(event, "phone"))).delivered
    assert [(r.path, r.json["title"], r.json["type"]) for r in receiver.requests] == [
        ("/apprise/json", "CRITICAL: health", "failure"), ("/apprise/json", "Still CRITICAL: health for 1h", "failure"),
        ("/apprise/json", "RESOLVED: health (was CRITICAL for 1h30s)", "success")]
    assert receiver.requests[0].json["message"] == apprise_body(message(), note("firing", "phone").id, "text")


async def test_form_scheme_and_two_urls(receiver: Receiver) -> None:
    ch = channel(f"form://{hostport(receiver)}/apprise/form", f"json://{hostport(receiver)}/apprise/json",
                 format="markdown")
    assert (await attempt(ch, note("firing", "phone"))).delivered
    assert sorted(r.path for r in receiver.requests) == ["/apprise/form", "/apprise/json"]
    form = next(r for r in receiver.requests if r.path == "/apprise/form")
    assert b"title=CRITICAL%3A+health" in form.body


async def test_a_404_is_permanent(receiver: Receiver) -> None:
    receiver.script(Reply(404, body="nope"))
    got = await attempt(channel(f"json://{hostport(receiver)}/apprise/json"), note("firing", "phone"))
    assert got.error is not None and got.error.permanent
    assert str(got.error).startswith("apprise: Failed to send JSON") and str(got.error).endswith("error=404.")


async def test_a_503_is_retried(receiver: Receiver) -> None:
    receiver.script(Reply(503))
    got = await attempt(channel(f"json://{hostport(receiver)}/apprise/json"), note("firing", "phone"))
    assert got.error is not None and not got.error.permanent


async def test_a_url_apprise_does_not_know_is_permanent_and_not_shown() -> None:
    got = await attempt(channel("nosuchservice://s3cret-token/chat"), note("firing", "phone"))
    assert got.error is not None and got.error.permanent
    assert str(got.error) == "apprise does not understand urls[0] (nosuchservice://...)"
