"""Is the warehouse up to date with the Treasury's release calendar?

Freshness only reports. The flow decides what to load from the files the Treasury serves,
never from calendar dates, because releases move (a shutdown merged the August and September
2025 data into one release on 2025-11-18). A release the calendar lists but nobody has loaded
a few days after its date is worth a look: the Treasury may be late, or the run may be failing
or quarantined.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import polars as pl

from tic.ops.calendar import expected_month
from tic.settings import DEFAULT_MAX_DAYS_OVERDUE

MAX_DAYS_OVERDUE_ENV = "TIC_MAX_DAYS_OVERDUE"  # named in messages; read by tic.settings
RELEASE_TIMEZONE = "America/New_York"  # release dates are Washington dates


@dataclass(frozen=True)
class Freshness:
    expected_release_date: date | None  # newest calendar release on or before today
    expected_data_month: date | None  # the newest data month that release publishes
    latest_loaded_release: date | None
    days_overdue: int  # days since the expected release while it is not loaded, else 0
    is_overdue: bool  # see freshness()
    message: str
    releases_behind: int = 0  # calendar releases due by today and newer than the latest loaded


def freshness(
    calendar: pl.DataFrame,
    latest_release: date | None,
    today: date,
    max_days_overdue: int = DEFAULT_MAX_DAYS_OVERDUE,
) -> Freshness:
    """Compare the newest release loaded with the newest release the calendar has by today.

    Overdue: the expected release is not loaded more than max_days_overdue days after its date,
    or a loaded warehouse has missed an earlier release too (that one is weeks late).
    """
    due = calendar.filter(pl.col("release_date") <= today)["release_date"].unique().sort()
    if due.len() == 0:
        return Freshness(
            None,
            None,
            latest_release,
            0,
            False,
            f"the release calendar lists no release on or before {today}",
        )
    expected = due[-1]
    data_month = expected_month(calendar, expected)
    wanted = f"release {expected} (data month {data_month:%Y-%m})"
    if latest_release is not None and latest_release >= expected:
        return Freshness(
            expected, data_month, latest_release, 0, False, f"up to date: {wanted} is loaded"
        )
    missed = due if latest_release is None else due.filter(due > latest_release)
    days = (today - expected).days
    late = days > max_days_overdue or (latest_release is not None and missed.len() > 1)
    have = (
        "nothing loaded yet"
        if latest_release is None
        else (
            f"latest loaded {latest_release}"
            + (f", {missed.len()} releases behind since {missed[0]}" if missed.len() > 1 else "")
        )
    )
    if late:
        message = (
            f"OVERDUE: {wanted} is not loaded {days} days after its date "
            f"(allowed {max_days_overdue}, {MAX_DAYS_OVERDUE_ENV}); {have}. "
            "Look at the last run and the Treasury site: a moved release needs no "
            "action, a quarantined one needs a re-run once the Treasury fixes its file"
        )
    elif days == 0:
        message = f"due today: {wanted} comes out at 4 p.m. Washington time; {have}"
    else:
        message = (
            f"waiting: {wanted} is not loaded yet, {days} days after its date "
            f"(overdue after {max_days_overdue}); {have}"
        )
    return Freshness(expected, data_month, latest_release, days, late, message, missed.len())


def today_in_washington() -> date:
    """Today's date where the Treasury publishes (a UTC date is a day ahead every evening)."""
    return datetime.now(ZoneInfo(RELEASE_TIMEZONE)).date()
