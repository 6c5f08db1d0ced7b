"""Check kinds are found through the entry-point group ``watchdog.checks``, like a third-party package's."""

from __future__ import annotations

import textwrap

import pytest

from watchdog import registry, runner
from watchdog.config import from_document
from watchdog.errors import ConfigError
from watchdog.status import Status

PLUGIN = '''
from watchdog.kinds import CheckConfig, CheckKind
from watchdog.model import Measurement


class PingConfig(CheckConfig):
    host: str


class PingCheck(CheckKind):
    type = "ping"
    Config = PingConfig
    METRICS = frozenset({"rtt_ms"})

    async def measure(self):
        return Measurement({"rtt_ms": 3.5}, summary=f"reply from {self.config.host} in 3.5 ms")


class NotAKind:
    pass
'''


@pytest.fixture
def installed_plugin(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """A distribution on sys.path whose entry points add three kinds (one good, two broken)."""
    (tmp_path / "wd_ping_plugin.py").write_text(PLUGIN)
    info = tmp_path / "wd_ping_plugin-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: wd-ping-plugin\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(textwrap.dedent("""\
        [watchdog.checks]
        ping = wd_ping_plugin:PingCheck
        missing = wd_no_such_module:Check
        wrong = wd_ping_plugin:NotAKind
        """))
    monkeypatch.syspath_prepend(str(tmp_path))
    registry.available.cache_clear()
    registry.load.cache_clear()
    yield
    registry.available.cache_clear()
    registry.load.cache_clear()


async def test_a_plugin_kind_runs_like_a_built_in(installed_plugin):
    cfg = from_document({"checks": {"gw": {"type": "ping", "host": "10.0.0.1", "warning": ["rtt_ms > 3"]}}}, env={})
    ctx = runner.context_for(cfg)
    try:
        [result] = await runner.run_checks(runner.build(cfg, ["gw"], ctx))
    finally:
        await ctx.aclose()
    assert (result.status, result.summary) == (Status.WARNING, "rtt_ms = 3.5 (> 3) - reply from 10.0.0.1 in 3.5 ms")


def test_built_ins_are_registered_through_the_same_group():
    assert {"http", "redis", "latency", "log-match", "log-rate", "log-ratio", "log-absence",
            "log-latency"} <= set(registry.available())


@pytest.mark.parametrize(("kind", "message"), [
    ("missing", "checks.x.type: check type 'missing' could not be loaded: ModuleNotFoundError: "
                "No module named 'wd_no_such_module'"),
    ("wrong", "checks.x.type: check type 'wrong' could not be loaded: TypeError: "
              "wd_ping_plugin:NotAKind is not a CheckKind subclass"),
])
def test_a_broken_plugin_is_a_config_error_naming_the_key(installed_plugin, kind, message):
    with pytest.raises(ConfigError) as err:
        from_document({"checks": {"x": {"type": kind}}}, env={})
    assert str(err.value) == f"watchdog.toml: {message}"
