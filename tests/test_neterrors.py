"""One errno table for every part that connects: the reason a person reads, and the boundary."""

from __future__ import annotations

import errno
import socket

import pytest

from watchdog.errors import ProbeConnectError, ProbeTimeout
from watchdog.neterrors import DNS_WITH_DETAIL, connect_reason, describe, errno_of, map_exceptions


def raised_from(cause: BaseException, outer: Exception) -> Exception:
    """``outer`` raised ``from cause``, as httpx and redis-py wrap an OSError."""
    try:
        try:
            raise cause
        except BaseException as exc:
            raise outer from exc
    except Exception as wrapped:
        return wrapped


@pytest.mark.parametrize(("exc", "code"), [
    (ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused"), errno.ECONNREFUSED),
    (raised_from(OSError(errno.EHOSTUNREACH, "No route to host"), RuntimeError("connect failed")), errno.EHOSTUNREACH),
    (RuntimeError("[Errno 101] Network is unreachable"), errno.ENETUNREACH),
    (RuntimeError("Error -3 connecting to nohost:6379. Temporary failure in name resolution."), -3),
    (OSError("Multiple exceptions: [Errno 111] Connect call failed ('127.0.0.1', 9)"), errno.ECONNREFUSED),
    (OSError("Connect call failed ('127.0.0.1', 9)"), errno.ECONNREFUSED),
    (RuntimeError("Connection closed by server."), errno.ECONNRESET),
    (socket.gaierror(socket.EAI_FAIL, "Non-recoverable failure in name resolution"), -2),
    (RuntimeError("something else"), None),
])
def test_errno_of_finds_the_code_along_the_chain(exc: BaseException, code: int | None) -> None:
    assert errno_of(exc) == code


@pytest.mark.parametrize(("code", "reason"), [
    (errno.ECONNREFUSED, "connection refused by db:5432"),
    (errno.EHOSTUNREACH, "db:5432 is unreachable"),
    (errno.ENETUNREACH, "db:5432 is unreachable"),
    (errno.ECONNRESET, "db:5432 closed the connection"),
    (errno.EPIPE, "db:5432 closed the connection"),
    (-2, "DNS lookup failed for db:5432"),
    (-3, "DNS lookup failed for db:5432"),
    (errno.EACCES, None),
])
def test_each_errno_reads_the_same_everywhere(code: int, reason: str | None) -> None:
    assert describe(OSError(code, "os words"), "db:5432") == reason


def test_a_kind_may_word_a_code_its_own_way() -> None:
    exc = FileNotFoundError(errno.ENOENT, "No such file or directory")
    assert describe(exc, "/run/r.sock", wording={errno.ENOENT: "no Redis socket at {host}"}) == "no Redis socket at /run/r.sock"


def test_dns_with_detail_keeps_the_resolver_s_words() -> None:
    exc = raised_from(socket.gaierror(-2, "Name or service not known"), RuntimeError("[Errno -2] Name or service not known"))
    assert describe(exc, "api.example.com", wording=DNS_WITH_DETAIL) == (
        "DNS lookup failed for api.example.com: Name or service not known")


def test_an_unknown_failure_is_cannot_connect_with_the_library_s_text() -> None:
    exc = PermissionError(errno.EACCES, "Permission denied")
    assert connect_reason(exc, "/run/r.sock", text="Permission denied") == "cannot connect to /run/r.sock: Permission denied"


def test_map_exceptions_raises_what_the_mapping_makes_without_the_cause() -> None:
    with pytest.raises(ProbeConnectError) as err:
        with map_exceptions({OSError: lambda exc: ProbeConnectError(describe(exc, "h:1") or "?")}):
            raise ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused")
    assert (str(err.value), err.value.__cause__, err.value.__suppress_context__) == ("connection refused by h:1", None, True)


def test_map_exceptions_picks_the_most_specific_mapped_type() -> None:
    mapping = {OSError: lambda exc: ProbeConnectError("os"), TimeoutError: lambda exc: ProbeTimeout("timeout")}
    with pytest.raises(ProbeTimeout):
        with map_exceptions(mapping):
            raise TimeoutError()


def test_map_exceptions_lets_other_exceptions_pass() -> None:
    with pytest.raises(KeyError):
        with map_exceptions({OSError: lambda exc: ProbeConnectError("os")}):
            raise KeyError("x")
