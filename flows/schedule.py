"""The scheduled deployment `tic-monthly`: polls the Treasury on business-day afternoons, and
every minute from 16:00 to 16:30 on the release calendar's dates.

`tic serve` serves it with Prefect (`prefect.serve`, runs execute on this machine);
`tic serve --dry-run` prints what would be served and the next run times, registering nothing.
For work pools on several machines, prefect.yaml declares the same deployment.

Only `serve(dry_run=False)` imports the release flow (polars, DuckDB, Great Expectations);
the dry run needs Prefect's schedule arithmetic and nothing else, and never calls an API.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from tic.settings import Settings

if TYPE_CHECKING:
    from prefect.deployments.runner import RunnerDeployment

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


def _schedules(release_dates: list[date]) -> list[Any]:
    from prefect.schedules import Cron, RRule

    crons = [Cron(cron, timezone=TIMEZONE) for cron in CRONS]
    return crons + [RRule(release_day_rrule(d), timezone=TIMEZONE) for d in release_dates]


def _concurrency_limit() -> Any:
    """One run at a time: a poll that finds the previous one still running is cancelled
    (queueing would only stack up polls that would find nothing new)."""
    from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy

    return ConcurrencyLimitConfig(limit=1, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW)


def build_deployment(settings: Settings, today: date | None = None) -> RunnerDeployment:
    """The `tic-monthly` deployment of release_flow, with its schedules (release days from
    ``today``, default today in New York) and parameters."""
    from flows.release import release_flow

    deployment: RunnerDeployment = release_flow.to_deployment(  # type: ignore[assignment]
        name=DEPLOYMENT_NAME,
        schedules=_schedules(release_days(settings, today)),
        parameters=deployment_parameters(settings),
        concurrency_limit=_concurrency_limit(),
        description="Poll the Treasury's TIC documents and load any new release as a vintage.",
        tags=["tic"],
    )
    return deployment


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


def prefect_api_url() -> str | None:
    """The Prefect API `tic serve` would register with (environment or Prefect profile)."""
    from prefect.settings import PREFECT_API_URL

    return PREFECT_API_URL.value() or None


NO_SERVER = (
    "tic serve: no Prefect server configured (PREFECT_API_URL is not set). Schedules need a "
    "running server: Prefect's temporary server does not run the scheduler. Start one with "
    "`prefect server start`, then `prefect config set PREFECT_API_URL=http://127.0.0.1:4200/api`"
)


def serve(settings: Settings, dry_run: bool) -> int:
    """Serve the deployment until Ctrl-C, or with dry_run print it and return at once."""
    if dry_run:
        print(describe(settings))
        api = prefect_api_url()
        print(
            f"prefect api: {api} (not contacted)"
            if api
            else "prefect api: none set; `tic serve` needs one (`prefect server start`)"
        )
        print("dry run: nothing registered")
        return 0
    if prefect_api_url() is None:
        print(NO_SERVER, file=sys.stderr)
        return 2
    import prefect

    # limit=1: this process runs one flow at a time, whatever the server asks.
    prefect.serve(build_deployment(settings), limit=1)
    return 0
