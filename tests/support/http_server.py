"""A loopback stand-in for the Treasury's TIC documents area, with injectable faults.

``TicSiteServer(releases_dir, as_of)`` serves, for each file name, the copy in the newest
``releases_dir/<YYYY-MM-DD>/`` folder dated on or before ``as_of`` ("the site as of date D"),
with a real ETag (quoted sha256) and Last-Modified (the release day, 4:00 p.m. Washington time),
and answers conditional GETs with 304.

Demo::

    uv run python -m tests.support.http_server --releases ../shared/tic/releases \\
        --as-of 2026-06-18 --port 8765
"""

from __future__ import annotations

import argparse
import contextlib
import email.utils
import hashlib
import re
import socket
import struct
import sys
import threading
import time
import zlib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from tests.support.loopback import LoopbackServer

RELEASE_TIME = (16, 0)  # TIC releases come out at 4:00 p.m. Washington time
WASHINGTON = ZoneInfo("America/New_York")
_PLAIN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_DATE_DIR = re.compile(r"\d{4}-\d{2}-\d{2}")
MAINTENANCE_PAGE = (
    b"<!DOCTYPE html>\n<html><head><title>Site Maintenance</title></head>"
    b"<body><h1>TIC data is temporarily unavailable</h1></body></html>\n"
)


# -- faults: each applies to the next `times` requests for one file name ---------------------


@dataclass(frozen=True)
class Status:
    """Answer with HTTP status ``code`` (and a Retry-After header if given)."""

    code: int
    times: int = 1
    retry_after: str | None = None


@dataclass(frozen=True)
class HtmlPage:
    """Answer 200 with an HTML maintenance page."""

    times: int = 1


@dataclass(frozen=True)
class EmptyBody:
    """Answer 200 with no bytes."""

    times: int = 1


@dataclass(frozen=True)
class Truncated:
    """Declare the full Content-Length, send only ``fraction`` of the file, then close."""

    fraction: float = 0.5
    times: int = 1


@dataclass(frozen=True)
class ConnectionReset:
    """Send ``after_bytes`` of the file, then reset the connection (TCP RST)."""

    after_bytes: int = 64 * 1024
    times: int = 1


@dataclass(frozen=True)
class SlowBody:
    """Send the file in ``chunk_bytes`` pieces, sleeping ``delay_s`` before each."""

    delay_s: float = 0.05
    chunk_bytes: int = 64 * 1024
    times: int = 1


@dataclass(frozen=True)
class WrongContentLength:
    """Send the whole file under a Content-Length off by ``delta`` bytes.

    With delta > 0 the connection stays open, so the client waits for bytes that never come;
    with delta < 0 the client gets a prefix and the connection is closed.
    """

    delta: int = 100
    times: int = 1


@dataclass(frozen=True)
class GzipBomb:
    """Answer 200, Content-Encoding: gzip, with ``decoded_bytes`` of zeros (about 1000:1)."""

    decoded_bytes: int = 1 << 30
    times: int = 1


Fault = (
    Status
    | HtmlPage
    | EmptyBody
    | Truncated
    | ConnectionReset
    | SlowBody
    | WrongContentLength
    | GzipBomb
)


@dataclass(frozen=True)
class SiteFile:
    """One file as the site serves it on a given date."""

    body: bytes
    etag: str
    last_modified: str  # HTTP date
    release_date: str


class TicSiteServer(LoopbackServer):
    """Serve "the site as of date D" from a folder of release folders on 127.0.0.1."""

    def __init__(self, releases_dir: Path, as_of: str, port: int = 0) -> None:
        self.releases_dir = Path(releases_dir)
        if not self.releases_dir.is_dir():
            raise FileNotFoundError(f"releases folder {self.releases_dir} does not exist")
        self._lock = threading.Lock()
        self._as_of = _check_date(as_of)
        self._switch: tuple[float, str] | None = None  # (time.time(), as_of) still to come
        self._faults: dict[str, list[list]] = {}  # name -> [[fault, remaining], ...]
        self._log: list[tuple[str, int]] = []
        self._cache: dict[Path, SiteFile] = {}
        super().__init__(_Handler, port, _Server)
        self._httpd.site = self

    @property
    def as_of(self) -> str:
        return self._as_of

    @property
    def requests_log(self) -> list[tuple[str, int]]:
        """(path, status) of every request answered so far, oldest first (a copy)."""
        with self._lock:
            return list(self._log)

    def set_as_of(self, as_of: str) -> None:
        self._as_of = _check_date(as_of)

    def switch_at(self, moment: float, as_of: str) -> None:
        """Serve the site as of ``as_of`` from ``moment`` (a time.time() value) on: a release
        appearing at a chosen moment, whatever request comes first after it."""
        with self._lock:
            self._switch = (moment, _check_date(as_of))

    def _apply_switch(self) -> None:
        with self._lock:
            if self._switch is not None and time.time() >= self._switch[0]:
                self._as_of = self._switch[1]
                self._switch = None

    def inject(self, name: str, fault: Fault) -> None:
        """Queue ``fault`` for the next ``fault.times`` requests of ``name``."""
        with self._lock:
            self._faults.setdefault(name, []).append([fault, fault.times])

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    # -- used by the handler ---------------------------------------------------------------

    def resolve(self, name: str) -> SiteFile | None:
        """The copy of ``name`` in the newest release folder dated on or before as_of."""
        self._apply_switch()
        for folder in sorted(self.releases_dir.iterdir(), reverse=True):
            if _DATE_DIR.fullmatch(folder.name) and folder.name <= self._as_of:
                path = folder / name
                if path.is_file():
                    return self._site_file(path, folder.name)
        return None

    def take_fault(self, name: str) -> Fault | None:
        with self._lock:
            queue = self._faults.get(name)
            if not queue:
                return None
            fault, remaining = queue[0]
            if remaining <= 1:
                queue.pop(0)
            else:
                queue[0][1] = remaining - 1
            return fault

    def record(self, path: str, status: int) -> None:
        with self._lock:
            self._log.append((path, status))

    def _site_file(self, path: Path, release_date: str) -> SiteFile:
        with self._lock:
            cached = self._cache.get(path)
        if cached is None:
            body = path.read_bytes()
            cached = SiteFile(
                body=body,
                etag=f'"{hashlib.sha256(body).hexdigest()}"',
                last_modified=release_http_date(release_date),
                release_date=release_date,
            )
            with self._lock:
                self._cache[path] = cached
        return cached


def release_http_date(release_date: str) -> str:
    """4:00 p.m. Washington time on ``release_date``, as an HTTP date (GMT)."""
    day = date.fromisoformat(release_date)
    moment = datetime(day.year, day.month, day.day, *RELEASE_TIME, tzinfo=WASHINGTON)
    return email.utils.format_datetime(moment.astimezone(UTC), usegmt=True)


def _check_date(value: str) -> str:
    return date.fromisoformat(value).isoformat()


class _Server(ThreadingHTTPServer):
    site: TicSiteServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)
        # else: a client hanging up mid-body is part of the tests, not an error


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        pass  # the site keeps its own requests_log

    def do_GET(self) -> None:
        site = self.server.site
        name = self.path.split("?", 1)[0].lstrip("/")
        try:
            fault = site.take_fault(name)
            if fault is not None:
                self._serve_fault(fault, name)
            else:
                self._serve(site.resolve(name) if _PLAIN_NAME.fullmatch(name) else None)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up; nothing left to say

    def _serve(self, found: SiteFile | None) -> None:
        if found is None:
            self._send_simple(404, b"Not Found\n", "text/plain")
        elif self._not_modified(found):
            self._start(304, {"ETag": found.etag, "Last-Modified": found.last_modified})
        else:
            self._start(200, _file_headers(found, len(found.body)))
            self.wfile.write(found.body)

    def _not_modified(self, found: SiteFile) -> bool:
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match is not None:  # RFC 9110: If-None-Match wins over If-Modified-Since
            tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
            return "*" in tags or found.etag in tags
        since = _parse_http_date(self.headers.get("If-Modified-Since"))
        modified = _parse_http_date(found.last_modified)
        return since is not None and modified is not None and modified <= since

    def _serve_fault(self, fault: Fault, name: str) -> None:
        if isinstance(fault, Status):
            extra = {"Retry-After": fault.retry_after} if fault.retry_after else {}
            self._send_simple(fault.code, f"{fault.code}\n".encode(), "text/plain", extra)
        elif isinstance(fault, HtmlPage):
            self._send_simple(200, MAINTENANCE_PAGE, "text/html; charset=utf-8")
        elif isinstance(fault, EmptyBody):
            self._send_simple(200, b"", "text/plain")
        elif isinstance(fault, GzipBomb):
            self._send_gzip_bomb(fault)
        else:
            found = self.server.site.resolve(name)
            if found is None:
                self._serve(None)
            else:
                self._serve_broken_body(fault, found)

    def _serve_broken_body(self, fault: Fault, found: SiteFile) -> None:
        body = found.body
        if isinstance(fault, Truncated):
            self._start(200, _file_headers(found, len(body)))
            self.wfile.write(body[: int(len(body) * fault.fraction)])
            self.close_connection = True
        elif isinstance(fault, ConnectionReset):
            self._start(200, _file_headers(found, len(body)))
            self.wfile.write(body[: fault.after_bytes])
            self._reset_connection()
        elif isinstance(fault, SlowBody):
            self._start(200, _file_headers(found, len(body)))
            for offset in range(0, len(body), fault.chunk_bytes):
                time.sleep(fault.delay_s)
                self.wfile.write(body[offset : offset + fault.chunk_bytes])
        elif isinstance(fault, WrongContentLength):
            self._start(200, _file_headers(found, max(0, len(body) + fault.delta)))
            self.wfile.write(body)
            if fault.delta < 0:
                # Linger before closing, as a busy server does: the client's pool still thinks
                # the connection is open, which is how a retry came to reuse it in CI.
                self.wfile.flush()
                time.sleep(0.2)
            self.close_connection = fault.delta < 0  # > 0: leave the client waiting

    def _send_gzip_bomb(self, fault: GzipBomb) -> None:
        headers = {"Content-Type": "text/plain", "Content-Encoding": "gzip", "Connection": "close"}
        self._start(200, headers)  # no Content-Length: the body ends when the connection does
        self.close_connection = True
        compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
        block = bytes(1 << 20)
        for _ in range(fault.decoded_bytes // len(block)):
            self.wfile.write(compressor.compress(block))
        self.wfile.write(compressor.flush())

    def _reset_connection(self) -> None:
        # SO_LINGER with a zero timeout makes close() send RST instead of FIN.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    def _send_simple(
        self, status: int, body: bytes, content_type: str, extra: dict[str, str] | None = None
    ) -> None:
        headers = {"Content-Type": content_type, "Content-Length": str(len(body)), **(extra or {})}
        self._start(status, headers)
        self.wfile.write(body)

    def _start(self, status: int, headers: dict[str, str]) -> None:
        self.server.site.record(self.path, status)
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()


def _file_headers(found: SiteFile, content_length: int) -> dict[str, str]:
    return {
        "Content-Type": "text/plain",
        "Content-Length": str(content_length),
        "ETag": found.etag,
        "Last-Modified": found.last_modified,
    }


def _parse_http_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve TIC release files as the Treasury would.")
    parser.add_argument("--releases", type=Path, default=Path("../shared/tic/releases"))
    parser.add_argument("--as-of", required=True, help="serve the site as of this date")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args(argv)
    with TicSiteServer(args.releases, args.as_of, port=args.port) as server:
        print(f"Serving {args.releases} as of {server.as_of} at {server.base_url} (Ctrl-C stops)")
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
