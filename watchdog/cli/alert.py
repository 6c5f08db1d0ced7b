"""``watchdog alert test [CHANNEL]``: send a clearly marked test message and say what happened.

Mounted by the root app: ``app.add_typer(alert.app, name="alert")``.

The test goes straight through the channel, one attempt, without the outbox:
the person at the terminal wants to know now whether the channel works, not
to have a retry happen later. Exit 0 when every channel tried delivered, 1
when any failed, 2 for a config or argument problem.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Annotated, Any

import typer

from watchdog.cli.common import ConfigOption, fail, load_config

if TYPE_CHECKING:
    from watchdog.alerting.channels import Attempt

app = typer.Typer(help="Alert channels: send a test message.", no_args_is_help=True)

ChannelArgument = Annotated[
    str | None, typer.Argument(metavar="CHANNEL", help="Channel to test (default: every [channels.NAME]).", show_default=False)
]


@app.callback()
def alert() -> None:
    """Alert channels: send a test message."""


@app.command("test")
def test(channel: ChannelArgument = None, config: ConfigOption = None) -> None:
    """Send a clearly marked test message through a channel (or all) and print the outcome."""
    import asyncio

    from watchdog import registry

    cfg = load_config(config, exit_code=2)
    configs = cfg.channels
    if not configs:
        fail(f"{cfg.path}: no [channels.NAME] tables to test", 2)
    if channel is not None and channel not in configs:
        fail(f"{cfg.path}: no channel named {channel!r} (channels: {', '.join(configs)})", 2)
    names = [channel] if channel is not None else list(configs)
    outcomes = asyncio.run(_send_all(names, configs, cfg.redactor))
    width = max(len(name) for name in names)
    # the type column fits every registered type, so the columns line up whichever channels are tested
    kind_width = max(len(kind) for kind in registry.CHANNELS.available())
    for name in names:
        print(cfg.redactor(outcome_line(name, configs[name].type, outcomes[name], width, kind_width)))
    raise typer.Exit(0 if all(o.delivered for o in outcomes.values()) else 1)


def outcome_line(name: str, kind: str, outcome: Attempt, width: int = 0, kind_width: int = 0) -> str:
    """``oncall  slack    delivered in 0.21s`` or ``hook  webhook  FAILED (permanent): ...``."""
    head = f"{name.ljust(width)}  {kind.ljust(kind_width)}  "
    if outcome.delivered:
        return f"{head}delivered in {outcome.duration_s:.2f}s"
    error = outcome.error
    kind_of = "permanent: the daemon would mark the channel broken" if error and error.permanent \
        else "transient: the daemon would retry"
    return f"{head}FAILED ({kind_of}): {error}"


async def _send_all(names: list[str], configs: dict[str, Any], redactor: Any) -> dict[str, Attempt]:
    import asyncio

    from watchdog.alerting.channels import attempt, build_channel
    from watchdog.alerting.message import alert_test_message, notification_for

    now = time.time()
    channels = {name: build_channel(name, configs[name], redactor) for name in names}
    try:
        results = await asyncio.gather(*(
            attempt(ch, notification_for(alert_test_message(name, now), name, now))
            for name, ch in channels.items()
        ))
    finally:
        for ch in channels.values():
            await ch.aclose()
    return dict(zip(names, results))
