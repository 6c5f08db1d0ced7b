"""Shared fixtures. Each real part lives in tests/support/<part>.py; list it here."""

pytest_plugins = [
    "tests.support.http_service",
    "tests.support.receiver",
    "tests.support.redis_server",
    "tests.support.cli",
    "tests.support.plugins",
    "tests.support.daemon_process",
    "tests.support.stores",
    "tests.support.smtp_server",
    "tests.support.alertmanager_server",
    "tests.support.socketio_server",
    "tests.support.node_socketio",
    "tests.support.websocket_server",
    "tests.support.prometheus_endpoint",
]

import gc

import pytest


@pytest.fixture(autouse=True)
def _collect_garbage_after_each_test():  # type: ignore[no-untyped-def]
    """Collect after every test, inside its own teardown.

    An object freed by the garbage collector warns from ``__del__`` when it holds an
    unclosed socket or transport; with ``PytestUnraisableExceptionWarning`` as an
    error, that fails whichever test happens to be running when the collector runs.
    Collecting here pins such a leak on the test that caused it, every time.
    """
    yield
    gc.collect()
