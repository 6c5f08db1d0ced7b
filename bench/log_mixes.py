"""The three seeded logs of ``bench/log_bench.py`` (issue 15) and the checks read over them.

* ``a`` - the Railway-like log the bench always wrote: JSON and emoji lines,
  ~1 % errors, trade/signal pairs, disconnects, heartbeats, alerts (71 bytes a line);
* ``b`` - JSON-heavy: 78 % JSON lines with ``level``, 20 % "WebSocket connected"
  (a near miss of "WebSocket disconnected"), the rest as in ``a`` (~149 bytes a line);
* ``c`` - an incident: ~35 % of the lines hit some pattern (JSON errors, disconnects,
  Redis losses, failures, trade/signal pairs), and the JSON rule is the raw-text
  ``'"level": ?"error"'`` instead of ``field = "level"`` (~132 bytes a line).

``write_mix(path, mix, lines)`` is deterministic for a given seed; ``checks_for(mix)``
is the 7 checks (8 patterns) of the example's log checks, as config tables.
Tests import this file too, to compare the fast matcher with one regex per line
on small versions of the same mixes.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path

MIXES = ("a", "b", "c")

CHECKS: dict[str, dict[str, object]] = {
    "signal-latency": {"type": "log-latency", "start": r"Broadcasting trade:executed for user (?P<user>\S+)",
                       "end": r"Emitted signal quality to user (?P<user>\S+)", "key": "user",
                       "window": "15m", "timeout": "30s", "critical": ["p95_ms > 500"]},
    "ws-drops": {"type": "log-rate", "match": "WebSocket disconnected", "window": "1m", "critical": ["count > 5"]},
    "error-rate": {"type": "log-ratio", "match": r"(?i)\berror\b|failed", "window": "5m",
                   "warning": ["ratio_pct > 1"], "critical": ["ratio_pct > 5"]},
    "heartbeat": {"type": "log-absence", "match": "Heartbeat", "within": "5m"},
    "app-alerts": {"type": "log-match", "match": "🚨 ALERT: (?P<what>.*)", "severity": "critical"},
    "redis-errors": {"type": "log-rate", "match": r"Redis (?:connection )?(?:error|lost)", "window": "5m",
                     "warning": ["count > 0"]},
    "json-errors": {"type": "log-ratio", "field": "level", "match": "^(?:error|fatal)$", "window": "5m",
                    "critical": ["ratio_pct > 5"]},
}
#: mix c: the JSON rule written as raw text, as users often do
RAW_JSON_RULE = {"type": "log-ratio", "match": '"level": ?"error"', "window": "5m", "critical": ["ratio_pct > 5"]}
#: the same 8 patterns for grep (ERE; \S and \b are GNU extensions grep -E accepts), by mix
_GREP = [r"Broadcasting trade:executed for user \S+", r"Emitted signal quality to user \S+",
         "WebSocket disconnected", r"\b[Ee][Rr][Rr][Oo][Rr]\b|[Ff][Aa][Ii][Ll][Ee][Dd]", "Heartbeat",
         "🚨 ALERT: .*", "Redis (connection )?(error|lost)"]


def checks_for(mix: str) -> dict[str, dict[str, object]]:
    """The bench's log checks for ``mix`` (without ``source``)."""
    return {**CHECKS, "json-errors": RAW_JSON_RULE} if mix == "c" else dict(CHECKS)


def grep_patterns(mix: str) -> list[str]:
    """The 8 patterns as ERE, the JSON rule as the raw text grep can express."""
    return [*_GREP, '"level": ?"error"' if mix == "c" else '"level": ?"(error|fatal)"']


def write_mix(path: Path, mix: str, lines: int, seed: int = 7) -> None:
    """Write ``lines`` lines of ``mix`` to ``path`` (the same bytes for the same seed)."""
    rnd = random.Random(seed)
    kinds = {"a": _kinds_a, "b": _kinds_b, "c": _kinds_c}[mix](rnd)
    _write(path, lines, kinds, rnd)


Kind = tuple[float, Callable[[int], str]]
_TS = "2026-11-29T12:{:02d}:{:02d}.{:03d}Z"


def _ts(i: int) -> str:
    return _TS.format(i // 60000 % 60, i // 1000 % 60, i % 1000)


def _kinds_a(rnd: random.Random) -> list[Kind]:
    return [
        (30.0, lambda i: f"GET /api/trades?page={i % 40} 200 {rnd.randint(3, 90)}ms"),
        (27.0, lambda i: json.dumps({"timestamp": _ts(i), "level": "info", "msg": "request handled",
                                     "ms": i % 97, "path": "/api/providers/leaderboard"})),
        (25.0, lambda i: f"[socket.io] user:{i % 3000} joined room trades (replica {i % 2})"),
        (2.0, lambda i: f"📡 Broadcasting trade:executed for user u{i % 5000}"),
        (10.0, lambda i: f"✅ Signal quality analyzed: smartMoney={i % 7} rareInformation={i % 3} tier=HIGH"),
        (0.5, lambda i: f"❌ WebSocket disconnected: socket {i:x} (transport close)"),
        (0.2, lambda i: f"💓 Heartbeat replica={i % 2} uptime={i}s connections={i % 900}"),
        (0.05, lambda i: "🚨 ALERT: High WebSocket latency detected (p95 812ms)"),
        (0.6, lambda i: json.dumps({"timestamp": _ts(0), "level": "error",
                                    "msg": "Error: provider request failed", "provider": "tradier"})),
        (0.3, lambda i: "⚠️ Redis connection lost, retrying in 1000ms"),
        (0.1, lambda i: "\x1b[31mERROR\x1b[0m order sync failed for account a1"),
    ]


def _request(i: int, level: str = "info", msg: str = "request handled") -> str:
    return json.dumps({"timestamp": _ts(i), "level": level, "msg": msg, "method": "GET",
                       "path": f"/api/providers/leaderboard?page={i % 40}&sort=roi", "status": 200,
                       "ms": i % 97, "replica": f"web-{i % 3}", "requestId": f"req-{i * 7919 % 10**8:08x}",
                       "ua": "Mozilla/5.0 (X11; Linux x86_64)"})


def _short_request(i: int, level: str = "info", msg: str = "request handled") -> str:
    return json.dumps({"timestamp": _ts(i), "level": level, "msg": msg, "path": f"/api/providers/leaderboard?page={i % 40}",
                       "ms": i % 97, "requestId": f"req-{i * 7919 % 10**8:08x}"})


def _kinds_b(rnd: random.Random) -> list[Kind]:
    return [
        (76.4, lambda i: _short_request(i)),
        (0.8, lambda i: _short_request(i, "warn", "slow query on trades")),
        (0.8, lambda i: _short_request(i, "error", "Error: provider request failed")),
        (20.0, lambda i: f"🔌 WebSocket connected: socket {i:x} (user u{i % 5000}, replica {i % 2})"),
        (0.8, lambda i: f"📡 Broadcasting trade:executed for user u{i % 5000}"),
        (0.3, lambda i: f"❌ WebSocket disconnected: socket {i:x} (transport close)"),
        (0.2, lambda i: f"💓 Heartbeat replica={i % 2} uptime={i}s connections={i % 900}"),
        (0.05, lambda i: "🚨 ALERT: High WebSocket latency detected (p95 812ms)"),
        (0.2, lambda i: "⚠️ Redis connection lost, retrying in 1000ms"),
        (0.05, lambda i: "\x1b[31mERROR\x1b[0m order sync failed for account a1"),
    ]


def _kinds_c(rnd: random.Random) -> list[Kind]:
    return [
        (30.0, lambda i: _request(i)),
        (10.0, lambda i: json.dumps({"timestamp": _ts(i), "level": "error", "msg": "Error: provider request failed",
                                     "provider": "tradier", "attempt": i % 5, "requestId": f"req-{i:08x}"})),
        (2.0, lambda i: json.dumps({"level": "error", "msg": "upstream timeout", "ms": i % 5000},
                                   separators=(",", ":"))),
        (8.0, lambda i: f"❌ WebSocket disconnected: socket {i:x} (transport close, user u{i % 5000})"),
        (5.0, lambda i: "⚠️ Redis connection lost, retrying in 1000ms"),
        (2.5, lambda i: f"order sync failed for account a{i % 300}: upstream returned 502"),
        (0.5, lambda i: "\x1b[31mERROR\x1b[0m order sync failed for account a1"),
        (4.0, lambda i: f"📡 Broadcasting trade:executed for user u{i % 5000}"),
        (1.0, lambda i: f"💓 Heartbeat replica={i % 2} uptime={i}s connections={i % 900}"),
        (0.3, lambda i: "🚨 ALERT: High WebSocket error rate (12% of connections dropped)"),
        (18.0, lambda i: f"GET /api/trades?page={i % 40} 200 {i % 90 + 3}ms replica=web-{i % 3}"),
        (14.7, lambda i: f"[socket.io] user:{i % 3000} joined room trades (replica {i % 2}) transport=websocket"),
        (4.0, lambda i: f"✅ Signal quality analyzed: smartMoney={i % 7} rareInformation={i % 3} tier=HIGH"),
    ]


def _write(path: Path, lines: int, kinds: list[Kind], rnd: random.Random) -> None:
    weights = [w for w, _ in kinds]
    makers = [m for _, m in kinds]
    ends: dict[int, list[str]] = {}  # line number -> signal lines due there
    with path.open("w", encoding="utf-8") as out:
        batch: list[str] = []
        for i in range(lines):
            line = ends.pop(i, None) or [rnd.choices(makers, weights)[0](i)]
            batch.append(line.pop())
            if line:
                ends.setdefault(i + 1, []).extend(line)
            if batch[-1].startswith("📡 Broadcasting") and rnd.random() > 0.01:  # 1 % of ends never come
                user = batch[-1].rsplit(" ", 1)[1]
                ends.setdefault(i + rnd.randint(3, 400), []).append(
                    f"📡 Emitted signal quality to user {user} for trade t{i}")
            if len(batch) == 50_000:
                out.write("\n".join(batch) + "\n")
                batch = []
        out.write("\n".join(batch) + "\n" if batch else "")
