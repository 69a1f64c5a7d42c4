"""Run records: what each run did, stored in the warehouse's runs table."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import duckdb
import polars as pl


@dataclass
class RunRecord:
    run_id: str
    flow: str
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    finished_at: datetime | None = None
    outcome: str = "failed"  # loaded | nothing_new | quarantined | failed | skipped_locked
    release_date: date | None = None
    files_changed: list[str] = field(default_factory=list)
    rows_loaded: int = 0
    validation_summary: str | None = None
    report_path: str | None = None
    message: str = ""

    def finish(self, outcome: str, message: str) -> RunRecord:
        self.outcome, self.message = outcome, message
        self.finished_at = datetime.now(UTC)
        return self

    def to_json(self) -> str:
        return json.dumps(self.__dict__, default=str)


def insert_run(con: duckdb.DuckDBPyConnection, run: RunRecord) -> None:
    con.execute(
        "insert into internal.runs values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            run.run_id,
            run.flow,
            run.started_at,
            run.finished_at or datetime.now(UTC),
            run.outcome,
            run.release_date,
            run.files_changed,
            run.rows_loaded,
            run.validation_summary,
            run.report_path,
            run.message,
        ],
    )


def insert_validation(con: duckdb.DuckDBPyConnection, run_id: str, report) -> None:
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
            con.execute("insert into internal.validation_results select * from validation_rows")
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
