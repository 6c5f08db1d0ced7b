"""Markdown reports show every outside text literally: names and summaries cannot break a table or make markup.

Checked with a real CommonMark parser (markdown-it-py, which rich brings) with GitHub's tables and
strikethrough: what a reader sees is the text as written, in the columns it belongs to.
"""

from __future__ import annotations

import dataclasses
from html.parser import HTMLParser

import pytest
from markdown_it import MarkdownIt

from tests.report_history import H, INFOS, SPEC, START, fill, window
from watchdog.reports import render_md
from watchdog.reports.build import build_checkpoint
from watchdog.reports.model import CriterionRow, Incident
from watchdog.store.memory import MemoryStore

HOSTILE = "a|b *bold* _em_ `code` [link](http://evil.example) <img src=x> &amp; ~~gone~~\n# heading"
SHOWN = HOSTILE.replace("\n", " ")  # one line, everything else as written


class Page(HTMLParser):
    """The rendered page as a reader sees it: heading texts, and each table's rows of cell texts."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.h1: list[str] = []
        self.tables: list[list[list[str]]] = []
        self._in: str | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self.tables[-1][-1].append("")
        elif tag == "h1":
            self.h1.append("")
        self._in = tag if tag in ("td", "th", "h1") else self._in

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th", "h1"):
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "h1":
            self.h1[-1] += data
        elif self._in in ("td", "th"):
            self.tables[-1][-1][-1] += data


@pytest.fixture(scope="module")
def hostile() -> Page:
    report = build_checkpoint(fill(MemoryStore()), window(), INFOS, checkpoint_s=24 * H, now=START + 24 * H,
                              spec=SPEC)
    report = dataclasses.replace(
        report, title=HOSTILE, criteria=(CriterionRow(HOSTILE, "restarts == 0", "FAIL", HOSTILE, None),),
        incidents=(Incident(HOSTILE, "CRITICAL", START, START + 60, 60.0, HOSTILE),))
    markdown = render_md.render_checkpoint(report)
    return Page(MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(markdown))


def table_headed(page: Page, *header: str) -> list[list[str]]:
    return next(t for t in page.tables if t[0][:len(header)] == list(header))


def test_a_hostile_title_is_the_heading_as_written(hostile: Page) -> None:
    assert hostile.h1 == [f"{SHOWN} — 24h checkpoint (4 of 4)"]


def test_hostile_criterion_names_and_evidence_keep_the_table_columns(hostile: Page) -> None:
    assert table_headed(hostile, "Criterion") == [["Criterion", "Status", "Evidence"], [SHOWN, "❌ FAIL", SHOWN]]


def test_hostile_check_names_and_summaries_keep_the_incident_columns(hostile: Page) -> None:
    assert table_headed(hostile, "Check", "Severity")[1] == [SHOWN, "CRITICAL", "2025-10-13 07:10 UTC", "2025-10-13 07:11 UTC",
                                                 "1m", SHOWN]


@pytest.mark.parametrize(("text", "markdown"), [
    ("a|b\r\nc\nd", "a\\|b c d"),
    ("*x* `y` [l](u) ~~s~~ a\\b", "\\*x\\* \\`y\\` \\[l\\](u) \\~\\~s\\~\\~ a\\\\b"),
    ("_em_ __x", "\\_em\\_ \\_\\_x"),
    ("<script> </b> <!-- <http://x>", "\\<script> \\</b> \\<!-- \\<http://x>"),
    ("&amp; &#60; & x", "\\&amp; \\&#60; & x"),
    ("# h", "\\# h"), ("> q", "\\> q"), ("- item", "\\- item"), ("+ item", "\\+ item"), ("12. item", "12\\. item"),
    # harmless where it stands: left as written, so the file stays readable
    ("response_ms = 2500 (> 2000)", "response_ms = 2500 (> 2000)"),
    ("Performance meets SLA (<500ms latency)", "Performance meets SLA (<500ms latency)"),
    ("#42 fixed", "#42 fixed"), ("-0.5 MB/h", "-0.5 MB/h"), ("2025-10-13", "2025-10-13"),
])
def test_literal_escapes_markup_only_where_it_would_count(text: str, markdown: str) -> None:
    assert render_md.literal(text) == markdown
