"""The release run's steps as plain functions. ``tic.run.release`` calls them in order; the
Prefect flow hands in the same functions wrapped as tasks (retries and names are Prefect's)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from tic.errors import ReleaseError
from tic.failpoints import crash_point
from tic.ops.calendar import release_for_month
from tic.source.archive import RawArchive
from tic.source.collect import ReleaseFile, archive_files, collect
from tic.source.fetch import MANUAL_RUN, RetryPolicy, is_url
from transforms.registry import family_of
from warehouse.load import FileLoad, LoadSummary, ValidationStatus, load_release
from warehouse.publish import writable_copy
from warehouse.runs import RunRecord, clear_run_log, insert_run, insert_validation, merge_run_log

if TYPE_CHECKING:
    from expectations.results import GateReport
    from tic.settings import DataPaths

Frames = Mapping[str, pl.DataFrame]  # parsed frames keyed by source (file family)

_DATE_FOLDER = re.compile(r"\d{4}-\d{2}-\d{2}")


def fetch_release(source: str, raw: Path, policy: RetryPolicy = MANUAL_RUN) -> list[ReleaseFile]:
    """Every known file of the release at an http(s) URL or in a folder."""
    return collect(source, raw, policy)


def archive_release(raw: Path, files: list[ReleaseFile], release_date: date | None) -> None:
    """Keep every downloaded or read file in the raw archive (a 304 is already there)."""
    archive_files(RawArchive(raw), files, release_date)
    crash_point("after_archive")


def parse_release(files: list[ReleaseFile]) -> dict[str, pl.DataFrame]:
    """Parse each file with its family's pure parser."""
    frames = {}
    for item in files:
        family = family_of(item.name)
        frames[family.source] = family.parse(item.data)
        crash_point("during_parse")
    return frames


def validate_release(
    frames: Frames, release_date: date, current: Frames, calendar: pl.DataFrame
) -> GateReport:
    """The quality gate. Great Expectations is imported in here only (it costs seconds)."""
    from expectations.gate import run_gate

    crash_point("during_validation")
    return run_gate(
        dict(frames), release_date=release_date, current=dict(current), calendar=calendar
    )


def publish_release(
    paths: DataPaths,
    files: list[ReleaseFile],
    frames: Frames,
    report: GateReport,
    run: Callable[[LoadSummary], RunRecord],
) -> RunRecord:
    """Load the release into a copy of the warehouse with its run record, then publish it."""
    status: ValidationStatus = "passed_with_warnings" if report.warnings else "passed"
    loads = [
        FileLoad(
            item.name,
            family_of(item.name).source,
            item.sha256,
            len(item.data),
            item.url,
            frames[family_of(item.name).source],
        )
        for item in files
    ]
    with writable_copy(paths) as con:
        summary = load_release(con, report.release_date, loads, status)
        record = run(summary)
        insert_validation(con, record.run_id, report)
        merge_run_log(con, paths.run_log)  # the no-change polls since the last write
        insert_run(con, record)
    clear_run_log(paths.run_log)
    return record


def resolve_release_date(
    explicit: date | None, source: str, frames: Frames, calendar: pl.DataFrame
) -> date:
    """--release-date, else a YYYY-MM-DD folder name, else the calendar's date for the newest
    data month in the files."""
    if explicit is not None:
        return explicit
    folder = Path(source).name
    if not is_url(source) and _DATE_FOLDER.fullmatch(folder):
        return date.fromisoformat(folder)
    months = [
        month
        for frame in frames.values()
        if isinstance(month := frame["period"].max(), date)  # None for a frame without rows
    ]
    if not months:
        raise ReleaseError(
            f"{source}: the files hold no data month to date the release by; "
            "pass --release-date YYYY-MM-DD"
        )
    newest = max(months)
    found = release_for_month(calendar, newest)
    if found is None:
        raise ReleaseError(
            f"the release calendar has no release for data month {newest:%Y-%m}; "
            "pass --release-date YYYY-MM-DD or update the calendar (TIC_RELEASE_CALENDAR)"
        )
    return found
