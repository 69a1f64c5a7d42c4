"""Network faults between the pipeline and a loopback copy of the Treasury site.

Every fault ends in a retry that gets the whole file or in one clear line naming the file, with
nothing archived or loaded from the failed attempt. Runs go through the real release flow
(`tic run` in this process); fetch_file's retry delays and timeouts are shortened with its own
parameters and the flow's fetch task retries at once instead of after 30 s (see conftest).
"""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from tests.faults.conftest import (
    JULY,
    JULY_FILE,
    TASK_ATTEMPTS,
    FetchKnobs,
    content_state,
    leftovers,
    newest_run,
    published_state,
)
from tests.support.http_server import (
    ConnectionReset,
    EmptyBody,
    HtmlPage,
    SlowBody,
    Status,
    TicSiteServer,
    Truncated,
    WrongContentLength,
)
from tic.source.archive import RawArchive
from tic.source.fetch import FetchError, fetch_file, new_session

pytestmark = pytest.mark.prefect

JULY_BYTES = 936_248  # slt_table1.txt of 2026-07-14, from manifest.json
SITE_FILES = {  # what the site serves as of 2026-07-14: file -> the release folder it comes from
    "slt_table1.txt": "2026-07-14",
    "slt_table2.txt": "2026-06-18",
    "slt_table3.txt": "2026-06-18",
    "slt_table5.txt": "2026-06-18",
    "mfhhis01.txt": "2026-06-18",
    "mfh.txt": "2023-03-15",
    "s1_globl.txt": "2023-03-15",
}


@pytest.fixture()
def site(releases: Path):
    with TicSiteServer(releases, as_of=JULY) as server:
        yield server


def requests_for(site: TicSiteServer, name: str) -> list[int]:
    return [status for path, status in site.requests_log if path == f"/{name}"]


def http_records(data_dir: Path, base_url: str) -> list[dict]:
    return [r for r in RawArchive(data_dir / "raw").records() if r["url"].startswith(base_url)]


# -- faults that outlast every retry: a clean failure ------------------------------------------

RETRIED = [
    # (id, file, fault, fetch knobs, what the line says)
    (
        "503",
        JULY_FILE,
        Status(503, times=99),
        {},
        "server answered 503 Service Unavailable (gave up after 2 attempts)",
    ),
    (
        "500 with Retry-After",
        JULY_FILE,
        Status(500, times=99, retry_after="120"),
        {},
        "server answered 500 Internal Server Error (gave up after 2 attempts)",
    ),
    (
        "429 without Retry-After",
        JULY_FILE,
        Status(429, times=99),
        {},
        "server answered 429 Too Many Requests (gave up after 2 attempts)",
    ),
    (
        "reset mid-body",
        JULY_FILE,
        ConnectionReset(after_bytes=64 * 1024, times=99),
        {},
        f"of {JULY_BYTES:,} bytes (ConnectionResetError) (gave up after 2 attempts)",
    ),
    (
        "truncated body",
        JULY_FILE,
        Truncated(fraction=0.5, times=99),
        {},
        f"the body was cut off after {JULY_BYTES // 2:,} of {JULY_BYTES:,} bytes (IncompleteRead)",
    ),
    (
        "stalled body",
        JULY_FILE,
        SlowBody(delay_s=1.0, times=99),
        {"timeout": (1.0, 0.3)},
        "read timeout: the server stopped sending the body (0 bytes received)",
    ),
    (
        "Content-Length too long",
        JULY_FILE,
        WrongContentLength(delta=100, times=99),
        {"timeout": (1.0, 0.3)},
        "read timeout: the server stopped sending the body",
    ),
    (
        "endless slow body",
        JULY_FILE,
        SlowBody(delay_s=0.2, times=99),
        {"deadline_s": 0.3},
        "the transfer took longer than the whole-body deadline (gave up after 2 attempts)",
    ),
]

NOT_RETRIED = [
    (
        "404 of a required file",
        "slt_table3.txt",
        Status(404, times=99),
        "not found (404); check the file name; the Treasury may have moved it",
    ),
    (
        "HTML maintenance page",
        JULY_FILE,
        HtmlPage(times=99),
        "the server sent an HTML page instead of the file (maintenance or error page?)",
    ),
    ("empty body", "slt_table2.txt", EmptyBody(times=99), "the server sent an empty file"),
]


def assert_clean_failure(data_dir: Path, before: dict, line: str, name: str, url: str) -> None:
    """The run failed naming the file, recorded why, and published and archived nothing."""
    assert line.startswith(f"tic run: {name} from {url}: "), line
    outcome, message = newest_run(data_dir)
    assert outcome == "failed"
    assert line == f"tic run: {message}"
    assert published_state(data_dir) == before
    assert leftovers(data_dir) == []


@pytest.mark.parametrize(
    ("name", "fault", "knobs", "what"),
    [pytest.param(*case[1:], id=case[0]) for case in RETRIED],
)
def test_persistent_transient_fault_fails_cleanly_after_retries(
    tic, warehouse: Path, site: TicSiteServer, fast_fetch: FetchKnobs, name, fault, knobs, what
) -> None:
    """It retries a transient fault (in fetch_file, then once more as a Prefect task), then
    fails with one line naming the file and the fault, leaving the warehouse and the raw
    archive as they were."""
    fast_fetch.apply(**knobs)
    site.inject(name, fault)
    before = published_state(warehouse)

    result = tic("run", "--source", site.base_url, "--data-dir", str(warehouse))

    assert result.code == 1
    line = result.error_line("run")
    assert what in line, line
    assert line.endswith("; the Treasury site may be down or overloaded; re-run later"), line
    assert_clean_failure(warehouse, before, line, name, site.base_url + name)
    assert len(requests_for(site, name)) == fast_fetch.attempts_per_task * TASK_ATTEMPTS
    assert http_records(warehouse, site.base_url) == []


def test_retry_after_is_honoured_between_attempts(
    tic, warehouse: Path, site: TicSiteServer, fast_fetch: FetchKnobs
) -> None:
    """It waits the server's Retry-After (120 s here; recorded, not slept) before retrying."""
    site.inject(JULY_FILE, Status(503, times=99, retry_after="120"))
    tic("run", "--source", site.base_url, "--data-dir", str(warehouse))
    assert fast_fetch.sleeps == [120.0] * TASK_ATTEMPTS


@pytest.mark.parametrize(
    ("name", "fault", "what"), [pytest.param(*case[1:], id=case[0]) for case in NOT_RETRIED]
)
def test_permanent_fault_fails_at_once(
    tic, warehouse: Path, site: TicSiteServer, fast_fetch: FetchKnobs, name, fault, what
) -> None:
    """It does not retry a 404 of a required file, an HTML page or an empty body: one request,
    one line naming the file, nothing archived or loaded."""
    site.inject(name, fault)
    before = published_state(warehouse)

    result = tic("run", "--source", site.base_url, "--data-dir", str(warehouse))

    assert result.code == 1
    line = result.error_line("run")
    assert what in line, line
    assert_clean_failure(warehouse, before, line, name, site.base_url + name)
    assert requests_for(site, name) == [404 if isinstance(fault, Status) else 200]
    assert http_records(warehouse, site.base_url) == []


def test_connection_refused_fails_cleanly(tic, warehouse: Path, fast_fetch: FetchKnobs) -> None:
    """It names the first file and the refused connection when nothing listens on the port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        base_url = f"http://127.0.0.1:{probe.getsockname()[1]}/"
    before = published_state(warehouse)

    result = tic("run", "--source", base_url, "--data-dir", str(warehouse))

    assert result.code == 1
    line = result.error_line("run")
    port = base_url.removeprefix("http://127.0.0.1:").rstrip("/")
    assert f"connection refused by 127.0.0.1:{port} (nothing listens there)" in line
    assert "(gave up after 2 attempts); check the host and port in the URL" in line
    assert_clean_failure(warehouse, before, line, JULY_FILE, base_url + JULY_FILE)


def test_server_that_never_answers_times_out(tic, warehouse: Path, fast_fetch: FetchKnobs) -> None:
    """It gives up on a server that accepts the connection but never answers, naming the
    file and the timeout."""
    fast_fetch.apply(timeout=(0.3, 0.3))
    with socket.socket() as silent:  # the kernel completes the handshake; nobody reads
        silent.bind(("127.0.0.1", 0))
        silent.listen(64)
        base_url = f"http://127.0.0.1:{silent.getsockname()[1]}/"
        before = published_state(warehouse)
        result = tic("run", "--source", base_url, "--data-dir", str(warehouse))

    assert result.code == 1
    line = result.error_line("run")
    assert "no answer within (0.3, 0.3) s (connect, read) (gave up after 2 attempts)" in line
    assert_clean_failure(warehouse, before, line, JULY_FILE, base_url + JULY_FILE)


# -- faults that a retry gets past: the whole release is loaded --------------------------------


def test_transient_faults_on_every_file_still_load_the_whole_release(
    tic,
    warehouse: Path,
    site: TicSiteServer,
    fast_fetch: FetchKnobs,
    july_content,
    manifest_sha256,
) -> None:
    """It gets past a 503 that outlasts fetch_file's retries (the flow's task retry fetches
    again), a reset, a truncated body, a 429 with Retry-After, a stalled body and a slow one,
    and skips the optional mfh.txt on a 404: the release loads exactly as from the folder, and
    every archived copy is the whole real file."""
    fast_fetch.apply(timeout=(1.0, 0.5))
    site.inject(JULY_FILE, Status(503, times=2))
    site.inject("slt_table2.txt", ConnectionReset(after_bytes=4096))
    site.inject("slt_table3.txt", Truncated(fraction=0.3))
    site.inject("slt_table5.txt", Status(429, retry_after="30"))
    site.inject("mfhhis01.txt", WrongContentLength(delta=100))
    site.inject("s1_globl.txt", SlowBody(delay_s=0.01))
    site.inject("mfh.txt", Status(404, times=99))

    result = tic("run", "--source", site.base_url, "--data-dir", str(warehouse))

    assert result.code == 0, result.stderr[-3000:]
    assert result.stdout.strip().splitlines()[-1].startswith(f"loaded release {JULY}: {JULY_FILE} ")
    assert requests_for(site, JULY_FILE) == [503, 503, 200]
    assert 30.0 in fast_fetch.sleeps
    assert content_state(warehouse) == july_content
    assert leftovers(warehouse) == []
    archive = RawArchive(warehouse / "raw")
    for name, release in SITE_FILES.items():
        record = archive.latest_record(site.base_url + name)
        if name == "mfh.txt":
            assert record is None
        else:
            assert record["sha256"] == manifest_sha256[(release, name)], name


ONE_TIME_FAULTS = [
    ("502", Status(502), {}),
    ("503 with Retry-After", Status(503, retry_after="7"), {}),
    (
        "429 with HTTP-date Retry-After",
        Status(429, retry_after="Wed, 21 Oct 2015 07:28:00 GMT"),
        {},
    ),
    ("reset mid-body", ConnectionReset(after_bytes=64 * 1024), {}),
    ("truncated body", Truncated(fraction=0.9), {}),
    ("stalled body", SlowBody(delay_s=1.0), {"timeout": (1.0, 0.3)}),
    ("Content-Length too long", WrongContentLength(delta=100), {"timeout": (1.0, 0.3)}),
    ("slow but steady body", SlowBody(delay_s=0.02, chunk_bytes=32 * 1024), {}),
]


@pytest.mark.parametrize(
    ("fault", "knobs"), [pytest.param(*case[1:], id=case[0]) for case in ONE_TIME_FAULTS]
)
def test_one_time_fault_is_retried_to_the_whole_file(
    site: TicSiteServer, fast_fetch: FetchKnobs, tmp_path: Path, manifest_sha256, fault, knobs
) -> None:
    """collect_http gets the whole real file after one faulty answer."""
    from tic.source import collect

    fast_fetch.apply(**knobs)
    site.inject(JULY_FILE, fault)

    files = collect.collect_http(site.base_url, RawArchive(tmp_path / "raw"))

    collected = {f.name: f.sha256 for f in files}
    assert collected[JULY_FILE] == manifest_sha256[(JULY, JULY_FILE)]
    assert collected == {n: manifest_sha256[(r, n)] for n, r in SITE_FILES.items()}
    if isinstance(fault, Status) and fault.retry_after == "7":
        assert fast_fetch.sleeps == [7.0]


# -- bugs -----------------------------------------------------------------------------------------


def test_content_length_shorter_than_the_body_fails_cleanly_when_it_persists(
    site: TicSiteServer, fast_fetch: FetchKnobs, tmp_path: Path
) -> None:
    """It never takes the first bytes of a file for the file when the server keeps declaring a
    Content-Length 100 bytes short: the answer is refused and nothing is archived."""
    from tic.source import collect

    site.inject(JULY_FILE, WrongContentLength(delta=-100, times=99))
    with pytest.raises(FetchError, match=rf"{JULY_FILE} .*cut off \(gave up after"):
        collect.collect_http(site.base_url, RawArchive(tmp_path / "raw"))
    assert not list((tmp_path / "raw").rglob(JULY_FILE))


def test_content_length_shorter_than_the_body_once_is_retried_to_the_whole_file(
    site: TicSiteServer, fast_fetch: FetchKnobs, tmp_path: Path, manifest_sha256
) -> None:
    from tic.source import collect

    site.inject(JULY_FILE, WrongContentLength(delta=-100, times=1))
    files = collect.collect_http(site.base_url, RawArchive(tmp_path / "raw"))
    collected = {f.name: f.sha256 for f in files}
    assert collected[JULY_FILE] == manifest_sha256[(JULY, JULY_FILE)]


def test_whole_body_deadline_stops_a_trickle_in_time(site: TicSiteServer) -> None:
    """It gives up on a body trickling in 64-byte pieces soon after the 0.5 s whole-body
    deadline (slt_table5.txt at this pace takes about 3 s)."""
    site.inject("slt_table5.txt", SlowBody(delay_s=0.05, chunk_bytes=64))
    started = time.monotonic()
    with pytest.raises(FetchError, match="whole-body deadline"):
        fetch_file(
            new_session(),
            site.base_url,
            "slt_table5.txt",
            retries=0,
            timeout=(1.0, 1.0),
            deadline_s=0.5,
        )
    assert time.monotonic() - started < 1.5
