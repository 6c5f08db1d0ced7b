"""The real daemon under faults that would make a monitor blind: a full disk, a removed state dir.

Each test starts ``watchdog run`` as a child process against a local target it
faults and a local receiver, and checks that the outage still reaches the
receiver, that ``/healthz`` says what is wrong, and that the log stays readable.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

CONFIG = """
state_dir = "{state}"
[defaults]
interval = "1s"
timeout = "1s"
[defaults.alert]
after = 2
channels = ["hook"]
[channels.hook]
type = "webhook"
url = "{hook}"
[checks.health]
type = "http"
url = "{target}/health"
"""


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MB tmpfs (root only): the state directory on a disk that fills up."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    mount = tmp_path / "disk"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)]).returncode != 0:
        pytest.skip("this machine cannot mount a tmpfs")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)])


def fill(disk: Path) -> None:
    """Write until the filesystem is full."""
    with (disk / "filler").open("wb") as out:
        try:
            while True:
                out.write(b"\0" * 65536)
                out.flush()
        except OSError:
            pass


def alerts(receiver) -> list[dict]:  # type: ignore[no-untyped-def, type-arg]
    return [r.json for r in receiver.requests if r.path.startswith("/hook/")]


def events(receiver, check: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [a["event"] for a in alerts(receiver) if a["check"] == check]


def write(tmp_path: Path, state: Path, receiver, http_service, extra: str = "") -> Path:  # type: ignore[no-untyped-def]
    path = tmp_path / "watchdog.toml"
    path.write_text(CONFIG.format(state=state, hook=receiver.hook_url(), target=http_service.url) + extra)
    return path


def test_a_full_disk_still_pages_and_says_so_without_flooding_the_log(
        tmp_path, tiny_disk, receiver, http_service, daemon_process):  # type: ignore[no-untyped-def]
    daemon = daemon_process(write(tmp_path, tiny_disk / "state", receiver, http_service)).start()
    daemon.wait_until(lambda: (daemon.get("/status") or {}).get("checks", {}).get("health", {}).get("runs", 0) >= 2,
                      "the check never ran")
    fill(tiny_disk)
    http_service.behave(status=503)
    faulted = time.monotonic()
    daemon.wait_until(lambda: "firing" in events(receiver, "health"),
                      "the outage never reached the receiver with the disk full", timeout=20)
    print(f"target 503 -> firing at the receiver: {time.monotonic() - faulted:.1f}s (interval 1s x after 2 + 1s = 3s)")
    code, body = daemon.answer("/healthz")  # type: ignore[misc]
    assert code == 503 and body.startswith("store unwritable: ") and "database or disk is full" in body
    runs = daemon.get("/status")["checks"]["health"]["runs"]
    daemon.wait_until(lambda: daemon.get("/status")["checks"]["health"]["runs"] >= runs + 3, "the checks stopped")
    store_lines = [line for line in daemon.logged().splitlines() if "disk is full" in line]
    assert 1 <= len(store_lines) <= 6, store_lines  # a few lines a minute, not one per failed write

    (tiny_disk / "filler").unlink()  # space again: it recovers by itself and resolves in the same episode
    http_service.behave()
    daemon.wait_until(lambda: daemon.answer("/healthz") == (200, "ok: 1 checks\n"), "/healthz did not recover")
    daemon.wait_until(lambda: events(receiver, "health") == ["firing", "resolved"],
                      "the resolve did not follow the firing once", timeout=20)
    [self_alert, *_] = [a for a in alerts(receiver) if a["check"] == "watchdog"]
    assert self_alert["event"] == "firing" and "store unwritable" in self_alert["summary"]


def test_a_removed_state_directory_is_reopened_and_said_loudly(tmp_path, receiver, http_service, daemon_process):  # type: ignore[no-untyped-def]
    import shutil

    state = tmp_path / "state"
    daemon = daemon_process(write(tmp_path, state, receiver, http_service)).start()
    daemon.wait_until(lambda: (state / "watchdog.sqlite3").exists(), "no store file")
    shutil.rmtree(state)
    removed = time.monotonic()
    daemon.wait_until(lambda: (daemon.answer("/healthz") or (0, ""))[0] == 503, "/healthz stayed 200", timeout=15)
    print(f"state_dir removed -> /healthz 503: {time.monotonic() - removed:.1f}s")
    code, body = daemon.answer("/healthz")  # type: ignore[misc]
    assert body.startswith(f"state directory: {state} was removed while watchdog was running; a new store")
    daemon.wait_until(lambda: "firing" in events(receiver, "watchdog"), "no self alert reached the receiver",
                      timeout=15)
    [alert] = [a for a in alerts(receiver) if a["check"] == "watchdog"]
    assert f"{state} was removed" in alert["summary"]
    assert (state / "watchdog.sqlite3").exists()  # a new store: what comes next is kept again


def test_the_heartbeat_pings_while_healthy_and_calls_fail_when_the_store_fails(
        tmp_path, tiny_disk, receiver, http_service, daemon_process):  # type: ignore[no-untyped-def]
    beat = f'\n[heartbeat]\nurl = "{receiver.url}/ping/watchdog-prod"\ninterval = "1s"\n'
    daemon = daemon_process(write(tmp_path, tiny_disk / "state", receiver, http_service, beat)).start()
    pings = lambda: [r for r in receiver.requests if r.path.startswith("/ping/")]  # noqa: E731
    daemon.wait_until(lambda: len(pings()) >= 2, "no heartbeat while healthy")
    assert {(r.path, r.body) for r in pings()} == {("/ping/watchdog-prod", b"ok: 1 checks\n")}
    fill(tiny_disk)
    failed = time.monotonic()
    daemon.wait_until(lambda: any(r.path == "/ping/watchdog-prod/fail" for r in pings()), "no /fail call",
                      timeout=10)
    print(f"store full -> heartbeat /fail: {time.monotonic() - failed:.1f}s (interval 1s)")
    [fail, *_] = [r for r in pings() if r.path.endswith("/fail")]
    assert fail.body.decode().startswith("store unwritable: ") and b"disk is full" in fail.body


FLOODED = """
state_dir = "{state}"
[defaults]
interval = "1s"
timeout = "5s"
max_concurrency = 200
"""


@pytest.mark.slow
def test_a_status_flood_costs_the_checks_no_results(tmp_path, http_service, daemon_process):  # type: ignore[no-untyped-def]
    import json
    import sqlite3
    import sys

    checks = "".join(f'[checks.api-{i:03d}]\ntype = "http"\nurl = "{http_service.url}/health"\n' for i in range(200))
    path = tmp_path / "watchdog.toml"
    path.write_text(FLOODED.format(state=tmp_path / "state") + checks)
    daemon = daemon_process(path).start()
    time.sleep(3)  # every check has run once: start-up is behind us
    phase = 8.0
    quiet = (time.time(), time.time() + phase)
    skipped0 = daemon.get("/status")["scheduler"]
    time.sleep(phase)
    flood = subprocess.Popen([sys.executable, "-m", "tests.support.flood", str(daemon.port), "200", str(phase + 2)],
                             stdout=subprocess.PIPE)
    time.sleep(1)
    flooded = (time.time(), time.time() + phase)
    time.sleep(phase)
    answers = json.loads(flood.communicate(timeout=60)[0])
    skipped1 = daemon.get("/status")["scheduler"]
    daemon.stop()
    with sqlite3.connect(tmp_path / "state" / "watchdog.sqlite3") as db:
        count = [db.execute("SELECT count(*) FROM results WHERE ts >= ? AND ts < ?", span).fetchone()[0]
                 for span in (quiet, flooded)]
    print(f"results: {count[0]} quiet, {count[1]} flooded ({100 * count[1] / count[0]:.1f}%); "
          f"/status answered the flood {answers['ok']} times")
    assert count[1] >= 0.9 * count[0]
    assert skipped1["overruns"] + skipped1["missed"] == skipped0["overruns"] + skipped0["missed"]
    assert answers["ok"] > 0  # it still answers
