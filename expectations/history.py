"""Checks of a release against time (suite ``history``): the release calendar's data month, the
warehouse's newest month, and revisions of months the warehouse already holds."""

from __future__ import annotations

from datetime import date

import polars as pl

from expectations.common import EXAMPLE_COLUMNS, file_name_of, result_from_failures
from expectations.results import ERROR, WARNING, CheckResult
from expectations.settings import (
    FACTOR_1000_RATIO_BOUNDS,
    KEY_COLUMNS,
    REVISION_ABSOLUTE_THRESHOLD_MILLIONS,
    REVISION_RELATIVE_THRESHOLD,
    YEAR_END_SOURCES,
)

SUITE = "history"
REVISION_COLUMNS = [*EXAMPLE_COLUMNS, "previous_usd_millions"]


def history_checks(
    incoming: dict[str, pl.DataFrame],
    current: dict[str, pl.DataFrame],
    *,
    changed: dict[str, pl.DataFrame] | None = None,
    release_date: date,
    calendar: pl.DataFrame | None,
) -> list[CheckResult]:
    """Calendar, newest-month and revision checks of every incoming source; the revision
    checks read the rows the release changes (``changed``, by default the whole frames)."""
    results: list[CheckResult] = []
    expected = None
    if calendar is not None:
        expected = expected_data_month(calendar, release_date)
        results.append(_release_in_calendar(release_date, expected))
    for source, frame in sorted(incoming.items()):
        if expected is not None and frame.height:
            results += newest_month_matches_calendar(source, frame, expected, release_date)
        previous = current.get(source)
        if previous is not None and previous.height:
            results += [
                newest_month_not_before_current(source, frame, previous),
                *revisions(source, (changed or {}).get(source, frame), previous),
            ]
    return results


def expected_data_month(calendar: pl.DataFrame, release_date: date) -> date | None:
    """The newest data month the calendar lists for a release date (a release can carry two
    months, as 2025-11-18 did after the shutdown), or None if the date is not a release date."""
    months = _as_dates(calendar).filter(pl.col("release_date") == release_date)["data_month"]
    return months.max() if months.len() else None  # type: ignore[return-value]


def _as_dates(calendar: pl.DataFrame) -> pl.DataFrame:
    """Accept the calendar as Dates or as the CSV's text (``2026-07-14``, ``2026-05``)."""
    columns = []
    if calendar.schema["release_date"] != pl.Date:
        columns.append(pl.col("release_date").cast(pl.Utf8).str.to_date("%Y-%m-%d"))
    if calendar.schema["data_month"] != pl.Date:
        columns.append(
            (pl.col("data_month").cast(pl.Utf8).str.slice(0, 7) + "-01").str.to_date("%Y-%m-%d")
        )
    return calendar.with_columns(columns) if columns else calendar


def _release_in_calendar(release_date: date, expected: date | None) -> CheckResult:
    examples = (
        []
        if expected
        else [
            {
                "origin": "the release calendar",
                "detail": f"{release_date} is not a release date in tic/ops/release_calendar.csv",
            }
        ]
    )
    return CheckResult(
        SUITE,
        "release_date_in_release_calendar",
        WARNING,
        expected is not None,
        1,
        0 if expected else 1,
        examples,
        None,
    )


def newest_month_matches_calendar(
    source: str, frame: pl.DataFrame, expected: date, release_date: date
) -> list[CheckResult]:
    """A file's newest month is the calendar's data month for the release: later is an error
    (a month the Treasury has not published), earlier a warning (a file not yet updated).
    mfhhis01 holds whole years, so anything from the previous December on is on time."""
    newest: date = frame["period"].max()  # type: ignore[assignment]
    earliest_on_time = date(expected.year - 1, 12, 1) if source in YEAR_END_SOURCES else expected
    rows = frame.filter(pl.col("period") == newest).height
    file_name = file_name_of(source)
    detail = (
        f"newest month {newest:%Y-%m}; the release calendar expects {expected:%Y-%m} "
        f"for the {release_date} release"
    )

    def result(name: str, severity: str, failed: bool) -> CheckResult:
        examples = [{"file": file_name, "origin": "the file", "detail": detail}] if failed else []
        return CheckResult(
            SUITE, name, severity, not failed, rows, rows if failed else 0, examples, file_name
        )

    return [
        result("newest_month_not_after_release_calendar", ERROR, newest > expected),
        result("newest_month_not_before_release_calendar", WARNING, newest < earliest_on_time),
    ]


def newest_month_not_before_current(
    source: str, frame: pl.DataFrame, previous: pl.DataFrame
) -> CheckResult:
    """A release never takes months away: a file whose newest month is older than the
    warehouse's is truncated (or an old copy)."""
    newest: date | None = frame["period"].max()  # type: ignore[assignment]
    later = previous if newest is None else previous.filter(pl.col("period") > newest)
    lost = later.group_by("period").agg(rows=pl.len()).sort("period")
    return result_from_failures(
        SUITE,
        "newest_month_not_before_current",
        checked_rows=previous.height,
        failures=lost.with_columns(
            detail=pl.format(
                "{} is missing ({} rows in the warehouse); the file ends at {}",
                pl.col("period").dt.strftime("%Y-%m"),
                "rows",
                pl.lit(f"{newest:%Y-%m}" if newest else "no month at all"),
            )
        ),
        file_name=file_name_of(source),
        columns=["period", "rows", "detail"],
    )


def revisions(source: str, frame: pl.DataFrame, previous: pl.DataFrame) -> list[CheckResult]:
    """Values this release changes, against the warehouse: large revisions are reported
    (warning); a revision by a factor of about 1000 is a unit slip (error)."""
    keys = list(KEY_COLUMNS)
    joined = frame.join(
        previous.select(*keys, previous_usd_millions="usd_millions"),
        on=keys,
        nulls_equal=True,
    ).drop_nulls(["usd_millions", "previous_usd_millions"])
    change = (pl.col("usd_millions") - pl.col("previous_usd_millions")).abs()
    large = (change > REVISION_ABSOLUTE_THRESHOLD_MILLIONS) & (
        change > REVISION_RELATIVE_THRESHOLD * pl.col("previous_usd_millions").abs()
    )
    ratio = (pl.col("usd_millions") / pl.col("previous_usd_millions")).abs()
    low, high = FACTOR_1000_RATIO_BOUNDS
    unit_slip = (
        large
        & (pl.col("previous_usd_millions") != 0)
        & (ratio.is_between(low, high) | ratio.is_between(1 / high, 1 / low))
    )
    order = "line_number" if "line_number" in joined.columns else "period"
    file_name = file_name_of(source)
    return [
        result_from_failures(
            SUITE,
            "revisions_within_size",
            checked_rows=joined.height,
            failures=joined.filter(large).sort(order),
            file_name=file_name,
            severity=WARNING,
            columns=REVISION_COLUMNS,
        ),
        result_from_failures(
            SUITE,
            "revisions_not_off_by_factor_1000",
            checked_rows=joined.height,
            failures=joined.filter(unit_slip).sort(order),
            file_name=file_name,
            columns=REVISION_COLUMNS,
        ),
    ]
