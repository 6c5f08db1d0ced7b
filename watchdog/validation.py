"""Pydantic validation errors rewritten as ``(key, message)`` lines a person can act on."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

_PREFIXES = ("Value error, ", "Assertion failed, ")


def describe_errors(
    exc: ValidationError, *, prefix: str = "", known: Mapping[str, Any] | None = None
) -> list[tuple[str, str]]:
    """One ``(dotted.key, message)`` per error, in the order pydantic found them."""
    out: list[tuple[str, str]] = []
    for err in exc.errors(include_url=False):
        loc = [str(p) for p in err.get("loc", ()) if not _is_union_tag(p)]
        key = _dotted([prefix, *loc]) if prefix else _dotted(loc)
        out.append((key, _message(err, loc, known)))
    return out or [(prefix, str(exc))]


def _message(err: Mapping[str, Any], loc: list[str], known: Mapping[str, Any] | None) -> str:
    kind, msg, value = err.get("type", ""), str(err.get("msg", "")), err.get("input")
    for p in _PREFIXES:
        if msg.startswith(p):
            return msg[len(p):]
    if kind == "extra_forbidden":
        hint = _suggest(loc[-1] if loc else "", known) if len(loc) == 1 else ""
        return "unknown key" + (f" (did you mean {hint!r}?)" if hint else "")
    if kind == "missing":
        return "required key is missing"
    return f"{msg[:1].lower()}{msg[1:]}, got {_short(value)}"


def _suggest(word: str, known: Mapping[str, Any] | None) -> str:
    if not known:
        return ""
    match = difflib.get_close_matches(word, list(known), n=1, cutoff=0.6)
    return match[0] if match else ""


def _dotted(parts: list[str]) -> str:
    out = ""
    for p in parts:
        if not p:
            continue
        out = f"{out}[{p}]" if p.isdigit() and out else (f"{out}.{p}" if out else p)
    return out


def _is_union_tag(part: Any) -> bool:
    # pydantic adds the member's class name to the location of a union error
    return isinstance(part, str) and (part[:1].isupper() or part.startswith(("function-", "tagged-union")))


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
