"""Secrets never leave the process: every output path passes through a Redactor.

A Redactor knows the secret values of the loaded config (SecretStr fields,
passwords in URLs, values interpolated from variables whose name says secret)
and replaces each with ``***``. ``scrub_url`` hides the userinfo of a URL even
when nobody registered it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MASK = "***"
_URL_USERINFO = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.\-]*://)(?P<user>[^/@\s:]*)(?::(?P<pw>[^/@\s]*))?@")
_SECRET_NAME = re.compile(r"(?i)(pass|secret|token|key|auth|credential|webhook|dsn|cookie|session)")
# Slack tokens and webhook paths look like this whatever variable they came from.
_KNOWN_SHAPES = re.compile(
    r"xox[abposr]-[0-9A-Za-z\-]{8,}|hooks\.slack\.com/services/[A-Za-z0-9/_\-]+"
)


def looks_secret(name: str) -> bool:
    """True for names like ``REDIS_PASSWORD``, ``SLACK_WEBHOOK_URL``, ``api_token``."""
    return bool(_SECRET_NAME.search(name))


def scrub_url(text: str) -> str:
    """Replace the password (or a lone token) in ``scheme://user:pw@host`` with ***."""

    def repl(m: re.Match[str]) -> str:
        if m.group("pw") is not None:
            return f"{m.group('scheme')}{m.group('user')}:{MASK}@"
        return f"{m.group('scheme')}{MASK}@" if m.group("user") else m.group(0)

    return _URL_USERINFO.sub(repl, text)


class Redactor:
    """Replaces every registered secret value, URL passwords and token shapes."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self.add(*secrets)

    def add(self, *secrets: str) -> None:
        # Very short values ("1", "on") would mask half the output and protect nothing.
        fresh = {s for s in secrets if isinstance(s, str) and len(s) >= 4} - self._secrets
        if fresh:
            self._secrets |= fresh
            ordered = sorted(self._secrets, key=len, reverse=True)
            self._pattern = re.compile("|".join(re.escape(s) for s in ordered))

    def __call__(self, text: str) -> str:
        if not text:
            return text
        if self._pattern is not None:
            text = self._pattern.sub(MASK, text)
        return _KNOWN_SHAPES.sub(MASK, scrub_url(text))

    def lines(self, lines: Iterable[str]) -> tuple[str, ...]:
        return tuple(self(line) for line in lines)


NULL_REDACTOR = Redactor()


def secret_values(value: object) -> list[str]:
    """Every ``SecretStr`` value inside a config model, dict, list or tuple (nested)."""
    from pydantic import BaseModel, SecretStr

    found: list[str] = []

    def walk(item: object) -> None:
        if isinstance(item, SecretStr):
            found.append(item.get_secret_value())
        elif isinstance(item, BaseModel):
            for inner in item.__dict__.values():
                walk(inner)
        elif isinstance(item, dict):
            for inner in item.values():
                walk(inner)
        elif isinstance(item, (list, tuple)):
            for inner in item:
                walk(inner)

    walk(value)
    return found
