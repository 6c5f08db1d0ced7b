"""``[sources.NAME]``: where log lines come from, validated once at config load.

Exactly one of:

* ``command = ["railway", "logs", "--deployment", "${ID}"]`` - an argv list, never a
  shell string; restarted with capped exponential backoff when it exits;
* ``file = "/var/log/app/app.log"`` - followed like ``tail -F`` (rotation by rename
  and by truncation), from its end unless ``from_start = true``;
* ``stdin = true`` - standard input (``railway logs | watchdog check --source-stdin NAME``).

Bytes are decoded with ``errors="replace"``, ANSI colours stripped, and lines
longer than ``max_line_bytes`` cut (the rest of that line is dropped, the next
line starts clean). ``timestamp_field`` / ``timestamp_pattern`` take each line's
time from the line itself (ISO-8601) instead of the moment it was read.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from watchdog.types import PositiveDuration

KIB = 1024


class SourceConfig(BaseModel):
    """One validated ``[sources.NAME]`` table."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    command: list[str] | None = None
    file: str | None = None
    stdin: bool = False
    #: files: read the existing content first instead of starting at the end
    from_start: bool = False
    max_line_bytes: int = Field(default=64 * KIB, ge=256, le=64 * KIB * KIB)
    encoding: str = "utf-8"
    strip_ansi: bool = True
    #: commands: first restart delay, doubled per failure up to restart_max
    restart_initial: PositiveDuration = 1.0
    restart_max: PositiveDuration = 60.0
    #: commands: a run this long resets the backoff to restart_initial
    healthy_after: PositiveDuration = 10.0
    #: commands: report the source as failing after this many exits in a row
    failing_after: int = Field(default=3, ge=1, le=1000)
    #: files: how often to look for new data, rotation and truncation at the end
    poll_interval: PositiveDuration = 0.25
    #: JSON lines: the field holding an ISO-8601 time (``"timestamp"``)
    timestamp_field: str | None = None
    #: text lines: a regex whose group ``ts`` (or group 1) is an ISO-8601 time
    timestamp_pattern: str | None = None

    @field_validator("command", mode="before")
    @classmethod
    def _argv(cls, value: Any) -> Any:
        if isinstance(value, str):
            raise ValueError(
                "must be a list of arguments, not a shell string "
                f"(write command = {value.split()!r})".replace("'", '"')
            )
        if isinstance(value, list):
            if not value:
                raise ValueError("must name a program: command = [\"program\", \"arg\", ...]")
            for i, arg in enumerate(value):
                if not isinstance(arg, str) or (i == 0 and not arg.strip()):
                    raise ValueError(f"argument {i} must be a non-empty string, got {arg!r}")
        return value

    @field_validator("encoding")
    @classmethod
    def _encoding(cls, value: str) -> str:
        try:
            name = codecs.lookup(value).name
        except LookupError:
            raise ValueError(f"unknown encoding {value!r} (e.g. utf-8, latin-1)") from None
        if "line\n".encode(name) != b"line\n":  # lines are framed on the byte b"\n"
            raise ValueError(f"encoding {value!r} is not ASCII-compatible (use utf-8, latin-1, cp1252...)")
        return name

    @field_validator("timestamp_pattern")
    @classmethod
    def _pattern(cls, value: str | None) -> str | None:
        if value is None:
            return value
        try:
            compiled = re.compile(value)
        except re.error as exc:
            raise ValueError(f"invalid regular expression {value!r}: {exc}") from None
        if "ts" not in compiled.groupindex and compiled.groups < 1:
            raise ValueError(f"{value!r} needs a group holding the time: (?P<ts>...) or (...)")
        return value

    @model_validator(mode="after")
    def _one_origin(self) -> SourceConfig:
        given = [k for k, v in (("command", self.command), ("file", self.file), ("stdin", self.stdin)) if v]
        if len(given) != 1:
            found = f" (found {' and '.join(given)})" if given else ""
            raise ValueError(f"needs exactly one of command = [...], file = \"PATH\" or stdin = true{found}")
        if self.timestamp_field and self.timestamp_pattern:
            raise ValueError("use timestamp_field or timestamp_pattern, not both")
        if self.restart_max < self.restart_initial:
            raise ValueError("restart_max must be at least restart_initial")
        return self

    @property
    def origin(self) -> str:
        """``command``, ``file`` or ``stdin``."""
        return "command" if self.command else "file" if self.file else "stdin"

    def describe(self) -> str:
        """A short, secret-free description for status lines: ``command railway``."""
        if self.command:
            return f"command {self.command[0]}"
        return f"file {self.file}" if self.file else "stdin"


def validate_source(name: str, table: Mapping[str, Any], ctx: Any = None) -> SourceConfig:
    """The ``TABLES["sources"]`` validator of watchdog.config (errors name ``sources.NAME.key``)."""
    return SourceConfig.model_validate(dict(table))
