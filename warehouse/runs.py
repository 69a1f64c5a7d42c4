"""Run records: what each run did, stored in the warehouse's runs table.

A run that publishes nothing (a no-change poll) must not rewrite tic.duckdb to say so: its
record is appended to the run log, ``runs.jsonl`` beside the database, one JSON line per run,
and merged into ``internal.runs`` by the next run that writes the database anyway. Readers
(``tic status``, ``tic sql``'s ``runs``) show both.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import duckdb
import polars as pl

from tic.clock import utc_now

if TYPE_CHECKING:
    from expectations.results import GateReport


# What a run ended as; skipped runs (another writer held the lock) are not recorded.
Outcome = Literal["loaded", "nothing_new", "quarantined", "failed"]


@dataclass(frozen=True)
class RunRecord:
    """One row of the runs table, built once the run's outcome is known."""

    run_id: str
    flow: str
    started_at: datetime
    outcome: Outcome
    message: str
    release_date: date | None = None
    files_changed: tuple[str, ...] = ()
    rows_loaded: int = 0
    validation_summary: str | None = None
    report_path: str | None = None
    finished_at: datetime = field(default_factory=utc_now)

    def to_json(self) -> str:
        return json.dumps(asdict(self), default=str)

    @classmethod
    def from_json(cls, line: str) -> RunRecord:
        fields = json.loads(line)
        fields["started_at"] = datetime.fromisoformat(fields["started_at"])
        fields["finished_at"] = datetime.fromisoformat(fields["finished_at"])
        if fields.get("release_date"):
            fields["release_date"] = date.fromisoformat(fields["release_date"])
        fields["files_changed"] = tuple(fields.get("files_changed") or ())
        return cls(**fields)


def append_run_log(log_path: Path, run: RunRecord) -> None:
    """Add one run to the log beside the database (an append and an fsync: no copy of the
    database, which a no-change poll must leave alone). The caller holds the run lock."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "a", encoding="utf-8") as log:
        log.write(run.to_json() + "\n")
        log.flush()
        os.fsync(log.fileno())


def read_run_log(log_path: Path) -> list[RunRecord]:
    """The logged runs not merged yet, oldest first; a torn last line (a crash mid-append)
    is skipped."""
    if not log_path.exists():
        return []
    records = []
    for line in log_path.read_text(encoding="utf-8").splitlines():
        try:
            records.append(RunRecord.from_json(line))
        except (ValueError, KeyError, TypeError):
            continue
    return records


def merge_run_log(con: duckdb.DuckDBPyConnection, log_path: Path) -> int:
    """Insert the logged runs into internal.runs (those not there yet: a crash between the
    publish and clear_run_log must not count a run twice); the number inserted."""
    merged = 0
    for run in read_run_log(log_path):
        found = con.execute("select 1 from internal.runs where run_id = ?", [run.run_id])
        if found.fetchone() is None:
            insert_run(con, run)
            merged += 1
    return merged


def clear_run_log(log_path: Path) -> None:
    """Once the database holding the merged runs is published."""
    log_path.unlink(missing_ok=True)


# The columns of internal.runs, in order, as polars types (the run log read as a frame).
RUNS_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "run_id": pl.Utf8,
    "flow": pl.Utf8,
    "started_at": pl.Datetime("us", "UTC"),
    "finished_at": pl.Datetime("us", "UTC"),
    "outcome": pl.Utf8,
    "release_date": pl.Date,
    "files_changed": pl.List(pl.Utf8),
    "rows_loaded": pl.Int64,
    "validation_summary": pl.Utf8,
    "report_path": pl.Utf8,
    "message": pl.Utf8,
}


def run_log_frame(log_path: Path) -> pl.DataFrame:
    """The logged runs as rows shaped like internal.runs."""
    rows = [{name: getattr(run, name) for name in RUNS_SCHEMA} for run in read_run_log(log_path)]
    for row in rows:
        row["files_changed"] = list(row["files_changed"])
    return pl.DataFrame(rows, schema=RUNS_SCHEMA)


def insert_run(con: duckdb.DuckDBPyConnection, run: RunRecord) -> None:
    con.execute(
        """
        insert into internal.runs (
            run_id, flow, started_at, finished_at, outcome, release_date,
            files_changed, rows_loaded, validation_summary, report_path, message
        ) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
        [
            run.run_id,
            run.flow,
            run.started_at,
            run.finished_at,
            run.outcome,
            run.release_date,
            list(run.files_changed),
            run.rows_loaded,
            run.validation_summary,
            run.report_path,
            run.message,
        ],
    )


def insert_validation(con: duckdb.DuckDBPyConnection, run_id: str, report: GateReport) -> None:
    """Store every check of a gate report (expectations.results.GateReport)."""
    rows = [
        (
            run_id,
            report.release_date,
            r.suite,
            r.check_name,
            r.severity,
            r.success,
            r.checked_rows,
            r.failed_rows,
            json.dumps(r.examples, default=str)[:4000],
        )
        for r in report.results
    ]
    if rows:
        # One insert of a frame: executemany costs about a millisecond per row in DuckDB.
        frame = pl.DataFrame(rows, schema=VALIDATION_SCHEMA, orient="row")
        con.register("validation_rows", frame.to_arrow())
        try:
            columns = ", ".join(VALIDATION_SCHEMA)
            con.execute(
                f"insert into internal.validation_results ({columns}) "
                f"select {columns} from validation_rows"
            )
        finally:
            con.unregister("validation_rows")


# The columns of internal.validation_results, in order.
VALIDATION_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "run_id": pl.Utf8,
    "release_date": pl.Date,
    "suite": pl.Utf8,
    "check_name": pl.Utf8,
    "severity": pl.Utf8,
    "success": pl.Boolean,
    "checked_rows": pl.Int64,
    "failed_rows": pl.Int64,
    "examples": pl.Utf8,
}
