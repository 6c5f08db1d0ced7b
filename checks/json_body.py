"""Reading a health endpoint's JSON body: dot paths, assertions, numbers and labels.

Pure functions used by the ``http`` kind: ``lookup("websocket.activeConnections")``,
``json_failures`` for ``expect_json``, ``capture_metrics`` / ``capture_labels`` for
``metrics`` / ``labels``, ``body_lines`` for the evidence a person reads.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from watchdog.errors import ProbeResponseError
from watchdog.text import clip

_DURATION_VALUE = re.compile(r"^\s*([-+]?\d+(?:\.\d+)?)\s*(ms|s)?\s*$")


def parse_json_body(body: bytes, cut: str | None, metrics: dict[str, float]) -> Any:
    """The parsed body; ``cut`` (``body cut at 1 MB (max_body_bytes)``) when only its start was read,
    which no assertion can be judged on: half a document would be a parse error or a wrong OK."""
    if cut is not None:
        raise ProbeResponseError(f"{cut}: JSON assertions cannot be checked", metrics=metrics, evidence=snippet(body))
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise ProbeResponseError(
            f"body is not JSON: {_preview(body)}", metrics=metrics, evidence=snippet(body)
        ) from None


def lookup(document: Any, path: str) -> tuple[bool, Any]:
    """Follow ``a.b.0.c`` (or ``a.b[0].c``) into parsed JSON; ``(found, value)``."""
    node = document
    for part in path.replace("[", ".").replace("]", "").split("."):
        if part == "":
            continue
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.lstrip("-").isdigit() and -len(node) <= int(part) < len(node):
            node = node[int(part)]
        else:
            return False, None
    return True, node


def json_failures(document: Any, expected: Mapping[str, Any]) -> list[str]:
    """One human line per ``expect_json`` entry that does not hold."""
    failures = []
    for path, want in expected.items():
        found, got = lookup(document, path)
        if not found:
            failures.append(f"JSON has no {path!r} (expected {json.dumps(want)})")
        elif not _same(got, want):
            failures.append(f"JSON {path} is {_preview_value(got)} (expected {json.dumps(want)})")
    return failures


def capture_metrics(document: Any, paths: Mapping[str, str]) -> tuple[dict[str, float], list[str]]:
    """Numbers read by dot path; ``"5ms"``/``"1.2s"`` strings read as milliseconds."""
    captured: dict[str, float] = {}
    problems: list[str] = []
    for name, path in paths.items():
        found, value = lookup(document, path)
        number = to_number(value) if found else None
        if number is None:
            why = "is missing" if not found else f"is not a number ({_preview_value(value)})"
            problems.append(f"metric {name}: JSON {path} {why}")
        else:
            captured[name] = number
    return captured, problems


def capture_labels(document: Any, paths: Mapping[str, str]) -> dict[str, str]:
    """Text read by dot path (absent paths are simply left out)."""
    out = {}
    for name, path in paths.items():
        found, value = lookup(document, path)
        if found and value is not None:
            out[name] = value if isinstance(value, str) else json.dumps(value)
    return out


def to_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        m = _DURATION_VALUE.match(value)
        if m:
            return float(m.group(1)) * (1000.0 if m.group(2) == "s" else 1.0)
    return None


def body_lines(body: bytes, limit: int = 40) -> tuple[str, ...]:
    """The body for a person: JSON flattened to ``a.b = value`` lines, else its first lines."""
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return snippet(body)
    lines: list[str] = []

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict) and node:
            for key, value in node.items():
                walk(value, f"{path}.{key}" if path else str(key))
        elif isinstance(node, list) and node and len(lines) < limit:
            for i, value in enumerate(node[:5]):
                walk(value, f"{path}[{i}]")
        elif len(lines) < limit:
            lines.append(f"{path or '.'} = {_preview_value(node)}")

    walk(document, "")
    return tuple(lines)


def _same(got: Any, want: Any) -> bool:
    if isinstance(got, bool) or isinstance(want, bool):
        return got is want
    return bool(got == want)


def _preview_value(value: Any) -> str:
    return clip(json.dumps(value, ensure_ascii=False), 60, marker="...")


def snippet(body: bytes, limit: int = 300) -> tuple[str, ...]:
    """The first lines of a body, cut to ``limit`` characters each (evidence)."""
    text = body[: limit * 4].decode("utf-8", "replace").strip()
    if not text:
        return ()
    return tuple(line[:limit] for line in text.splitlines()[:5])


def _preview(body: bytes, limit: int = 60) -> str:
    text = body[: limit * 4].decode("utf-8", "replace").strip().replace("\n", " ")
    return repr(text[:limit] + ("..." if len(text) > limit else "")) if text else "empty body"
