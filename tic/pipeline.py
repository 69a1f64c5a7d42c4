"""The release pipeline's steps as plain functions: collect, archive, select, parse, load.

Prefect flows in flows/ call these in order; tests call them directly.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import polars as pl

from tic.archive import RawArchive
from tic.calendar import release_for_month
from tic.failpoints import crash_point
from tic.fetch import FetchError, fetch_file, new_session
from transforms.registry import FILE_FAMILIES, family_of
from warehouse.load import FileLoad, apply_file, check_release_order, loaded_sha256, record_file

_DATE_FOLDER = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class ReleaseFile:
    """One file of a release as collected from the source and kept in the raw archive."""

    name: str
    data: bytes
    url: str
    status: str  # downloaded | not_modified | read (directory source)
    headers: dict[str, str] = field(default_factory=dict)
    retrieved_at: str = ""

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


class ReleaseError(RuntimeError):
    """A release that cannot be loaded; the message names the file and what to do."""


def is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


def _utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def collect_directory(directory: Path) -> list[ReleaseFile]:
    """The known TIC files in a folder (other files are ignored)."""
    if not directory.is_dir():
        raise ReleaseError(f"source {directory} is not a directory or an http(s) URL")
    found = []
    for family in FILE_FAMILIES:
        path = directory / family.file_name
        if path.is_symlink() and not path.resolve().is_relative_to(directory.resolve()):
            raise ReleaseError(
                f"{path} is a link to {path.resolve()}, outside the release folder; "
                "copy the real file into the folder"
            )
        if path.is_file():
            found.append(
                ReleaseFile(
                    family.file_name,
                    path.read_bytes(),
                    path.resolve().as_uri(),
                    "read",
                    retrieved_at=_utc_now(),
                )
            )
    if not found:
        known = ", ".join(f.file_name for f in FILE_FAMILIES)
        raise ReleaseError(f"{directory} holds none of the TIC files ({known})")
    return found


def collect_http(base_url: str, archive: RawArchive) -> list[ReleaseFile]:
    """Conditional GET of every known file; a 304 answers with the archived copy.

    A 404 is an error for files every release serves and a skip for legacy or optional ones.
    """
    session = new_session()
    collected = []
    for family in FILE_FAMILIES:
        url = base_url if base_url.endswith("/") else base_url + "/"
        previous = archive.latest_record(url + family.file_name)
        headers = (previous or {}).get("headers", {})
        try:
            fetched = fetch_file(
                session,
                url,
                family.file_name,
                etag=headers.get("ETag"),
                last_modified=headers.get("Last-Modified"),
            )
        except FetchError as error:
            if error.status_code == 404 and not family.required:
                continue
            raise
        if fetched.status == "not_modified":
            if previous is None:
                raise ReleaseError(
                    f"{fetched.url}: 304 without an archived copy; clear raw/ records"
                )
            data = archive.read(previous["sha256"])
        else:
            data = fetched.data
        crash_point("during_download")
        collected.append(
            ReleaseFile(
                family.file_name,
                data,
                fetched.url,
                fetched.status,
                fetched.headers,
                fetched.retrieved_at,
            )
        )
    return collected


def archive_files(archive: RawArchive, files: list[ReleaseFile], release_date: date | None) -> None:
    """Keep every downloaded or read file in the raw archive (a 304 is already there)."""
    for item in files:
        if item.status == "not_modified":
            continue
        archive.store(
            item.name,
            item.data,
            url=item.url,
            headers=item.headers,
            retrieved_at=item.retrieved_at,
            release_date=release_date.isoformat() if release_date else None,
        )


def select_new(database: Path, files: list[ReleaseFile], as_of: date | None) -> list[ReleaseFile]:
    """Files whose bytes differ from the copy the warehouse holds (as of a release date)."""
    if not database.exists():
        return list(files)
    con = duckdb.connect(str(database), read_only=True)
    try:
        return [f for f in files if loaded_sha256(con, f.name, as_of) != f.sha256]
    finally:
        con.close()


def parse_files(files: list[ReleaseFile]) -> dict[str, pl.DataFrame]:
    """Parsed frames keyed by source (file family)."""
    frames = {}
    for item in files:
        family = family_of(item.name)
        frames[family.source] = family.parse(item.data)
        crash_point("during_parse")
    return frames


def resolve_release_date(
    explicit: date | None, source: str, frames: dict[str, pl.DataFrame], calendar: pl.DataFrame
) -> date:
    """--release-date, else a YYYY-MM-DD folder name, else the calendar's date for the newest
    data month in the files."""
    if explicit is not None:
        return explicit
    folder = Path(source).name
    if not is_url(source) and _DATE_FOLDER.fullmatch(folder):
        return date.fromisoformat(folder)
    newest = max(frame["period"].max() for frame in frames.values())
    found = release_for_month(calendar, newest)
    if found is None:
        raise ReleaseError(
            f"the release calendar has no release for data month {newest:%Y-%m}; "
            "pass --release-date YYYY-MM-DD or update the calendar (TIC_RELEASE_CALENDAR)"
        )
    return found


def current_values(
    database: Path, release_date: date | None = None, replacing: Collection[str] = ()
) -> dict[str, pl.DataFrame]:
    """The warehouse's values per source that a release will be compared with.

    For the sources in ``replacing`` this is what the warehouse held before ``release_date``:
    a same-day reload replaces the earlier copy of that release (warehouse.load undoes it), so
    it must be judged against the release before it, not against that copy.
    """
    if replacing and release_date is None:
        raise ValueError("current_values: replacing sources needs the release_date they replace")
    if not database.exists():
        return {}
    con = duckdb.connect(str(database), read_only=True)
    try:
        frame = con.execute(
            "select * exclude (superseded_by) from internal.observation_versions "
            "where case when list_contains(?, source) "
            "then release_date < ? and (superseded_by is null or superseded_by >= ?) "
            "else superseded_by is null end",
            [sorted(replacing), release_date, release_date],
        ).pl()
    finally:
        con.close()
    return {s: frame.filter(pl.col("source") == s) for s in frame["source"].unique().sort()}


@dataclass(frozen=True)
class LoadSummary:
    release_date: date
    files: list[str]
    rows_changed: dict[str, int]

    @property
    def rows_loaded(self) -> int:
        return sum(self.rows_changed.values())


def load_into(
    con: duckdb.DuckDBPyConnection,
    release_date: date,
    files: list[ReleaseFile],
    frames: dict[str, pl.DataFrame],
    validation_status: str,
) -> LoadSummary:
    """Apply the release's files to a writable copy of the warehouse (see warehouse.publish)."""
    check_release_order(con, release_date)
    changed = {}
    for item in files:
        family = family_of(item.name)
        load = FileLoad(
            item.name, family.source, item.sha256, len(item.data), item.url, frames[family.source]
        )
        changed[item.name] = apply_file(con, release_date, load)
        crash_point("during_load")
        record_file(con, release_date, load, changed[item.name], validation_status)
    return LoadSummary(release_date, [f.name for f in files], changed)
