"""Prefect flows: one release (fetch -> archive -> parse -> validate -> load -> publish), and a
backfill that replays a folder of release folders in date order."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from expectations.report import write_report
from tic import pipeline
from tic.archive import RawArchive
from tic.calendar import load_calendar
from tic.failpoints import crash_point
from tic.fetch import TREASURY_BASE_URL, FetchError
from tic.lock import run_lock
from tic.memory import give_back_free_memory
from tic.pipeline import ReleaseError, ReleaseFile
from tic.quarantine import already_quarantined, quarantine_release
from tic.runs import RunRecord, insert_run, insert_validation
from tic.settings import DataPaths, data_paths
from warehouse.publish import reconcile_parquet, writable_copy


class ReleaseRejected(RuntimeError):
    """Validation failed: the release is quarantined and the warehouse is unchanged."""


@dataclass(frozen=True)
class RunResult:
    outcome: str  # loaded | nothing_new
    release_date: date | None
    message: str
    rows_loaded: int = 0


def _transient(task, task_run, state) -> bool:
    """Retry the fetch task on network trouble only, never on a 404 or a bad body."""
    try:
        state.result()
    except FetchError as error:
        return error.retryable
    except Exception:
        return False
    return False


@task(
    retries=2, retry_delay_seconds=[30, 120], retry_condition_fn=_transient, cache_policy=NO_CACHE
)
def fetch_release(source: str, archive_root: Path) -> list[ReleaseFile]:
    if pipeline.is_url(source):
        return pipeline.collect_http(source, RawArchive(archive_root))
    return pipeline.collect_directory(Path(source))


@task(cache_policy=NO_CACHE)
def archive_release(
    archive_root: Path, files: list[ReleaseFile], release_date: date | None
) -> None:
    pipeline.archive_files(RawArchive(archive_root), files, release_date)
    crash_point("after_archive")


@task(cache_policy=NO_CACHE)
def parse_release(files: list[ReleaseFile]):
    return pipeline.parse_files(files)


@task(cache_policy=NO_CACHE)
def validate_release(frames, release_date: date, current, calendar):
    from expectations.gate import run_gate  # Great Expectations is imported in here only

    crash_point("during_validation")
    return run_gate(frames, release_date=release_date, current=current, calendar=calendar)


@task(cache_policy=NO_CACHE)
def load_and_publish(paths: DataPaths, release_date: date, files, frames, report, run: RunRecord):
    status = "passed_with_warnings" if report.warnings else "passed"
    with writable_copy(paths) as con:
        summary = pipeline.load_into(con, release_date, files, frames, status)
        run.rows_loaded = summary.rows_loaded
        run.finish(
            "loaded",
            f"loaded release {release_date}: {', '.join(summary.files)} "
            f"({summary.rows_loaded} new or changed values)",
        )
        insert_validation(con, run.run_id, report)
        insert_run(con, run)
    return summary


def _record(paths: DataPaths, run: RunRecord, report=None) -> None:
    """Store a run that published no data (nothing new, quarantined, failed)."""
    with writable_copy(paths, data_changed=False) as con:
        if report is not None:
            insert_validation(con, run.run_id, report)
        insert_run(con, run)


def _run_id() -> str:
    """Unique per release run; prefixed with the Prefect flow-run id (a backfill has one)."""
    from prefect.runtime import flow_run

    prefix = str(flow_run.id)[:8] if flow_run.id else "local"
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def run_release(
    source: str, release_date: date | None, paths: DataPaths, flow_name: str
) -> RunResult:
    """The release pipeline under the writer lock; records the run whatever happens."""
    logger = get_run_logger()
    with run_lock(paths.lock):
        reconcile_parquet(paths)
        run = RunRecord(run_id=_run_id(), flow=flow_name, release_date=release_date)
        try:
            return _release_steps(source, release_date, paths, run, logger)
        except ReleaseRejected:
            raise
        except Exception as error:
            run.finish("failed", str(error).splitlines()[0] if str(error) else repr(error))
            try:
                _record(paths, run)
            except Exception as record_error:
                logger.warning("could not record the failed run: %s", record_error)
            raise


def _release_steps(source, release_date, paths: DataPaths, run: RunRecord, logger) -> RunResult:
    files = fetch_release(source, paths.raw)
    archive_release(paths.raw, files, release_date)
    new_files = pipeline.select_new(paths.database, files, release_date)
    if not new_files:
        message = f"nothing new at {source}: every file matches the loaded copy"
        _record(paths, run.finish("nothing_new", message))
        logger.info(message)
        return RunResult("nothing_new", release_date, message)
    run.files_changed = [f.name for f in new_files]
    earlier = already_quarantined(paths.quarantine, new_files)
    if earlier is not None:
        message = f"still quarantined (same bytes as {earlier['folder']}): {earlier['failure']}"
        run.report_path = earlier["folder"]
        _record(paths, run.finish("quarantined", message))
        raise ReleaseRejected(message)
    give_back_free_memory()  # what the previous release of a backfill left behind
    frames = parse_release(new_files)
    calendar = load_calendar()
    release_date = pipeline.resolve_release_date(release_date, source, frames, calendar)
    run.release_date = release_date
    current = pipeline.current_values(paths.database, release_date, replacing=set(frames))
    report = validate_release(frames, release_date, current, calendar)
    give_back_free_memory()  # the gate's pandas copies
    run.validation_summary = report.summary()
    if not report.passed:
        report_path = quarantine_release(
            paths.quarantine, run.run_id, release_date, new_files, report
        )
        run.report_path = str(report_path)
        _record(paths, run.finish("quarantined", report.failure_message()), report)
        raise ReleaseRejected(
            f"release {release_date} quarantined: {report.failure_message()} "
            f"(report: {report_path})"
        )
    run.report_path = str(write_report(report, paths.reports / f"{release_date}-{run.run_id}"))
    summary = load_and_publish(paths, release_date, new_files, frames, report, run)
    logger.info(run.message)
    return RunResult("loaded", release_date, run.message, summary.rows_loaded)


@flow(name="tic-release", log_prints=True)
def release_flow(
    source: str = TREASURY_BASE_URL, release_date: date | None = None, data_dir: str | None = None
) -> RunResult:
    """Pull one TIC release from a URL or a folder and load it as a new vintage."""
    return run_release(source, release_date, data_paths(data_dir), "tic-release")


@flow(name="tic-backfill", log_prints=True)
def backfill_flow(source: str, data_dir: str | None = None) -> list[RunResult]:
    """Replay release folders named YYYY-MM-DD in date order, each as the vintage of its date."""
    folders = sorted(p for p in Path(source).iterdir() if p.is_dir() and _is_date(p.name))
    if not folders:
        raise ReleaseError(f"{source} holds no release folders named YYYY-MM-DD")
    paths = data_paths(data_dir)
    return [
        run_release(str(folder), date.fromisoformat(folder.name), paths, "tic-backfill")
        for folder in folders
    ]


def _is_date(name: str) -> bool:
    try:
        date.fromisoformat(name)
    except ValueError:
        return False
    return len(name) == 10
