"""Counting a broadcast run: who received, per URL, as metrics, a summary and evidence (pure).

``tally(urls, arrivals, event, waited)`` turns what each client saw into what the
``socketio-broadcast`` kind reports: ``clients``, ``received``, ``lost``,
``received_pct`` and the trigger -> receipt percentiles (``p50_ms``, ``p95_ms``,
``max_ms``, only when someone received), a one-line summary naming the URLs that
lost events, and one evidence line per URL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from watchdog.durations import format_duration
from watchdog.stats import format_ms, latency_summary
from watchdog.thresholds import format_number


@dataclass(frozen=True, slots=True)
class Arrival:
    """One client: its URL, milliseconds from the trigger to its event (None: never came)."""

    url: str
    ms: float | None
    #: events of that name whose payload did not match (other runs, other users)
    ignored: int = 0
    transport: str | None = None


@dataclass(frozen=True, slots=True)
class Tally:
    metrics: dict[str, float]
    summary: str
    evidence: tuple[str, ...]
    #: the transports the clients used, e.g. ``websocket``
    transports: str


def tally(urls: Sequence[str], arrivals: Sequence[Arrival], event: str, waited: float) -> Tally:
    """What the run comes to; ``waited``: how long clients were given after the trigger (seconds)."""
    received = [a.ms for a in arrivals if a.ms is not None]
    total = len(arrivals)
    metrics = {"clients": float(total), "received": float(len(received)), "lost": float(total - len(received)),
               "received_pct": 100.0 * len(received) / total if total else 0.0}
    metrics.update({k: v for k, v in latency_summary(received).items() if k != "p99_ms"})
    lines = [_url_line(url, [a for a in arrivals if a.url == url], event, waited) for url in urls]
    ignored = sum(a.ignored for a in arrivals)
    if ignored:
        lines.append(f"ignored {ignored} {event!r} event{'' if ignored == 1 else 's'} not matching this run")
    transports = ", ".join(sorted({a.transport for a in arrivals if a.transport}))
    return Tally(metrics, _summary(urls, arrivals, event, metrics, waited), tuple(lines), transports)


def _url_line(url: str, mine: Sequence[Arrival], event: str, waited: float) -> str:
    """``http://b:3000: 0 of 2 clients received 'portfolio:update' within 2s``."""
    got = [a.ms for a in mine if a.ms is not None]
    line = f"{url}: {len(got)} of {len(mine)} client{'' if len(mine) == 1 else 's'} received {event!r}"
    if len(got) < len(mine):
        return f"{line} within {format_duration(waited)}" if waited else line
    return f"{line}, slowest {format_ms(max(got))} ms" if got else line


def _summary(urls: Sequence[str], arrivals: Sequence[Arrival], event: str, metrics: dict[str, float],
             waited: float) -> str:
    """``5 of 5 clients received 'portfolio:update' (2 URLs): p50 3.1 ms, p95 4 ms, max 4.2 ms``;
    with losses, which URLs lost how many."""
    received, total = int(metrics["received"]), int(metrics["clients"])
    where = f" ({len(urls)} URLs)" if len(urls) > 1 else ""
    head = f"{received} of {total} clients received {event!r}{where}"
    if received:
        head += ": " + ", ".join(f"{p} {format_ms(metrics[f'{p}_ms'])} ms" for p in ("p50", "p95", "max"))
    lost = [(url, sum(1 for a in arrivals if a.url == url and a.ms is None)) for url in urls]
    lost = [(url, n) for url, n in lost if n]
    if not lost:
        return head
    within = f" within {format_duration(waited)}" if waited else ""
    named = ", ".join(f"{url} ({format_number(n)} lost)" for url, n in lost)
    return f"{head}; not delivered{within} on {named}"
