"""A `tic run` killed with SIGKILL at every stage (TIC_CRASH_AT) while it loads 2026-07-14 on top
of the base warehouse, and the run after it.

The killed runs are child processes reporting to the session's Prefect test server; they run side
by side, each on its own copy of the base warehouse, and what they left is recorded right after
they die. Stages before the commit point must leave everything a reader sees exactly as it was;
after the commit point (database renamed into place, Parquet link not yet swapped) the database
holds the new release and the link still points at the old snapshot until the next run.
"""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from tests.faults.conftest import (
    JULY,
    JULY_FILE,
    content_state,
    copy_data_dir,
    leftovers,
    published_state,
    tic_process,
)
from tests.support.http_server import SlowBody, TicSiteServer
from tic.failpoints import FAIL_POINTS
from tic.source.archive import RawArchive

pytestmark = [pytest.mark.slow, pytest.mark.prefect]

HTTP_STAGES = {"during_download", "after_archive"}  # the others read the release folder
COMMITTED_STAGES = {"after_commit"}


@dataclass(frozen=True)
class Crash:
    stage: str
    data_dir: Path
    source: str
    returncode: int
    log: str
    before: dict
    after: dict
    after_content: dict
    leftovers: list[str]
    records: list[dict]
    unreadable_objects: list[str]


@pytest.fixture(scope="module")
def site(releases: Path):
    with TicSiteServer(releases, as_of=JULY) as server:
        yield server


def _unreadable_objects(archive: RawArchive) -> list[str]:
    bad = []
    for record in archive.records():
        try:
            archive.read(record["sha256"])  # checks the bytes still hash to the name
        except Exception as error:
            bad.append(f"{record['name']}: {error}")
    return bad


@pytest.fixture(scope="module")
def crashes(june_base: Path, releases: Path, site: TicSiteServer, tmp_path_factory):
    """Every fail point's killed run, started together, and what each left behind."""
    root = tmp_path_factory.mktemp("crashes")
    started = {}
    for stage in FAIL_POINTS:
        data_dir = copy_data_dir(june_base, root / stage / "data")
        source = site.base_url if stage in HTTP_STAGES else str(releases / JULY)
        before = published_state(data_dir)
        log = root / stage / "log.txt"
        args = ["run", "--source", source, "--data-dir", str(data_dir)]
        started[stage] = (data_dir, source, before, log, tic_process(args, log, crash_at=stage))
    found = {}
    for stage, (data_dir, source, before, log, process) in started.items():
        returncode = process.wait(timeout=300)
        archive = RawArchive(data_dir / "raw")
        found[stage] = Crash(
            stage=stage,
            data_dir=data_dir,
            source=source,
            returncode=returncode,
            log=log.read_text(errors="replace")[-3000:],
            before=before,
            after=published_state(data_dir),
            after_content=content_state(data_dir),
            leftovers=leftovers(data_dir),
            records=archive.records(),
            unreadable_objects=_unreadable_objects(archive),
        )
    return found


def _database_part(state: dict) -> dict:
    return {k: v for k, v in state.items() if not k.startswith("parquet")}


def _parquet_part(state: dict) -> dict:
    return {k: v for k, v in state.items() if k.startswith("parquet")}


@pytest.mark.parametrize("stage", [s for s in FAIL_POINTS if s not in COMMITTED_STAGES])
def test_crash_before_the_commit_leaves_the_warehouse_as_it_was(crashes, stage: str) -> None:
    """It leaves every view, internal table, the Parquet link and every Parquet file exactly as
    they were when the run is killed before the database is renamed into place."""
    crash = crashes[stage]
    assert crash.returncode == -signal.SIGKILL, crash.log
    assert crash.after == crash.before


def test_crash_after_the_commit_publishes_the_database_but_not_yet_the_parquet_link(
    crashes, july_content
) -> None:
    """It holds the new release in tic.duckdb when killed after the rename, while the Parquet
    link and files still show the old state (the next run swaps the link)."""
    crash = crashes["after_commit"]
    assert crash.returncode == -signal.SIGKILL, crash.log
    assert _database_part(crash.after_content) == _database_part(july_content)
    assert _parquet_part(crash.after) == _parquet_part(crash.before)


@pytest.mark.parametrize("stage", FAIL_POINTS)
def test_crash_never_archives_a_partial_file(crashes, stage: str, manifest_sha256) -> None:
    """It archives whole files or nothing: every archived object still hashes to its name, no
    archive temp file is left, and a download killed before archiving has no record."""
    crash = crashes[stage]
    assert crash.unreadable_objects == []
    assert [p for p in crash.leftovers if p.startswith("raw/")] == []
    july = [r for r in crash.records if f"/{JULY}/" in r["url"] or r["url"].startswith("http")]
    if stage == "during_download":
        assert RawArchive(crash.data_dir / "raw").latest_record(crash.source + JULY_FILE) is None
        assert july == []
    else:
        names = {r["name"]: r["sha256"] for r in july}
        assert names[JULY_FILE] == manifest_sha256[(JULY, JULY_FILE)]


@pytest.mark.parametrize("stage", FAIL_POINTS)
def test_next_run_completes_the_release(
    crashes, stage: str, site: TicSiteServer, july_content
) -> None:
    """It completes 2026-07-14 on the next run after a crash at any stage (after the commit
    point there is nothing new to load, only the Parquet link to swap), ends equal to a clean
    load, and leaves no temporary files."""
    from flows.release import run_release_flow

    crash = crashes[stage]
    mark = len(site.requests_log)
    result = run_release_flow(source=crash.source, data_dir=str(crash.data_dir))

    assert result.outcome == ("nothing_new" if stage in COMMITTED_STAGES else "loaded")
    assert content_state(crash.data_dir) == july_content
    assert leftovers(crash.data_dir) == []
    con = duckdb.connect(str(crash.data_dir / "tic.duckdb"), read_only=True)
    try:
        publish_id = con.execute("select publish_id from internal.publish_state").fetchone()[0]
    finally:
        con.close()
    assert os.readlink(crash.data_dir / "parquet") == f"parquet-snapshots/{publish_id}"
    if stage == "after_archive":  # the archived copies answer the conditional GETs
        assert {status for _path, status in site.requests_log[mark:]} <= {304, 404}


def test_download_killed_mid_body_leaves_nothing(
    june_base: Path, releases: Path, tmp_path: Path
) -> None:
    """It leaves no archive record, object or temp file and an unchanged warehouse when the
    process is killed while slt_table1.txt is still arriving."""
    data_dir = copy_data_dir(june_base, tmp_path / "data")
    before = published_state(data_dir)
    with TicSiteServer(releases, as_of=JULY) as slow_site:
        slow_site.inject(JULY_FILE, SlowBody(delay_s=0.5))  # about 7 s for the whole file
        args = ["run", "--source", slow_site.base_url, "--data-dir", str(data_dir)]
        process = tic_process(args, tmp_path / "log.txt")
        deadline = time.monotonic() + 120
        while (f"/{JULY_FILE}", 200) not in slow_site.requests_log:
            assert process.poll() is None, (tmp_path / "log.txt").read_text()[-3000:]
            assert time.monotonic() < deadline, "the run never asked for the file"
            time.sleep(0.05)
        time.sleep(1.2)  # a few 64 KiB chunks in
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=30) == -signal.SIGKILL

    archive = RawArchive(data_dir / "raw")
    assert archive.latest_record(slow_site.base_url + JULY_FILE) is None
    assert [r for r in archive.records() if r["url"].startswith("http")] == []
    assert leftovers(data_dir) == []
    assert published_state(data_dir) == before
