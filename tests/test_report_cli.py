"""``watchdog report`` and ``watchdog window`` against a real SQLite store in a temporary state dir."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from tests.report_history import fill
from watchdog.cli.report import report, window_app
from watchdog.store import open_store

CONFIG = """
state_dir = "{state}"

[checks.health]
type = "http"
url = "http://127.0.0.1:9/health"
metrics = {{ uptime_s = "uptime", heap_used_mb = "memory.heapUsed" }}
warning = ["response_ms > 500"]
critical = ["response_ms > 2000"]
alert = {{ runbook = "health-endpoint-down" }}

[checks.redis]
type = "redis"
url = "redis://127.0.0.1:9"
warning = ["latency_ms > 100"]
critical = ["latency_ms > 500"]

[sources.railway]
command = ["railway", "logs"]

[checks.signal-latency]
type = "log-latency"
source = "railway"
start = 'Broadcasting trade:executed for user (?P<user>\\S+)'
end = 'Emitted signal quality to user (?P<user>\\S+)'
key = "user"
critical = ["p95_ms > 500"]

[checks.ws-drops]
type = "log-rate"
source = "railway"
match = 'WebSocket disconnected'
window = "1m"
critical = ["count > 5"]

[channels.oncall]
type = "console"

[windows.phase-3-8]
title = "Phase 3.8 Production Monitoring"
channels = ["oncall"]
criteria = [
  {{ name = "Performance meets SLA (<500ms latency)", expr = "signal-latency.p95_ms.max < 500" }},
  {{ name = "No critical errors in first 24 hours", expr = "alerts.critical == 0" }},
  {{ name = "Health endpoint available", expr = "health.availability_pct >= 98.5" }},
  {{ name = "No memory leak", expr = "health.heap_used_mb.growth_per_h < 5" }},
  {{ name = "No restarts", expr = "restarts == 0" }},
]
"""


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The scripted history in a SQLite state dir, written once and copied for each test."""
    state = tmp_path_factory.mktemp("template") / "state"
    store = open_store(state)
    fill(store)
    store.close()
    return state


@pytest.fixture
def config(tmp_path: Path, filled: Path) -> str:
    state = tmp_path / "state"
    shutil.copytree(filled, state)
    path = tmp_path / "watchdog.toml"
    path.write_text(CONFIG.format(state=state))
    return str(path)


def app() -> typer.Typer:
    root = typer.Typer()
    root.command("report")(report)
    root.add_typer(window_app, name="window")
    return root


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app(), list(args), env={"COLUMNS": "200", "NO_COLOR": "1"})
    return result.exit_code, result.output


def test_report_a_checkpoint_in_markdown(config: str) -> None:
    code, out = run("report", "phase-3-8", "--checkpoint", "24h", "-c", config)
    assert code == 0, out
    assert out.startswith("# Phase 3.8 Production Monitoring — 24h checkpoint (4 of 4)\n")
    assert "## Verdict: ❌ NOT COMPLETE" in out
    assert "| Health endpoint available | ✅ PASS | availability 98.61% (1,420 of 1,440 results OK) of health" in out


def test_report_defaults_to_the_only_window_and_its_latest_checkpoint(config: str) -> None:
    code, out = run("report", "--format", "json", "-c", config)
    assert code == 0, out
    data = json.loads(out)
    assert (data["window"], data["label"], data["summary"]["results"]) == ("phase-3-8", "24h", 5760)


def test_report_to_a_file(config: str, tmp_path: Path) -> None:
    target = tmp_path / "out" / "12h.html"
    code, out = run("report", "phase-3-8", "--checkpoint", "12h", "--format", "html", "-o", str(target), "-c", config)
    assert code == 0, out
    assert f"wrote {target}" in out
    assert "<title>Phase 3.8 Production Monitoring — 12h checkpoint (2 of 4)</title>" in target.read_text()


def test_report_since_uses_the_windows_criteria(config: str) -> None:
    code, out = run("report", "phase-3-8", "--since", "2h", "--format", "json", "-c", config)
    assert code == 0, out
    data = json.loads(out)
    assert data["label"] == "2h" and len(data["criteria"]) == 5 and data["summary"]["results"] == 0


def test_daily_report(config: str) -> None:
    code, out = run("report", "daily", "--date", "2025-10-13", "-c", config)
    assert code == 0, out
    assert out.startswith("## Daily Monitoring Report - 2025-10-13\n")
    assert "| health | 98.02% | 1,010 | 20 | 0 / 20 / 0 | response_ms | 191.63 ms | 2500 ms |" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["report", "phase-3-8", "--checkpoint", "7h"],
         "watchdog: window 'phase-3-8' has no checkpoint '7h' (its checkpoints: 6h, 12h, 18h, 24h)"),
        (["report", "nope"], "watchdog: no window 'nope' (known: phase-3-8)"),
        (["report", "--format", "pdf"], "watchdog: --format: 'pdf' is not one of md, html, json"),
        (["report", "daily", "--date", "13/10/2025"],
         "watchdog: --date: invalid date '13/10/2025' (use YYYY-MM-DD, e.g. 2025-10-13)"),
        (["report", "phase-3-8", "--date", "2025-10-13"],
         "watchdog: --date goes with the daily report: watchdog report daily --date YYYY-MM-DD"),
        (["report", "--since", "soon"], "watchdog: --since: invalid duration 'soon' (use 500ms, 30s, 5m, 1h, 1d)"),
        (["window", "close", "nope"], "watchdog: no open window 'nope' (open windows: phase-3-8)"),
        (["window", "start", "x", "--at", "tomorrow"], "watchdog: --at: invalid time 'tomorrow'"),
    ],
)
def test_errors_are_one_line_exit_2(config: str, args: list[str], message: str) -> None:
    code, out = run(*args, "-c", config)
    assert code == 2
    assert out.startswith(message) and out.count("\n") == 1


def test_post_sends_the_summary_once(config: str, tmp_path: Path) -> None:
    code, out = run("report", "phase-3-8", "--checkpoint", "6h", "--post", "-c", config)
    assert code == 0 and "posted to oncall: 1 of 1 delivered" in out  # cron runs no daemon: sent now
    code, out = run("report", "phase-3-8", "--checkpoint", "6h", "--post", "-c", config)
    assert "already queued for oncall: nothing new to send" in out
    store = open_store(tmp_path / "state")
    try:
        assert store.pending_count() == 0
        assert [(n.channel, n.state) for n in store.notifications(0, 4e9) if n.event == "checkpoint"] == [
            ("oncall", "delivered")]
    finally:
        store.close()


def test_window_start_list_close(config: str) -> None:
    code, out = run("window", "start", "canary", "--at", "2025-10-13T07:10:30Z", "--duration", "2h", "-c", config)
    assert (code, out) == (0, "opened window canary: 2025-10-13 07:10 UTC → 2025-10-13 09:10 UTC, "
                              "checkpoints 30m, 1h, 90m, 2h\n")
    code, out = run("window", "list", "-c", config)
    assert code == 0 and "canary" in out and "phase-3-8" in out and "0/4" in out
    assert run("window", "close", "canary", "-c", config) == (0, "closed window canary\n")
    code, out = run("window", "list", "-c", config)
    assert "canary" not in out
    assert "canary" in run("window", "list", "--all", "-c", config)[1]


def test_a_missing_window_name_points_to_the_help_that_exists(run_cli):
    outcome = run_cli("window", "start")
    assert (outcome.code, outcome.err) == (2, "watchdog: Missing argument 'WINDOW'. (see 'watchdog window start --help')\n")


def test_help_names_values_in_words_not_python_types(run_cli):
    help_text = run_cli("check", "--help").out
    assert "<" not in help_text and "--log-window DURATION" in help_text and "-c, --config FILE" in help_text
