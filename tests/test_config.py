"""Loading the config: interpolation, env overrides, and one-line errors naming the key."""

import json
import os
import tomllib
from unittest import mock

import pytest

from watchdog.config import from_document, load
from watchdog.errors import ConfigError

HEALTH = '[checks.health]\ntype = "http"\nurl = "http://127.0.0.1:1/health"\n'

BAD_CONFIGS = [
    ('[checks.health]\ntype = "http"\nurl = "http://127.0.0.1:1/"\ninterval = "fast"\n',
     "checks.health.interval: invalid duration 'fast' (use 500ms, 30s, 5m, 1h, 1d)"),
    (HEALTH + 'timeout = "0s"\n', "checks.health.timeout: invalid duration '0s': must be more than zero"),
    # durations that would switch monitoring off without a word
    (HEALTH + 'interval = inf\n', "checks.health.interval: invalid duration inf: must be a finite number of seconds"),
    (HEALTH + 'interval = nan\n', "checks.health.interval: invalid duration nan: must be a finite number of seconds"),
    (HEALTH + 'interval = "1e999"\n',
     "checks.health.interval: invalid duration '1e999': must be a finite number of seconds"),
    (HEALTH + 'timeout = inf\n', "checks.health.timeout: invalid duration inf: must be a finite number of seconds"),
    (HEALTH + 'interval = "10ms"\n', "checks.health.interval: invalid duration '10ms': use 100ms to 30d"),
    (HEALTH + 'interval = "90d"\n', "checks.health.interval: invalid duration '90d': use 100ms to 30d"),
    (HEALTH + 'timeout = "2h"\n', "checks.health.timeout: invalid duration '2h': use 1ms to 1h"),
    ('[defaults]\ninterval = inf\n', "defaults.interval: invalid duration inf: must be a finite number of seconds"),
    ('retention = "9999d"\n', "retention: invalid duration '9999d': at most 3650d"),
    (HEALTH + 'critical = ["response_ms >> 5"]\n', "checks.health.critical[0]: invalid threshold 'response_ms >> 5'"),
    (HEALTH + 'warning = ["heap_mb > 5"]\n', "checks.health.warning[0]: metric 'heap_mb' is never produced by http checks"),
    (HEALTH + 'expect_status = ["2yy"]\n', "checks.health.expect_status: invalid status '2yy'"),
    (HEALTH + 'expect_body = "(unclosed"\n', "checks.health.expect_body: invalid regular expression '(unclosed'"),
    (HEALTH + 'timout = "5s"\n', "checks.health.timout: unknown key"),
    (HEALTH + 'samples = "many"\n', "checks.health.samples: unknown key"),
    ('[checks.health]\nurl = "http://x/"\n', "checks.health: missing key 'type' (one of:"),
    ('[checks.health]\ntype = "carrier-pigeon"\n', "checks.health.type: unknown check type 'carrier-pigeon'"),
    ('[checks.health]\ntype = "http"\n', "checks.health.url: required key is missing"),
    ('[checks.health]\ntype = "http"\nurl = "ftp://x/"\n', "checks.health.url: must be an http:// or https:// URL"),
    ('[checks.health]\ntype = "http"\nurl = "${NOPE_NOT_SET}/health"\n',
     "checks.health.url: environment variable NOPE_NOT_SET is not set"),
    ('[checks]\nhealth = 3\n', "checks.health: must be a table ([checks.health]), got int"),
    ('[checks."bad name!"]\ntype = "http"\n', "checks.bad name!: invalid name"),
    ('[defaults]\ninterval = "soon"\n', "defaults.interval: invalid duration 'soon'"),
    ('[defaults]\nmax_concurrency = 0\n', "defaults.max_concurrency: input should be greater than or equal to 1, got 0"),
    ('[defaultz]\n', "defaultz: unknown key (did you mean 'defaults'?)"),
    ('checks = [1, 2]\n', "checks: must be a table of [checks.NAME] tables"),
    ('[checks.health\n', "invalid TOML: "),
    ('[defaults.alert]\nchannels = ["oncall"]\n', "defaults.alert.channels[0]: no channel named 'oncall' (channels: none"),
    (HEALTH + '[checks.health.alert]\nchannels = ["pager"]\n[channels.oncall]\ntype = "console"\n',
     "checks.health.alert.channels[0]: no channel named 'pager' (channels: oncall)"),
    (HEALTH + '[checks.health.alert]\naftr = 2\n', "checks.health.alert.aftr: unknown key (did you mean 'after'?)"),
    ('[checks.r]\ntype = "http"\nurl = "http://127.0.0.1:1/"\nmetrics = { response_ms = "x" }\n',
     "checks.r.metrics: metric name 'response_ms' is already a built-in http metric"),
]


@pytest.mark.parametrize(("text", "message"), BAD_CONFIGS)
def test_bad_config_is_one_line_naming_the_key(write_config, run_cli, text, message):
    path = write_config(text)
    for args, code in ((("check", "-c", path), 3), (("config", "validate", "-c", path), 2)):
        outcome = run_cli(*args)
        assert outcome.code == code
        assert "Traceback" not in outcome.err
        first = outcome.err.splitlines()[0]
        assert first.startswith(f"watchdog: {path}: ")
        assert message in first


def test_missing_file_names_it(run_cli, tmp_path):
    outcome = run_cli("check", "-c", str(tmp_path / "nope.toml"))
    assert (outcome.code, outcome.err.strip()) == (3, f"watchdog: {tmp_path / 'nope.toml'}: config file not found (from -c)")


def test_no_config_anywhere_says_where_it_looked(run_cli, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("WATCHDOG_CONFIG", raising=False)
    outcome = run_cli("config", "validate")
    assert outcome.code == 2
    assert "no config file found (looked for ./watchdog.toml, /etc/watchdog/watchdog.toml)" in outcome.err


def test_config_env_variable_is_used(run_cli, write_config, monkeypatch):
    monkeypatch.setenv("WATCHDOG_CONFIG", write_config(HEALTH))
    assert run_cli("config", "validate").code == 0


def test_interpolation_with_defaults_and_escapes():
    doc = {"checks": {"h": {"type": "http", "url": "${APP:-http://127.0.0.1:9}/health", "description": "costs $$5"}}}
    cfg = from_document(doc, env={})
    assert cfg.checks["h"].url == "http://127.0.0.1:9/health"
    assert cfg.checks["h"].description == "costs $5"


def test_defaults_fill_every_check_and_checks_override():
    doc = {"defaults": {"interval": "1m", "timeout": "3s"},
           "checks": {"a": {"type": "http", "url": "http://127.0.0.1:9/"},
                      "b": {"type": "http", "url": "http://127.0.0.1:9/", "timeout": "500ms"}}}
    cfg = from_document(doc, env={})
    assert (cfg.checks["a"].interval, cfg.checks["a"].timeout, cfg.checks["b"].timeout) == (60, 3, 0.5)


def test_environment_overrides_top_level_settings():
    cfg = from_document({"state_dir": "/from/file", "defaults": {"timeout": "9s"}},
                        env={"WATCHDOG_STATE_DIR": "/from/env", "WATCHDOG_DEFAULTS__TIMEOUT": "2s"})
    assert str(cfg.settings.state_dir) == "/from/env"
    assert cfg.settings.defaults.timeout == 2


class _ReadOnlyEnviron(dict):
    """Stands in for os.environ: loading must never write it (no swapping in a test's env)."""

    def _refuse(self, *args, **kwargs):
        raise AssertionError("os.environ was modified")

    __setitem__ = __delitem__ = clear = update = pop = popitem = setdefault = _refuse


def test_loading_with_a_given_env_never_modifies_os_environ():
    with mock.patch.object(os, "environ", _ReadOnlyEnviron(os.environ, WATCHDOG_RETENTION="2d")):
        cfg = from_document({}, env={"WATCHDOG_STATE_DIR": "/from/env"})
    assert (str(cfg.settings.state_dir), cfg.settings.retention) == ("/from/env", 30 * 86400.0)


def test_nested_environment_override_keeps_the_file_s_other_keys():
    cfg = from_document({"defaults": {"interval": "1m", "timeout": "9s"}}, env={"WATCHDOG_DEFAULTS__TIMEOUT": "5s"})
    assert (cfg.settings.defaults.interval, cfg.settings.defaults.timeout) == (60.0, 5.0)


def test_a_bad_environment_override_names_the_key():
    with pytest.raises(ConfigError) as err:
        from_document({}, env={"WATCHDOG_DEFAULTS__TIMEOUT": "soon"})
    assert str(err.value) == "watchdog.toml: defaults.timeout: invalid duration 'soon' (use 500ms, 30s, 5m, 1h, 1d)"


def test_default_state_dir_follows_the_given_xdg_state_home():
    cfg = from_document({}, env={"XDG_STATE_HOME": "/srv/state"})
    assert str(cfg.settings.state_dir) == "/srv/state/watchdog"


def test_secret_variables_are_registered_for_redaction():
    doc = {"checks": {"h": {"type": "http", "url": "http://127.0.0.1:9/",
                            "headers": {"Authorization": "Bearer ${HEALTH_TOKEN}"}}}}
    cfg = from_document(doc, env={"HEALTH_TOKEN": "tok-abc-123456"})
    assert cfg.redactor("sent Bearer tok-abc-123456") == "sent Bearer ***"


def test_literal_redis_password_in_the_file_is_refused():
    with pytest.raises(ConfigError, match=r"checks.r.url: put the Redis password in an environment variable"):
        from_document({"checks": {"r": {"type": "redis", "url": "redis://:hunter2@127.0.0.1:6379"}}}, env={})


def test_redis_password_from_the_environment_is_accepted():
    cfg = from_document({"checks": {"r": {"type": "redis", "url": "redis://:${REDIS_PASSWORD}@127.0.0.1:6379"}}},
                        env={"REDIS_PASSWORD": "hunter2"})
    assert cfg.checks["r"].url == "redis://:hunter2@127.0.0.1:6379"


def test_a_url_password_never_appears_in_another_kind_s_url_error():
    with pytest.raises(ConfigError) as err:
        from_document({"checks": {"h": {"type": "http", "url": "redis://:hunter2@127.0.0.1:6379"}}}, env={})
    assert str(err.value) == "watchdog.toml: checks.h.url: must be an http:// or https:// URL, got 'redis://:***@127.0.0.1:6379'"


def test_example_config_validates(run_cli):
    outcome = run_cli("config", "validate", "-c", "config.example.toml")
    assert outcome.code == 0, outcome.err
    assert outcome.out.startswith("config.example.toml: OK - ")


def test_config_show_masks_secrets(run_cli, write_config, monkeypatch):
    monkeypatch.setenv("HEALTH_TOKEN", "tok-abc-123456")
    path = write_config(HEALTH + 'headers = { Authorization = "Bearer ${HEALTH_TOKEN}" }\n')
    outcome = run_cli("config", "show", "-c", path)
    assert outcome.code == 0
    assert "tok-abc-123456" not in outcome.out
    assert 'Authorization = "Bearer ***"' in outcome.out
    assert 'interval = "30s"' in outcome.out


def test_config_show_toml_reads_back_as_the_json_document(run_cli):
    toml_out = run_cli("config", "show", "-c", "config.example.toml")
    json_out = run_cli("config", "show", "-c", "config.example.toml", "--format", "json")
    assert (toml_out.code, json_out.code) == (0, 0)
    assert tomllib.loads(toml_out.out) == _without_none(json.loads(json_out.out))


def test_config_show_writes_a_window_as_its_table(run_cli, write_config):
    path = write_config('[windows.p]\nstart = "2025-10-13T07:10:00Z"\nduration = "12h"\n'
                        'criteria = [{ name = "calm", expr = "alerts.critical == 0" }]\n')
    shown = tomllib.loads(run_cli("config", "show", "-c", path).out)["windows"]["p"]
    assert shown == {"title": "p", "start": "2025-10-13T07:10:00Z", "duration": "12h",
                     "checkpoints": ["3h", "6h", "9h", "12h"], "channels": [],
                     "criteria": [{"name": "calm", "expr": "alerts.critical == 0"}], "min_results": 5}


def _without_none(value):
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    return [_without_none(v) for v in value if v is not None] if isinstance(value, list) else value


def test_load_reads_a_file(write_config):
    cfg = load(write_config(HEALTH))
    assert list(cfg.checks) == ["health"]


@pytest.mark.parametrize(("server", "env", "address"), [
    ({}, {}, "127.0.0.1:9321"),
    ({}, {"PORT": "8080"}, "0.0.0.0:8080"),  # Railway sets $PORT
    ({"listen": "127.0.0.1:9400"}, {"PORT": "8080"}, "127.0.0.1:9400"),
    ({"enabled": False}, {"PORT": "8080"}, None),
])
def test_where_the_daemon_listens(server, env, address):
    cfg = from_document({"server": server}, env={})
    assert cfg.settings.server.address(env) == address
