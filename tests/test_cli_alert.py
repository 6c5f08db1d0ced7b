"""``watchdog alert test``: a marked test message per channel, the outcome, the exit code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.support.receiver import Receiver, Reply
from watchdog.cli import alert


def config(tmp_path: Path, receiver: Receiver, extra: str = "") -> str:
    path = tmp_path / "watchdog.toml"
    path.write_text(f"""
[channels.oncall]
type = "slack"
webhook_url = "{receiver.slack_webhook_url}"

[channels.hook]
type = "webhook"
url = "{receiver.hook_url()}"
{extra}""")
    return str(path)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(alert.app, list(args))
    return result.exit_code, result.stdout, result.stderr


def normal(text: str) -> str:
    return re.sub(r"in \d+\.\d\ds", "in N.NNs", text)


def test_every_channel_gets_a_marked_test_message(tmp_path: Path, receiver: Receiver) -> None:
    code, out, _ = run("test", "-c", config(tmp_path, receiver))
    assert (code, normal(out)) == (0, "oncall  slack         delivered in N.NNs\n"
                                      "hook    webhook       delivered in N.NNs\n")
    bodies = {r.path: r.json for r in receiver.requests}
    slack = bodies["/slack/webhook/T000/B000/XXXXXXXX"]
    assert slack["text"].startswith(":test_tube: TEST: watchdog alert test for channel oncall")
    hook = bodies["/hook/watchdog"]
    assert (hook["event"], hook["title"]) == ("test", "TEST: watchdog alert test for channel hook")


def test_one_channel_and_a_failure_exit_1(tmp_path: Path, receiver: Receiver) -> None:
    receiver.script(Reply(404, body="no_service"))
    code, out, _ = run("test", "oncall", "-c", config(tmp_path, receiver))
    assert (code, out) == (1, "oncall  slack         FAILED (permanent: the daemon would mark the channel broken): "
                              "Slack answered HTTP 404: no_service\n")
    assert len(receiver.requests) == 1


def test_a_transient_failure_says_it_would_be_retried(tmp_path: Path, receiver: Receiver) -> None:
    receiver.script(Reply(503))
    code, out, _ = run("test", "hook", "-c", config(tmp_path, receiver))
    host = receiver.url.removeprefix("http://")
    assert (code, out) == (1, f"hook  webhook       FAILED (transient: the daemon would retry): "
                              f"{host} answered HTTP 503 Service Unavailable\n")


def test_secrets_in_a_failure_are_masked(tmp_path: Path, receiver: Receiver) -> None:
    receiver.script(Reply(400, body=f"bad hook {receiver.hook_url()}"))
    code, out, _ = run("test", "hook", "-c", config(tmp_path, receiver))
    assert code == 1 and out.endswith("bad hook ***\n") and "/hook/watchdog" not in out


@pytest.mark.parametrize(("args", "message"), [
    (["test", "pager"], "no channel named 'pager' (channels: oncall, hook)"),
])
def test_unknown_channel_is_one_line_exit_2(tmp_path: Path, receiver: Receiver, args: list[str],
                                            message: str) -> None:
    path = config(tmp_path, receiver)
    code, out, err = run(*args, "-c", path)
    assert (code, out, err) == (2, "", f"watchdog: {path}: {message}\n")


def test_no_channels_configured(tmp_path: Path) -> None:
    path = tmp_path / "watchdog.toml"
    path.write_text("[defaults]\ninterval = '30s'\n")
    assert run("test", "-c", str(path)) == (2, "", f"watchdog: {path}: no [channels.NAME] tables to test\n")


def test_a_bad_channel_table_is_a_config_error(tmp_path: Path, receiver: Receiver) -> None:
    path = config(tmp_path, receiver, extra='format = "xml"\n')
    code, _, err = run("test", "-c", path)
    assert (code, err) == (2, f"watchdog: {path}: channels.hook.format: input should be 'watchdog' or "
                              "'alertmanager', got 'xml'\n")


EVERY_TYPE = """
[channels.pager]
type = "pagerduty"
routing_key = "R0UTINGKEY0123456789abcdef012345"
url = "{base}/pagerduty/v2/enqueue"

[channels.genie]
type = "opsgenie"
api_key = "genie-key-1"
api_url = "{base}/opsgenie"

[channels.teams]
type = "teams"
url = "{base}/teams/workflows/1?sig=s3cret"

[channels.discord]
type = "discord"
url = "{base}/discord/webhooks/1/t0ken"

[channels.am]
type = "alertmanager"
url = "{base}/am"

[channels.phone]
type = "apprise"
urls = ["json://{hostport}/apprise/json"]

[channels.mail]
type = "email"
host = "127.0.0.1"
port = {smtp_port}
username = "{user}"
password = "{password}"
from = "alerts@example.com"
to = ["oncall@example.com"]
ca_file = "{cert}"

[channels.console]
type = "console"

[channels.daemon-log]
type = "log"
"""


def test_alert_test_works_for_every_type(tmp_path: Path, receiver: Receiver, smtp_server) -> None:  # type: ignore[no-untyped-def]
    from tests.support.smtp_server import PASSWORD, USER

    server = smtp_server("starttls")
    path = tmp_path / "every.toml"
    path.write_text(EVERY_TYPE.format(base=receiver.url, hostport=receiver.url.removeprefix("http://"),
                                      smtp_port=server.port, user=USER, password=PASSWORD, cert=server.cert))
    code, out, _ = run("test", "-c", str(path))
    lines = [f"{name.ljust(10)}  {kind.ljust(12)}  delivered in N.NNs\n" for name, kind in [
        ("pager", "pagerduty"), ("genie", "opsgenie"), ("teams", "teams"), ("discord", "discord"),
        ("am", "alertmanager"), ("phone", "apprise"), ("mail", "email"), ("console", "console"),
        ("daemon-log", "log")]]
    assert (code, normal(out)) == (0, "".join(lines))
    assert receiver.invalid == []
    bodies = {r.path.split("?")[0]: r.json for r in receiver.requests}
    alias = bodies["/opsgenie/v2/alerts"]["alias"]
    assert sorted(bodies) == ["/am/api/v2/alerts", "/apprise/json", "/discord/webhooks/1/t0ken", "/opsgenie/v2/alerts",
                              f"/opsgenie/v2/alerts/{alias}/close", "/pagerduty/v2/enqueue", "/teams/workflows/1"]
    assert bodies["/am/api/v2/alerts"][0]["labels"]["alertname"] == "watchdog-test"
    assert bodies["/apprise/json"]["title"] == "TEST: watchdog alert test for channel phone"
    assert server.messages[0]["Subject"] == "[watchdog] TEST: watchdog alert test for channel mail"
