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
