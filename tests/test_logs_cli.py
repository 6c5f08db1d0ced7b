"""``watchdog logs scan|tail`` and ``watchdog check --source-stdin`` as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.log_sources import script
from watchdog.cli import logs

CONFIG = """
[sources.railway]
command = {argv}
restart_initial = "1h"
restart_max = "1h"

[checks.ws-drops]
type = "log-rate"
source = "railway"
match = 'WebSocket disconnected'
window = "1m"
critical = ["count > 5"]

[checks.app-alerts]
type = "log-match"
source = "railway"
match = '🚨 ALERT: (?P<what>.*)'
severity = "warning"
"""
LINES = ["GET / 200", "❌ WebSocket disconnected: s1", "🚨 ALERT: High WebSocket latency detected",
         "❌ WebSocket disconnected: s2", "\x1b[31m🚨 ALERT: Redis down\x1b[0m"]


@pytest.fixture
def config(tmp_path: Path) -> str:
    path = tmp_path / "watchdog.toml"
    path.write_text(CONFIG.format(argv=json.dumps(script(tmp_path, LINES))), encoding="utf-8")
    return str(path)


@pytest.fixture
def logfile(tmp_path: Path) -> str:
    path = tmp_path / "yesterday.log"
    path.write_text("\n".join(LINES * 3) + "\n", encoding="utf-8")
    return str(path)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    try:
        logs.app(list(args), prog_name="watchdog logs")
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 0
    out = capsys.readouterr()
    return code, out.out, out.err


def test_scan_a_file_prints_every_log_check_and_evidence(capsys: pytest.CaptureFixture[str], config: str,
                                                         logfile: str) -> None:
    code, out, err = run(capsys, "scan", logfile, "-c", config, "--evidence", "1")
    assert (code, err) == (2, "")
    assert [line.rstrip() for line in out.splitlines()] == [
        f"file {logfile}: 15 lines, 0.0 MB",
        "check       status    summary",
        "ws-drops    CRITICAL  count = 6 (> 5) - 6 matches in 15 lines read (6/min over 1m)",
        "app-alerts  WARNING   6 matching lines in 15 lines read (first: what=High WebSocket latency detected)",
        "  ws-drops: ❌ WebSocket disconnected: s1",
        "  app-alerts: 🚨 ALERT: High WebSocket latency detected",
    ]


def test_scan_a_source_as_json(capsys: pytest.CaptureFixture[str], config: str) -> None:
    code, out, _ = run(capsys, "scan", "railway", "-c", config, "-f", "json", "--check", "app-alerts")
    document = json.loads(out)
    [result] = document["results"]
    assert (code, result["status"], result["metrics"], result["evidence"]) == (
        1, "WARNING", {"matches": 2}, ["🚨 ALERT: High WebSocket latency detected", "🚨 ALERT: Redis down"])
    assert {k: document["sources"]["railway"][k] for k in ("state", "lines", "restarts", "last_error")} == {
        "state": "ended", "lines": 5, "restarts": 0, "last_error": None}


@pytest.mark.parametrize(
    "args, message",
    [
        (["scan", "nowhere.log"], "'nowhere.log' is neither a source in {config} (sources: railway) nor a readable file"),
        (["scan", "railway", "--check", "nope"],
         "--check: no log check named 'nope' in {config} (log checks: ws-drops, app-alerts)"),
        (["tail", "nope"], "no source named 'nope' in {config} (sources: railway)"),
        (["tail", "railway", "--for", "soon"], "--for: invalid duration 'soon' (use 500ms, 30s, 5m, 1h, 1d)"),
    ],
)
def test_errors_are_one_line(capsys: pytest.CaptureFixture[str], config: str, args: list[str], message: str) -> None:
    code, out, err = run(capsys, *args, "-c", config)
    assert (code, out, err) == (3, "", f"watchdog: {message.format(config=config)}\n")


def test_tail_prints_matching_lines_tagged_by_check(capsys: pytest.CaptureFixture[str], config: str) -> None:
    code, out, _ = run(capsys, "tail", "railway", "-c", config, "--count", "3")
    assert code == 0
    assert [line[9:] for line in out.splitlines()] == [
        "[ws-drops] ❌ WebSocket disconnected: s1",
        "[app-alerts] 🚨 ALERT: High WebSocket latency detected",
        "[ws-drops] ❌ WebSocket disconnected: s2",
    ]


def test_scan_stdin_through_a_real_pipe(config: str, logfile: str) -> None:
    code = "import sys; from watchdog.cli import logs; logs.app(sys.argv[1:], prog_name='watchdog logs')"
    with open(logfile, "rb") as f:
        done = subprocess.run([sys.executable, "-c", code, "scan", "-", "-c", config, "-f", "json"],
                              input=f.read(), capture_output=True, timeout=60, check=False)
    results = {r["check"]: r["metrics"] for r in json.loads(done.stdout)["results"]}
    assert (done.returncode, results) == (2, {"ws-drops": {"count": 6.0, "per_min": 6.0}, "app-alerts": {"matches": 6}})


def test_watchdog_check_reads_a_source_from_stdin(config: str, logfile: str) -> None:
    with open(logfile, "rb") as f:
        done = subprocess.run([sys.executable, "-m", "watchdog", "check", "-c", config, "--source-stdin", "railway",
                               "--log-window", "30s", "-f", "json"], input=f.read(), capture_output=True, timeout=60,
                              check=False)
    results = json.loads(done.stdout)["checks"]
    assert (done.returncode, {r["check"]: r["status"] for r in results}) == (
        2, {"ws-drops": "CRITICAL", "app-alerts": "WARNING"})


def test_ctrl_c_during_a_scan_prints_what_was_read(tmp_path: Path) -> None:
    import signal
    import time

    argv = script(tmp_path, LINES, stay=120.0, name="slow.py")
    path = tmp_path / "slow.toml"
    path.write_text(CONFIG.format(argv=json.dumps(argv)), encoding="utf-8")
    code = "import sys; from watchdog.cli import logs; logs.app(sys.argv[1:], prog_name='watchdog logs')"
    proc = subprocess.Popen([sys.executable, "-c", code, "scan", "railway", "-c", str(path), "-f", "json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(2.0)  # let it start reading; the assertions below hold either way
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    document = json.loads(out)
    assert [r["check"] for r in document["results"]] == ["ws-drops", "app-alerts"]
    assert err.decode() == "watchdog: interrupted: the results cover the lines read so far\n"
    assert document["sources"]["railway"]["state"] == "stopped"


def test_scan_stdin_redirected_from_a_file(config: str, logfile: str) -> None:
    code = "import sys; from watchdog.cli import logs; logs.app(sys.argv[1:], prog_name='watchdog logs')"
    with open(logfile, "rb") as f:
        done = subprocess.run([sys.executable, "-c", code, "scan", "-", "-c", config, "-f", "json"],
                              stdin=f, capture_output=True, timeout=60, check=False)
    document = json.loads(done.stdout)
    assert {r["check"]: r["metrics"] for r in document["results"]} == {
        "ws-drops": {"count": 6.0, "per_min": 6.0}, "app-alerts": {"matches": 6}}
    assert (document["sources"]["scan"]["origin"], document["sources"]["scan"]["lines"]) == ("stdin", 15)


SLOW = """
[sources.app]
command = ["true"]

[checks.digits]
type = "log-rate"
source = "app"
match = '^\\d+$'

[checks.errors]
type = "log-rate"
source = "app"
match = 'error'
"""


def test_config_validate_verbose_names_the_patterns_that_run_on_every_line(run_cli, write_config) -> None:  # type: ignore[no-untyped-def]
    outcome = run_cli("config", "validate", "-v", "-c", write_config(SLOW))
    slow = [line for line in outcome.out.splitlines() if line.startswith("slow:")]
    assert (outcome.code, slow) == (0, ["slow: checks.digits: '^\\d+$' has no literal text to pre-filter on, so it "
                                        "runs on every line (~10x slower than a pattern holding a word)"])


def test_config_validate_without_verbose_says_only_ok(run_cli, write_config) -> None:  # type: ignore[no-untyped-def]
    outcome = run_cli("config", "validate", "-c", write_config(SLOW))
    assert outcome.out.endswith("OK - 2 checks (digits, errors), 1 sources\n")
