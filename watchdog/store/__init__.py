"""History store: results, alert states, the outbox, silences, events, windows.

``open_store(settings)`` is how every command gets the store; the facets, the
``Store`` union and their plain-data types live in ``watchdog.store.base``.
"""

from __future__ import annotations

from os import PathLike
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from watchdog.settings import Settings
    from watchdog.store.base import Store


def open_store(settings: Settings | str | PathLike[str]) -> Store:
    """The store the settings name: today always the SQLite file in ``state_dir``
    (created with its directories on first use). A bare path is taken as ``state_dir``.

    Raises ``StoreError`` with a one-line message naming the path when the
    directory or the file cannot be created, opened or migrated.

    A later engine plugs in here: a setting names it (say ``store = "redis://..."``
    beside ``state_dir``), this function picks it, and the engine module, imported
    only when picked (drivers are heavy), returns an object with every ``Store``
    method. An engine that serves only some facets (``AlertStates`` and
    ``OutboxQueue`` shared between replicas, say) is combined here with the SQLite
    store for the others; callers are typed against facets, so none of them changes.
    """
    from watchdog.store.sqlite import SqliteStore

    state_dir = settings if isinstance(settings, str | PathLike) else settings.state_dir
    return SqliteStore(state_dir)
