"""Run records: what each run did, stored in the warehouse's runs table."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
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
VALIDATION_SCHEMA = {
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
