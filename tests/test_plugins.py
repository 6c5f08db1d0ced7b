"""A third-party distribution (tests/plugins/) adds a check kind and a channel, used from a real config."""

from __future__ import annotations

import re

import pytest

from tests.plugins import ENTRY_POINTS


@pytest.fixture(autouse=True)
def _installed(install_distribution):  # type: ignore[no-untyped-def]
    install_distribution(ENTRY_POINTS)


def test_watchdog_check_runs_a_plugin_kind(run_cli, write_config):
    path = write_config('[checks.gw]\ntype = "ping"\nhost = "10.0.0.1"\nwarning = ["rtt_ms > 3"]\n')
    outcome = run_cli("check", "-c", path, "-f", "nagios")
    assert (outcome.code, outcome.out) == (
        1, "WATCHDOG WARNING - gw: rtt_ms = 3.5 (> 3) - reply from 10.0.0.1 in 3.5 ms | 'rtt_ms'=3.5ms;3\n")


def test_watchdog_alert_test_delivers_through_a_plugin_channel(run_cli, write_config, tmp_path):
    sent = tmp_path / "alerts.txt"
    path = write_config(f'[channels.notes]\ntype = "file"\npath = "{sent}"\n')
    outcome = run_cli("alert", "test", "notes", "-c", path)
    assert (outcome.code, re.sub(r"\d\.\d\ds", "N.NNs", outcome.out)) == (0, "notes  file          delivered in N.NNs\n")
    assert re.sub(r"\(wd-\w+\)", "(ID)", sent.read_text()) == (
        "TEST: watchdog alert test for channel notes: This is a test message from `watchdog alert test`. "
        "Nothing is wrong; no action needed. (ID)\n")


def test_a_plugin_channel_that_cannot_deliver_says_so(run_cli, write_config, tmp_path):
    path = write_config(f'[channels.notes]\ntype = "file"\npath = "{tmp_path}/no/such/dir/alerts.txt"\n')
    outcome = run_cli("alert", "test", "notes", "-c", path)
    assert (outcome.code, outcome.out) == (1, "notes  file          FAILED (permanent: the daemon would mark the channel "
                                              f"broken): cannot write {tmp_path}/no/such/dir/alerts.txt: "
                                              "No such file or directory\n")


def test_config_validate_builds_each_check_so_a_plugin_that_cannot_start_fails_there(run_cli, write_config):
    path = write_config('[checks.boom]\ntype = "explode"\n')
    outcome = run_cli("config", "validate", "-c", path)
    assert (outcome.code, outcome.err) == (2, f"watchdog: {path}: checks.boom: cannot be built: RuntimeError: "
                                              "cannot start: the probe's port is taken\n")
