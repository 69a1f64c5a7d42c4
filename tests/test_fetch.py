"""Fetching real TIC files over loopback HTTP from TicSiteServer, with injected faults."""

from __future__ import annotations

import hashlib
import socket
import tracemalloc
from pathlib import Path

import pytest
import requests

from tests.support.http_server import (
    ConnectionReset,
    EmptyBody,
    GzipBomb,
    HtmlPage,
    SlowBody,
    Status,
    TicSiteServer,
    Truncated,
    WrongContentLength,
)
from tic.source.archive import RawArchive
from tic.source.fetch import (
    MANUAL_RUN,
    MAX_RETRY_AFTER_S,
    SCHEDULED_POLL,
    FetchError,
    fetch_file,
    new_session,
)

FAST = {"timeout": (1.0, 1.0), "backoff_s": 0.5}
JUNE = "2026-06-18"
JULY = "2026-07-14"
JUNE_LAST_MODIFIED = "Thu, 18 Jun 2026 20:00:00 GMT"  # 4:00 p.m. EDT
JULY_LAST_MODIFIED = "Tue, 14 Jul 2026 20:00:00 GMT"


class Sleeps(list):
    """A stand-in for time.sleep that records the delays instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture()
def releases(shared_tic: Path) -> Path:
    return shared_tic / "releases"


@pytest.fixture()
def site(releases: Path):
    with TicSiteServer(releases, as_of=JUNE) as server:
        yield server


@pytest.fixture()
def session():
    session = new_session()
    session.trust_env = False  # a proxy from the environment must not see loopback traffic
    yield session
    session.close()


@pytest.fixture()
def sleeps() -> Sleeps:
    return Sleeps()


def real_bytes(releases: Path, release_date: str, name: str) -> bytes:
    return (releases / release_date / name).read_bytes()


def quoted_sha256(data: bytes) -> str:
    return f'"{hashlib.sha256(data).hexdigest()}"'


def statuses(site: TicSiteServer) -> list[int]:
    return [status for _path, status in site.requests_log]


def test_first_get_downloads_file_with_validators(site, session, releases):
    """It downloads a file whole, with the server's ETag and Last-Modified."""
    expected = real_bytes(releases, JUNE, "slt_table1.txt")

    fetched = fetch_file(session, site.base_url, "slt_table1.txt", **FAST)

    assert fetched.status == "downloaded"
    assert fetched.data == expected
    assert fetched.url == site.base_url + "slt_table1.txt"
    assert fetched.headers["ETag"] == quoted_sha256(expected)
    assert fetched.headers["Last-Modified"] == JUNE_LAST_MODIFIED
    assert fetched.retrieved_at.endswith("Z")
    assert site.requests_log == [("/slt_table1.txt", 200)]


def test_unchanged_poll_by_etag_costs_one_304(site, session, releases):
    """It answers a second unchanged poll (If-None-Match) with one 304 and no bytes."""
    etag = quoted_sha256(real_bytes(releases, JUNE, "slt_table3.txt"))

    fetched = fetch_file(session, site.base_url, "slt_table3.txt", etag=etag, **FAST)

    assert (fetched.status, fetched.data) == ("not_modified", None)
    assert site.requests_log == [("/slt_table3.txt", 304)]


def test_unchanged_poll_by_last_modified_costs_one_304(site, session):
    """It answers a poll carrying only If-Modified-Since with a 304."""
    fetched = fetch_file(
        session, site.base_url, "slt_table5.txt", last_modified=JUNE_LAST_MODIFIED, **FAST
    )

    assert fetched.status == "not_modified"
    assert statuses(site) == [304]


def test_next_release_downloads_only_the_changed_file(site, session, releases):
    """It downloads Table 1 again after the July release and gets a 304 for unchanged Table 3."""
    validators = {}
    for name in ("slt_table1.txt", "slt_table3.txt"):
        first = fetch_file(session, site.base_url, name, **FAST)
        validators[name] = (first.headers["ETag"], first.headers["Last-Modified"])

    site.set_as_of(JULY)
    table1 = fetch_file(session, site.base_url, "slt_table1.txt", **_validators(validators, 1))
    table3 = fetch_file(session, site.base_url, "slt_table3.txt", **_validators(validators, 3))

    july_bytes = real_bytes(releases, JULY, "slt_table1.txt")
    assert table1.status == "downloaded"
    assert table1.data == july_bytes
    assert table1.headers["ETag"] == quoted_sha256(july_bytes)
    assert table1.headers["Last-Modified"] == JULY_LAST_MODIFIED
    assert (table3.status, table3.data) == ("not_modified", None)
    assert statuses(site) == [200, 200, 200, 304]


def _validators(validators: dict, table: int) -> dict:
    etag, last_modified = validators[f"slt_table{table}.txt"]
    return {"etag": etag, "last_modified": last_modified, **FAST}


def test_304_bytes_come_back_from_the_archive(site, session, releases, tmp_path):
    """It lets a 304 be served from the archived copy found by the newest record."""
    archive = RawArchive(tmp_path / "raw")
    first = fetch_file(session, site.base_url, "slt_table5.txt", **FAST)
    archive.store(
        "slt_table5.txt",
        first.data,
        url=first.url,
        headers=first.headers,
        retrieved_at=first.retrieved_at,
        release_date=JUNE,
    )

    record = archive.latest_record(first.url)
    again = fetch_file(
        session,
        site.base_url,
        "slt_table5.txt",
        etag=record["headers"]["ETag"],
        last_modified=record["headers"]["Last-Modified"],
        **FAST,
    )

    assert again.status == "not_modified"
    assert archive.read(record["sha256"]) == real_bytes(releases, JUNE, "slt_table5.txt")


def test_retries_503_with_exponential_backoff(site, session, sleeps, releases):
    """It retries two 503s after 0.5 s and 1 s, then returns the whole file."""
    site.inject("slt_table3.txt", Status(503, times=2))

    fetched = fetch_file(session, site.base_url, "slt_table3.txt", sleep=sleeps, **FAST)

    assert fetched.data == real_bytes(releases, JUNE, "slt_table3.txt")
    assert sleeps == [0.5, 1.0]
    assert statuses(site) == [503, 503, 200]


def test_honours_retry_after(site, session, sleeps):
    """It waits as long as the server's Retry-After asks when that is longer than its backoff."""
    site.inject("slt_table5.txt", Status(503, retry_after="7"))

    fetch_file(session, site.base_url, "slt_table5.txt", sleep=sleeps, **FAST)

    assert sleeps == [7.0]


def test_caps_retry_after(site, session, sleeps):
    """It caps a 429's day-long Retry-After at MAX_RETRY_AFTER_S."""
    site.inject("slt_table5.txt", Status(429, retry_after="86400"))

    fetch_file(session, site.base_url, "slt_table5.txt", sleep=sleeps, **FAST)

    assert sleeps == [MAX_RETRY_AFTER_S]
    assert statuses(site) == [429, 200]


def test_gives_up_on_persistent_503(site, session, sleeps):
    """It stops after 1 + retries attempts with a message naming file, URL, status and remedy."""
    site.inject("slt_table1.txt", Status(503, times=10))

    with pytest.raises(FetchError) as failure:
        fetch_file(session, site.base_url, "slt_table1.txt", retries=2, sleep=sleeps, **FAST)

    message = str(failure.value)
    assert f"slt_table1.txt from {site.base_url}slt_table1.txt" in message
    assert "503" in message
    assert "3 attempts" in message
    assert "re-run later" in message
    assert (failure.value.status_code, failure.value.retryable) == (503, True)
    assert sleeps == [0.5, 1.0]
    assert statuses(site) == [503, 503, 503]


def test_404_fails_at_once(site, session, sleeps):
    """It does not retry a 404 and names the missing file."""
    with pytest.raises(FetchError, match=r"slt_table4\.txt .*not found \(404\)") as failure:
        fetch_file(session, site.base_url, "slt_table4.txt", sleep=sleeps, **FAST)

    assert (failure.value.status_code, failure.value.retryable) == (404, False)
    assert sleeps == []
    assert site.requests_log == [("/slt_table4.txt", 404)]


def test_rejects_html_maintenance_page(site, session, sleeps):
    """It refuses a 200 whose body is an HTML page instead of the data file."""
    site.inject("slt_table1.txt", HtmlPage())

    with pytest.raises(FetchError, match="HTML page"):
        fetch_file(session, site.base_url, "slt_table1.txt", sleep=sleeps, **FAST)


def test_rejects_empty_body(site, session, sleeps):
    """It refuses a 200 with an empty body."""
    site.inject("slt_table1.txt", EmptyBody())

    with pytest.raises(FetchError, match="empty file"):
        fetch_file(session, site.base_url, "slt_table1.txt", sleep=sleeps, **FAST)


def test_rejects_truncated_body(site, session, sleeps, releases):
    """It refuses a body shorter than its Content-Length, retrying first."""
    size = len(real_bytes(releases, JUNE, "slt_table1.txt"))
    site.inject("slt_table1.txt", Truncated(fraction=0.5, times=10))

    with pytest.raises(FetchError) as failure:
        fetch_file(session, site.base_url, "slt_table1.txt", retries=1, sleep=sleeps, **FAST)

    assert f"cut off after {size // 2:,} of {size:,} bytes" in str(failure.value)
    assert sleeps == [0.5]


def test_truncated_once_then_whole_file(site, session, sleeps, releases):
    """It returns the whole file when a retry follows one truncated transfer."""
    site.inject("slt_table1.txt", Truncated(times=1))

    fetched = fetch_file(session, site.base_url, "slt_table1.txt", sleep=sleeps, **FAST)

    assert fetched.data == real_bytes(releases, JUNE, "slt_table1.txt")
    assert sleeps == [0.5]


def test_rejects_connection_reset_mid_body(site, session, sleeps):
    """It turns a TCP reset mid-body into a FetchError after retrying."""
    site.inject("slt_table2.txt", ConnectionReset(after_bytes=65_536, times=10))

    with pytest.raises(FetchError, match=r"cut off after 65,536 of .*ConnectionResetError"):
        fetch_file(session, site.base_url, "slt_table2.txt", retries=1, sleep=sleeps, **FAST)


def test_cuts_off_gzip_bomb_within_memory(site, session, sleeps):
    """It stops decoding a 1 GiB gzip bomb past max_bytes, holding only a few MB."""
    site.inject("slt_table1.txt", GzipBomb(decoded_bytes=1 << 30))
    session.headers.pop("Accept-Encoding")  # the bomb is served whatever the client asks

    tracemalloc.start()
    try:
        with pytest.raises(FetchError, match="1,048,576-byte cap"):
            fetch_file(
                session, site.base_url, "slt_table1.txt", max_bytes=1 << 20, sleep=sleeps, **FAST
            )
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16 << 20
    assert sleeps == []


def test_cuts_off_oversized_body(site, session, releases):
    """It refuses a body whose Content-Length exceeds max_bytes without reading it."""
    size = len(real_bytes(releases, JUNE, "slt_table1.txt"))

    with pytest.raises(FetchError) as failure:
        fetch_file(session, site.base_url, "slt_table1.txt", max_bytes=100_000, **FAST)

    assert f"100,000-byte cap (Content-Length says {size:,} bytes)" in str(failure.value)


def test_times_out_a_stalled_body(site, session, sleeps):
    """It gives up on a body that pauses longer than the read timeout."""
    site.inject("slt_table3.txt", SlowBody(delay_s=0.5, times=10))

    with pytest.raises(FetchError, match="read timeout"):
        fetch_file(
            session,
            site.base_url,
            "slt_table3.txt",
            timeout=(1.0, 0.1),
            retries=1,
            backoff_s=0.5,
            sleep=sleeps,
        )
    assert sleeps == [0.5]


def test_accepts_a_slow_but_steady_body(site, session, releases):
    """It accepts a body that arrives in paced chunks within the timeouts."""
    site.inject("slt_table3.txt", SlowBody(delay_s=0.01, chunk_bytes=128 * 1024))

    fetched = fetch_file(session, site.base_url, "slt_table3.txt", **FAST)

    assert fetched.data == real_bytes(releases, JUNE, "slt_table3.txt")


def test_whole_body_deadline_stops_a_trickle(site, session, sleeps):
    """It abandons a body that keeps trickling past the whole-transfer deadline."""
    site.inject("slt_table1.txt", SlowBody(delay_s=0.02, chunk_bytes=16 * 1024))

    with pytest.raises(FetchError, match="deadline"):
        fetch_file(session, site.base_url, "slt_table1.txt", retries=0, deadline_s=0.1, **FAST)


def test_times_out_a_content_length_that_never_arrives(site, session, sleeps):
    """It gives up when Content-Length promises more bytes than the server ever sends."""
    site.inject("slt_table5.txt", WrongContentLength(delta=100))

    with pytest.raises(FetchError, match="read timeout"):
        fetch_file(
            session, site.base_url, "slt_table5.txt", timeout=(1.0, 0.2), retries=0, sleep=sleeps
        )


def test_connection_refused_fails_after_retries(session, sleeps):
    """It retries a refused connection with backoff, then says the connection was refused
    (not that the Treasury site is down) and to check the host and port."""
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base_url = f"http://127.0.0.1:{port}/"

    with pytest.raises(FetchError) as failure:
        fetch_file(session, base_url, "slt_table1.txt", retries=3, sleep=sleeps, **FAST)

    message = str(failure.value)
    assert f"slt_table1.txt from {base_url}slt_table1.txt" in message
    assert f"connection refused by 127.0.0.1:{port} (nothing listens there)" in message
    assert message.endswith(
        "check the host and port in the URL, or re-run when the site is back up"
    )
    assert "4 attempts" in message
    assert sleeps == [0.5, 1.0, 2.0]


def test_dns_failure_is_named_and_not_retried(session, sleeps):
    """It reports a host name that does not resolve as a DNS failure, at once (no retry: a
    machine without network will not mend in seconds), not as the site being down."""
    # .invalid never resolves (RFC 2606).
    with pytest.raises(FetchError) as failure:
        fetch_file(session, "http://tic-site.invalid/", "slt_table1.txt", retries=3, sleep=sleeps)

    message = str(failure.value)
    assert "could not resolve the host name 'tic-site.invalid' (DNS lookup failed)" in message
    assert message.endswith("check the network connection and the host name in the URL")
    assert "may be down" not in message
    assert failure.value.retryable is False
    assert sleeps == []


def test_tls_error_is_named(site, session, sleeps):
    """It reports a TLS handshake that fails (https to a server speaking plain HTTP) as a TLS
    error naming the host, without retrying."""
    https_url = site.base_url.replace("http://", "https://")
    host = https_url.removeprefix("https://").rstrip("/")

    with pytest.raises(FetchError) as failure:
        fetch_file(session, https_url, "slt_table1.txt", retries=3, sleep=sleeps, **FAST)

    message = str(failure.value)
    assert f"TLS error: the secure connection to {host} failed" in message
    assert "CA certificates" in message
    assert sleeps == []


def test_http_error_is_named_with_its_status(site, session, sleeps):
    """It reports a lasting 503 by its status and says the site may be down."""
    site.inject("slt_table1.txt", Status(503, times=10))

    with pytest.raises(FetchError) as failure:
        fetch_file(session, site.base_url, "slt_table1.txt", retries=1, sleep=sleeps, **FAST)

    message = str(failure.value)
    assert "server answered 503 Service Unavailable (gave up after 2 attempts)" in message
    assert message.endswith("the Treasury site may be down or overloaded; re-run later")


@pytest.mark.parametrize(
    ("policy", "requests_made", "waits_s"),
    [
        # A scheduled poll: the first attempt and one retry after 2 s; the next poll comes soon.
        (SCHEDULED_POLL, 2, [2.0]),
        # A run by hand: two retries after 2 s and 4 s.
        (MANUAL_RUN, 3, [2.0, 4.0]),
    ],
)
def test_retry_policy_decides_how_hard_a_fetch_tries(
    site, session, sleeps, policy, requests_made, waits_s
):
    """A scheduled poll gives up after two attempts at a failing file; a manual run tries
    three times with longer waits (the policy in tic/source/fetch.py is the one place)."""
    site.inject("slt_table1.txt", Status(503, times=10))

    with pytest.raises(FetchError, match=f"gave up after {requests_made} attempts"):
        fetch_file(session, site.base_url, "slt_table1.txt", policy=policy, sleep=sleeps)

    assert len(site.requests_log) == requests_made
    assert sleeps == waits_s


@pytest.mark.parametrize(
    "bad_name",
    ["../x", "a/b", "a\\b", "/etc/passwd", "..", ".hidden", "", "x?y=1", "%2e%2e%2fx", "a b"],
)
def test_refuses_names_that_are_not_plain(site, session, bad_name):
    """It refuses a name with path or URL syntax before any request is made."""
    with pytest.raises(ValueError, match="not a plain TIC file name"):
        fetch_file(session, site.base_url, bad_name, **FAST)

    assert site.requests_log == []


def test_refuses_a_session_without_tls_verification(site):
    """It refuses a session whose TLS verification was turned off."""
    unverified = requests.Session()
    unverified.verify = False

    with pytest.raises(ValueError, match="TLS verification"):
        fetch_file(unverified, site.base_url, "slt_table1.txt", **FAST)


def test_session_names_the_pipeline():
    """It identifies itself with the pipeline's User-Agent and asks for identity encoding."""
    session = new_session()

    assert session.headers["User-Agent"] == "tic-pipeline/0.1 (+https://github.com/)"
    assert session.headers["Accept-Encoding"] == "identity"
    assert session.verify is True
