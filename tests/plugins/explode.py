"""``explode``: a plugin kind that is valid on paper and fails when the daemon builds it,
as a kind that needs a resource at start (a port, a device) does when it is missing."""

from __future__ import annotations

from watchdog.kinds import CheckConfig, CheckContext, CheckKind
from watchdog.model import Measurement


class ExplodeConfig(CheckConfig):
    reason: str = "the probe's port is taken"


class ExplodeCheck(CheckKind[ExplodeConfig]):
    type = "explode"

    def __init__(self, name: str, config: ExplodeConfig, context: CheckContext) -> None:
        raise RuntimeError(f"cannot start: {config.reason}")

    async def measure(self) -> Measurement:  # pragma: no cover - never built
        raise NotImplementedError
