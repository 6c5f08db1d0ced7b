"""The small PromQL subset the ``prometheus`` kind reads: parsed once, evaluated over scrapes (pure).

    http_requests_total{route="/api", code!~"5.."}            the sum over matching series
    rate(http_requests_total{code=~"5.."})                    per-second increase since the previous scrape
    histogram_quantile(0.95, http_request_duration_seconds_bucket{route="/api"}) * 1000

A selector is a sample name (as exposed: ``x_total``, ``x_bucket``) with label
matchers ``=``, ``!=``, ``=~``, ``!~`` (regular expressions match the whole value,
as in PromQL). An optional ``* NUMBER`` or ``/ NUMBER`` scales the result (seconds
to milliseconds). ``rate`` handles counter resets per series (a value that went
down counts from zero, as Prometheus does); ``histogram_quantile`` sums the buckets
of every matching series by ``le`` and interpolates like Prometheus, over the
increase since the previous scrape when there is one with observations in it,
else over the cumulative counts.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from watchdog.durations import format_duration
from watchdog.text import format_number

Labels = tuple[tuple[str, str], ...]
#: (sample name, sorted labels) -> value
Series = dict[tuple[str, Labels], float]

_NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
_NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_SELECTOR = re.compile(rf"\s*(?P<name>{_NAME})\s*(?:\{{(?P<matchers>[^}}]*)\}})?\s*")
_MATCHER = re.compile(r"\s*(?P<label>[a-zA-Z_][a-zA-Z0-9_]*)\s*(?P<op>=~|!~|!=|=)\s*"
                      r"(?P<value>\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*')\s*(?:,|$)")
_CALL = re.compile(r"^\s*(?P<fn>rate|histogram_quantile)\s*\((?P<args>.*)\)\s*$", re.S)
_FUNCTION = re.compile(r"^\s*[a-zA-Z_]+\s*\(")
_SCALED = re.compile(rf"^(?P<body>.*?)\s*(?:(?P<op>[*/])\s*(?P<scale>{_NUMBER}))?\s*$", re.S)
_HELP = ("write NAME{label=\"value\"}, rate(NAME{...}) or histogram_quantile(0.95, NAME_bucket{...}), "
         "optionally followed by '* 1000'")


class NoSeries(LookupError):
    """No exposed series matches the selector."""


@dataclass(frozen=True, slots=True)
class Matcher:
    label: str
    op: Literal["=", "!=", "=~", "!~"]
    value: str
    pattern: re.Pattern[str] | None = field(default=None, compare=False)

    def holds(self, labels: Mapping[str, str]) -> bool:
        got = labels.get(self.label, "")  # PromQL: a missing label is the empty string
        if self.pattern is not None:
            return bool(self.pattern.fullmatch(got)) == (self.op == "=~")
        return (got == self.value) == (self.op == "=")


@dataclass(frozen=True, slots=True)
class Selector:
    name: str
    matchers: tuple[Matcher, ...] = ()

    def picks(self, name: str, labels: Mapping[str, str]) -> bool:
        return name == self.name and all(m.holds(labels) for m in self.matchers)


@dataclass(frozen=True, slots=True)
class Query:
    """One parsed expression; ``str()`` is the text as written."""

    function: Literal["sum", "rate", "histogram_quantile"]
    selector: Selector
    text: str
    quantile: float | None = None
    scale: float = 1.0

    def __str__(self) -> str:
        return self.text

    @property
    def needs_previous(self) -> bool:
        return self.function == "rate"


def parse_query(text: object) -> Query:
    """``rate(x_total{a="b"}) * 60`` -> ``Query``; ValueError saying what is wrong."""
    if isinstance(text, Query):
        return text
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"expected a selector string; {_HELP}")
    scaled = _SCALED.match(text)
    assert scaled is not None  # every string matches: the scale is optional
    body, scale = scaled.group("body"), _scale(scaled.group("op"), scaled.group("scale"))
    call = _CALL.match(body)
    if call is None:
        if _FUNCTION.match(body):
            raise ValueError(f"invalid selector {text!r}: only rate(...) and histogram_quantile(...) are "
                             f"understood; {_HELP}")
        return Query("sum", _selector(body, text), text.strip(), scale=scale)
    if "[" in call.group("args"):
        raise ValueError(f"drop the range in {text!r}: rate() and histogram_quantile() here read the increase "
                         "since the previous scrape")
    if call.group("fn") == "rate":
        return Query("rate", _selector(call.group("args"), text), text.strip(), scale=scale)
    quantile, _, inner = call.group("args").partition(",")
    return Query("histogram_quantile", _bucket_selector(inner, text), text.strip(),
                 quantile=_quantile(quantile, text), scale=scale)


def _selector(text: str, whole: str) -> Selector:
    found = _SELECTOR.fullmatch(text)
    if found is None:
        raise ValueError(f"invalid selector {whole!r}; {_HELP}")
    return Selector(found.group("name"), _matchers(found.group("matchers") or "", whole))


def _matchers(text: str, whole: str) -> tuple[Matcher, ...]:
    out: list[Matcher] = []
    rest = text.strip()
    while rest:
        found = _MATCHER.match(rest)
        if found is None:
            raise ValueError(f"invalid label matcher {rest!r} in {whole!r} (write label=\"value\"; "
                             "ops: = != =~ !~)")
        value = re.sub(r"\\(.)", r"\1", found.group("value")[1:-1])
        op = found.group("op")
        pattern = None
        if op in ("=~", "!~"):
            try:
                pattern = re.compile(value)
            except re.error as exc:
                raise ValueError(f"invalid regular expression {value!r} in {whole!r}: {exc}") from None
        out.append(Matcher(found.group("label"), op, value, pattern))  # type: ignore[arg-type]
        rest = rest[found.end():].strip()
    return tuple(out)


def _bucket_selector(text: str, whole: str) -> Selector:
    selector = _selector(text, whole)
    if not selector.name.endswith("_bucket"):
        raise ValueError(f"histogram_quantile needs the buckets of a histogram (NAME_bucket), got "
                         f"{selector.name!r} in {whole!r}")
    if any(m.label == "le" for m in selector.matchers):
        raise ValueError(f"histogram_quantile reads every 'le' bucket: drop the le matcher in {whole!r}")
    return selector


def _quantile(text: str, whole: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"histogram_quantile takes a number first, got {text.strip()!r} in {whole!r}") from None
    if not 0 <= value <= 1:
        raise ValueError(f"the quantile must be between 0 and 1, got {value:g} in {whole!r}")
    return value


def _scale(op: str | None, number: str | None) -> float:
    if op is None or number is None:
        return 1.0
    value = float(number)
    if op == "/" and value == 0:
        raise ValueError("division by zero")
    return value if op == "*" else 1.0 / value


@dataclass(frozen=True, slots=True)
class Scrape:
    """One read of the endpoint: when (wall-clock seconds) and the series kept."""

    at: float
    series: Series


@dataclass(frozen=True, slots=True)
class Outcome:
    """A query's value (None: no observations to read a quantile from) and how it was read."""

    value: float | None
    basis: str


def series_of(samples: Iterable[tuple[str, Mapping[str, str], float]], names: set[str] | None = None) -> Series:
    """Samples as ``Series`` (only the ``names`` given, when given)."""
    return {(n, tuple(sorted(labels.items()))): float(v) for n, labels, v in samples if names is None or n in names}


def evaluate(query: Query, now: Scrape, before: Scrape | None) -> Outcome:
    """The query over ``now`` (and ``before`` for rate and quantile increases); NoSeries when nothing matches."""
    picked = {key: value for key, value in now.series.items() if query.selector.picks(key[0], dict(key[1]))}
    if not picked:
        raise NoSeries(query.selector.name)
    if query.function == "sum":
        return Outcome(sum(picked.values()) * query.scale, f"{len(picked)} series")
    if query.function == "rate":
        assert before is not None and now.at > before.at, "rate needs an earlier scrape"
        elapsed = now.at - before.at
        return Outcome(sum(increases(picked, before.series).values()) / elapsed * query.scale,
                       f"per second over the last {format_duration(elapsed)}")
    return _quantile_of(query, picked, before, now.at)


def increases(picked: Series, before: Series) -> Series:
    """Per series, the increase since ``before``: a value that went down was reset (counts from 0);
    a series that was not there yet counts from 0."""
    out: Series = {}
    for key, value in picked.items():
        previous = before.get(key, 0.0)
        out[key] = value - previous if value >= previous else value
    return out


def _quantile_of(query: Query, picked: Series, before: Scrape | None, now_at: float) -> Outcome:
    assert query.quantile is not None
    basis, counts = f"{format_number(_observations(picked))} observations in all", picked
    if before is not None:
        recent = increases(picked, before.series)
        if _observations(recent) > 0:
            gap = format_duration(max(0.0, now_at - before.at))
            basis, counts = f"{format_number(_observations(recent))} observations in the last {gap}", recent
    value = bucket_quantile(query.quantile, _by_le(counts))
    return Outcome(None if math.isnan(value) else value * query.scale, basis)


def _by_le(counts: Series) -> list[tuple[float, float]]:
    summed: dict[float, float] = defaultdict(float)
    for (_, labels), value in counts.items():
        le = dict(labels).get("le")
        if le is not None:
            summed[float(le)] += value
    return sorted(summed.items())


def _observations(counts: Series) -> float:
    """The +Inf buckets' total: how many observations the counts hold."""
    return sum(count for le, count in _by_le(counts) if math.isinf(le))


def bucket_quantile(q: float, buckets: list[tuple[float, float]]) -> float:
    """Prometheus's ``bucketQuantile``: (upper bound, cumulative count) pairs, +Inf last; NaN when empty."""
    if len(buckets) < 2 or not math.isinf(buckets[-1][0]):
        return math.nan
    counts = [c for _, c in buckets]
    for i in range(1, len(counts)):  # counts must not go down (scrapes race observations): coalesce
        counts[i] = max(counts[i], counts[i - 1])
    total = counts[-1]
    if total == 0:
        return math.nan
    rank = q * total
    b = next(i for i, c in enumerate(counts) if c >= rank)
    if b == len(buckets) - 1:
        return buckets[-2][0]
    if b == 0 and buckets[0][0] <= 0:
        return buckets[0][0]
    start, before = (0.0, 0.0) if b == 0 else (buckets[b - 1][0], counts[b - 1])
    in_bucket = counts[b] - before
    return start + (buckets[b][0] - start) * ((rank - before) / in_bucket if in_bucket else 0.0)
