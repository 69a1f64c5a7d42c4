"""The quality gate: every check of a release, before anything is published.

``start_gate`` runs the polars checks of each incoming source, the cross-table identities and
the history checks, then starts the Great Expectations suite of each source on a thread, and
returns a PendingGate whose ``report()`` is the GateReport (``run_gate`` does both). A report
with errors means: publish nothing, quarantine the release, show ``failure_message()``. The
load stores only the gate's changed rows (``PendingGate.changed_rows``): every other row is
held by the warehouse as it is.

The suites judge what the release changes: the rows the load would store (a key the warehouse
does not hold, or another amount or code for one it holds) and every row whose key the file
repeats. The other rows are values the warehouse already holds, which passed the same checks
when they were loaded; re-checking them made each release cost more as the files grew. So too
the checks of values: the outlier check judges the changed rows against their series around
them, the revision checks the changed rows, and the identities the months with a changed row
(and the month either side, for the month-on-month identity). The checks of a file's shape
(months without gaps, rows per month, the newest month) still read the whole files: a row a
file drops is no changed row.
"""

from __future__ import annotations

from concurrent.futures import Future
from datetime import date
from time import perf_counter

import polars as pl

from expectations.common import is_usable, months_around
from expectations.cross_table import cross_table_checks
from expectations.dataset_checks import dataset_checks
from expectations.gx_validation import validate_sources
from expectations.history import history_checks
from expectations.results import ERROR, CheckResult, GateReport
from expectations.settings import KEY_COLUMNS
from tic.threads import on_a_thread

# What identifies a stored value, and what a new version of it may change (warehouse/load.py).
STORED_KEY = ("source", "dataset", "period", "country", "row_kind", "security", "holder", "measure")
STORED_VALUES = ("usd_millions", "country_code")


def run_gate(
    incoming: dict[str, pl.DataFrame],
    *,
    release_date: date,
    current: dict[str, pl.DataFrame],
    calendar: pl.DataFrame | None,
) -> GateReport:
    """Validate the parsed frames of the files a release changed (``start_gate``, then its
    report).

    incoming: parsed frames (PARSED_SCHEMA) keyed by source, e.g. ``"slt_table1"``.
    current: the warehouse's values per source before this release (no line_number); empty on
        a first load. Read by the cross-table checks for sources that did not change, and for
        row counts, truncation and revisions.
    calendar: ``release_date`` and ``data_month`` (Dates) from tic/ops/release_calendar.csv; None
        skips the calendar checks.
    timings_s in the report: GX import, context and suite time, polars checks, total.
    """
    return start_gate(
        incoming, release_date=release_date, current=current, calendar=calendar
    ).report()


class PendingGate:
    """A gate whose polars checks are done and whose Great Expectations suites may still be
    running on a thread of their own: GX is pure Python and holds one core, so the run loads
    the release into its unpublished working copy meanwhile (DuckDB works on the other core).
    ``report()`` waits for the suites; nothing is published before it passes."""

    def __init__(
        self,
        release_date: date,
        suites: Future[list[CheckResult]],
        checks: list[CheckResult],
        timings: dict[str, float],
        started: float,
        changed_rows: dict[str, pl.DataFrame],
    ) -> None:
        self.release_date = release_date
        # Per source, the rows the load would store and those whose key the file repeats
        # (``changed_rows``): every other row is in the warehouse as it is.
        self.changed_rows = changed_rows
        self._report: GateReport | None = None
        self._suites, self._checks = suites, checks
        self._timings, self._started = timings, started

    @property
    def failed_already(self) -> bool:
        """A polars check failed: the release is rejected whatever the suites say."""
        return any(not check.success and check.severity == ERROR for check in self._checks)

    def report(self) -> GateReport:
        """The gate's report, once the suites are done (the same object at every call).
        Its total runs from the gate's start to the first call: the load is in it."""
        if self._report is None:
            suites = self._suites.result()  # their timings are in self._timings once done
            self._timings["total"] = perf_counter() - self._started
            self._report = GateReport(
                release_date=self.release_date,
                results=suites + self._checks,
                timings_s={name: round(seconds, 3) for name, seconds in self._timings.items()},
            )
        return self._report


def start_gate(
    incoming: dict[str, pl.DataFrame],
    *,
    release_date: date,
    current: dict[str, pl.DataFrame],
    calendar: pl.DataFrame | None,
) -> PendingGate:
    """Run the polars checks, then start the GX suites on the changed rows on a thread (the
    run loads meanwhile). Started after the checks, not beside them: the checks' many small
    polars calls each wait for the interpreter lock GX holds (0.18 s of checks took 0.43 s)."""
    started = perf_counter()
    timings: dict[str, float] = {}
    changes = {
        source: changed_rows(frame, current.get(source)) for source, frame in incoming.items()
    }
    judged = {source: judged_rows(incoming[source], rows) for source, rows in changes.items()}
    timings["select_changed_rows"] = perf_counter() - started
    polars_started = perf_counter()
    # A frame without the parsed schema is reported by its GX suite; the polars checks skip
    # it rather than fail on a missing column, and do not fall back to the warehouse's copy.
    usable = {source: frame for source, frame in incoming.items() if is_usable(frame)}
    results: list[CheckResult] = []
    for source, frame in sorted(usable.items()):
        results += dataset_checks(source, frame, current.get(source), changes[source])
    available = {
        source: frame
        for source, frame in current.items()
        if source not in incoming and is_usable(frame)
    } | usable
    around = months_around([changes[source] for source in usable], months=1)
    results += cross_table_checks(within_months(available, around), set(usable))
    results += history_checks(
        usable, current, changed=changes, release_date=release_date, calendar=calendar
    )
    timings["polars_checks"] = perf_counter() - polars_started
    suites = on_a_thread(
        "tic-gx-suites", validate_sources, judged, release_date=release_date, timings=timings
    )
    return PendingGate(release_date, suites, results, timings, started, changes)


def judged_rows(frame: pl.DataFrame, changed: pl.DataFrame) -> pl.DataFrame:
    """What a source's suite judges: the changed rows, or the first row of a file that changes
    nothing (the table-level expectations still see the file)."""
    return changed if changed.height else frame.head(1)


def within_months(frames: dict[str, pl.DataFrame], periods: list[date]) -> dict[str, pl.DataFrame]:
    """Each frame's rows of the given months."""
    return {
        source: frame.filter(pl.col("period").is_in(periods)) for source, frame in frames.items()
    }


def changed_rows(frame: pl.DataFrame, held: pl.DataFrame | None) -> pl.DataFrame:
    """The rows of an incoming frame the load would store as new versions (compared with
    ``held``, the warehouse's current values of the source), and every row whose key the file
    repeats; none for a file that changes nothing. A frame the polars code cannot read, or a
    source the warehouse does not hold, is changed whole."""
    if not frame.height or held is None or not held.height or not is_usable(frame):
        return frame
    if not set(STORED_KEY + STORED_VALUES) <= set(held.columns):
        return frame
    stored = list(STORED_KEY + STORED_VALUES)
    marked = frame.with_row_index("_row")
    held = held.select(pl.col(c).cast(frame.schema[c]) for c in stored)
    # A row the warehouse holds as it is (key, amount and code), where that is the one row of
    # its key there. The load replaces every current version of a key a changed row has, so
    # a key held twice (two codes under one name) is changed whatever the file prints.
    held_twice = held.filter(held.select(STORED_KEY).is_duplicated())
    if held_twice.height:
        held = held.join(held_twice, on=list(STORED_KEY), how="anti", nulls_equal=True)
    held_as_is = marked.join(held, on=stored, how="semi", nulls_equal=True)["_row"]
    repeated = (
        pl.struct(list(KEY_COLUMNS)).is_duplicated() | pl.struct(list(STORED_KEY)).is_duplicated()
    )
    return marked.filter(~pl.col("_row").is_in(held_as_is) | repeated).select(frame.columns)
