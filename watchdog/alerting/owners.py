"""Who holds an outbox claim: owner ids, and telling a dead owner from a live one.

An owner is ``host:pid:random``, unique per ``Outbox``. A claim carries a lease
so a dead sender's notifications are taken over once it ends; a sender that
starts on the same host can tell at once that an earlier one is gone (its pid
is not running, or is its own pid: the container restarted) and free what it
held, so a daemon killed mid-send and restarted delivers at once, not after
the lease.
"""

from __future__ import annotations

import os
import secrets
import socket


def default_owner() -> str:
    """``host:pid:random``: unique per Outbox, and says whose claim it is when reading the store."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def is_dead(owner: str, me: str) -> bool:
    """An owner on this host whose process is gone (a daemon killed mid-send, now restarted):
    its claims need not wait for their lease. Owners on other hosts are left to the lease."""
    host, _, rest = owner.partition(":")
    pid, _, _ = rest.partition(":")
    if owner == me or host != socket.gethostname() or not pid.isdigit():
        return False
    if int(pid) == os.getpid():
        return True  # our pid, another owner: the previous process of a container that restarted
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False
