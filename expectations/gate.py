"""The quality gate: every check of a release, before anything is loaded.

``run_gate`` runs the Great Expectations suite of each incoming source, then the polars checks
of each source, the cross-table identities and the history checks, and returns a GateReport.
A report with errors means: load nothing, quarantine the release, show ``failure_message()``.
"""

from __future__ import annotations

from datetime import date
from time import perf_counter

import polars as pl

from expectations.common import is_usable
from expectations.cross_table import cross_table_checks
from expectations.dataset_checks import dataset_checks
from expectations.gx_validation import validate_sources
from expectations.history import history_checks
from expectations.results import GateReport


def run_gate(
    incoming: dict[str, pl.DataFrame],
    *,
    release_date: date,
    current: dict[str, pl.DataFrame],
    calendar: pl.DataFrame | None,
) -> GateReport:
    """Validate the parsed frames of the files a release changed.

    incoming: parsed frames (PARSED_SCHEMA) keyed by source, e.g. ``"slt_table1"``.
    current: the warehouse's values per source before this release (no line_number); empty on
        a first load. Read by the cross-table checks for sources that did not change, and for
        row counts, truncation and revisions.
    calendar: ``release_date`` and ``data_month`` (Dates) from tic/ops/release_calendar.csv; None
        skips the calendar checks.
    timings_s in the report: GX import, context and suite time, polars checks, total.
    """
    started = perf_counter()
    timings: dict[str, float] = {}
    results = validate_sources(incoming, release_date=release_date, timings=timings)

    polars_started = perf_counter()
    # A frame without the parsed schema is reported by its GX suite; the polars checks skip
    # it rather than fail on a missing column, and do not fall back to the warehouse's copy.
    usable = {source: frame for source, frame in incoming.items() if is_usable(frame)}
    for source, frame in sorted(usable.items()):
        results += dataset_checks(source, frame, current.get(source))
    available = {
        source: frame
        for source, frame in current.items()
        if source not in incoming and is_usable(frame)
    } | usable
    results += cross_table_checks(available, set(usable))
    results += history_checks(usable, current, release_date=release_date, calendar=calendar)
    timings["polars_checks"] = perf_counter() - polars_started
    timings["total"] = perf_counter() - started
    return GateReport(
        release_date=release_date,
        results=results,
        timings_s={name: round(seconds, 3) for name, seconds in timings.items()},
    )
