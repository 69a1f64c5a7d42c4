"""Fetch one TIC file over HTTP: conditional GET, bounded size, retries where the world is flaky.

``fetch_file`` either returns a complete, plausible body (or a 304) or raises ``FetchError``
with a message for people. It never returns a partial, oversized or HTML body.
"""

from __future__ import annotations

import email.utils
import logging
import re
import socket
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import requests
import urllib3

from tic.clock import utc_stamp
from transforms.complete import find_cut_in_bytes
from transforms.sniff import looks_like_html

log = logging.getLogger(__name__)

USER_AGENT = "tic-pipeline/0.1 (+https://github.com/)"

DEFAULT_TIMEOUT_S: tuple[float, float] = (10.0, 60.0)  # (connect, read between bytes)
MAX_TRANSFER_S = 600.0  # whole-body deadline: a trickling server cannot hold a run forever
MAX_FILE_BYTES = 50 * 1024 * 1024  # the largest real TIC file is ~3 MB
MAX_RETRY_AFTER_S = 300.0  # a server's Retry-After is honoured up to this
CHUNK_BYTES = 64 * 1024
RETRY_STATUSES = frozenset({408, 429})  # plus every 5xx


@dataclass(frozen=True)
class RetryPolicy:
    """How hard a run tries before giving up: attempts at one file within a fetch
    (``http_retries`` after the first, backoff doubling from ``backoff_s``), then retries of the
    whole fetch by the flow's Prefect task, on transient trouble only."""

    name: str
    http_retries: int
    backoff_s: float
    max_retry_after_s: float
    task_retries: int
    task_retry_delay_s: float


# The one place the retry policy lives. A scheduled poll gives up quickly: the next one comes
# in minutes (every minute on release afternoons). A run started by hand retries a little, so
# a blip does not send someone back to the keyboard; with no network it still fails in
# seconds (a DNS failure is not retried at all).
SCHEDULED_POLL = RetryPolicy(
    "scheduled poll",
    http_retries=1,
    backoff_s=2.0,
    max_retry_after_s=30.0,
    task_retries=0,
    task_retry_delay_s=0.0,
)
MANUAL_RUN = RetryPolicy(
    "manual run",
    http_retries=2,
    backoff_s=2.0,
    max_retry_after_s=MAX_RETRY_AFTER_S,
    task_retries=1,
    task_retry_delay_s=15.0,
)


def retry_policy(scheduled: bool) -> RetryPolicy:
    """The policy of a scheduled poll (a deployment's flow run) or of a run started by hand."""
    return SCHEDULED_POLL if scheduled else MANUAL_RUN


_PLAIN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
_RETRY_LATER = "the Treasury site may be down or overloaded; re-run later"


@dataclass(frozen=True)
class FetchedFile:
    """One answer from the site: a whole file ("downloaded") or "not_modified" (304)."""

    name: str
    url: str
    status: Literal["downloaded", "not_modified"]
    data: bytes | None  # None when 304: the bytes are the archived copy
    headers: dict[str, str]
    retrieved_at: str  # UTC, ISO 8601


class FetchError(RuntimeError):
    """A file could not be fetched; the message says which, why and what to do next.

    ``status_code`` is the HTTP status behind the failure, if any; ``retryable`` is True when
    the failure was transient (network, timeout, 408/429/5xx) and the retries ran out, so a
    later run may succeed.
    """

    def __init__(
        self,
        name: str,
        url: str,
        what: str,
        next_step: str,
        *,
        status_code: int | None = None,
        retryable: bool = False,
    ) -> None:
        super().__init__(f"{name} from {url}: {what}; {next_step}")
        self.name = name
        self.url = url
        self.what = what
        self.status_code = status_code
        self.retryable = retryable


class _TransientError(Exception):
    """A failure worth retrying (connection trouble, timeout, 408/429/5xx, cut-off body)."""

    def __init__(
        self,
        what: str,
        retry_after_s: float | None = None,
        status_code: int | None = None,
        next_step: str = "",
    ) -> None:
        super().__init__(what)
        self.what = what
        self.retry_after_s = retry_after_s
        self.status_code = status_code
        self.next_step = next_step or _RETRY_LATER


def new_session() -> requests.Session:
    """A session that names the pipeline and asks for uncompressed bodies."""
    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    session.headers["Accept-Encoding"] = "identity"
    return session


def check_file_name(name: str) -> str:
    """Return ``name`` if it is a plain file name (no path, no '..', no URL syntax)."""
    if not isinstance(name, str) or not _PLAIN_NAME.fullmatch(name) or ".." in name:
        raise ValueError(
            f"{name!r} is not a plain TIC file name such as 'slt_table1.txt' "
            "(letters, digits, '.', '_', '-'; no '/', '\\' or '..')"
        )
    return name


def is_url(source: str) -> bool:
    """An http(s) URL, as opposed to a folder of release files."""
    return source.startswith(("http://", "https://"))


def absolute_source(source: str) -> str:
    """A URL as given; a folder made absolute, so a run does not depend on its working dir."""
    return source if is_url(source) else str(Path(source).resolve())


def file_url(base_url: str, name: str) -> str:
    """The URL of ``name`` under ``base_url`` (http or https); the name is checked first."""
    check_file_name(name)
    if not is_url(base_url):
        raise ValueError(f"base URL {base_url!r} must start with https:// or http://")
    return (base_url if base_url.endswith("/") else base_url + "/") + name


def fetch_file(
    session: requests.Session,
    base_url: str,
    name: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    timeout: tuple[float, float] = DEFAULT_TIMEOUT_S,
    max_bytes: int = MAX_FILE_BYTES,
    policy: RetryPolicy = MANUAL_RUN,
    retries: int | None = None,
    backoff_s: float | None = None,
    sleep: Callable[[float], object] = time.sleep,
    deadline_s: float = MAX_TRANSFER_S,
) -> FetchedFile:
    """GET ``base_url + name``, conditionally if ``etag``/``last_modified`` are given;
    ``retries`` and ``backoff_s``, when given, override the policy's."""
    url = file_url(base_url, name)
    retries = policy.http_retries if retries is None else retries
    backoff_s = policy.backoff_s if backoff_s is None else backoff_s
    if session.verify is False:
        raise ValueError("the session has TLS verification turned off; fetch_file refuses it")
    if retries < 0:
        raise ValueError(f"retries must be 0 or more, not {retries}")
    headers = _conditional_headers(etag, last_modified)
    attempts = retries + 1
    for attempt in range(attempts):
        try:
            return _attempt(session, url, name, headers, timeout, max_bytes, deadline_s)
        except _TransientError as failure:
            if attempt + 1 == attempts:
                what = f"{failure.what} (gave up after {attempts} attempts)"
                raise FetchError(
                    name,
                    url,
                    what,
                    failure.next_step,
                    status_code=failure.status_code,
                    retryable=True,
                ) from failure
            delay = _retry_delay(
                attempt, backoff_s, failure.retry_after_s, policy.max_retry_after_s
            )
            log.warning("%s: %s; retrying in %.1f s", url, failure.what, delay)
            _drop_pooled_connections(session)
            sleep(delay)
    raise AssertionError("unreachable: the loop returns or raises")


def _drop_pooled_connections(session: requests.Session) -> None:
    """Retry on a fresh connection: one that just gave a bad answer may hold stray bytes of it
    or be closing under us, and reusing it turns a retryable cut into a disconnect."""
    for adapter in session.adapters.values():
        adapter.close()  # the session stays usable; the next request opens a new connection


def _conditional_headers(etag: str | None, last_modified: str | None) -> dict[str, str]:
    headers = {"Accept-Encoding": "identity"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    return headers


def _retry_delay(
    attempt: int, backoff_s: float, retry_after_s: float | None, max_retry_after_s: float
) -> float:
    """Exponential backoff, or the server's Retry-After (capped) when that is longer."""
    delay: float = backoff_s * 2.0**attempt
    if retry_after_s is not None:
        delay = max(delay, min(retry_after_s, max_retry_after_s))
    return float(delay)


def _attempt(
    session: requests.Session,
    url: str,
    name: str,
    headers: dict[str, str],
    timeout: tuple[float, float],
    max_bytes: int,
    deadline_s: float,
) -> FetchedFile:
    deadline = time.monotonic() + deadline_s
    retrieved_at = utc_stamp()
    try:
        response = session.get(url, headers=headers, timeout=timeout, stream=True)
    except requests.exceptions.SSLError as exc:
        what = f"TLS error: the secure connection to {_host(url)} failed ({_tls_reason(exc)})"
        next_step = "check the system clock and CA certificates, and that the URL is https"
        raise FetchError(name, url, what, next_step) from exc
    except requests.exceptions.Timeout as exc:
        raise _TransientError(
            f"no answer within {timeout} s (connect, read)",
            next_step="the site or the network is too slow or unreachable; re-run later",
        ) from exc
    except requests.exceptions.ConnectionError as exc:
        raise _connection_failure(exc, url, name) from exc
    except requests.exceptions.RequestException as exc:
        raise FetchError(name, url, f"request failed ({exc})", "check the URL") from exc
    with response:
        _refuse_downgrade(response, url, name)
        return _answer(response, url, name, headers, max_bytes, deadline, retrieved_at)


def _answer(
    response: requests.Response,
    url: str,
    name: str,
    request_headers: dict[str, str],
    max_bytes: int,
    deadline: float,
    retrieved_at: str,
) -> FetchedFile:
    status = response.status_code
    headers = {str(k): str(v) for k, v in response.headers.items()}
    if status == 200:
        body = _read_body(response, url, name, max_bytes, deadline)
        _check_body(body, url, name)
        return FetchedFile(name, url, "downloaded", body, headers, retrieved_at)
    conditional = "If-None-Match" in request_headers or "If-Modified-Since" in request_headers
    if status == 304 and conditional:
        return FetchedFile(name, url, "not_modified", None, headers, retrieved_at)
    if status in RETRY_STATUSES or 500 <= status <= 599:
        retry_after = _retry_after_s(response.headers.get("Retry-After"))
        raise _TransientError(f"server answered {status} {response.reason}", retry_after, status)
    if status == 404:
        what, next_step = "not found (404)", "check the file name; the Treasury may have moved it"
    else:
        what = f"unexpected answer {status} {response.reason}"
        next_step = "check the URL in a browser before re-running"
    raise FetchError(name, url, what, next_step, status_code=status)


def _refuse_downgrade(response: requests.Response, url: str, name: str) -> None:
    if url.startswith("https://") and not response.url.startswith("https://"):
        what = f"redirected from https to {response.url}"
        raise FetchError(name, url, what, "refusing an unencrypted copy; check the URL")


def _retry_after_s(value: str | None) -> float | None:
    """Retry-After as seconds: delta-seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _read_body(
    response: requests.Response, url: str, name: str, max_bytes: int, deadline: float
) -> bytes:
    """Stream the body, decoding gzip/deflate ourselves so the size cap counts decoded bytes."""
    declared = _content_length(response)
    if declared is not None and declared > max_bytes:
        raise _too_large(url, name, max_bytes, f"Content-Length says {declared:,} bytes")
    decoder = _Decoder.for_encoding(response.headers.get("Content-Encoding"), url, name)
    parts: list[bytes] = []
    received = size = 0
    try:
        # read1 returns what has arrived (up to CHUNK_BYTES), so a trickle cannot hold the loop
        # past the deadline the way a full-chunk read does.
        while chunk := response.raw.read1(CHUNK_BYTES, decode_content=False):
            received += len(chunk)
            piece = decoder.feed(chunk, max_bytes - size)
            size += len(piece)
            if size > max_bytes or received > max_bytes:
                raise _too_large(url, name, max_bytes, "the body kept coming")
            parts.append(piece)
            if time.monotonic() > deadline:
                raise _TransientError("the transfer took longer than the whole-body deadline")
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        raise _TransientError(_describe_broken_body(exc, received, declared)) from exc
    except zlib.error as exc:
        what = f"the compressed body could not be decoded ({exc})"
        raise FetchError(name, url, what, "re-run later; report it if it persists") from exc
    if declared is not None and received < declared:
        # Belt and braces: urllib3 enforces Content-Length by default, but not every version.
        raise _TransientError(f"the body was cut off after {received:,} of {declared:,} bytes")
    parts.append(decoder.finish())
    return b"".join(parts)


def _content_length(response: requests.Response) -> int | None:
    value = response.headers.get("Content-Length", "").strip()
    return int(value) if value.isdigit() else None


def _too_large(url: str, name: str, max_bytes: int, detail: str) -> FetchError:
    what = f"larger than the {max_bytes:,}-byte cap ({detail})"
    return FetchError(name, url, what, "check the file on the site; raise max_bytes if it is real")


def _describe_broken_body(exc: Exception, received: int, declared: int | None) -> str:
    if isinstance(exc, urllib3.exceptions.ReadTimeoutError | TimeoutError):
        return f"read timeout: the server stopped sending the body ({received:,} bytes received)"
    if declared is not None and received < declared:
        return f"the body was cut off after {received:,} of {declared:,} bytes ({_root_cause(exc)})"
    return f"the connection broke while reading the body ({_root_cause(exc)})"


def _root_cause(exc: BaseException) -> str:
    """The innermost exception's class name: ConnectionRefusedError, IncompleteRead, ..."""
    return type(_innermost(exc)).__name__


def _innermost(exc: BaseException) -> BaseException:
    seen: BaseException = exc
    for _ in range(20):  # chains are short; the bound guards against a cycle
        inner = seen.__cause__ or seen.__context__
        if inner is None:
            break
        seen = inner
    return seen


def _chain(exc: BaseException) -> list[BaseException]:
    found = [exc]
    for _ in range(20):
        inner = found[-1].__cause__ or found[-1].__context__
        if inner is None:
            break
        found.append(inner)
    return found


def _host(url: str) -> str:
    return urlsplit(url).netloc or url


def _connection_failure(
    exc: requests.exceptions.ConnectionError, url: str, name: str
) -> FetchError | _TransientError:
    """Each way a connection fails gets its own message: a DNS failure (not retried: a
    machine without network or a mistyped host will not mend in seconds), a refused
    connection, anything else."""
    chain = _chain(exc)
    text = " ".join(str(e) for e in chain)
    dns = any(isinstance(e, socket.gaierror) for e in chain) or "NameResolutionError" in text
    if dns:
        what = f"could not resolve the host name {urlsplit(url).hostname!r} (DNS lookup failed)"
        next_step = "check the network connection and the host name in the URL"
        return FetchError(name, url, what, next_step, retryable=False)
    if any(isinstance(e, ConnectionRefusedError) for e in chain):
        return _TransientError(
            f"connection refused by {_host(url)} (nothing listens there)",
            next_step="check the host and port in the URL, or re-run when the site is back up",
        )
    return _TransientError(
        f"could not connect to {_host(url)} ({_root_cause(exc)})",
        next_step="check the network connection; re-run later",
    )


def _tls_reason(exc: BaseException) -> str:
    inner = _innermost(exc)
    reason = getattr(inner, "reason", None) or getattr(inner, "verify_message", None)
    return str(reason or type(inner).__name__)


def _check_body(body: bytes, url: str, name: str) -> None:
    if not body:
        raise FetchError(name, url, "the server sent an empty file", _RETRY_LATER)
    if looks_like_html(body):
        what = "the server sent an HTML page instead of the file (maintenance or error page?)"
        raise FetchError(name, url, what, "open the URL in a browser; re-run when the site is back")
    cut = find_cut_in_bytes(name, body)
    if cut is not None:
        # A body cut short in transfer (a Content-Length smaller than the file, at a line end or
        # mid-row) lacks the closing block every TIC file has; retried like any broken transfer.
        raise _TransientError(
            f"the body ends at line {cut.line_number} after {len(body):,} bytes, without "
            f"{cut.missing}: it looks cut off"
        )


class _Decoder:
    """Bounded gzip/deflate decoding: never produces more than the caller has room for (+1)."""

    def __init__(self, wbits: int | None) -> None:
        self._zlib = zlib.decompressobj(wbits) if wbits is not None else None

    @classmethod
    def for_encoding(cls, encoding: str | None, url: str, name: str) -> _Decoder:
        encoding = (encoding or "identity").strip().lower()
        if encoding == "identity":
            return cls(None)
        if encoding in ("gzip", "x-gzip", "deflate"):
            return cls(zlib.MAX_WBITS | 32)  # 32: accept a gzip or zlib header
        what = f"served with unsupported Content-Encoding {encoding!r}"
        raise FetchError(name, url, what, "report it; the pipeline asks for identity encoding")

    def feed(self, chunk: bytes, room: int) -> bytes:
        if self._zlib is None:
            return chunk
        out = self._zlib.decompress(chunk, room + 1)
        while self._zlib.unconsumed_tail and len(out) <= room:
            out += self._zlib.decompress(self._zlib.unconsumed_tail, room + 1 - len(out))
        return out

    def finish(self) -> bytes:
        if self._zlib is None:
            return b""
        if not self._zlib.eof:
            raise _TransientError("the compressed body ended early")
        return self._zlib.flush()
