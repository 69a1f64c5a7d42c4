"""The release run: fetch -> archive -> date -> parse -> validate -> quarantine, or load into a
working copy while the GX suites finish -> publish once they passed -> record, as one plain
function. Prefect's flows in ``flows/`` call it with their tasks as the steps (the GX suites'
time and verdict then show in the load_and_publish task); the CLI, the tests and the
benchmark call it as it is."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import Future, wait
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from expectations.cross_table import sources_compared
from tic import failpoints
from tic.brief import write_release_brief
from tic.clock import utc_now
from tic.errors import ReleaseError, ReleaseRejected
from tic.ops import alerts
from tic.ops.calendar import load_calendar
from tic.ops.lock import run_lock
from tic.run import steps as plain
from tic.run.memory import give_back_free_memory
from tic.run.quarantine import already_quarantined, quarantine_release
from tic.source.collect import ReleaseFile
from tic.threads import on_a_thread
from transforms.registry import family_of
from warehouse.load import LoadSummary
from warehouse.mirror import mirror_if_behind
from warehouse.publish import WorkingCopy, reconcile_parquet, writable_copy
from warehouse.runs import (
    Outcome,
    RunRecord,
    append_run_log,
    clear_run_log,
    insert_run,
    insert_validation,
    merge_run_log,
)
from warehouse.versions import current_values, latest_release_date, loaded_copies

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from expectations.gate import PendingGate
    from expectations.results import GateReport
    from tic.settings import DataPaths, Settings


@dataclass(frozen=True)
class Steps:
    """The run's steps. Defaults are the plain functions; the flow passes Prefect tasks."""

    fetch: Callable[[str, Path], list[ReleaseFile]] = plain.fetch_release
    archive: Callable[[Path, list[ReleaseFile], date | None], None] = plain.archive_release
    parse: Callable[[list[ReleaseFile]], plain.Frames] = plain.parse_release
    validate: Callable[[plain.Frames, date, plain.Frames, pl.DataFrame], PendingGate] = (
        plain.validate_release
    )
    publish: Callable[
        [
            DataPaths,
            list[ReleaseFile],
            plain.Frames,
            PendingGate,
            Callable[[LoadSummary, GateReport], RunRecord],
            WorkingCopy | None,
        ],
        RunRecord | plain.Rejected,
    ] = plain.publish_release


PLAIN_STEPS = Steps()


@dataclass(frozen=True)
class RunResult:
    outcome: Outcome
    release_date: date | None
    message: str
    rows_loaded: int = 0
    report_path: str | None = None
    run_id: str = ""
    brief_path: str | None = None  # the release brief of a loaded release, if it was written


def run_release(
    source: str,
    settings: Settings,
    *,
    release_date: date | None = None,
    steps: Steps | None = None,
    flow: str = "tic-release",
    run_id_prefix: str = "local",
) -> RunResult:
    """Pull one release and load it, under the writer lock; the run is recorded whatever happens.

    Returns the outcome for loaded, nothing new and quarantined releases; any other failure is
    recorded as failed and raised.
    """
    result = _brief_and_announce(
        settings, _load(source, settings, release_date, steps, flow, run_id_prefix)
    )
    _after_runs(settings, result.release_date)
    return result


def _load(
    source: str,
    settings: Settings,
    release_date: date | None,
    steps: Steps | None,
    flow: str,
    run_id_prefix: str,
) -> RunResult:
    """fetch -> ... -> publish -> record under the writer lock: the run without its brief."""
    failpoints.arm(settings.crash_at)
    paths = settings.paths
    start = _RunStart(f"{run_id_prefix}-{uuid.uuid4().hex[:8]}", flow, utc_now(), release_date)
    with run_lock(paths.lock):
        reconcile_parquet(paths)
        try:
            record = _run_steps(source, settings, start, steps or PLAIN_STEPS)
        except Exception as error:
            _record_failure(paths, start.record("failed", _first_line(error)))
            alerts.send_alert(settings, alerts.failed_alert(_first_line(error), release_date))
            raise
    return RunResult(
        record.outcome,
        record.release_date,
        record.message,
        record.rows_loaded,
        record.report_path,
        record.run_id,
    )


def _brief_and_announce(settings: Settings, result: RunResult) -> RunResult:
    """A loaded release's brief, then its loaded alert, which links the brief. After the
    publish, outside the writer's lock; a failed brief never fails the run."""
    if result.outcome != "loaded" or result.release_date is None:
        return result
    paths = settings.paths
    brief = write_release_brief(paths.database, paths.briefs, result.release_date)
    result = replace(result, brief_path=str(brief) if brief else None)
    alert = alerts.loaded_alert(
        result.message, result.release_date, result.brief_path, result.report_path
    )
    alerts.send_alert(settings, alert)
    return result


def _after_runs(settings: Settings, release_date: date | None) -> None:
    """What follows a run, or a whole backfill: the overdue check and the mirror."""
    if settings.alert_webhook:
        alerts.alert_if_overdue(settings, latest_release_date(settings.paths.database))
    # After the DuckDB commit and the brief: a failed mirror raises MirrorError, the publish
    # stands, and the next run (even one with nothing new) finds the mirror behind and retries.
    try:
        mirror_if_behind(settings)
    except Exception as error:
        alerts.send_alert(settings, alerts.failed_alert(_first_line(error), release_date))
        raise


@dataclass(frozen=True)
class _RunStart:
    """What is known of a run before its outcome."""

    run_id: str
    flow: str
    started_at: datetime
    release_date: date | None

    def record(self, outcome: Outcome, message: str, **fields: object) -> RunRecord:
        base = RunRecord(
            self.run_id, self.flow, self.started_at, outcome, message, self.release_date
        )
        return replace(base, **fields)  # type: ignore[arg-type]


def _run_steps(source: str, settings: Settings, start: _RunStart, steps: Steps) -> RunRecord:
    paths = settings.paths
    files = steps.fetch(source, paths.raw)
    steps.archive(paths.raw, files, start.release_date)
    loaded = loaded_copies(paths.database, [f.name for f in files], start.release_date)
    new_files = [f for f in files if loaded.get(f.name) != f.sha256]
    if not new_files:
        message = f"nothing new at {source}: every file matches the loaded copy"
        record = start.record("nothing_new", message)
        append_run_log(paths.run_log, record)  # tic.duckdb stays untouched
        return record
    changed = tuple(f.name for f in new_files)
    earlier = already_quarantined(paths.quarantine, new_files)
    if earlier is not None:
        message = f"still quarantined (same bytes as {earlier['folder']}): {earlier['failure']}"
        record = start.record(
            "quarantined", message, files_changed=changed, report_path=earlier["folder"]
        )
        return _record_quietly(paths, record)

    give_back_free_memory()  # what the previous release of a backfill left behind
    working = WorkingCopy(paths)  # copied while the files are parsed and validated
    try:
        return _validate_and_publish(source, settings, start, steps, new_files, working)
    finally:
        working.discard()  # a copy no publish took


def _validate_and_publish(
    source: str,
    settings: Settings,
    start: _RunStart,
    steps: Steps,
    new_files: list[ReleaseFile],
    working: WorkingCopy,
) -> RunRecord:
    paths = settings.paths
    changed = tuple(f.name for f in new_files)
    incoming = {family_of(f.name).source for f in new_files}
    given = plain.release_date_given(start.release_date, source)
    # Read beside the parse when the date is known before it (a backfill's folders, a date
    # passed in): DuckDB and the Arrow conversion leave the parse the interpreter.
    early = None if given is None else _read_current_values(paths, given, incoming)
    try:
        frames = steps.parse(new_files)
        calendar = load_calendar(settings.release_calendar)
        release_date = plain.resolve_release_date(start.release_date, source, frames, calendar)
    finally:
        # Its connection closed before anything else opens tic.duckdb: DuckDB hands a new
        # connection to a path still open in this process the instance already open.
        if early is not None:
            wait([early])
    # The early read used the date resolve_release_date returns when one is given.
    current = (early or _read_current_values(paths, release_date, incoming)).result()
    gate = steps.validate(frames, release_date, current, calendar)
    dated = replace(start, release_date=release_date)

    def loaded_record(summary: LoadSummary, report: GateReport) -> RunRecord:
        from expectations.report import write_report

        report_path = write_report(report, paths.reports / f"{release_date}-{start.run_id}")
        message = (
            f"loaded release {release_date}: {', '.join(summary.files)} "
            f"({summary.rows_loaded} new or changed values)"
        )
        return dated.record(
            "loaded",
            message,
            files_changed=changed,
            rows_loaded=summary.rows_loaded,
            validation_summary=report.summary(),
            report_path=str(report_path),
        )

    if gate.failed_already:  # no load to run beside the suites
        published: RunRecord | plain.Rejected = plain.Rejected(gate.report())
    else:
        published = steps.publish(paths, new_files, frames, gate, loaded_record, working)
    give_back_free_memory()  # the gate's pandas copies
    if isinstance(published, RunRecord):
        return published
    report = published.report
    folder = quarantine_release(paths.quarantine, start.run_id, release_date, new_files, report)
    message = f"release {release_date} quarantined: {report.failure_message()} (report: {folder})"
    record = dated.record(
        "quarantined",
        message,
        files_changed=changed,
        validation_summary=report.summary(),
        report_path=str(folder),
    )
    _record_quietly(paths, record, report, working)
    alerts.send_alert(settings, alerts.quarantined_alert(message, report, str(folder)))
    return record


def _read_current_values(
    paths: DataPaths, release_date: date, incoming: set[str]
) -> Future[Mapping[str, pl.DataFrame]]:
    """The values the gate judges the incoming sources by, read on a thread of their own."""
    return on_a_thread(
        "tic-current-values",
        current_values,
        paths.database,
        release_date,
        replacing=incoming,
        sources=sources_compared(incoming),
    )


def _record_quietly(
    paths: DataPaths,
    record: RunRecord,
    report: GateReport | None = None,
    working: WorkingCopy | None = None,
) -> RunRecord:
    """Store a run that published no data (quarantined, failed) with the logged runs."""
    with writable_copy(paths, data_changed=False, working=working) as con:
        merge_run_log(con, paths.run_log)
        if report is not None:
            insert_validation(con, record.run_id, report)
        insert_run(con, record)
    clear_run_log(paths.run_log)
    return record


def _record_failure(paths: DataPaths, record: RunRecord) -> None:
    try:
        if paths.database.exists():
            _record_quietly(paths, record)
        else:  # a failure must not create a warehouse: the run log says what happened
            append_run_log(paths.run_log, record)
    except Exception as record_error:  # keep the run's own error, which is what people need
        log.warning("could not record the failed run: %s", record_error)


def _first_line(error: BaseException) -> str:
    text = str(error)
    return text.splitlines()[0] if text else repr(error)


def raise_if_rejected(result: RunResult) -> RunResult:
    """A quarantined release is an error to whoever started the run (the CLI, a flow run)."""
    if result.outcome == "quarantined":
        raise ReleaseRejected(result.message)
    return result


def run_backfill(
    source: Path,
    settings: Settings,
    *,
    steps: Steps | None = None,
    flow: str = "tic-backfill",
    run_id_prefix: str = "local",
    on_result: Callable[[RunResult], None] | None = None,
) -> list[RunResult]:
    """Replay release folders named YYYY-MM-DD in date order, each as the vintage of its date;
    stop at the first quarantined release (later vintages must not load over a gap).

    Each loaded release gets its brief and its loaded alert, as in ``run_release``; the
    overdue check and the mirror run once, after the last release, or after the last one
    published when a release fails. ``on_result`` sees each release's result as it ends.
    """
    results: list[RunResult] = []
    try:
        for folder in release_folders(source):
            day = date.fromisoformat(folder.name)
            result = _brief_and_announce(
                settings, _load(str(folder), settings, day, steps, flow, run_id_prefix)
            )
            results.append(result)
            if on_result is not None:
                on_result(result)
            raise_if_rejected(result)
    except Exception:
        published = [r.release_date for r in results if r.outcome == "loaded"]
        if published:
            # The releases before the failure are published: mirror them now. The failure is
            # what the caller must see, so a mirror error here is only logged.
            try:
                _after_runs(settings, published[-1])
            except Exception as error:
                log.warning("after the failed backfill, the mirror failed too: %s", error)
        raise
    _after_runs(settings, results[-1].release_date if results else None)
    return results


def release_folders(source: Path) -> list[Path]:
    """The folders named YYYY-MM-DD under source, oldest first."""
    if not source.is_dir():
        raise ReleaseError(f"source {source} is not a directory of release folders")
    folders = sorted(p for p in source.iterdir() if p.is_dir() and _is_date(p.name))
    if not folders:
        raise ReleaseError(f"{source} holds no release folders named YYYY-MM-DD")
    return folders


def _is_date(name: str) -> bool:
    try:
        date.fromisoformat(name)
    except ValueError:
        return False
    return len(name) == 10
