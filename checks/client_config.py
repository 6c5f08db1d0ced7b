"""What the real-time kinds share: secret-aware tables, event specs, the ``{probe_id}``, the deadline.

* ``SecretTable`` (``headers``, the Socket.IO handshake ``auth``): a value under a
  name that says secret (``Authorization``, ``token``, ``X-Api-Key``...) becomes a
  ``SecretStr``, which the loader's redactor collects, so it never shows in output,
  logs or errors; ``revealed()`` gives the values to send.
* ``EmitSpec`` (``emit = { event, data, ack }``) and ``ExpectSpec``
  (``{ event, match = { "payload.ok" = true } }``): what a client sends, what it waits for.
* ``fill_probe_id``: ``{probe_id}`` (single braces: the loader reads only ``${VAR}``)
  replaced in every string of a nested value, so a run counts only its own events.
* ``literal_secrets``: the secret-named keys of a raw table typed without ``${VAR}``.
* ``within(deadline, metrics, stalled)``: the kind's own deadline (inside the runner's
  backstop), so a timeout says what did not arrive, and every failure keeps the
  metrics measured before it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, SecretStr, field_validator

from watchdog.checks.json_body import json_failures
from watchdog.errors import CheckError, ProbeTimeout
from watchdog.redact import looks_secret

PROBE_ID = "{probe_id}"
#: events the Socket.IO protocol itself uses: a client can neither emit nor wait for them
RESERVED_EVENTS = frozenset({"connect", "connect_error", "disconnect", "disconnecting", "newListener",
                             "removeListener"})


def _secret_by_name(table: Any) -> Any:
    if not isinstance(table, Mapping):
        return table
    return {k: SecretStr(v) if isinstance(v, str) and looks_secret(str(k)) else v for k, v in table.items()}


#: a table of values sent to the server; secret-named ones are SecretStr
SecretTable = Annotated[dict[str, Any], BeforeValidator(_secret_by_name)]


def revealed(table: Mapping[str, Any]) -> dict[str, Any]:
    """The table with its secrets as plain text: only for the wire."""
    return {k: v.get_secret_value() if isinstance(v, SecretStr) else v for k, v in table.items()}


def header_texts(table: Mapping[str, Any]) -> dict[str, str]:
    """Headers to send: every value as text."""
    return {k: str(v) for k, v in revealed(table).items()}


def literal_secrets(raw: Any) -> list[str]:
    """Secret-named keys of a table as written in the file whose value is not from ``${VAR}``."""
    if not isinstance(raw, Mapping):
        return []
    return [str(k) for k, v in raw.items() if looks_secret(str(k)) and isinstance(v, str) and "${" not in v]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    event: str = Field(min_length=1, max_length=200)

    @field_validator("event")
    @classmethod
    def _reserved(cls, event: str) -> str:
        if event in RESERVED_EVENTS:
            raise ValueError(f"{event!r} is reserved by Socket.IO; name an application event")
        return event


class EmitSpec(_Spec):
    """``emit = { event = "ping", data = {...}, ack = true }``."""

    data: Any = None
    #: wait for the server's acknowledgement (and time it)
    ack: bool = False


class ExpectSpec(_Spec):
    """``expect_event = { event = "pong", match = { "payload.ok" = true } }``."""

    #: dot path -> the value the event's payload must have there
    match: dict[str, Any] = Field(default_factory=dict)


def fill_probe_id(value: Any, probe_id: str) -> Any:
    """``value`` with ``{probe_id}`` replaced in every string (dict keys too)."""
    if isinstance(value, str):
        return value.replace(PROBE_ID, probe_id)
    if isinstance(value, Mapping):
        return {fill_probe_id(k, probe_id): fill_probe_id(v, probe_id) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [fill_probe_id(v, probe_id) for v in value]
    return value


def payload_of(args: tuple[Any, ...]) -> Any:
    """An event's arguments as one JSON value: the only one, else the list of them."""
    return args[0] if len(args) == 1 else list(args)


def matches(payload: Any, expected: Mapping[str, Any]) -> bool:
    """Whether every dot path of ``expected`` holds in ``payload`` (``{}``: any payload)."""
    return not json_failures(payload, expected)


@contextlib.asynccontextmanager
async def within(deadline: float, metrics: Callable[[], Mapping[str, float]],
                 stalled: Callable[[], str]) -> AsyncIterator[None]:
    """Run the block until ``deadline`` (loop time): past it, ``ProbeTimeout(stalled())``; any
    ``CheckError`` leaves with ``metrics()`` (what was measured so far) merged into its own."""
    try:
        async with asyncio.timeout_at(deadline):
            yield
    except TimeoutError:
        raise ProbeTimeout(stalled(), metrics=dict(metrics())) from None
    except CheckError as exc:
        exc.metrics = {**metrics(), **exc.metrics}
        raise
