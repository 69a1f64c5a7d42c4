"""A loopback webhook receiver: keeps every JSON object POSTed to it, answers ``status``.

Demo (prints each alert as it arrives)::

    uv run python -m tests.support.webhook --port 8799
    TIC_ALERT_WEBHOOK=http://127.0.0.1:8799/hook uv run tic run ...
"""

from __future__ import annotations

import argparse
import contextlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.support.loopback import LoopbackServer


class WebhookReceiver(LoopbackServer):
    """``with WebhookReceiver() as hook:`` ... ``hook.url``, ``hook.events``."""

    def __init__(self, port: int = 0, status: int = 200, echo: bool = False) -> None:
        self.status = status
        self.echo = echo
        self._lock = threading.Lock()
        self._posts: list[dict[str, Any]] = []
        super().__init__(_Handler, port, _Server)
        self._httpd.receiver = self

    @property
    def url(self) -> str:
        return f"{self.base_url}hook"

    @property
    def posts(self) -> list[dict[str, Any]]:
        """Every JSON object received, oldest first (a copy)."""
        with self._lock:
            return list(self._posts)

    @property
    def events(self) -> list[str]:
        return [post.get("event", "?") for post in self.posts]

    def wait_for(self, count: int, timeout_s: float = 30.0) -> list[dict[str, Any]]:
        """The posts once at least ``count`` have arrived (or after timeout_s)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and len(self.posts) < count:
            time.sleep(0.05)
        return self.posts

    def keep(self, post: dict[str, Any]) -> None:
        with self._lock:
            self._posts.append(post)
        if self.echo:
            print(json.dumps(post), flush=True)


class _Server(ThreadingHTTPServer):
    receiver: WebhookReceiver


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        try:
            post = json.loads(body)
        except ValueError:
            post = {"event": "<not JSON>", "body": body.decode(errors="replace")}
        post["_content_type"] = self.headers.get("Content-Type", "")
        self.server.receiver.keep(post)
        answer = b"ok\n"
        self.send_response(self.server.receiver.status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Print the alerts tic POSTs to a webhook.")
    parser.add_argument("--port", type=int, default=8799)
    args = parser.parse_args(argv)
    with WebhookReceiver(args.port, echo=True) as hook:
        print(f"Receiving alerts at {hook.url} (Ctrl-C stops)", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
