"""``ping``: a plugin check kind that answers without a network, so tests can run it anywhere."""

from __future__ import annotations

from watchdog.kinds import CheckConfig, CheckKind
from watchdog.model import Measurement


class PingConfig(CheckConfig):
    host: str


class PingCheck(CheckKind):
    type = "ping"
    Config = PingConfig
    METRICS = frozenset({"rtt_ms"})
    config: PingConfig

    async def measure(self) -> Measurement:
        return Measurement({"rtt_ms": 3.5}, summary=f"reply from {self.config.host} in 3.5 ms")
