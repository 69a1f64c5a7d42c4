"""The content-addressed raw archive: objects written once, one record per retrieval."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import time
from pathlib import Path

import pytest

from tic.source.archive import ArchiveError, RawArchive

URL = "https://ticdata.treasury.gov/resource-center/data-chart-center/tic/Documents/slt_table3.txt"
OTHER_URL = URL.replace("slt_table3", "slt_table1")
HEADERS = {"ETag": '"abc"', "Last-Modified": "Thu, 18 Jun 2026 20:00:00 GMT"}
JUNE_POLL = "2026-06-18T20:05:00.000000Z"
JULY_POLL = "2026-07-14T20:05:00.000000Z"
AUGUST_POLL = "2026-08-18T20:05:00.000000Z"


@pytest.fixture()
def archive(tmp_path: Path) -> RawArchive:
    return RawArchive(tmp_path / "raw")


@pytest.fixture()
def table3(shared_tic: Path) -> bytes:
    return (shared_tic / "releases" / "2026-06-18" / "slt_table3.txt").read_bytes()


def store(archive: RawArchive, data: bytes, retrieved_at: str = JUNE_POLL, url: str = URL):
    return archive.store(
        "slt_table3.txt",
        data,
        url=url,
        headers=HEADERS,
        retrieved_at=retrieved_at,
        release_date="2026-06-18",
    )


def files_under(path: Path) -> list[Path]:
    return sorted(p for p in path.rglob("*") if p.is_file())


def test_same_bytes_twice_make_one_object_and_two_records(archive, table3):
    """It keeps one object for identical bytes and one record per retrieval."""
    sha256 = hashlib.sha256(table3).hexdigest()

    first = store(archive, table3, JUNE_POLL)
    second = store(archive, table3, JULY_POLL)

    objects = files_under(archive.root / "objects")
    assert objects == [archive.root / "objects" / sha256[:2] / sha256]
    assert first.path == second.path == objects[0]
    assert (first.sha256, first.bytes) == (sha256, len(table3))
    assert len(list((archive.root / "records").glob("*.json"))) == 2
    assert first.record_path != second.record_path


def test_reads_back_the_stored_bytes(archive, table3):
    """It returns the archived bytes unchanged."""
    store(archive, table3)

    assert archive.read(hashlib.sha256(table3).hexdigest()) == table3


def test_object_is_read_only(archive, table3):
    """It makes every object file read-only (0444)."""
    stored = store(archive, table3)

    assert stat.S_IMODE(stored.path.stat().st_mode) == 0o444


def test_record_keeps_the_http_metadata(archive, table3):
    """It records url, name, sha256, size, headers, retrieval time and release date."""
    stored = store(archive, table3)

    record = json.loads(stored.record_path.read_text())
    assert record["url"] == URL
    assert record["name"] == "slt_table3.txt"
    assert record["sha256"] == hashlib.sha256(table3).hexdigest()
    assert record["bytes"] == len(table3)
    assert record["headers"] == HEADERS
    assert record["retrieved_at"] == JUNE_POLL
    assert record["release_date"] == "2026-06-18"


def test_detects_a_corrupted_object_on_read(archive, table3):
    """It refuses to return an object whose bytes no longer match its hash, naming it."""
    stored = store(archive, table3)
    _corrupt(stored.path)

    with pytest.raises(ArchiveError, match=f"object {stored.sha256} is corrupted"):
        archive.read(stored.sha256)


def test_never_rewrites_an_existing_object(archive, table3):
    """It reports a corrupted object on the next store instead of overwriting it."""
    stored = store(archive, table3)
    _corrupt(stored.path)

    with pytest.raises(ArchiveError, match="not overwritten"):
        store(archive, table3, JULY_POLL)
    assert stored.path.read_bytes() == b"garbage"


def _corrupt(path: Path) -> None:
    path.chmod(0o644)
    path.write_bytes(b"garbage")


def test_missing_object_is_a_clear_error(archive):
    """It names the hash of an object that is not in the archive."""
    absent = hashlib.sha256(b"never stored").hexdigest()

    with pytest.raises(ArchiveError, match=f"object {absent} is missing"):
        archive.read(absent)


@pytest.mark.parametrize("bad_hash", ["../../etc/passwd", "ABC", "0" * 63, "g" * 64])
def test_refuses_object_names_that_are_not_hashes(archive, bad_hash):
    """It only looks up objects by a 64-character lowercase hex sha256."""
    with pytest.raises(ValueError, match="not a lowercase hex sha256"):
        archive.read(bad_hash)


@pytest.mark.parametrize("bad_name", ["../../etc", "../x", "a/b", "/etc/passwd", "a\\b", ".."])
def test_a_file_name_cannot_escape_the_archive(archive, tmp_path, bad_name):
    """It refuses a path-like file name and writes nothing anywhere."""
    with pytest.raises(ValueError, match="not a plain TIC file name"):
        archive.store(
            bad_name,
            b"x",
            url=URL,
            headers={},
            retrieved_at=JUNE_POLL,
            release_date=None,
        )

    assert files_under(tmp_path) == []


def test_a_hostile_url_and_headers_stay_inside_the_archive(archive, tmp_path):
    """It builds paths from hashes only, so a hostile URL or header lands inside raw/."""
    store(archive, b"data", url="http://x/../../../../etc/passwd")
    archive.store(
        "slt_table3.txt",
        b"data",
        url=URL,
        headers={"Content-Disposition": "attachment; filename=../../evil"},
        retrieved_at=JULY_POLL,
        release_date=None,
    )

    assert all(path.is_relative_to(archive.root) for path in files_under(tmp_path))


def test_latest_record_is_the_newest_retrieval(archive):
    """It returns the record with the newest retrieved_at, whatever the storing order."""
    store(archive, b"june", JUNE_POLL)
    store(archive, b"august", AUGUST_POLL)
    store(archive, b"july", JULY_POLL)
    store(archive, b"other file", AUGUST_POLL, url=OTHER_URL)

    latest = archive.latest_record(URL)

    assert latest["sha256"] == hashlib.sha256(b"august").hexdigest()
    assert latest["retrieved_at"] == AUGUST_POLL
    assert archive.latest_record("https://example.invalid/none.txt") is None


def test_latest_record_survives_a_lost_or_stale_index(archive):
    """It rebuilds its index from the records when the index is missing, damaged or stale."""
    store(archive, b"june", JUNE_POLL)
    stale_index = archive.index_path.read_bytes()
    store(archive, b"july", JULY_POLL)
    july = hashlib.sha256(b"july").hexdigest()

    archive.index_path.unlink()
    assert archive.latest_record(URL)["sha256"] == july

    archive.index_path.unlink()
    archive.index_path.write_bytes(stale_index)
    assert archive.latest_record(URL)["sha256"] == july

    archive.index_path.unlink()
    archive.index_path.write_bytes(b"{not json")
    assert archive.latest_record(URL)["sha256"] == july


def test_latest_record_of_an_empty_archive_is_none(archive):
    """It answers None, and creates nothing, before anything was stored."""
    assert archive.latest_record(URL) is None
    assert not archive.root.exists()


def test_leftover_temp_files_are_ignored_then_cleaned(archive, table3):
    """It never counts a half-written temp file and removes stale ones on the next store."""
    stored = store(archive, table3, JUNE_POLL)
    stale_object = stored.path.parent / ".tmp-crashed-object"
    stale_record = archive.root / "records" / ".tmp-crashed-record"
    fresh_record = archive.root / "records" / ".tmp-live-writer"
    for leftover in (stale_object, stale_record, fresh_record):
        leftover.write_bytes(b"partial")
    an_hour_ago = time.time() - 3600
    for stale in (stale_object, stale_record):
        os.utime(stale, (an_hour_ago, an_hour_ago))

    assert archive.latest_record(URL)["retrieved_at"] == JUNE_POLL
    assert len(archive.records()) == 1

    store(archive, table3, JULY_POLL)
    assert not stale_object.exists()
    assert not stale_record.exists()
    assert fresh_record.exists()  # it may belong to a writer still running
    assert len(archive.records()) == 2


def test_refuses_a_retrieval_time_without_time_zone(archive):
    """It requires retrieved_at to be an ISO 8601 time with a zone."""
    with pytest.raises(ValueError, match="retrieved_at '2026-06-18 20:05' is not"):
        store(archive, b"x", "2026-06-18 20:05")


def test_many_records_keep_latest_record_cheap(archive):
    """It answers latest_record from its index after hundreds of retrievals."""
    for day in range(1, 29):
        for hour in range(10):
            store(archive, b"same bytes", f"2026-02-{day:02d}T{hour:02d}:00:00Z")

    started = time.perf_counter()
    latest = archive.latest_record(URL)
    elapsed = time.perf_counter() - started

    assert latest["retrieved_at"] == "2026-02-28T09:00:00Z"
    assert elapsed < 0.05
