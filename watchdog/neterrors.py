"""Network failures as a person's reason: one errno table for every part that connects.

The http and redis kinds (and the latency kind's TCP samples) all meet the same
few failures under different library exceptions: httpx wraps an ``OSError``,
redis-py writes ``"Error 111 connecting to ..."``, asyncio says ``"Connect call
failed"``. ``errno_of`` digs the errno out of any of them; ``REASONS`` says it
the same way everywhere::

    errno_of(exc)                               # 111, or None
    describe(exc, "db.internal:6379")           # "connection refused by db.internal:6379", or None
    connect_reason(exc, host, text=...)         # describe(), else "cannot connect to HOST: text"

A kind may word a code its own way (``wording={errno.ENOENT: "no Redis socket at
{host}"}``); ``DNS_WITH_DETAIL`` keeps the resolver's words after a DNS failure.

``map_exceptions`` is the boundary, after httpx's ``_exceptions.map_exceptions``:
inside it, an exception of a mapped type leaves as what its function makes of it.
"""

from __future__ import annotations

import contextlib
import errno
import re
import socket
from collections.abc import Callable, Iterator, Mapping
from typing import Any

#: getaddrinfo's failures as glibc numbers them (EAI_NONAME, EAI_AGAIN, EAI_NODATA, EAI_ADDRFAMILY)
DNS_ERRNOS = frozenset({-2, -3, -5, -9})

#: errno -> what a person reads; ``{host}`` is the target as the check names it
REASONS: Mapping[int, str] = {
    errno.ECONNREFUSED: "connection refused by {host}",
    errno.EHOSTUNREACH: "{host} is unreachable",
    errno.ENETUNREACH: "{host} is unreachable",
    errno.ECONNRESET: "{host} closed the connection",
    errno.ECONNABORTED: "{host} closed the connection",
    errno.EPIPE: "{host} closed the connection",
    **{code: "DNS lookup failed for {host}" for code in DNS_ERRNOS},
}

#: the DNS reasons with the resolver's own words ("Name or service not known",
#: "Temporary failure in name resolution"), which tell a missing name from a resolver down
DNS_WITH_DETAIL: Mapping[int, str] = {code: "DNS lookup failed for {host}: {detail}" for code in DNS_ERRNOS}

#: how libraries write an errno into their messages: "[Errno 111] ...", redis-py's "Error 111 connecting to"
_NUMBERED = re.compile(r"\[Errno (-?\d+)\]|^Error (-?\d+) connecting to")
#: messages that carry no number, and the errno they mean
_WORDS: tuple[tuple[str, int], ...] = (
    ("connect call failed", errno.ECONNREFUSED),  # asyncio, for a refused connect on loopback
    ("connection refused", errno.ECONNREFUSED),
    ("name or service not known", -2),
    ("nodename nor servname", -2),  # macOS's resolver
    ("getaddrinfo", -2),
    ("temporary failure in name resolution", -3),
    ("closed by server", errno.ECONNRESET),  # redis-py
    ("connection reset", errno.ECONNRESET),
)
_CHAIN_LIMIT = 10


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception and its causes (httpx and redis-py raise theirs from the OSError)."""
    seen: BaseException | None = exc
    for _ in range(_CHAIN_LIMIT):
        if seen is None:
            return
        yield seen
        seen = seen.__cause__ or seen.__context__


def errno_of(exc: BaseException) -> int | None:
    """The errno along the exception chain: an ``OSError``'s, a number in a message, or the
    number a known message means; ``None`` when nothing says."""
    chain = list(_chain(exc))
    for seen in chain:
        if isinstance(seen, socket.gaierror) and seen.errno not in DNS_ERRNOS:
            return -2  # another resolver failure (EAI_FAIL...): still DNS
        if isinstance(seen, OSError) and seen.errno is not None:
            return seen.errno
        numbered = _NUMBERED.search(str(seen))
        if numbered:
            return int(numbered.group(1) or numbered.group(2))
    for seen in chain:
        text = str(seen).lower()
        for words, code in _WORDS:
            if words in text:
                return code
    return None


def detail_of(exc: BaseException) -> str:
    """The OS's own words for the failure (``strerror``), else the message without ``[Errno N]``."""
    for seen in _chain(exc):
        if isinstance(seen, OSError) and seen.strerror:
            return seen.strerror
    return re.sub(r"\[Errno -?\d+\] ", "", str(exc)) or type(exc).__name__


def describe(exc: BaseException, host: str, *, wording: Mapping[int, str] | None = None) -> str | None:
    """The person's reason for a network failure (``wording`` first, then ``REASONS``), or
    ``None`` when the table does not know it."""
    code = errno_of(exc)
    if code is None:
        return None
    template = (wording or {}).get(code) or REASONS.get(code)
    if template is None:
        return None
    return template.format(host=host, detail=detail_of(exc) if "{detail}" in template else "")


def connect_reason(exc: BaseException, host: str, *, text: str,
                   wording: Mapping[int, str] | None = None) -> str:
    """``describe()``, else ``cannot connect to HOST: text`` (``text``: the library's message,
    already scrubbed of anything secret)."""
    return describe(exc, host, wording=wording) or f"cannot connect to {host}: {text}"


#: exception type -> the function making the project's error of one (it gets an instance of that type)
ExceptionMapping = Mapping[type[BaseException], Callable[[Any], BaseException]]


@contextlib.contextmanager
def map_exceptions(mapping: ExceptionMapping) -> Iterator[None]:
    """Re-raise an exception of a mapped type as what its function returns (the most specific
    mapped type wins), ``from None``: the person's reason is the whole story. Others pass."""
    try:
        yield
    except Exception as exc:
        best: type[BaseException] | None = None
        for kind in mapping:
            if isinstance(exc, kind) and (best is None or issubclass(kind, best)):
                best = kind
        if best is None:
            raise
        raise mapping[best](exc) from None
