"""``console``: rich text on the terminal (stderr by default), for development.

    [channels.dev]
    type = "console"
    stream = "stdout"

The notification is rendered by ``message.text_lines`` (the plain text the
e-mail and apprise channels send too); check
output is shown as plain text, never as rich markup, so a ``[bold]`` or
``[link=...]`` in a log line prints as written.
"""

from __future__ import annotations

import sys
from typing import Any, Literal

from watchdog.alerting.channels.base import BaseChannel, ChannelConfig, Delivery
from watchdog.alerting.message import text_lines
from watchdog.redact import NULL_REDACTOR, Redactor
from watchdog.status import Status
from watchdog.store.base import Notification

STYLES = {Status.OK: "green", Status.WARNING: "yellow", Status.CRITICAL: "bold red", Status.UNKNOWN: "magenta"}
EVENT_STYLES = {"resolved": "bold green", "flapping": "magenta", "acknowledged": "blue", "test": "cyan"}


class ConsoleConfig(ChannelConfig):
    """Rich text on the terminal (stderr by default): for development."""

    type: Literal["console"] = "console"
    stream: Literal["stderr", "stdout"] = "stderr"


class ConsoleChannel(BaseChannel):
    """Prints to the terminal with rich (a console can be injected for tests)."""

    type = "console"
    Config = ConsoleConfig
    config: ConsoleConfig

    def __init__(self, name: str, config: ConsoleConfig, redactor: Redactor = NULL_REDACTOR,
                 *, console: Any = None) -> None:
        super().__init__(name, config, redactor)
        self._console = console

    async def send(self, notification: Notification) -> Delivery:
        from rich.text import Text

        message = self.message_of(notification)
        lines = text_lines(message, notification.id)
        style = EVENT_STYLES.get(message.event) or STYLES[message.severity]
        text = Text(lines[0], style=style)
        text.append("\n" + "\n".join(lines[1:]))
        self._get_console().print(text, soft_wrap=True, highlight=False)
        return Delivery()

    def _get_console(self) -> Any:
        if self._console is None:
            from rich.console import Console

            self._console = Console(file=sys.stdout if self.config.stream == "stdout" else sys.stderr)
        return self._console
