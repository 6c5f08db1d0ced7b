"""The four check states, ordered by severity, with their Nagios exit codes."""

from __future__ import annotations

import enum
from collections.abc import Iterable


class Status(enum.IntEnum):
    """OK < WARNING < CRITICAL < UNKNOWN; the value is the Nagios plugin exit code."""

    OK = 0
    WARNING = 1
    CRITICAL = 2
    UNKNOWN = 3

    @property
    def exit_code(self) -> int:
        return int(self.value)

    @property
    def label(self) -> str:
        return self.name

    @classmethod
    def parse(cls, text: str) -> Status:
        """Read ``"warning"``, ``"CRITICAL"``, ``"crit"``... into a Status."""
        key = text.strip().upper()
        aliases = {"WARN": "WARNING", "CRIT": "CRITICAL"}
        key = aliases.get(key, key)
        try:
            return cls[key]
        except KeyError:
            raise ValueError(f"unknown status {text!r} (use ok, warning, critical, unknown)") from None


def worst(statuses: Iterable[Status]) -> Status:
    """The most severe status; OK when there is none."""
    return max(statuses, default=Status.OK)
