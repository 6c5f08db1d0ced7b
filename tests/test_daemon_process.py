"""The real daemon process: SIGKILL with undelivered notifications, SIGHUP with a bad config, SIGTERM."""

from __future__ import annotations

import collections
import signal
from pathlib import Path

from tests.support.receiver import Reply

CONFIG = """
state_dir = "{state}"
[defaults]
interval = "{interval}"
timeout = "1s"
[defaults.alert]
after = 1
channels = ["hook"]
[channels.hook]
type = "webhook"
url = "{hook}"
[checks.down]
type = "http"
url = "http://127.0.0.1:9/health"
"""


def write(tmp_path, receiver, interval="1s", extra=""):
    path = tmp_path / "watchdog.toml"
    path.write_text(CONFIG.format(state=tmp_path / "state", hook=receiver.hook_url(), interval=interval) + extra)
    return path


def ids(requests):
    return [r.header("X-Watchdog-Notification-Id") for r in requests]


def test_sigkill_with_undelivered_notifications_then_restart_delivers_each_once(tmp_path, receiver, daemon_process):
    receiver.script(*[Reply(500)] * 1000)  # the receiver is down: the page stays in the outbox
    daemon = daemon_process(write(tmp_path, receiver)).start()
    daemon.wait_until(lambda: len(receiver.requests) >= 1, "the firing was never attempted")
    daemon.kill()
    failed_attempts = len(receiver.requests)
    [firing_id] = set(ids(receiver.requests))

    receiver.clear_script()  # the receiver is back
    restarted = daemon_process(daemon.config).start()
    restarted.wait_until(lambda: len(receiver.requests) > failed_attempts, "the pending page was not sent after restart")
    restarted.wait_until(lambda: "down" in (restarted.get("/status") or {}).get("checks", {}), "no status")
    restarted.wait_until(lambda: restarted.get("/status")["checks"]["down"]["runs"] >= 3, "the check did not keep running")
    restarted.signal(signal.SIGTERM)
    assert restarted.wait_exit() == 0
    delivered = ids(receiver.requests[failed_attempts:])
    assert delivered == [firing_id]  # delivered once; the still-failing check did not page again


def test_sighup_with_a_broken_config_keeps_the_old_one_and_says_why(tmp_path, receiver, daemon_process):
    path = write(tmp_path, receiver, interval="30s")
    daemon = daemon_process(path).start()
    path.write_text(path.read_text() + '\n[checks.bad]\ntype = "http"\nurl = "http://127.0.0.1:9/"\ninterval = "fast"\n')
    daemon.signal(signal.SIGHUP)
    daemon.wait_until(lambda: "reload refused" in daemon.logged(), "no reload error logged")
    assert "checks.bad.interval: invalid duration 'fast'" in daemon.logged()
    assert daemon.get("/healthz") == "ok: 1 checks\n"
    assert list(daemon.get("/status")["checks"]) == ["down", "watchdog"]  # the daemon's own check is listed too

    path.write_text(path.read_text().replace('interval = "fast"', 'interval = "30s"'))
    daemon.signal(signal.SIGHUP)
    daemon.wait_until(lambda: "config reloaded: 2 checks" in daemon.logged(), "the good config was not loaded")
    assert sorted(daemon.get("/status")["checks"]) == ["bad", "down", "watchdog"]
    daemon.signal(signal.SIGTERM)
    assert daemon.wait_exit() == 0


def test_sigterm_exits_zero_and_metrics_are_served(tmp_path, receiver, daemon_process):
    daemon = daemon_process(write(tmp_path, receiver)).start()
    daemon.wait_until(lambda: 'watchdog_check_status{check="down"} 2.0' in (daemon.get("/metrics") or ""),
                      "the CRITICAL status never reached /metrics")
    metrics = daemon.get("/metrics")
    assert 'watchdog_notifications_total{channel="hook",outcome="sent"}' in metrics
    down = [line.split("{")[0] for line in metrics.splitlines() if 'check="down"' in line]
    assert collections.Counter(down)["watchdog_check_results_total"] == 4  # one per status
    daemon.signal(signal.SIGTERM)
    assert daemon.wait_exit() == 0
    assert "stopped" in daemon.logged()


def test_systemd_notify_protocol_and_json_logs(tmp_path, receiver, daemon_process):
    import json
    import socket

    address = str(tmp_path / "notify.sock")
    systemd = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    systemd.bind(address)
    systemd.settimeout(10)
    try:
        daemon = daemon_process(write(tmp_path, receiver)).start(
            "--log-format", "json", env={"NOTIFY_SOCKET": address, "WATCHDOG_USEC": "2000000"})
        messages = [systemd.recv(4096).decode() for _ in range(2)]
        assert messages[0].startswith("READY=1\nSTATUS=watching 1 checks")
        assert messages[1] == "WATCHDOG=1"  # every WatchdogSec/2 while healthy
        daemon.signal(signal.SIGTERM)
        while (message := systemd.recv(4096).decode()) == "WATCHDOG=1":
            pass
        assert message == "STOPPING=1"
        assert daemon.wait_exit() == 0
    finally:
        systemd.close()
    records = [json.loads(line) for line in daemon.logged().splitlines()]
    assert {"ts", "level", "logger", "msg"} <= set(records[0])
    assert records[-1]["msg"] == "stopped"


BAD_RELOADS = [
    ('interval = "1s"', "interval = inf", "checks.down.interval: invalid duration inf: must be a finite number"),
    ('interval = "1s"', "interval = nan", "checks.down.interval: invalid duration nan: must be a finite number"),
    ('interval = "1s"', 'interval = "1e999"', "checks.down.interval: invalid duration '1e999': must be a finite"),
    ('timeout = "1s"', "timeout = inf", "checks.down.timeout: invalid duration inf: must be a finite number"),
    ("", '[checks.boom]\ntype = "explode"\n', "reload failed while starting (RuntimeError: cannot start: "
                                              "the probe's port is taken); still running the previous config"),
]


def test_a_reload_that_would_switch_monitoring_off_leaves_the_old_checks_running(tmp_path, receiver, daemon_process):
    from tests.plugins import ENTRY_POINTS
    from tests.support.plugins import write_distribution

    (tmp_path / "plugins").mkdir()
    plugins = write_distribution(tmp_path / "plugins", ENTRY_POINTS)
    path = write(tmp_path, receiver, extra='interval = "1s"\ntimeout = "1s"\n')
    daemon = daemon_process(path).start(env={"PYTHONPATH": f"{plugins}:{Path.cwd()}"})
    good = path.read_text()
    for number, (old, new, logged) in enumerate(BAD_RELOADS, start=1):
        head, _, tail = good.rpartition(old or "\0")  # the check's own key (the last one), not [defaults]
        path.write_text(head + new + tail if old else good + new)
        daemon.signal(signal.SIGHUP)
        daemon.wait_until(lambda: daemon.logged().count("still running the previous config") == number,
                          f"reload {number} was not refused")
        assert logged in daemon.logged()
        runs = daemon.get("/status")["checks"]["down"]["runs"]
        daemon.wait_until(lambda: daemon.get("/status")["checks"]["down"]["runs"] >= runs + 2,
                          f"the old checks stopped running after reload {number}")
        assert daemon.get("/healthz") == "ok: 1 checks\n"
    metrics = daemon.get("/metrics")
    assert 'watchdog_config_reloads_total{outcome="refused"} 4.0' in metrics
    assert 'watchdog_config_reloads_total{outcome="failed"} 1.0' in metrics
    daemon.signal(signal.SIGTERM)
    assert daemon.wait_exit() == 0


def test_a_graceful_stop_with_a_check_in_flight_says_so_in_one_line(tmp_path, receiver, http_service, daemon_process):
    http_service.behave(delay_s=5)
    path = write(tmp_path, receiver, extra=f'\n[checks.slow]\ntype = "http"\nurl = "{http_service.url}/health"\n'
                                           'timeout = "8s"\n')
    daemon = daemon_process(path).start("--grace", "300ms")
    daemon.wait_until(lambda: http_service.hits >= 1, "the slow check never started")
    daemon.signal(signal.SIGTERM)
    assert daemon.wait_exit() == 0
    assert "Traceback" not in daemon.logged()
    assert "stopping with 1 check(s) still running after the 300ms grace: cancelled" in daemon.logged()
