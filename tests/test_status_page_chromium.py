"""The status page and a served report in a real headless Chromium, at desktop and phone width.

The daemon (real checks, real HTTP server, ``[server] token`` set) runs in a thread
of its own (``tests/support/status_site.py``); Chromium is driven over its DevTools
protocol (``tests/support/browser.py``). Skipped without Chromium (.ci/run installs
it). Screenshots go to the test's temporary directory, or to ``$WATCHDOG_SCREENSHOTS``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.browser import CHROMIUM, Browser, Tab
from tests.support.http_service import Service
from tests.support.status_site import Site, serve

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="needs a headless Chromium (Debian: apt-get install chromium; .ci/run installs it)")
TOKEN = "page-t0ken-4242"
WIDTHS = (1280, 390)
NO_OVERFLOW = ("document.documentElement.scrollWidth <= window.innerWidth"
               " && document.body.scrollWidth <= window.innerWidth")
CARDS = ("[...document.querySelectorAll('.card')].map(c => [c.querySelector('.name').textContent,"
         " c.querySelector('.badge').textContent, c.getBoundingClientRect().right <= window.innerWidth])")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    service = Service()
    try:
        yield from serve(tmp_path_factory.mktemp("site"), service.url, token=TOKEN)
    finally:
        service.stop()


@pytest.fixture(scope="module")
def browser(site: Site) -> Iterator[Browser]:
    chrome = Browser()
    try:
        chrome.open(f"{site.url}/?token={TOKEN}", 1280).close()  # once: the cookie replaces the token
        yield chrome
    finally:
        chrome.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    wanted = os.environ.get("WATCHDOG_SCREENSHOTS")
    return Path(wanted) if wanted else tmp_path_factory.mktemp("screenshots")


def look(browser: Browser, url: str, width: int, shots: Path, name: str) -> Tab:
    tab = browser.open(url, width)
    tab.screenshot(shots / f"{name}-{width}.png")
    return tab


@pytest.mark.parametrize("width", WIDTHS)
def test_the_status_page_lists_every_check_with_its_state_within_the_width(site: Site, browser: Browser,
                                                                           shots: Path, width: int) -> None:
    tab = look(browser, f"{site.url}/", width, shots, "status-page")
    assert tab.evaluate(NO_OVERFLOW) is True
    assert tab.evaluate(CARDS) == [
        ["health", "OK", True], ["api-latency", "OK", True], ["redis", "CRITICAL", True],
        ["checkout-api-with-a-long-name", "CRITICAL", True], ["ws-drops", "OK", True], ["watchdog", "OK", True]]
    tab.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_a_served_report_fits_the_width(site: Site, browser: Browser, shots: Path, width: int) -> None:
    tab = look(browser, f"{site.url}/reports/{site.report}", width, shots, "report")
    assert tab.evaluate("document.title") == "Post-deployment monitoring — 6h checkpoint (1 of 4)"
    assert tab.evaluate(NO_OVERFLOW) is True
    tab.close()


def test_the_token_left_the_address_and_the_page_shows_no_secret(site: Site, browser: Browser) -> None:
    tab = browser.open(f"{site.url}/", 1280)
    assert tab.evaluate("location.href") == f"{site.url}/"
    text = tab.evaluate("document.documentElement.outerHTML")
    assert TOKEN not in text and "hunter2" not in text
    tab.close()


def test_the_window_links_its_latest_report(site: Site, browser: Browser) -> None:
    tab = browser.open(f"{site.url}/", 1280)
    assert tab.evaluate("document.querySelector('ul.rows a').getAttribute('href')") == f"/reports/{site.report}"
    tab.close()


def test_without_the_cookie_the_page_is_refused(site: Site) -> None:
    fresh = Browser()
    try:
        tab = fresh.open(f"{site.url}/", 390)
        assert tab.evaluate("document.body.innerText").startswith("unauthorized: open this address once with ?token=")
        tab.close()
    finally:
        fresh.close()
