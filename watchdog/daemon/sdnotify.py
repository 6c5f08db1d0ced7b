"""systemd's notify protocol, spoken directly (a few lines; no extra dependency).

With ``Type=notify`` and ``WatchdogSec=`` in the unit, the daemon sends
``READY=1`` once it runs, ``WATCHDOG=1`` every half ``WatchdogSec`` while its
scheduler and store are healthy, ``STATUS=...`` lines, and ``STOPPING=1`` on
SIGTERM. Outside systemd ($NOTIFY_SOCKET unset) every call is a no-op.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping


class Notifier:
    def __init__(self, env: Mapping[str, str] = os.environ) -> None:
        address = env.get("NOTIFY_SOCKET", "")
        # An abstract socket is written '@name' and means a leading NUL byte.
        self.address = "\0" + address[1:] if address.startswith("@") else address
        usec = env.get("WATCHDOG_USEC", "")
        pid = env.get("WATCHDOG_PID", "")
        self.watchdog_interval = int(usec) / 1e6 / 2 if usec.isdigit() and (not pid or pid == str(os.getpid())) else None

    @property
    def enabled(self) -> bool:
        return bool(self.address)

    def send(self, *fields: str) -> bool:
        if not self.address:
            return False
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
                sock.connect(self.address)
                sock.sendall("\n".join(fields).encode())
            return True
        except OSError:
            return False  # systemd gone or socket unusable: never take the daemon down for it

    def ready(self, status: str = "") -> bool:
        return self.send("READY=1", *([f"STATUS={status}"] if status else []))

    def ping(self) -> bool:
        return self.send("WATCHDOG=1")

    def stopping(self) -> bool:
        return self.send("STOPPING=1")

    def status(self, text: str) -> bool:
        return self.send(f"STATUS={text}")
