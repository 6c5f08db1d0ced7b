"""Pydantic validation errors rewritten as ``(key, message)`` lines a person can act on."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

from typing import get_args

from pydantic import BaseModel, ValidationError

from watchdog.text import clip

_PREFIXES = ("Value error, ", "Assertion failed, ")


def describe_errors(
    exc: ValidationError, *, prefix: str = "", known: Mapping[str, Any] | None = None,
    model: type[BaseModel] | None = None,
) -> list[tuple[str, str]]:
    """One ``(dotted.key, message)`` per error, in the order pydantic found them.

    With ``model`` (the class validated), an unknown key anywhere inside it gets a
    "did you mean" from the fields of the table it was found in.
    """
    out: list[tuple[str, str]] = []
    for err in exc.errors(include_url=False):
        loc = [str(p) for p in err.get("loc", ()) if not _is_union_tag(p)]
        key = _dotted([prefix, *loc]) if prefix else _dotted(loc)
        fields = _fields_at(model, loc[:-1]) if model is not None else (known if len(loc) == 1 else None)
        out.append((key, _message(err, loc, fields)))
    return out or [(prefix, str(exc))]


def _fields_at(model: type[BaseModel], path: list[str]) -> Mapping[str, Any] | None:
    """The fields of the (nested) model found by following ``path`` from ``model``."""
    current: Any = model
    for part in path:
        if part.isdigit():
            continue  # an item of a list: its element model is what matters
        field = getattr(current, "model_fields", {}).get(part)
        if field is None:
            return None
        current = _model_in(field.annotation)
        if current is None:
            return None
    return getattr(current, "model_fields", None)


def _model_in(annotation: Any) -> Any:
    """A BaseModel class inside ``X``, ``X | None``, ``tuple[X, ...]``, ``list[X]``, ``dict[str, X]``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _message(err: Mapping[str, Any], loc: list[str], known: Mapping[str, Any] | None) -> str:
    kind, msg, value = err.get("type", ""), str(err.get("msg", "")), err.get("input")
    for p in _PREFIXES:
        if msg.startswith(p):
            return msg[len(p):]
    if kind == "extra_forbidden":
        hint = _suggest(loc[-1] if loc else "", known)
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
    return clip(repr(value), 60, marker="...")
