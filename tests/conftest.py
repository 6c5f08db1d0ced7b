"""Shared fixtures. Each real part lives in tests/support/<part>.py; list it here."""

pytest_plugins = [
    "tests.support.http_service",
    "tests.support.receiver",
    "tests.support.redis_server",
    "tests.support.cli",
    "tests.support.daemon_process",
]
