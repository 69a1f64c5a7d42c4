"""Headless Chromium (Debian's `chromium`) for page tests: the DOM after load, the console's
messages, and screenshots at a given window size. Each call starts a fresh profile."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)
TIMEOUT_SECONDS = 120
# With --enable-logging=stderr, every console message is a line like
# [pid:tid:date:INFO:CONSOLE:12] "Uncaught ReferenceError: ...", source: file:///... (12)
CONSOLE_LINE = re.compile(r":CONSOLE[:(]\d+\)?\] (.*)$")


def chromium() -> str | None:
    return shutil.which("chromium")


def _run(page: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    binary = chromium()
    if binary is None:
        raise RuntimeError("chromium is not installed: apt-get install -y chromium")
    with tempfile.TemporaryDirectory(prefix="tic-chromium-") as profile:
        return subprocess.run(
            [binary, *FLAGS, f"--user-data-dir={profile}", *extra, page.resolve().as_uri()],
            capture_output=True,
            text=True,
            timeout=TIMEOUT_SECONDS,
            check=True,
        )


@dataclass(frozen=True)
class RenderedDom:
    html: str
    console: list[str]  # every console message the page logged while loading


def dump_dom(page: Path, width: int = 1280) -> RenderedDom:
    """The page's DOM as Chromium built it, and what it logged to the console."""
    done = _run(
        page, "--enable-logging=stderr", "--v=0", f"--window-size={width},2000", "--dump-dom"
    )
    console = [m.group(1) for m in map(CONSOLE_LINE.search, done.stderr.splitlines()) if m]
    return RenderedDom(done.stdout, console)


def screenshot(page: Path, output: Path, width: int, height: int) -> Path:
    """A PNG of the top `height` px of the page in a window `width` px wide."""
    _run(page, f"--window-size={width},{height}", f"--screenshot={output}")
    if not output.exists() or output.stat().st_size == 0:
        raise RuntimeError(f"chromium wrote no screenshot to {output}")
    return output


class PageParts(HTMLParser):
    """What the brief tests look for in a DOM: each chart figure and the tags it holds, each
    <data> element (name, machine value, text shown), and every reference to fetch."""

    def __init__(self) -> None:
        super().__init__()
        self.charts: dict[str, dict[str, int]] = {}
        self.data: list[tuple[str, str, str]] = []
        self.external: list[str] = []
        self.section_ids: list[str] = []
        self._figure: str | None = None
        self._data: tuple[str, str] | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "section" and values.get("id"):
            self.section_ids.append(values["id"] or "")
        for name in ("src", "href", "xlink:href", "srcset", "action"):
            if values.get(name):
                self.external.append(f"{tag} {name}={values[name]}")
        if tag == "link" or (tag == "script" and values.get("src")):
            self.external.append(f"<{tag}>")
        if tag == "figure" and values.get("data-chart"):
            self._figure = values["data-chart"]
            self.charts[self._figure] = {}
        elif self._figure is not None:
            counts = self.charts[self._figure]
            counts[tag] = counts.get(tag, 0) + 1
        if tag == "data":
            self._data = (values.get("data-name") or "", values.get("value") or "")
            self._text = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "figure":
            self._figure = None
        if tag == "data" and self._data is not None:
            self.data.append((*self._data, self._text.strip()))
            self._data = None

    def handle_data(self, data: str) -> None:
        if self._data is not None:
            self._text += data


def page_parts(html: str) -> PageParts:
    parts = PageParts()
    parts.feed(html)
    parts.close()
    return parts
