"""The HTTP POST every web channel makes: one httpx client per channel, failures as ``TransportError``.

The webhook, PagerDuty, Opsgenie, Teams, Discord and Alertmanager channels all
send JSON with httpx. ``HttpPoster`` owns the client (made on first use, with
the system's CA certificates, honouring ``HTTPS_PROXY`` since alerts may have
to leave through one) and turns what can go wrong into ``TransportError``: a
timeout or a connection error is transient, a non-2xx answer is classified by
``http_error`` (5xx, 408, 425, 429 retried, honouring ``Retry-After``; any
other status permanent). Redirects are not followed: an alert endpoint that
redirects is misconfigured, and following it could carry a token elsewhere.

httpx logs every request's full URL at INFO; a webhook URL is a secret, so
its logger is turned down to WARNING before the first request.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from typing import Any

from watchdog import __version__
from watchdog.alerting.channels.base import BaseChannel, ChannelConfig, TransportError, http_error
from watchdog.durations import format_duration
from watchdog.neterrors import describe, detail_of
from watchdog.redact import NULL_REDACTOR, Redactor

USER_AGENT = f"ops-watchdog/{__version__}"


def encode(body: Any) -> bytes:
    """The raw bytes sent (and signed): compact UTF-8 JSON."""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def response_text(response: Any) -> str:
    """What an error says about a non-2xx answer by default: the start of its body."""
    return str(response.text[:200])


def response_json(response: Any) -> dict[str, Any] | None:
    """A JSON object answer (a service's error says why in it), or None."""
    try:
        data = response.json()
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


class HttpPoster:
    """POSTs with one reused ``httpx.AsyncClient``; ``aclose()`` closes it."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._client: Any = None

    async def post(self, url: str, body: bytes, *, who: str, headers: Mapping[str, str] | None = None,
                   detail: Callable[[Any], str] = response_text) -> Any:
        """The 2xx response, or TransportError naming ``who`` (never the URL: it may be a secret)."""
        import httpx

        sent = {"Content-Type": "application/json", "User-Agent": USER_AGENT, **(headers or {})}
        try:
            response = await self._get_client().post(url, content=body, headers=sent)
        except httpx.TimeoutException:
            raise TransportError(f"no answer from {who} within {format_duration(self.timeout)}") from None
        except httpx.HTTPError as exc:
            raise TransportError(describe(exc, who) or f"cannot reach {who}: {detail_of(exc)}") from None
        if not response.is_success:
            raise http_error(response.status_code, response.reason_phrase, detail(response),
                             retry_after=response.headers.get("Retry-After"), who=who)
        return response

    async def aclose(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            await client.aclose()

    def _get_client(self) -> Any:
        if self._client is None:
            import httpx

            from watchdog.http import system_tls_context

            quiet_httpx_logger()
            self._client = httpx.AsyncClient(timeout=self.timeout, follow_redirects=False,
                                             verify=system_tls_context())
        return self._client


class HttpChannel(BaseChannel):
    """A channel that POSTs through one ``HttpPoster`` (``self.http``), closed by ``aclose()``."""

    def __init__(self, name: str, config: ChannelConfig, redactor: Redactor = NULL_REDACTOR) -> None:
        super().__init__(name, config, redactor)
        self.http = HttpPoster(config.timeout)

    async def aclose(self) -> None:
        await self.http.aclose()


def quiet_httpx_logger() -> None:
    """httpx logs every request's full URL at INFO; a webhook URL is a secret."""
    logger = logging.getLogger("httpx")
    if logger.level < logging.WARNING:
        logger.setLevel(logging.WARNING)


def host_of(url: str) -> str:
    """``host:port`` of a URL: how errors name a receiver without its (secret) path."""
    import httpx

    parsed = httpx.URL(url)
    return f"{parsed.host}:{parsed.port}" if parsed.port else parsed.host

