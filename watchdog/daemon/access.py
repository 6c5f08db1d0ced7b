"""Who may come in, and how fast: the ``[server] token`` (a header, a query or a cookie) and the
accept budget (``AcceptBudget``) of the daemon's HTTP endpoint.

``/healthz`` is always open (load balancers have no token). ``/status`` and
``/metrics`` need the token when one is set; so do the status page ``/`` and
the reports under ``/reports/`` unless ``[server] public = true``.

Programs send ``Authorization: Bearer <token>``. A browser cannot, so the page
also takes ``?token=<token>`` once: the server answers with a redirect to the
same path *without* the query and a cookie (``COOKIE``) holding a value derived
from the token (an HMAC, never the token itself), so the token leaves the
address bar, the history and every link, and is never logged or echoed. The
cookie is ``HttpOnly``, ``SameSite=Lax`` (a link from Slack still carries it),
and ``Secure`` when the request came through HTTPS (``X-Forwarded-Proto``).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping
from urllib.parse import parse_qs

COOKIE = "watchdog_session"
COOKIE_MAX_AGE_S = 30 * 86400


def session_value(token: str) -> str:
    """The cookie's value for ``token``: derived, so the cookie is not the token."""
    return hmac.new(token.encode(), b"watchdog status page session", hashlib.sha256).hexdigest()


def bearer_ok(headers: Mapping[str, str], token: str) -> bool:
    scheme, _, value = headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(value.strip().encode(), token.encode())


def cookie_ok(headers: Mapping[str, str], token: str) -> bool:
    for part in headers.get("cookie", "").split(";"):
        name, _, value = part.strip().partition("=")
        if name == COOKIE and hmac.compare_digest(value.encode(), session_value(token).encode()):
            return True
    return False


def authorized(headers: Mapping[str, str], token: str | None) -> bool:
    """The request may read a guarded path: no token set, or the header or the cookie holds it."""
    return not token or bearer_ok(headers, token) or cookie_ok(headers, token)


def query_token(query: str) -> str | None:
    """The ``token`` of a query string (``token=...``), or None."""
    values = parse_qs(query, keep_blank_values=True).get("token")
    return values[0] if values else None


def set_cookie(token: str, headers: Mapping[str, str]) -> str:
    """The ``Set-Cookie`` value that lets a browser in after a valid ``?token=``."""
    secure = "; Secure" if headers.get("x-forwarded-proto", "").lower() == "https" else ""
    return (f"{COOKIE}={session_value(token)}; Path=/; Max-Age={COOKIE_MAX_AGE_S}; HttpOnly; "
            f"SameSite=Lax{secure}")


def refusal(path: str, query: str, headers: Mapping[str, str], token: str, *,
            page: bool) -> tuple[int, bytes, tuple[tuple[str, str], ...]] | None:
    """None when the request may read ``path``; else (status, body, headers): a 401, or the 303
    to the same path without the query that sets the cookie for a right ``?token=``."""
    given = query_token(query) if query else None
    if given is not None and hmac.compare_digest(given.encode(), token.encode()):
        return 303, b"", (("Location", path), ("Set-Cookie", set_cookie(token, headers)), ("Cache-Control", "no-store"))
    if authorized(headers, token):
        return None
    how = b"open this address once with ?token=<[server] token>, or send " if page else b"send "
    return 401, b"unauthorized: " + how + b"Authorization: Bearer <[server] token>\n", (
        ("WWW-Authenticate", 'Bearer realm="watchdog"'),)


class AcceptBudget:
    """A token bucket: ``rate`` connections a second, up to ``burst`` at once."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float]) -> None:
        self.rate, self.burst, self.clock = rate, float(burst), clock
        self.tokens, self._at = float(burst), clock()

    def _refill(self) -> None:
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self._at) * self.rate)
        self._at = now

    def take(self) -> bool:
        self._refill()
        if self.tokens < 1.0:
            return False
        self.tokens -= 1.0
        return True

    def give_back(self) -> None:
        self.tokens = min(self.burst, self.tokens + 1.0)

    def wait(self) -> float:
        """Seconds until one connection may be taken again."""
        return max((1.0 - self.tokens) / self.rate, 0.001)
