"""[channels.NAME] validation: one model per type, secrets hidden, errors naming the key."""

from __future__ import annotations

import pytest

from watchdog.alerting.channels.console import ConsoleConfig
from watchdog.alerting.channels.log import LogConfig
from watchdog.alerting.channels.slack import SlackConfig
from watchdog.alerting.channels.webhook import WebhookConfig
from watchdog.config import from_document
from watchdog.errors import ConfigError
from watchdog.status import Status

ENV = {"SLACK_WEBHOOK_URL": "https://hooks.slack.com/services/T0/B0/abcdefgh", "WEBHOOK_SECRET": "hmac-key-1234"}


def channels(**tables: dict) -> dict:
    return from_document({"channels": tables}, env=ENV).channels


def error_of(**tables: dict) -> str:
    with pytest.raises(ConfigError) as info:
        from_document({"channels": tables}, env=ENV)
    return str(info.value)


def test_the_issue_example_validates_with_defaults() -> None:
    got = channels(
        oncall={"type": "slack", "webhook_url": "${SLACK_WEBHOOK_URL}"},
        hook={"type": "webhook", "url": "https://ops.example.com/hooks/watchdog", "secret": "${WEBHOOK_SECRET}"},
    )
    oncall, hook = got["oncall"], got["hook"]
    assert isinstance(oncall, SlackConfig) and isinstance(hook, WebhookConfig)
    assert oncall.webhook_url.get_secret_value() == ENV["SLACK_WEBHOOK_URL"]
    assert (oncall.min_severity, oncall.fallback, oncall.timeout) == (Status.WARNING, None, 10.0)
    assert (hook.format, hook.headers, hook.secret.get_secret_value()) == ("watchdog", {}, "hmac-key-1234")


def test_console_and_log_channels() -> None:
    got = channels(dev={"type": "console"}, daemon={"type": "log", "min_severity": "critical"})
    assert isinstance(got["dev"], ConsoleConfig) and got["dev"].stream == "stderr"
    assert isinstance(got["daemon"], LogConfig) and got["daemon"].logger == "watchdog.alerts"
    assert got["daemon"].min_severity is Status.CRITICAL


def test_secrets_never_show_in_repr_or_output() -> None:
    config = from_document({"channels": {
        "oncall": {"type": "slack", "webhook_url": "${SLACK_WEBHOOK_URL}"},
        "bot": {"type": "slack", "token": "xoxb-FAKE-1", "channel": "C0123"},
        "hook": {"type": "webhook", "url": "https://ops.example.com/hooks/t0k3n", "secret": "${WEBHOOK_SECRET}",
                 "headers": {"Authorization": "Bearer sekrit-value", "X-Env": "production"}},
    }}, env=ENV)
    text = repr(config.channels)
    for secret in (ENV["SLACK_WEBHOOK_URL"], "xoxb-FAKE-1", "hmac-key-1234",
                   "https://ops.example.com/hooks/t0k3n", "Bearer sekrit-value"):
        assert secret not in text
        assert config.redactor(f"x {secret} y") == "x *** y"
    assert "production" in text and config.redactor("production") == "production"
    assert config.channels["hook"].header_values() == {
        "Authorization": "Bearer sekrit-value", "X-Env": "production"}


TYPES = "slack, webhook, console, log, pagerduty, email, opsgenie, teams, discord, alertmanager, apprise"


@pytest.mark.parametrize(("table", "message"), [
    ({}, f"channels.x: missing key 'type' (one of: {TYPES})"),
    ({"type": "slak"}, f"channels.x.type: unknown channel type 'slak' (one of: {TYPES})"),
    ({"type": "slack"}, "channels.x: set either webhook_url (incoming webhook) or token + channel (bot), not both"),
    ({"type": "slack", "webhook_url": "https://h/x", "token": "xoxb-1"},
     "channels.x: set either webhook_url (incoming webhook) or token + channel (bot), not both"),
    ({"type": "slack", "token": "xoxb-1"},
     "channels.x: a bot token needs 'channel' (a channel ID like C0123456789 or #name)"),
    ({"type": "slack", "webhook_url": "https://h/x", "channel": "#ops"},
     "channels.x: channel is fixed by an incoming webhook; remove 'channel' or use a bot token"),
    ({"type": "slack", "webhook_url": "hooks.slack.com/services/secret"},
     "channels.x.webhook_url: must be an http:// or https:// URL"),
    ({"type": "slack", "token": "t", "channel": "C1", "api_url": "localhost"},
     "channels.x.api_url: must be an http:// or https:// URL, got 'localhost'"),
    ({"type": "webhook"}, "channels.x.url: required key is missing"),
    ({"type": "webhook", "url": "https://h/x", "format": "prometheus"},
     "channels.x.format: input should be 'watchdog' or 'alertmanager', got 'prometheus'"),
    ({"type": "webhook", "url": "https://h/x", "retries": 3}, "channels.x.retries: unknown key"),
    ({"type": "log", "min_severity": "ok"}, "channels.x.min_severity: invalid severity 'ok' (use warning, critical or unknown)"),
    ({"type": "log", "timeout": "soon"}, "channels.x.timeout: invalid duration 'soon'"),
    ({"type": "log", "fallback": "x"}, "channels.x.fallback: a channel cannot be its own fallback"),
    ({"type": "log", "fallback": "pager"}, "channels.x.fallback: no channel named 'pager' (channels: none)"),
])
def test_bad_channel_tables_name_the_key(table: dict, message: str) -> None:
    assert error_of(x=table).startswith(f"watchdog.toml: {message}")


def test_a_secret_url_is_never_echoed_in_an_error() -> None:
    assert "secret" not in error_of(x={"type": "slack", "webhook_url": "hooks.slack.com/services/secret"})


def test_fallback_to_an_existing_channel() -> None:
    got = channels(oncall={"type": "log", "fallback": "backup"}, backup={"type": "console"})
    assert got["oncall"].fallback == "backup"


def test_fallbacks_in_a_circle_are_refused() -> None:
    assert error_of(a={"type": "log", "fallback": "b"}, b={"type": "log", "fallback": "a"}) == (
        "watchdog.toml: channels.a.fallback: fallbacks go round in a circle: a -> b -> a")


@pytest.mark.parametrize(("min_severity", "accepted"), [
    ("warning", [Status.WARNING, Status.CRITICAL, Status.UNKNOWN]),
    ("critical", [Status.CRITICAL, Status.UNKNOWN]),
    ("unknown", [Status.UNKNOWN]),
])
def test_min_severity(min_severity: str, accepted: list[Status]) -> None:
    config = channels(x={"type": "log", "min_severity": min_severity})["x"]
    assert [s for s in Status if config.accepts(s)] == accepted


def test_the_readme_shows_a_valid_example_of_every_channel_type() -> None:
    import re
    import tomllib
    from pathlib import Path

    from watchdog import registry

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Alert channels"):readme.index("#### Delivery")]
    block = section.split("```toml\n", 1)[1].split("```", 1)[0]
    names = set(re.findall(r"\$\{(\w+)\}", block))
    env = {n: "https://example.com/x/secret-value" if n.endswith("URL") else "secret-value-1" for n in names}
    configured = from_document(tomllib.loads(block), env=env).channels
    assert {c.type for c in configured.values()} == set(registry.CHANNELS.builtin)
