"""On a release day a release is loaded within 2 minutes of appearing on the site.

Two halves, because waiting for real minutes on 4 p.m. of a release day is not a test:

1. The production schedule (computed by Prefect's own schedule code, as the server does)
   polls every minute from 16:00 to 16:30 New York time on the calendar's release dates, so a
   release that appears in that window waits at most 60 s for the next poll.
2. The same poll cadence on a clock sped up 30 times (a poll every 2 s instead of 60 s), with
   real flow runs on the Prefect server against the loopback site, which switches from the
   2026-06-18 files to the 2026-07-14 ones at a moment the test chooses. The loaded run's
   own duration is real (not scaled), so appearance-to-loaded is at most one scaled gap plus
   that duration; the production bound is one real gap (60 s) plus the same duration, which
   the test requires to stay under 120 s.
"""

from __future__ import annotations

import itertools
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from flows import schedule
from tests.support.http_server import TicSiteServer
from tic.settings import Settings

NEW_YORK = ZoneInfo("America/New_York")
SPEED_UP = 30  # the sped-up clock: one production minute is 2 s
# 2026-12-15 is a release date in tic/ops/release_calendar.csv (data month 2026-10), a Tuesday.
RELEASE_DAY = date(2026, 12, 15)


def production_polls(day: date) -> list[datetime]:
    """Every poll the production schedule makes on `day` from 15:59 New York time to 17:00."""
    start = datetime(day.year, day.month, day.day, 15, 59, tzinfo=NEW_YORK)
    times = schedule.next_run_times(60, start, schedule.release_days(Settings(), day))
    return [t for t in times if t < start + timedelta(minutes=61)]


def test_release_days_are_polled_every_minute_from_four_to_half_past() -> None:
    """On a calendar release date the polls are 16:00, 16:01, ... 16:30 (31 polls a minute
    apart), then the usual 16:35 and 16:50; on the business day before, 16:05 is the first."""
    polls = production_polls(RELEASE_DAY)
    minutes = [f"{t:%H:%M}" for t in polls]
    assert minutes == [f"16:{m:02}" for m in range(31)] + ["16:35", "16:50"]
    gaps = {b - a for a, b in itertools.pairwise(polls[:31])}
    assert gaps == {timedelta(minutes=1)}

    day_before = [f"{t:%H:%M}" for t in production_polls(date(2026, 12, 14))]
    assert day_before == ["16:05", "16:20", "16:35", "16:50"]


@pytest.mark.prefect
def test_a_release_is_loaded_within_two_minutes_of_appearing(
    shared_tic: Path, prefect_harness, tmp_path: Path
) -> None:
    """The loopback site switches to the 2026-07-14 files at a chosen moment between polls;
    polling at the release-day cadence (sped up) loads it one gap plus one run later."""
    from flows.release import run_release_flow

    polls = production_polls(RELEASE_DAY)
    gap_s = (polls[1] - polls[0]).total_seconds() / SPEED_UP  # 60 s in production: 2 s
    data_dir = tmp_path / "data"
    with TicSiteServer(shared_tic / "releases", "2026-06-18") as site:
        first = run_release_flow(source=site.base_url, data_dir=str(data_dir))
        assert (first.outcome, first.release_date) == ("loaded", date(2026, 6, 18))

        appears_at = time.time() + 2.5 * gap_s  # between two polls, not on one
        site.switch_at(appears_at, "2026-07-14")
        polls_run: list[tuple[float, float, str]] = []  # (started, finished, outcome)
        next_poll = time.time()
        while time.time() < appears_at + 30 * gap_s:
            time.sleep(max(0.0, next_poll - time.time()))
            started = time.time()
            result = run_release_flow(source=site.base_url, data_dir=str(data_dir))
            polls_run.append((started, time.time(), result.outcome))
            if result.outcome == "loaded":
                break
            # The next due poll; one that fell due during this run was cancelled (limit 1).
            while next_poll <= polls_run[-1][1]:
                next_poll += gap_s
        else:
            pytest.fail(f"never loaded: {polls_run}")

    assert result.release_date == date(2026, 7, 14)
    *quiet, (started, finished, outcome) = polls_run
    assert {o for _, _, o in quiet} == {"nothing_new"} and outcome == "loaded"
    # The loading poll is the first one due after the files appeared and the poll running at
    # that moment (if any: it fetched the old files) had finished.
    busy_until = max([appears_at] + [f for s, f, _ in quiet if s <= appears_at])
    assert started <= busy_until + gap_s + 0.5
    quiet_s = max(f - s for s, f, _ in quiet)
    run_s = finished - started
    loaded_after_s = finished - appears_at
    # Production: at most one quiet poll still running, one minute's wait, then the run.
    production_bound_s = quiet_s + 60.0 + run_s
    print(
        f"sped up: loaded {loaded_after_s:.1f} s after appearing; quiet poll {quiet_s:.1f} s, "
        f"loading run {run_s:.1f} s; production bound {production_bound_s:.1f} s"
    )
    assert production_bound_s < 120.0


def test_the_site_switches_its_files_at_the_chosen_moment(shared_tic: Path) -> None:
    """TicSiteServer.switch_at serves the old files before the moment and the new ones
    after it (2026-07-14 changed only slt_table1.txt)."""
    import requests

    with TicSiteServer(shared_tic / "releases", "2026-06-18") as site:
        site.switch_at(time.time() + 0.5, "2026-07-14")
        before = requests.get(site.base_url + "slt_table1.txt", timeout=10)
        time.sleep(0.6)
        after = requests.get(site.base_url + "slt_table1.txt", timeout=10)
    june = (shared_tic / "releases" / "2026-06-18" / "slt_table1.txt").read_bytes()
    july = (shared_tic / "releases" / "2026-07-14" / "slt_table1.txt").read_bytes()
    assert before.content == june and after.content == july
