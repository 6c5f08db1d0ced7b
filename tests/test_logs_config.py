"""``[sources.NAME]`` and the log check kinds' keys: what validates, and the one-line errors."""

from __future__ import annotations

from typing import Any

import pytest

from watchdog.config import from_document
from watchdog.errors import ConfigError

EXAMPLE = {
    "sources": {"railway": {"command": ["railway", "logs", "--deployment", "${RAILWAY_DEPLOYMENT_ID}"]}},
    "checks": {
        "signal-latency": {
            "type": "log-latency", "source": "railway",
            "start": r"Broadcasting trade:executed for user (?P<user>\S+)",
            "end": r"Emitted signal quality to user (?P<user>\S+)",
            "key": "user", "window": "15m", "timeout": "30s", "critical": ["p95_ms > 500"],
        },
        "ws-drops": {"type": "log-rate", "source": "railway", "match": "WebSocket disconnected", "window": "1m",
                     "critical": ["count > 5"]},
        "error-rate": {"type": "log-ratio", "source": "railway", "match": r"(?i)\berror\b|failed", "window": "5m",
                       "warning": ["ratio_pct > 1"], "critical": ["ratio_pct > 5"]},
        "heartbeat": {"type": "log-absence", "source": "railway", "match": "Heartbeat", "within": "5m"},
        "app-alerts": {"type": "log-match", "source": "railway", "match": "🚨 ALERT: (?P<what>.*)",
                       "severity": "critical"},
    },
}
ENV = {"RAILWAY_DEPLOYMENT_ID": "24ff22b5"}


def load(sources: dict[str, Any] | None = None, checks: dict[str, Any] | None = None) -> Any:
    document = {"sources": sources if sources is not None else EXAMPLE["sources"],
                "checks": checks if checks is not None else {}}
    return from_document(document, file="w.toml", env=ENV)


def test_the_issue_example_validates_as_written() -> None:
    config = from_document(EXAMPLE, file="w.toml", env=ENV)
    source = config.sources["railway"]
    assert source.command == ["railway", "logs", "--deployment", "24ff22b5"]
    assert (source.max_line_bytes, source.from_start, source.origin) == (65536, False, "command")
    latency = config.checks["signal-latency"]
    assert (latency.window, latency.timeout, latency.key) == (900.0, 30.0, "user")  # type: ignore[attr-defined]
    assert config.checks["heartbeat"].within == 300.0  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "table, message",
    [
        ({"command": "railway logs --tail"},
         'w.toml: sources.s.command: must be a list of arguments, not a shell string '
         '(write command = ["railway", "logs", "--tail"])'),
        ({"command": []}, 'w.toml: sources.s.command: must name a program: command = ["program", "arg", ...]'),
        ({}, "w.toml: sources.s: needs exactly one of command = [...], file = \"PATH\" or stdin = true"),
        ({"file": "/a", "stdin": True},
         'w.toml: sources.s: needs exactly one of command = [...], file = "PATH" or stdin = true (found file and stdin)'),
        ({"file": "/a", "follow": True}, "w.toml: sources.s.follow: unknown key"),
        ({"file": "/a", "max_line_bytes": 10}, "w.toml: sources.s.max_line_bytes: input should be greater than or equal to 256, got 10"),
        ({"file": "/a", "encoding": "klingon"}, "w.toml: sources.s.encoding: unknown encoding 'klingon' (e.g. utf-8, latin-1)"),
        ({"file": "/a", "encoding": "utf-16"},
         "w.toml: sources.s.encoding: encoding 'utf-16' is not ASCII-compatible (use utf-8, latin-1, cp1252...)"),
        ({"file": "/a", "timestamp_pattern": "[0-9"},
         "w.toml: sources.s.timestamp_pattern: invalid regular expression '[0-9': unterminated character set at position 0"),
        ({"file": "/a", "timestamp_pattern": r"^\S+"},
         r"w.toml: sources.s.timestamp_pattern: '^\\S+' needs a group holding the time: (?P<ts>...) or (...)"),
        ({"file": "/a", "restart_initial": "1m", "restart_max": "10s"},
         "w.toml: sources.s: restart_max must be at least restart_initial"),
    ],
)
def test_bad_sources_are_one_line_naming_the_key(table: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load(sources={"s": table})
    assert str(caught.value) == message


@pytest.mark.parametrize(
    "check, message",
    [
        ({"type": "log-rate", "source": "nope", "match": "x"},
         "w.toml: checks.c.source: no source named 'nope' (sources: railway)"),
        ({"type": "log-rate", "source": "railway", "match": "(unclosed"},
         "w.toml: checks.c.match: invalid regular expression '(unclosed': missing ), unterminated subpattern at position 0"),
        ({"type": "log-rate", "source": "railway"}, "w.toml: checks.c.match: required key is missing"),
        ({"type": "log-rate", "source": "railway", "match": "x", "critical": ["p95_ms > 1"]},
         "w.toml: checks.c.critical[0]: metric 'p95_ms' is never produced by log-rate checks (known: count, per_min)"),
        ({"type": "log-latency", "source": "railway", "start": r"start (?P<user>\S+)", "end": r"end (\S+)", "key": "user"},
         "w.toml: checks.c: end has no named group (?P<user>...) for key = 'user'"),
        ({"type": "log-absence", "source": "railway", "match": "Heartbeat"}, "w.toml: checks.c.within: required key is missing"),
        ({"type": "log-absence", "source": "railway", "match": "x", "within": "5m", "window": "1m"},
         "w.toml: checks.c.window: unknown key"),
        ({"type": "log-match", "source": "railway", "match": "x", "severity": "page"},
         "w.toml: checks.c.severity: input should be 'warning' or 'critical', got 'page'"),
    ],
)
def test_bad_log_checks_are_one_line_naming_the_key(check: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load(checks={"c": check})
    assert str(caught.value) == message


def test_a_log_check_without_any_source_table_says_so() -> None:
    with pytest.raises(ConfigError) as caught:
        from_document({"checks": {"c": {"type": "log-rate", "source": "railway", "match": "x"}}}, file="w.toml")
    assert str(caught.value) == "w.toml: checks.c.source: no source named 'railway' (sources: none)"
