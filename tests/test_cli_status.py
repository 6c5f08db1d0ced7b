"""`watchdog status` reads what the daemon stored."""

import time

import pytest

from watchdog.cli.status import exit_code, since_text, sparkline, status_since
from watchdog.model import Result
from watchdog.status import Status
from watchdog.store import open_store


@pytest.mark.parametrize(("values", "line"), [
    ([1, 2, 3, 4, 5, 6, 7, 8], "▁▂▃▄▅▆▇█"), ([5, 5, 5], "▁▁▁"), ([], ""), ([0, 10], "▁█")])
def test_sparkline(values, line):
    assert sparkline(values) == line


def test_since_text():
    assert since_text(None, 100) == "-"
    assert since_text(40, 100) == "1m ago"


def test_status_shows_each_check_from_the_store(run_cli, write_config, tmp_path):
    state = tmp_path / "state"
    path = write_config(f'state_dir = "{state}"\n[checks.health]\ntype = "http"\nurl = "http://127.0.0.1:9/h"\n'
                        '[checks.other]\ntype = "http"\nurl = "http://127.0.0.1:9/o"\n')
    store = open_store(state)
    now = time.time()
    for i, ms in enumerate([50, 60, 70]):
        store.record(Result("health", "http", Status.OK, f"HTTP 200 OK in {ms} ms", {"response_ms": ms},
                            started=now - 30 + i * 10), main_metric="response_ms")
    store.close()
    outcome = run_cli("status", "-c", path)
    assert outcome.code == 0, outcome.err
    lines = outcome.out.splitlines()
    health = next(line for line in lines if line.startswith("health"))
    assert "OK" in health and "response_ms=70" in health and "▁▄█" in health and "HTTP 200 OK in 70 ms" in health
    other = next(line for line in lines if line.startswith("other"))
    assert "never run" in other


@pytest.mark.parametrize(("state", "status", "resolved", "since"), [
    ({"firing": 2, "started": 900.0, "bad_since": 900.0}, Status.CRITICAL, None, 900.0),  # the incident's start
    ({"firing": 0, "bad": 1, "bad_since": 950.0}, Status.WARNING, None, 950.0),  # not alerting yet
    ({"firing": 0, "started": 900.0}, Status.OK, 1000.0, 1000.0),  # recovered: when it resolved
    ({}, Status.OK, None, None),  # never an incident: not known
])
def test_since_is_when_the_status_began(state, status, resolved, since):
    assert status_since(state, status, resolved) == since


@pytest.mark.parametrize(("rows", "code"), [
    ([{"status": "OK", "stale": False}, {"status": "WARNING", "stale": False}], 1),
    ([{"status": "CRITICAL", "stale": False}], 2),
    ([{"status": "OK", "stale": True}], 3),  # the daemon stopped: its view is not current
    ([{"status": "-", "stale": False}], 3),  # never run
    ([], 3),
])
def test_exit_code_is_nagios_over_the_daemons_view(rows, code):
    assert exit_code(rows) == code


def health_history(tmp_path, write_config, status=Status.CRITICAL, age=0.0):
    state = tmp_path / "state"
    path = write_config(f'state_dir = "{state}"\n[checks.health]\ntype = "http"\nurl = "http://127.0.0.1:9/h"\n')
    store = open_store(state)
    now = time.time() - age
    store.record(Result("health", "http", status, "HTTP 503", {"response_ms": 5.0}, started=now), main_metric="response_ms")
    store.save_alert_state("health", {"firing": 2, "started": 1760339400.0, "bad_since": 1760339400.0}, expected=None)
    store.close()
    return path


def test_json_since_is_the_incident_start_in_rfc_3339(run_cli, write_config, tmp_path):
    import json

    outcome = run_cli("status", "-c", health_history(tmp_path, write_config), "--format", "json")
    [row] = json.loads(outcome.out)["checks"]
    assert (row["since"], row["last_run"][-1], row["firing"]) == ("2025-10-13T07:10:00Z", "Z", True)


def test_the_old_json_flag_still_works(run_cli, write_config, tmp_path):
    outcome = run_cli("status", "-c", health_history(tmp_path, write_config), "--json")
    assert outcome.out.startswith('{\n  "checks"')


@pytest.mark.parametrize(("age", "code"), [(0.0, 2), (3600.0, 3)])
def test_exit_code_follows_the_worst_current_status(run_cli, write_config, tmp_path, age, code):
    outcome = run_cli("status", "-c", health_history(tmp_path, write_config, age=age), "--exit-code")
    assert outcome.code == code
