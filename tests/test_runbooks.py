"""Runbooks: the shipped files, the front-matter parser, links, config validation, the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from watchdog import runbooks
from watchdog.cli.runbook import runbook
from watchdog.config import from_document

SHIPPED = Path(__file__).resolve().parent.parent / "runbooks"
SCENARIOS = [
    "health-endpoint-down", "redis-unreachable", "high-websocket-latency", "connection-drop-spike",
    "error-rate-spike", "missing-heartbeat", "signal-latency-breach", "alert-delivery-failing",
    "rollback-after-bad-deploy", "watchdog-self-check",
]


def test_every_scenario_has_a_runbook() -> None:
    assert sorted(b.name for b in runbooks.iter_runbooks(SHIPPED)) == sorted(SCENARIOS)


@pytest.mark.parametrize("name", SCENARIOS)
def test_shipped_runbook_is_complete(name: str) -> None:
    book = runbooks.load(name, SHIPPED)
    assert book.title and book.severity in {"critical", "warning"} and book.applies_to
    steps = book.first_steps(5)
    assert len(steps) >= 4
    assert sum("`" in s for s in steps) >= 3  # real commands, not prose
    assert book.body.startswith(f"# {book.title}")


def test_redis_runbook_first_steps_are_commands() -> None:
    book = runbooks.load("redis-unreachable", SHIPPED)
    assert book.first_steps(2) == [
        "Ping it from the app's network, with the latency: `railway run redis-cli -u $REDIS_URL ping` "
        "then `railway run redis-cli -u $REDIS_URL --latency -i 1 | head -5`",
        "Ask the app what it sees: `curl -s $APP_URL/health/redis | jq` (`status`, `latency`, `connections`)",
    ]
    assert book.applies_to == ("redis", "redis-health")


@pytest.mark.parametrize(
    ("front", "meta"),
    [
        ("title: A\nseverity: warning\napplies_to: [a, 'b', \"c\"]",
         {"title": "A", "severity": "warning", "applies_to": ["a", "b", "c"]}),
        ("title: \"Quoted: colon\"\napplies_to:\n  - one\n  - two\n# comment\n",
         {"title": "Quoted: colon", "applies_to": ["one", "two"]}),
        ("applies_to: []", {"applies_to": []}),
    ],
)
def test_front_matter(front: str, meta: dict[str, object]) -> None:
    got, body = runbooks.split_front_matter(f"---\n{front}\n---\nbody\n")
    assert got == meta
    assert body == "body"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("---\ntitle: A\n", "front matter opened with '---' is never closed"),
        ("---\ntitle A\n---\n", "front matter line 'title A' is not 'key: value'"),
        ("---\ntitle: A\n---\n# A\n", "runbook 'x': front matter is missing severity, applies_to"),
        ("# no front matter\n", "runbook 'x': front matter is missing title, severity, applies_to"),
    ],
)
def test_bad_front_matter(text: str, message: str) -> None:
    with pytest.raises(ValueError) as err:
        runbooks.parse(text, "x")
    assert str(err.value) == message


def test_first_steps_skip_nested_items_and_other_sections() -> None:
    book = runbooks.parse(
        "---\ntitle: T\nseverity: critical\napplies_to: [x]\n---\n# T\n- not a step\n## First steps\n"
        "1. one `cmd`\n   - nested\n2) two\n- three\n## Diagnosis\n1. later\n", "t")
    assert book.first_steps(10) == ["one `cmd`", "two", "three"]
    assert book.first_steps(1) == ["one `cmd`"]


@pytest.mark.parametrize(
    ("base", "link"),
    [
        ("", None),
        ("https://git.example/ops/runbooks/", "https://git.example/ops/runbooks/redis-unreachable"),
        ("https://git.example/ops/runbooks", "https://git.example/ops/runbooks/redis-unreachable"),
        ("https://github.com/acme/app/blob/main/runbooks/{name}.md",
         "https://github.com/acme/app/blob/main/runbooks/redis-unreachable.md"),
    ],
)
def test_link(base: str, link: str | None) -> None:
    assert runbooks.load("redis-unreachable", SHIPPED).link(base) == link


def test_load_names_the_available_runbooks(tmp_path: Path) -> None:
    (tmp_path / "one.md").write_text("---\ntitle: One\nseverity: warning\napplies_to: [x]\n---\n")
    with pytest.raises(runbooks.RunbookError) as err:
        runbooks.load("../etc/passwd", tmp_path)
    assert str(err.value) == f"no runbook '../etc/passwd' in {tmp_path} (available: one)"
    assert err.value.exit_code == 2


def config_in(tmp_path: Path, runbook_table: dict[str, object] | None = None) -> object:
    doc: dict[str, object] = {
        "defaults": {"alert": {"runbook": "health-endpoint-down"}},
        "checks": {
            "health": {"type": "http", "url": "http://127.0.0.1:1/health", "alert": {"runbook": "one"}},
            "redis-ish": {"type": "http", "url": "http://127.0.0.1:1/r", "alert": {"runbook": "redis-down"}},
            "plain": {"type": "http", "url": "http://127.0.0.1:1/p"},
        },
    }
    if runbook_table is not None:
        doc["runbooks"] = runbook_table
    return from_document(doc, file=tmp_path / "watchdog.toml")


def test_missing_runbooks_names_the_key(tmp_path: Path) -> None:
    (tmp_path / "books").mkdir()
    (tmp_path / "books" / "one.md").write_text("---\ntitle: One\nseverity: warning\napplies_to: [x]\n---\n")
    config = config_in(tmp_path, {"dir": "books"})
    assert runbooks.missing_runbooks(config) == [  # type: ignore[arg-type]
        ("defaults.alert.runbook", "health-endpoint-down"),
        ("checks.redis-ish.alert.runbook", "redis-down"),
    ]


def test_without_a_runbooks_table_the_shipped_ones_are_used(tmp_path: Path) -> None:
    config = config_in(tmp_path)
    assert runbooks.default_dir(config) == SHIPPED  # type: ignore[arg-type]
    assert runbooks.missing_runbooks(config) == [  # type: ignore[arg-type]
        ("checks.health.alert.runbook", "one"), ("checks.redis-ish.alert.runbook", "redis-down")]


def test_alert_context_for_a_slack_message(tmp_path: Path) -> None:
    config = config_in(tmp_path, {"dir": str(SHIPPED), "base_url": "https://runbooks.example/{name}"})
    context = runbooks.alert_context("missing-heartbeat", config, steps=2)  # type: ignore[arg-type]
    assert context == {
        "name": "missing-heartbeat",
        "title": "Missing heartbeat",
        "severity": "critical",
        "first_steps": ["Is the app alive? `curl -s $APP_URL/health | jq '{status, uptime}'`",
                        "Is the log stream alive? `railway logs | tail -5` — any recent line at all, "
                        "and from which deployment?"],
        "url": "https://runbooks.example/missing-heartbeat",
    }
    assert runbooks.alert_context("nope", config) is None  # type: ignore[arg-type]
    assert runbooks.alert_context(None, config) is None  # type: ignore[arg-type]


def test_unknown_runbooks_key_is_a_config_error(tmp_path: Path) -> None:
    from watchdog.errors import ConfigError

    with pytest.raises(ConfigError, match="runbooks.base: unknown key"):
        config_in(tmp_path, {"base": "x"})


def cli() -> typer.Typer:
    app = typer.Typer()
    app.command("runbook")(runbook)
    app.callback()(lambda: None)
    return app


def test_cli_lists_and_shows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no watchdog.toml here: the shipped runbooks
    monkeypatch.delenv("WATCHDOG_CONFIG", raising=False)
    runner = CliRunner()
    listed = runner.invoke(cli(), ["runbook"], env={"COLUMNS": "200"})
    assert listed.exit_code == 0
    assert "redis-unreachable" in listed.output and "Redis unreachable or slow" in listed.output
    shown = runner.invoke(cli(), ["runbook", "rollback-after-bad-deploy"], env={"COLUMNS": "200"})
    assert shown.exit_code == 0
    assert "railway redeploy <previous-deployment-id>" in shown.output
    steps = runner.invoke(cli(), ["runbook", "rollback-after-bad-deploy", "--steps"])
    assert steps.output.splitlines()[0].startswith("1. Find the last good deployment: `railway deployments | head -5`")


def test_cli_unknown_runbook_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("WATCHDOG_CONFIG", raising=False)
    result = CliRunner().invoke(cli(), ["runbook", "nope"])
    assert result.exit_code == 2
    assert "watchdog: no runbook 'nope' in" in result.output


def test_cli_uses_the_configs_runbooks_and_link(tmp_path: Path) -> None:
    (tmp_path / "runbooks").mkdir()
    (tmp_path / "runbooks" / "own.md").write_text(
        "---\ntitle: Our own\nseverity: warning\napplies_to: [x]\n---\n# Our own\n## First steps\n1. `uptime`\n")
    (tmp_path / "watchdog.toml").write_text('[runbooks]\nbase_url = "https://rb.example/{name}.md"\n')
    result = CliRunner().invoke(cli(), ["runbook", "own", "-c", str(tmp_path / "watchdog.toml")],
                                env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "link: https://rb.example/own.md" in result.output
