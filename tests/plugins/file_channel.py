"""``file``: a plugin channel that appends one line per notification to a file.

    [channels.notes]
    type = "file"
    path = "/var/log/watchdog-alerts.txt"
"""

from __future__ import annotations

from typing import Literal

from watchdog.alerting.channels.base import BaseChannel, ChannelConfig, Delivery, TransportError
from watchdog.alerting.message import Message
from watchdog.store.base import Notification


class FileConfig(ChannelConfig):
    type: Literal["file"] = "file"
    path: str


def file_line(message: Message, notification_id: str) -> str:
    """``TEST: watchdog alert test for channel notes: This is a test... (wd-...)``."""
    return f"{message.title}: {message.summary} ({notification_id})\n"


class FileChannel(BaseChannel):
    type = "file"
    Config = FileConfig
    config: FileConfig

    async def send(self, notification: Notification) -> Delivery:
        line = file_line(self.message_of(notification), notification.id)
        try:
            with open(self.config.path, "a", encoding="utf-8") as out:
                out.write(line)
        except OSError as exc:  # a missing directory will not appear by retrying
            raise TransportError(f"cannot write {self.config.path}: {exc.strerror}", permanent=True) from None
        return Delivery()
