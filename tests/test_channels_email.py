"""E-mail: the exact message (text, HTML, threading headers), and real sends to an SMTP server in this process."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from tests.support.messages import T0, message, note
from tests.support.smtp_server import PASSWORD, USER
from watchdog.alerting.channels.base import attempt
from watchdog.alerting.channels.mail import EmailChannel, EmailConfig, mail_message, message_id
from watchdog.alerting.channels.mail_html import mail_html


def config(**kw: object) -> EmailConfig:
    return EmailConfig.model_validate({"host": "127.0.0.1", "from": "watchdog <alerts@example.com>",
                                       "to": ["oncall@example.com"], **kw})


def test_the_text_part_is_the_alert_as_text() -> None:
    mail = mail_message(message(), "wd-1", config(), thread=None, sent_at=T0)
    assert mail.get_body(("plain",)).get_content() == (
        "CRITICAL: health\n  HTTP 503 from https://api.example.com/health\n  response_ms=2304  status_code=503\n"
        "  | GET /health -> 503 Service Unavailable\n"
        "  runbook: Health endpoint down <https://runbooks.example.com/health-endpoint-down>\n"
        "    1. Check the deploy\n    2. Roll back\n  started 2024-05-01 12:00:00 UTC · id wd-1\n")


def test_the_headers_of_a_first_message() -> None:
    mail = mail_message(message(), "wd-1", config(), thread=None, sent_at=T0)
    assert [(k, str(v)) for k, v in mail.items() if k != "Content-Type" and k != "MIME-Version"] == [
        ("Subject", "[watchdog] CRITICAL: health"), ("From", "watchdog <alerts@example.com>"),
        ("To", "oncall@example.com"), ("Date", "Wed, 01 May 2024 12:00:00 +0000"),
        ("Message-ID", "<wd-1@example.com>"), ("X-Watchdog-Notification-Id", "wd-1"), ("X-Watchdog-Event", "firing")]
    assert mail.get_content_type() == "multipart/alternative"


def test_a_follow_up_replies_to_the_first_message() -> None:
    mail = mail_message(message("resolved"), "wd-2", config(), thread="<wd-1@example.com>", sent_at=T0)
    assert (mail["In-Reply-To"], mail["References"], mail["Message-ID"]) == (
        "<wd-1@example.com>", "<wd-1@example.com>", "<wd-2@example.com>")


def test_an_acknowledgement_replies_to_the_first_message_and_says_who() -> None:
    mail = mail_message(message("acknowledged"), "wd-3", config(), thread="<wd-1@example.com>", sent_at=T0)
    assert (mail["Subject"], mail["In-Reply-To"]) == ("[watchdog] ACKNOWLEDGED: health (by alice: looking into it)",
                                                      "<wd-1@example.com>")


def test_the_exact_html() -> None:
    assert mail_html(message(summary="<b>503</b> & down"), "wd-1") == (
        '<html><body style="font-family:Helvetica,Arial,sans-serif">\n'
        '<h2 style="color:#FF0000;margin:0 0 8px 0">CRITICAL: health</h2>\n'
        "<p>&lt;b&gt;503&lt;/b&gt; &amp; down</p>\n"
        '<table cellpadding="4" style="border-collapse:collapse"><tr><th align="left">response_ms</th><td>2304</td>'
        '</tr><tr><th align="left">status_code</th><td>503</td></tr></table>\n'
        '<pre style="background:#f4f4f4;padding:8px;white-space:pre-wrap">GET /health -&gt; 503 Service Unavailable'
        "</pre>\n"
        '<p><strong>Runbook:</strong> <a href="https://runbooks.example.com/health-endpoint-down">Health endpoint'
        " down</a></p>\n<ol><li>Check the deploy</li><li>Roll back</li></ol>\n"
        '<p style="color:#666666;font-size:12px">Started 2024-05-01 12:00:00 UTC · check health · id wd-1</p>\n'
        "</body></html>\n")


@pytest.mark.parametrize(("template", "subject"), [
    ("[watchdog] {title}", "[watchdog] RESOLVED: health (was CRITICAL for 1h30s)"),
    ("{severity} {check} {event}", "CRITICAL health resolved"),
])
def test_subject_templates(template: str, subject: str) -> None:
    assert mail_message(message("resolved"), "wd-1", config(subject=template), thread=None,
                        sent_at=T0)["Subject"] == subject


@pytest.mark.parametrize(("table", "error"), [
    ({"subject": "{host} down"}, "unknown placeholder {host} (known: title, check, severity, event, summary)"),
    ({"to": ["oncall"]}, "not an e-mail address: 'oncall'"),
    ({"to": []}, "List should have at least 1 item"),
    ({"username": "u"}, "set both username and password to log in, or neither"),
])
def test_bad_tables_are_refused(table: dict[str, object], error: str) -> None:
    with pytest.raises(ValidationError, match=error.replace("{", r"\{").replace("(", r"\(").replace(")", r"\)")):
        config(**table)


def test_message_ids_are_stable_per_notification() -> None:
    assert message_id("wd-1", "watchdog <alerts@example.com>") == "<wd-1@example.com>"


# -- a real SMTP server ----------------------------------------------------------------------

def channel(server, **kw: object) -> EmailChannel:  # type: ignore[no-untyped-def]
    login = {"username": USER, "password": PASSWORD} if server.security != "none" else {}
    return EmailChannel("mail", config(port=server.port, security=server.security, ca_file=str(server.cert),
                                       **login, **kw), clock=lambda: T0)


async def test_starttls_with_login_delivers_a_threaded_episode(smtp_server) -> None:  # type: ignore[no-untyped-def]
    server = smtp_server("starttls")
    ch = channel(server)
    first = await attempt(ch, note("firing", "mail"))
    assert first.delivered and first.delivery is not None
    thread = first.delivery.thread
    for event in ("reminder", "resolved"):
        got = await attempt(ch, note(event, "mail", thread=thread))
        assert got.delivered and got.delivery is not None and got.delivery.thread == thread
    firing, reminder, resolved = server.messages
    assert thread == firing["Message-ID"] and firing["In-Reply-To"] is None
    assert [(m["In-Reply-To"], m["References"]) for m in (reminder, resolved)] == [(thread, thread)] * 2
    assert resolved["Subject"] == "[watchdog] RESOLVED: health (was CRITICAL for 1h30s)"
    assert "text/html" in [part.get_content_type() for part in resolved.iter_parts()]


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # the server's TLS is implicit
async def test_implicit_tls(smtp_server) -> None:  # type: ignore[no-untyped-def]
    server = smtp_server("tls")
    assert (await attempt(channel(server), note("firing", "mail"))).delivered
    assert server.handler.envelopes == [("alerts@example.com", ["oncall@example.com"])]


async def test_plain_smtp_without_login(smtp_server) -> None:  # type: ignore[no-untyped-def]
    server = smtp_server("none")
    assert (await attempt(channel(server), note("firing", "mail"))).delivered
    assert len(server.messages) == 1


async def test_a_refused_recipient_is_permanent(smtp_server) -> None:  # type: ignore[no-untyped-def]
    server = smtp_server("starttls")
    got = await attempt(channel(server, to=["nobody@example.com"]), note("firing", "mail"))
    assert got.error is not None and got.error.permanent
    assert str(got.error) == (f"127.0.0.1:{server.port} refused every recipient: nobody@example.com (550 5.1.1 "
                              "<nobody@example.com>: Recipient address rejected: User unknown)")


async def test_a_busy_mailbox_is_retried(smtp_server) -> None:  # type: ignore[no-untyped-def]
    server = smtp_server("starttls")
    got = await attempt(channel(server, to=["busy@example.com"]), note("firing", "mail"))
    assert got.error is not None and not got.error.permanent


async def test_one_refused_recipient_of_two_still_delivers(smtp_server, caplog) -> None:  # type: ignore[no-untyped-def]
    server = smtp_server("starttls")
    got = await attempt(channel(server, to=["oncall@example.com", "nobody@example.com"]), note("firing", "mail"))
    assert got.delivered and server.handler.envelopes == [("alerts@example.com", ["oncall@example.com"])]
    assert "not delivered to nobody@example.com (550 5.1.1" in caplog.text


async def test_a_wrong_password_is_permanent_and_never_shown(smtp_server) -> None:  # type: ignore[no-untyped-def]
    server = smtp_server("starttls")
    ch = EmailChannel("mail", config(port=server.port, ca_file=str(server.cert), username=USER,
                                     password="wrong-password-1"))
    got = await attempt(ch, note("firing", "mail"))
    assert got.error is not None and got.error.permanent
    assert str(got.error).startswith(f"127.0.0.1:{server.port} refused the login: 535 ")
    assert "wrong-password-1" not in str(got.error) + repr(ch.config)


async def test_an_untrusted_certificate_is_permanent(smtp_server) -> None:  # type: ignore[no-untyped-def]
    server = smtp_server("starttls")
    ch = EmailChannel("mail", config(port=server.port, username=USER, password=PASSWORD))  # no ca_file
    got = await attempt(ch, note("firing", "mail"))
    assert got.error is not None and got.error.permanent
    assert "TLS certificate not trusted" in str(got.error) and str(got.error).endswith("set ca_file")


async def test_a_server_without_auth_is_a_config_problem(smtp_server) -> None:  # type: ignore[no-untyped-def]
    server = smtp_server("none")
    ch = EmailChannel("mail", config(port=server.port, security="none", username=USER, password=PASSWORD))
    got = await attempt(ch, note("firing", "mail"))
    assert got.error is not None and got.error.permanent
    assert str(got.error).startswith(f"127.0.0.1:{server.port}: The SMTP AUTH extension is not supported")


async def test_no_server_is_retried() -> None:
    from tests.support.daemon_process import free_port

    port = free_port()
    got = await attempt(EmailChannel("mail", config(port=port, security="none")), note("firing", "mail"))
    assert got.error is not None and not got.error.permanent
    assert str(got.error) == f"connection refused by 127.0.0.1:{port}"
