"""The check contract: a kind's config model comes from its type argument (``CheckKind[HttpConfig]``)."""

from __future__ import annotations

from watchdog.checks.http_endpoint import HttpCheck, HttpConfig
from watchdog.checks.log_base import LogCheck, LogCheckConfig
from watchdog.checks.log_rate import LogRateCheck, LogRateConfig
from watchdog.kinds import CheckConfig, CheckKind


class PingConfig(CheckConfig):
    host: str


def test_the_config_model_is_the_type_argument() -> None:
    assert (HttpCheck.Config, LogRateCheck.Config) == (HttpConfig, LogRateConfig)


def test_a_still_generic_base_has_its_type_variable_s_bound() -> None:
    assert LogCheck.Config is LogCheckConfig


def test_a_subclass_of_a_kind_keeps_its_config_model() -> None:
    class SlowHttpCheck(HttpCheck):
        type = "slow-http"

    assert SlowHttpCheck.Config is HttpConfig


def test_a_config_set_in_the_class_body_wins() -> None:
    class PingCheck(CheckKind):  # a kind written before kinds were generic
        type = "ping"
        Config = PingConfig

    class StrictHttpCheck(CheckKind[HttpConfig]):
        Config = PingConfig

    assert (PingCheck.Config, StrictHttpCheck.Config) == (PingConfig, PingConfig)


def test_a_kind_without_a_type_argument_validates_the_common_keys() -> None:
    class BareCheck(CheckKind):
        type = "bare"

    assert BareCheck.Config is CheckConfig


def test_the_log_hub_takes_the_one_off_options_the_context_was_built_with() -> None:
    from watchdog.kinds import CheckContext

    hub = CheckContext(log_window=2.0, stdin_source="railway", logs_to_end=True).logs
    assert (hub.log_window, hub.stdin_source, hub.to_end, hub.sources) == (2.0, "railway", True, {})


class ScriptedConfig(CheckConfig):
    pass


class ScriptedCheck(CheckKind[ScriptedConfig]):
    """Measures the next metrics of a script, at times a test sets on the context's clock."""

    type = "scripted"
    METRICS = frozenset({"heap_used_mb", "heap_total_mb", "ws_connections"})

    def __init__(self, name, config, context, script) -> None:  # type: ignore[no-untyped-def]
        super().__init__(name, config, context)
        self.script = list(script)

    async def measure(self):  # type: ignore[no-untyped-def]
        from watchdog.model import Measurement

        return Measurement(self.script.pop(0))


def scripted(table: dict, script: list[dict], clock) -> ScriptedCheck:  # type: ignore[type-arg, no-untyped-def]
    from watchdog.kinds import CheckContext

    return ScriptedCheck("app", ScriptedConfig.model_validate({"type": "scripted", **table}),
                         CheckContext(clock=clock), script)


async def test_a_rule_over_two_metrics_judges_the_heap_as_a_share_of_its_limit() -> None:
    check = scripted({"critical": ["heap_used_mb / heap_total_mb * 100 > 80"]},
                     [{"heap_used_mb": 85, "heap_total_mb": 100}], lambda: 1000.0)
    result = await check.run()
    assert (result.status.name, result.summary) == ("CRITICAL", "heap_used_mb / heap_total_mb * 100 = 85 (> 80)")


async def test_a_rule_over_the_checks_recent_results_sees_a_sudden_drop() -> None:
    now = [1000.0]
    script = [{"ws_connections": n} for n in (500, 480, 300)]
    check = scripted({"critical": ["delta(ws_connections, 5m) < -100"]}, script, lambda: now[0])
    statuses = []
    for _ in script:
        statuses.append((await check.run()).status.name)
        now[0] += 60
    assert statuses == ["OK", "OK", "CRITICAL"]  # 500 -> 300 within five minutes


async def test_recover_rules_say_whether_an_ok_result_counts_toward_the_resolve() -> None:
    script = [{"ws_connections": n} for n in (5, 2)]
    check = scripted({"critical": ["ws_connections > 5"], "recover": ["ws_connections <= 3"]}, script, lambda: 1.0)
    first, second = await check.run(), await check.run()
    assert [(r.status.name, r.recovered) for r in (first, second)] == [("OK", False), ("OK", True)]
