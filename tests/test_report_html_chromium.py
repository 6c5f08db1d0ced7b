"""The HTML reports opened in a real headless Chromium: rendered, visible, no console errors.

Skipped where no Chromium is installed (Debian: ``apt-get install chromium``;
.ci/run installs it). The screenshot is decoded here (a few lines of PNG, no
Pillow) and checked for the verdict box, the table headers and text.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from tests.report_history import H, INFOS, SPEC, START, fill, window
from watchdog.reports import render_html
from watchdog.reports.build import build_checkpoint
from watchdog.reports.daily import build_daily
from watchdog.store.base import Event
from watchdog.store.memory import MemoryStore

CHROMIUM = next((found for name in ("chromium", "chromium-browser", "google-chrome")
                 if (found := shutil.which(name))), None)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="needs a headless Chromium (Debian: apt-get install chromium; .ci/run installs it)")

VERDICT_BAD = (251, 220, 220)  # .verdict.bad background, #fbdcdc
TABLE_HEADER = (238, 240, 244)  # th background, #eef0f4


def chromium(profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
               "--mute-audio", f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=profile.parent)


def console_messages(stderr: str) -> list[str]:
    """What the page wrote to its console (errors, CSP violations, uncaught exceptions)."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


def png_pixels(path: Path, max_rows: int) -> set[tuple[int, ...]]:
    """The distinct RGB colours of the first ``max_rows`` rows of an 8-bit RGB/RGBA PNG."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height, depth, ctype, _c, _f, interlace = struct.unpack(">IIBBBBB", data[16:29])
    assert (depth, ctype, interlace) in ((8, 2, 0), (8, 6, 0))
    bpp = 3 if ctype == 2 else 4
    pos, idat = 8, b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if kind == b"IDAT":
            idat += data[pos + 8:pos + 8 + length]
        pos += 12 + length
    raw, stride = zlib.decompress(idat), width * bpp
    prev, colours = bytearray(stride), set()
    for y in range(min(height, max_rows)):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + b) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        colours.update(tuple(line[i:i + 3]) for i in range(0, stride, bpp * 2))
        prev = line
    return colours


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    store = fill(MemoryStore())
    store.add_event(Event("restart", START + 9 * H, "health", 'x <script>alert(1)</script> <img src="http://x/">'))
    out = tmp_path_factory.mktemp("html")
    final = build_checkpoint(store, window(), INFOS, checkpoint_s=24 * H, now=START + 24 * H, spec=SPEC)
    (out / "checkpoint.html").write_text(render_html.render_checkpoint(final), encoding="utf-8")
    daily = build_daily(store, INFOS, now=START + 20 * H, date="2025-10-13")
    (out / "daily.html").write_text(render_html.render_daily(daily), encoding="utf-8")
    return {"checkpoint": out / "checkpoint.html", "daily": out / "daily.html"}


def test_checkpoint_report_renders(pages: dict[str, Path], tmp_path: Path) -> None:
    page = pages["checkpoint"]
    dom = chromium(tmp_path / "profile-dom", "--dump-dom", page.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert console_messages(dom.stderr) == []
    assert "<title>Phase 3.8 Production Monitoring — 24h checkpoint (4 of 4)</title>" in dom.stdout
    assert '<section id="criteria"><h2>Acceptance criteria</h2><div class="scroll"><table>' in dom.stdout
    assert dom.stdout.count("<svg") == 5

    shot = tmp_path / "checkpoint.png"
    run = chromium(tmp_path / "profile-shot", f"--screenshot={shot}", "--window-size=1100,1000", page.as_uri())
    assert run.returncode == 0, run.stderr[-2000:]
    assert console_messages(run.stderr) == []
    colours = png_pixels(shot, 1000)
    assert VERDICT_BAD in colours  # the NOT COMPLETE box is on screen
    assert TABLE_HEADER in colours  # a table header row is on screen
    assert any(max(c) < 90 for c in colours)  # dark text (the title, the tables)
    shutil.copy(shot, pages["checkpoint"].with_suffix(".png"))  # kept beside the page for a human look


def test_daily_report_renders(pages: dict[str, Path], tmp_path: Path) -> None:
    dom = chromium(tmp_path / "profile", "--dump-dom", pages["daily"].as_uri())
    assert dom.returncode == 0
    assert console_messages(dom.stderr) == []
    assert "<title>Daily Monitoring Report - 2025-10-13</title>" in dom.stdout
    assert '<section id="availability"><h2>Availability</h2><div class="scroll"><table>' in dom.stdout


def test_a_page_with_console_errors_is_caught(tmp_path: Path) -> None:
    """The detector above can fail: a page that breaks its CSP and throws is reported."""
    bad = tmp_path / "bad.html"
    bad.write_text(f'<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" '
                   f'content="{render_html.CSP}"><title>bad</title></head><body>'
                   '<script>undefinedFunction()</script></body></html>')
    run = chromium(tmp_path / "profile", "--dump-dom", bad.as_uri())
    messages = console_messages(run.stderr)
    assert len(messages) == 1 and "Content Security Policy" in messages[0]
