"""What reports need from the config, gathered once (and again after a reload): ``ReportContext``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from watchdog.redact import NULL_REDACTOR, Redactor
from watchdog.reports.build import CheckInfo, check_infos
from watchdog.reports.config import WindowSpec

if TYPE_CHECKING:
    from watchdog.config import Config


@dataclass(frozen=True)
class ReportContext:
    """What reports need from the config, gathered once (and again after a reload)."""

    specs: Mapping[str, WindowSpec]
    infos: Mapping[str, CheckInfo]
    reports_dir: Path
    redactor: Redactor = NULL_REDACTOR
    default_channels: tuple[str, ...] = ()
    runbooks: Mapping[str, str] = field(default_factory=dict)  # check -> runbook name
    channel_configs: Mapping[str, Any] = field(default_factory=dict)  # [channels.NAME], for --post
    public_url: str | None = None  # [server] public_url: where the daemon serves /reports/
    deploy_channels: tuple[str, ...] = ()  # [defaults.alert] deploy_channels: "deploy seen" notices

    @classmethod
    def from_config(cls, config: Config) -> ReportContext:
        from watchdog.alerting.rules import effective_rules

        defaults = config.settings.defaults.alert
        rules = {n: effective_rules(defaults, c.alert) for n, c in config.checks.items()}
        return cls(
            specs=config.windows, infos=check_infos(config),
            reports_dir=Path(config.settings.state_dir) / "reports", redactor=config.redactor,
            default_channels=tuple(defaults.channels),
            runbooks={n: r.runbook for n, r in rules.items() if r.runbook},
            channel_configs=config.channels, public_url=config.settings.server.public_url,
            deploy_channels=tuple(defaults.deploy_channels),
        )

    def deploy_audience(self, windows: Sequence[str]) -> tuple[str, ...]:
        """Who hears of a deploy seen: the channels of the windows it opened, else ``deploy_channels``."""
        opened = [c for name in windows for c in self.channels_for(name)]
        return tuple(dict.fromkeys(opened)) or self.deploy_channels

    def channels_for(self, window: str) -> tuple[str, ...]:
        spec = self.specs.get(window)
        return (spec.channels if spec and spec.channels else ()) or self.default_channels
