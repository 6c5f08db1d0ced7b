"""History store: results, alert states, the outbox, silences, events, windows.

``open_store(state_dir)`` is how every command gets the store; the protocol and
its plain-data types live in ``watchdog.store.base``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from watchdog.store.base import Store


def open_store(state_dir: str | Path) -> Store:
    """The SQLite store in ``state_dir`` (created with its directories on first use).

    Raises ``StoreError`` with a one-line message naming the path when the
    directory or the file cannot be created, opened or migrated.
    """
    from watchdog.store.sqlite import SqliteStore

    return SqliteStore(state_dir)
