"""`watchdog status` reads what the daemon stored."""

import time

import pytest

from watchdog.cli.status import since_text, sparkline
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
