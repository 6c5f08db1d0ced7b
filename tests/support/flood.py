"""A flood of clients looping on one path of a local server, as a child process.

    python -m tests.support.flood PORT CLIENTS SECONDS [PATH]

Prints ``{"ok": N, "other": M}``: answers 200, and anything else (refused,
503, reset) once the time is up.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time


async def flood(port: int, clients: int, seconds: float, path: str) -> dict[str, int]:
    answered = {"ok": 0, "other": 0}
    request = f"GET {path} HTTP/1.1\r\nHost: flood\r\n\r\n".encode()

    async def one() -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.write(request)
                reply = await asyncio.wait_for(reader.read(), timeout=5)
                writer.close()
                answered["ok" if reply.startswith(b"HTTP/1.1 200") else "other"] += 1
            except (OSError, TimeoutError):
                answered["other"] += 1

    await asyncio.gather(*(one() for _ in range(clients)))
    return answered


if __name__ == "__main__":
    port, clients, seconds = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    print(json.dumps(asyncio.run(flood(port, clients, seconds, sys.argv[4] if len(sys.argv) > 4 else "/status"))))
