"""The polling schedule: when the release flow runs, and the dry-run description of it.

The policy and its arithmetic, without Prefect's deployment machinery (``flows/schedule.py``
builds and serves the deployment from these). The run times come from Prefect's own schedule
classes, imported only when computed.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from tic.settings import Settings

DEPLOYMENT_NAME = "tic-monthly"
FLOW_NAME = "tic-release"  # flows.release.release_flow's name; a test keeps the two equal
ENTRYPOINT = "flows/release.py:release_flow"
TIMEZONE = "America/New_York"  # the Treasury publishes at 4:00 p.m. Washington time

# Why these times: a release appears at 4:00 p.m. Eastern on a business day, usually
# mid-month, but the date moves (a shutdown merged August and September 2025 into 2025-11-18),
# so we poll every business day rather than on calendar dates. A poll costs one conditional
# GET per file (304 when unchanged), so polling often is cheap: every 15 minutes from 16:05
# (the site needs a few minutes to post the files) to 18:50 catches a slightly late posting
# the same evening. The 08:05 poll the next business morning catches a release posted after
# 18:50 or missed while this machine or the Prefect server was down. All times are wall-clock
# America/New_York, so they follow daylight saving; none falls in the 1-3 a.m. DST gap.
POLL_CRON = "5,20,35,50 16-18 * * 1-5"
CATCH_UP_CRON = "5 8 * * 1-5"
CRONS = (POLL_CRON, CATCH_UP_CRON)
CRON_MEANINGS = {
    POLL_CRON: "every 15 minutes 16:05-18:50, Monday-Friday (after the 4 p.m. release)",
    CATCH_UP_CRON: "08:05 Monday-Friday (morning catch-up)",
}

# On the calendar's release dates the site is polled every minute from 16:00 to 16:30, so a
# release on time is loaded a minute or two after it appears (a poll takes seconds) instead of
# at 16:05, with the crons above after 16:30 as on any day. One RRule per date (a cron cannot
# name dates); the next RELEASE_DAYS_AHEAD dates of the calendar, read when `tic serve` starts.
RELEASE_DAY_MINUTES = 31  # 16:00, 16:01, ... 16:30
RELEASE_DAYS_AHEAD = 12


def release_day_rrule(day: date) -> str:
    """Every minute 16:00-16:30 on ``day``, wall-clock America/New_York (the RRule's
    time zone is TIMEZONE)."""
    return (
        f"DTSTART:{day:%Y%m%d}T160000\nRRULE:FREQ=MINUTELY;INTERVAL=1;COUNT={RELEASE_DAY_MINUTES}"
    )


def release_days(settings: Settings, today: date | None = None) -> list[date]:
    """The calendar's release dates from today on (today in America/New_York), the next
    RELEASE_DAYS_AHEAD of them. Read with the csv module: the dry run loads no polars."""
    import csv
    from importlib import resources

    source = settings.release_calendar or resources.files("tic.ops") / "release_calendar.csv"
    rows = csv.DictReader(source.read_text().splitlines())
    today = today or datetime.now(ZoneInfo(TIMEZONE)).date()
    dates = {date.fromisoformat(row["release_date"]) for row in rows}
    return sorted(d for d in dates if d >= today)[:RELEASE_DAYS_AHEAD]


def deployment_parameters(settings: Settings) -> dict[str, Any]:
    """release_flow's parameters: $TIC_SOURCE (default the Treasury site) and $TIC_DATA_DIR
    (default ./data), folders made absolute so runs do not depend on their working directory."""
    from tic.source.fetch import absolute_source

    return {"source": absolute_source(settings.source), "data_dir": str(settings.paths.root)}


def next_run_times(
    n: int = 5, after: datetime | None = None, release_dates: list[date] | None = None
) -> list[datetime]:
    """The next n run times at or after `after` (default now), in America/New_York, of the
    crons and of the release-day windows of `release_dates`.

    Computed by the same code the Prefect server uses to create scheduled runs; a naive
    `after` is read as America/New_York time, as Prefect does. Call it from synchronous code.
    """
    from prefect.server.schemas.schedules import CronSchedule, RRuleSchedule

    zone = ZoneInfo(TIMEZONE)
    start = after or datetime.now(zone)
    if start.tzinfo is None:
        start = start.replace(tzinfo=zone)
    schedules: list[CronSchedule | RRuleSchedule] = [
        CronSchedule(cron=cron, timezone=TIMEZONE) for cron in CRONS
    ]
    schedules += [
        RRuleSchedule(rrule=release_day_rrule(d), timezone=TIMEZONE) for d in release_dates or []
    ]
    times: set[datetime] = set()
    for schedule in schedules:
        dates = asyncio.run(schedule.get_dates(n=n, start=start))
        times.update(datetime.fromtimestamp(d.timestamp(), tz=zone) for d in dates)
    return sorted(times)[:n]


def describe(settings: Settings, now: datetime | None = None) -> str:
    """The dry-run text: deployment, flow, schedules with their time zone, parameters and the
    next five run times."""
    zone = ZoneInfo(TIMEZONE)
    moment = now or datetime.now(zone)
    today = (moment if moment.tzinfo else moment.replace(tzinfo=zone)).astimezone(zone).date()
    days = release_days(settings, today)
    lines = [
        f"deployment: {FLOW_NAME}/{DEPLOYMENT_NAME}",
        f"flow: {FLOW_NAME} ({ENTRYPOINT})",
        f"schedule (cron, time zone {TIMEZONE}):",
        *(f"  {cron:26} {CRON_MEANINGS[cron]}" for cron in CRONS),
        f"release days (RRule, time zone {TIMEZONE}): every minute 16:00-16:30 on the "
        "release calendar's dates, then the crons above",
        *(f"  {d:%a %Y-%m-%d}  {release_day_rrule(d)!r}" for d in days),
        *([] if days else ["  none: the release calendar lists no date from today on"]),
        *_release_day_line(days),
        "concurrency: 1 run at a time; a poll due while a run is going is cancelled",
        "parameters:",
        *(f"  {name}: {value}" for name, value in deployment_parameters(settings).items()),
        f"next 5 runs ({TIMEZONE}):",
        *(f"  {t:%a %Y-%m-%d %H:%M %Z} ({_utc(t)})" for t in next_run_times(5, now, days)),
    ]
    return "\n".join(lines)


def _release_day_line(days: list[date]) -> list[str]:
    """The polls of the next release day, to see the minute window join the crons."""
    if not days:
        return []
    day = days[0]
    start = datetime(day.year, day.month, day.day, 15, 59, tzinfo=ZoneInfo(TIMEZONE))
    polls = [t for t in next_run_times(40, start, days) if t.date() == day and t.hour >= 12]
    return [f"  polls on {day}: " + " ".join(f"{t:%H:%M}" for t in polls)]


def _utc(moment: datetime) -> str:
    return f"{moment.astimezone(ZoneInfo('UTC')):%H:%M} UTC"
