"""Check kinds and channels are found through entry-point groups, like a third-party package's."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import distribution

import pytest

from tests.plugins import ENTRY_POINTS
from tests.plugins.file_channel import FileChannel
from watchdog import registry, runner
from watchdog.config import from_document
from watchdog.errors import ConfigError
from watchdog.status import Status

BROKEN = """
[watchdog.checks]
missing = wd_no_such_module:Check
wrong = tests.plugins.ping:PingConfig

[watchdog.channels]
missing = wd_no_such_module:Channel
wrong = tests.plugins.file_channel:FileConfig
log = tests.plugins.file_channel:FileChannel
"""


@pytest.fixture
def installed_plugin(install_distribution):  # type: ignore[no-untyped-def]
    """The example plugins, two broken entry points per family, and a replacement ``log`` channel."""
    install_distribution(ENTRY_POINTS + BROKEN)


@pytest.mark.parametrize("family", registry.FAMILIES, ids=lambda family: family.group)
def test_builtins_are_the_entry_points_the_distribution_declares(family: registry.Family) -> None:
    declared = {ep.name: ep.value for ep in distribution("ops-watchdog").entry_points if ep.group == family.group}
    assert family.builtin == declared, "pyproject.toml changed? reinstall: pip install -e ."


async def test_a_plugin_kind_runs_like_a_built_in(installed_plugin):
    cfg = from_document({"checks": {"gw": {"type": "ping", "host": "10.0.0.1", "warning": ["rtt_ms > 3"]}}}, env={})
    ctx = runner.context_for(cfg)
    try:
        [result] = await runner.run_checks(runner.build(cfg, ["gw"], ctx))
    finally:
        await ctx.aclose()
    assert (result.status, result.summary) == (Status.WARNING, "rtt_ms = 3.5 (> 3) - reply from 10.0.0.1 in 3.5 ms")


def test_an_installed_entry_point_wins_over_the_builtin_of_that_name(installed_plugin):
    assert registry.CHANNELS.load("log") is FileChannel


def test_an_unknown_channel_type_lists_the_installed_ones_too(installed_plugin):
    with pytest.raises(ConfigError) as err:
        from_document({"channels": {"x": {"type": "slak"}}}, env={})
    assert str(err.value) == ("watchdog.toml: channels.x.type: unknown channel type 'slak' "
                              "(one of: slack, webhook, console, log, pagerduty, email, opsgenie, teams, discord, "
                              "alertmanager, apprise, file, missing, wrong)")


@pytest.mark.parametrize(("table", "kind", "message"), [
    ("checks", "missing", "checks.x.type: check type 'missing' could not be loaded: ModuleNotFoundError: "
                          "No module named 'wd_no_such_module'"),
    ("checks", "wrong", "checks.x.type: check type 'wrong' could not be loaded: TypeError: "
                        "tests.plugins.ping:PingConfig is not a CheckKind subclass"),
    ("channels", "missing", "channels.x.type: channel type 'missing' could not be loaded: ModuleNotFoundError: "
                            "No module named 'wd_no_such_module'"),
    ("channels", "wrong", "channels.x.type: channel type 'wrong' could not be loaded: TypeError: "
                          "tests.plugins.file_channel:FileConfig is not a BaseChannel subclass"),
])
def test_a_broken_plugin_is_a_config_error_naming_the_key(installed_plugin, table, kind, message):
    with pytest.raises(ConfigError) as err:
        from_document({table: {"x": {"type": kind}}}, env={})
    assert str(err.value) == f"watchdog.toml: {message}"


@pytest.mark.parametrize(("table", "message"), [
    ("checks", "checks.x.type: 'type' must be a string, got 3"),
    ("channels", "channels.x.type: 'type' must be a string, got 3"),
])
def test_a_type_that_is_not_a_string_names_the_key(table, message):
    with pytest.raises(ConfigError) as err:
        from_document({table: {"x": {"type": 3}}}, env={})
    assert str(err.value) == f"watchdog.toml: {message}"


def test_a_channel_module_is_imported_only_when_a_table_names_its_type():
    code = ("import sys; from watchdog.config import from_document; "
            "from_document({'channels': {'x': {'type': 'log'}}}, env={}); "
            "print(sorted(m for m in sys.modules if m.startswith('watchdog.alerting.channels.')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout == "['watchdog.alerting.channels.base', 'watchdog.alerting.channels.log']\n"
