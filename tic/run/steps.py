"""The release run's steps as plain functions. ``tic.run.release`` calls them in order; the
Prefect flow hands in the same functions wrapped as tasks (retries and names are Prefect's)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
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
from warehouse.load import (
    FileLoad,
    LoadSummary,
    ValidationStatus,
    apply_release,
    record_files,
)
from warehouse.publish import WorkingCopy, writable_copy
from warehouse.runs import RunRecord, clear_run_log, insert_run, insert_validation, merge_run_log

if TYPE_CHECKING:
    from expectations.gate import PendingGate
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
) -> PendingGate:
    """The quality gate, started: its polars checks done, its Great Expectations suites running
    beside the load (``publish_release`` waits for them). GX is imported in here only."""
    from expectations.gate import start_gate

    crash_point("during_validation")
    return start_gate(
        dict(frames), release_date=release_date, current=dict(current), calendar=calendar
    )


@dataclass(frozen=True)
class Rejected:
    """The gate failed: the working copy was dropped and nothing was published."""

    report: GateReport


class _GateFailed(Exception):
    def __init__(self, report: GateReport) -> None:
        super().__init__(report.failure_message())
        self.report = report


def publish_release(
    paths: DataPaths,
    files: list[ReleaseFile],
    frames: Frames,
    gate: PendingGate,
    run: Callable[[LoadSummary, GateReport], RunRecord],
    working: WorkingCopy | None = None,
) -> RunRecord | Rejected:
    """Load the release into a copy of the warehouse (``working``, when the run started one)
    while the gate's suites finish, then, if they passed, record its files and its run and
    publish it. A failed gate drops the copy and is what the run reports, even when the load
    or the publish failed too (a frame the gate rejected may not load at all)."""
    loads = [
        FileLoad(
            item.name,
            family_of(item.name).source,
            item.sha256,
            len(item.data),
            item.url,
            frames[family_of(item.name).source],
            gate.changed_rows.get(family_of(item.name).source),
        )
        for item in files
    ]
    try:
        with writable_copy(paths, working=working) as con:
            summary = apply_release(con, gate.release_date, loads)
            report = gate.report()
            _raise_if_failed(report)
            status: ValidationStatus = "passed_with_warnings" if report.warnings else "passed"
            record_files(con, summary, loads, status)
            record = run(summary, report)
            insert_validation(con, record.run_id, report)
            merge_run_log(con, paths.run_log)  # the no-change polls since the last write
            insert_run(con, record)
    except _GateFailed as failed:
        return Rejected(failed.report)
    except Exception:
        # Whatever failed (the load, the copy, the export), a failed gate is the reason to
        # give; and the suites are waited for, not left running past the run.
        report = gate.report()
        if not report.passed:
            return Rejected(report)
        raise
    clear_run_log(paths.run_log)
    return record


def _raise_if_failed(report: GateReport) -> None:
    if not report.passed:
        raise _GateFailed(report)


def release_date_given(explicit: date | None, source: str) -> date | None:
    """--release-date, else a YYYY-MM-DD folder name; None when the files must date it."""
    if explicit is not None:
        return explicit
    folder = Path(source).name
    if not is_url(source) and _DATE_FOLDER.fullmatch(folder):
        return date.fromisoformat(folder)
    return None


def resolve_release_date(
    explicit: date | None, source: str, frames: Frames, calendar: pl.DataFrame
) -> date:
    """--release-date, else a YYYY-MM-DD folder name, else the calendar's date for the newest
    data month in the files."""
    given = release_date_given(explicit, source)
    if given is not None:
        return given
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
