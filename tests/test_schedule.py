"""The schedule that serves the release flow, `tic serve --dry-run`, prefect.yaml and freshness."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl
import pytest
import yaml

from flows import schedule
from tests.conftest import ROOT
from tic.ops.freshness import freshness
from tic.settings import Settings, SettingsError, load_settings

NEW_YORK = ZoneInfo("America/New_York")
POLL_CRON = "5,20,35,50 16-18 * * 1-5"
CATCH_UP_CRON = "5 8 * * 1-5"
POLL_MINUTES = {(8, 5)} | {(h, m) for h in (16, 17, 18) for m in (5, 20, 35, 50)}


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


# -- schedule -------------------------------------------------------------------------------


def test_schedule_is_the_documented_cron_in_new_york() -> None:
    """It polls every 15 minutes 16:05-18:50 and at 08:05 on weekdays, Washington time."""
    assert schedule.CRONS == (POLL_CRON, CATCH_UP_CRON)
    assert schedule.TIMEZONE == "America/New_York"
    assert schedule.DEPLOYMENT_NAME == "tic-monthly"


def test_next_run_times_cross_a_weekend_and_daylight_saving() -> None:
    """From Friday 2026-03-06 18:40 EST it gives Friday's last poll, then Monday's catch-up and
    afternoon polls in EDT (clocks went forward on Sunday 2026-03-08)."""
    times = schedule.next_run_times(5, datetime(2026, 3, 6, 18, 40, tzinfo=NEW_YORK))
    assert times == [
        utc(2026, 3, 6, 23, 50),  # Fri 18:50 EST (UTC-5)
        utc(2026, 3, 9, 12, 5),  # Mon 08:05 EDT (UTC-4)
        utc(2026, 3, 9, 20, 5),  # Mon 16:05 EDT
        utc(2026, 3, 9, 20, 20),
        utc(2026, 3, 9, 20, 35),
    ]
    assert all(t.tzinfo == NEW_YORK for t in times)
    assert [t.strftime("%a %H:%M %Z") for t in times] == [
        "Fri 18:50 EST",
        "Mon 08:05 EDT",
        "Mon 16:05 EDT",
        "Mon 16:20 EDT",
        "Mon 16:35 EDT",
    ]


def test_next_run_times_reads_naive_times_in_new_york_and_includes_the_start() -> None:
    """A naive `after` is New York time, an aware one is converted, and a run time equal to
    `after` is the first one returned."""
    expected = [datetime(2026, 7, 15, 16, m, tzinfo=NEW_YORK) for m in (5, 20, 35, 50)]
    expected.append(datetime(2026, 7, 15, 17, 5, tzinfo=NEW_YORK))
    assert schedule.next_run_times(5, datetime(2026, 7, 15, 12, 0)) == expected
    assert schedule.next_run_times(5, utc(2026, 7, 15, 16, 0)) == expected  # 12:00 EDT
    assert schedule.next_run_times(2, datetime(2026, 7, 15, 16, 5)) == expected[:2]


def test_dry_run_flow_name_and_entrypoint_match_the_release_flow() -> None:
    """The dry run names the flow without importing it, so its constants must match the flow."""
    from flows.release import release_flow

    module, attribute = schedule.ENTRYPOINT.split(":")
    assert (ROOT / module).is_file() and attribute == "release_flow"
    assert release_flow.name == schedule.FLOW_NAME


def subprocess_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a fresh machine: no Prefect API, no ephemeral server, empty home."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "TIC_"))}
    env.update(
        PREFECT_HOME=str(tmp_path / "prefect-home"),
        PREFECT_SERVER_EPHEMERAL_ENABLED="false",  # any API call would fail loudly
        **extra,
    )
    return env


def test_serve_dry_run_prints_the_deployment_without_a_server(tmp_path: Path) -> None:
    """`tic serve --dry-run` prints the deployment, both crons, the time zone, the parameters and
    five future weekday run times at poll times, exits 0 in seconds, and needs no Prefect API."""
    data_dir = tmp_path / "warehouse"
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "cli.main", "serve", "--dry-run"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env=subprocess_env(tmp_path, TIC_DATA_DIR=str(data_dir)),
    )
    elapsed = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "tic-monthly" in out and "tic-release" in out
    assert POLL_CRON in out and CATCH_UP_CRON in out
    assert "America/New_York" in out
    assert f"data_dir: {data_dir}" in out
    assert "https://ticdata.treasury.gov/" in out
    assert "temporary server" not in out + done.stderr
    assert "prefect api: none set" in out
    assert elapsed < 20, f"dry run took {elapsed:.1f} s"

    stamps = re.findall(r"^  (\w{3}) (\d{4}-\d{2}-\d{2} \d{2}:\d{2}) (E[SD]T) ", out, re.M)
    assert len(stamps) == 5, out
    times = [datetime.strptime(s, "%Y-%m-%d %H:%M").replace(tzinfo=NEW_YORK) for _, s, _ in stamps]
    assert times == sorted(times) and len(set(times)) == 5
    now = datetime.now(NEW_YORK)
    assert now - timedelta(minutes=1) < times[0] < now + timedelta(days=4)  # a weekend at most
    release_days = set(schedule.release_days(Settings()))
    for (weekday, _, zone), moment in zip(stamps, times, strict=True):
        assert moment.weekday() < 5 and weekday == moment.strftime("%a")
        release_minute = moment.date() in release_days and moment.hour == 16 and moment.minute <= 30
        assert (moment.hour, moment.minute) in POLL_MINUTES or release_minute
        assert zone == moment.strftime("%Z")
    # The next release day of the shipped calendar, every minute 16:00-16:30, then the crons.
    [polls] = re.findall(r"^  polls on (\d{4}-\d{2}-\d{2}): (.*)$", out, re.M)
    assert polls[1].split()[:33] == [f"16:{m:02}" for m in range(31)] + ["16:35", "16:50"]


def test_serve_without_a_prefect_server_refuses_at_once(tmp_path: Path) -> None:
    """`tic serve` with no PREFECT_API_URL exits 2 and says to start a Prefect server, because
    Prefect's temporary server never runs the scheduler (the deployment would never run)."""
    done = subprocess.run(
        [sys.executable, "-m", "cli.main", "serve"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env=subprocess_env(tmp_path),
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "PREFECT_API_URL" in done.stderr and "prefect server start" in done.stderr


def test_serve_dry_run_imports_no_pipeline_modules(tmp_path: Path) -> None:
    """The dry run loads neither the release flow nor polars, DuckDB or Great Expectations."""
    code = (
        "import sys\n"
        "from flows.schedule import serve\n"
        "from tic.settings import load_settings\n"
        "assert serve(load_settings(), dry_run=True) == 0\n"
        "heavy = ('flows.release', 'polars', 'duckdb', 'great_expectations', 'sqlalchemy')\n"
        "print('LOADED', [m for m in heavy if m in sys.modules])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env=subprocess_env(tmp_path),
    )
    assert done.returncode == 0, done.stderr
    assert "LOADED []" in done.stdout


def test_serve_hands_the_deployment_to_prefect_serve(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Without --dry-run it calls prefect.serve with the tic-monthly deployment of release_flow,
    its two New York crons, a release-day RRule per upcoming calendar date, its parameters and a
    limit of one run at a time."""
    import prefect
    from prefect.settings import PREFECT_API_URL, temporary_settings

    served = []
    monkeypatch.setattr(prefect, "serve", lambda *d, **kw: served.append((d, kw)))
    settings = Settings(data_dir=tmp_path, source="http://127.0.0.1:9/tic/")
    with temporary_settings({PREFECT_API_URL: "http://127.0.0.1:9/api"}):
        assert schedule.serve(settings, dry_run=False) == 0
    [(deployments, options)] = served
    [deployment] = deployments
    assert deployment.name == "tic-monthly" and deployment.flow_name == "tic-release"
    crons, release_days = deployment.schedules[:2], deployment.schedules[2:]
    assert [(s.schedule.cron, s.schedule.timezone) for s in crons] == [
        (POLL_CRON, "America/New_York"),
        (CATCH_UP_CRON, "America/New_York"),
    ]
    assert [(s.schedule.rrule, s.schedule.timezone) for s in release_days] == [
        (schedule.release_day_rrule(d), "America/New_York") for d in schedule.release_days(settings)
    ]
    assert deployment.parameters == {"source": "http://127.0.0.1:9/tic/", "data_dir": str(tmp_path)}
    assert deployment.concurrency_limit == 1
    assert options == {"limit": 1}


@pytest.mark.prefect
def test_deployment_registers_and_the_server_schedules_its_runs(
    prefect_harness, tmp_path: Path, monkeypatch
) -> None:
    """Registered on a Prefect server (what `tic serve` does first), the deployment reads back
    with its crons and time zone, and the server's scheduler creates runs at the times worked
    out by hand: Friday 2027-03-12 18:50 EST, then Monday 2027-03-15 08:05 EDT; 2027-03-15 is a
    release day in the calendar given, so every minute 16:00-16:30 (and the crons' 16:05 and
    16:20 once more: the deployment's limit of one run cancels the second)."""
    import asyncio

    from prefect.settings import PREFECT_CLIENT_MAX_RETRIES, temporary_settings

    calendar = tmp_path / "calendar.csv"
    calendar.write_text("release_date,data_month\n2027-02-18,2026-12\n2027-03-15,2027-01\n")
    settings = Settings(data_dir=tmp_path, release_calendar=calendar)
    deployment = schedule.build_deployment(settings, today=date(2027, 3, 1))
    deployment_id = deployment.apply()
    try:
        with temporary_settings({PREFECT_CLIENT_MAX_RETRIES: 0}):  # a server error fails fast
            deployment, runs = asyncio.run(_read_back(deployment_id))
    finally:
        asyncio.run(_delete(deployment_id))
    assert deployment.name == "tic-monthly"
    assert {
        (getattr(s.schedule, "cron", None), s.schedule.timezone) for s in deployment.schedules
    } == {
        (POLL_CRON, "America/New_York"),
        (CATCH_UP_CRON, "America/New_York"),
        (None, "America/New_York"),
    }
    assert [s.schedule.rrule for s in deployment.schedules if hasattr(s.schedule, "rrule")] == [
        "DTSTART:20270315T160000\nRRULE:FREQ=MINUTELY;INTERVAL=1;COUNT=31"
    ]
    assert all(s.active for s in deployment.schedules)
    assert deployment.parameters["data_dir"] == str(tmp_path)
    assert deployment.global_concurrency_limit.limit == 1
    assert deployment.concurrency_options.collision_strategy.value == "CANCEL_NEW"
    # 16:00-16:30 EDT on 2027-03-15 is 20:00-20:30 UTC.
    release_minutes = [utc(2027, 3, 15, 20, minute) for minute in range(31)]
    assert sorted(run.expected_start_time for run in runs) == sorted(
        [
            utc(2027, 3, 12, 23, 50),
            utc(2027, 3, 15, 12, 5),
            *release_minutes,
            utc(2027, 3, 15, 20, 5),
            utc(2027, 3, 15, 20, 20),
        ]
    )
    assert {run.state_type.value for run in runs} == {"SCHEDULED"}


WINDOW = (
    datetime(2027, 3, 12, 18, 40, tzinfo=NEW_YORK),
    datetime(2027, 3, 15, 16, 31, tzinfo=NEW_YORK),
)


async def _read_back(deployment_id):
    """The deployment as the server holds it, and the runs the server schedules in WINDOW."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        DeploymentFilter,
        DeploymentFilterId,
        FlowRunFilter,
        FlowRunFilterExpectedStartTime,
    )
    from prefect.exceptions import PrefectHTTPStatusError

    start, end = WINDOW
    async with get_client() as client:
        deployment = await client.read_deployment(deployment_id)
        try:  # the server's own scheduling code, as its scheduler service runs it
            await client.request(
                "POST",
                "/deployments/{id}/schedule",
                path_params={"id": deployment_id},
                json={
                    "start_time": start.isoformat(),
                    "end_time": end.isoformat(),
                    "min_runs": 50,
                    "max_runs": 50,
                },
            )
        except PrefectHTTPStatusError as error:
            import sqlalchemy

            pytest.fail(
                f"the Prefect server cannot create scheduled runs, so `tic serve` would never "
                f"run: {error}. With SQLAlchemy {sqlalchemy.__version__}: Prefect 3.8's insert "
                "of scheduled runs fails on SQLAlchemy 2.1 ('Can't evaluate bulk DML "
                "statement'); pin sqlalchemy>=2.0,<2.1 in pyproject.toml",
                pytrace=False,
            )
        runs = await client.read_flow_runs(
            deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id])),
            flow_run_filter=FlowRunFilter(
                expected_start_time=FlowRunFilterExpectedStartTime(after_=start, before_=end)
            ),
        )
    return deployment, runs


async def _delete(deployment_id) -> None:
    from prefect.client.orchestration import get_client

    async with get_client() as client:
        await client.delete_deployment(deployment_id)


# -- prefect.yaml ----------------------------------------------------------------------------


def test_prefect_yaml_declares_the_same_deployment_for_a_work_pool() -> None:
    """prefect.yaml passes Prefect's own prefect.yaml model and names the release flow, the same
    crons and time zone as flows/schedule.py, the process pool `tic-pool`, one run at a time and
    a set_working_directory pull step."""
    from prefect.cli.deploy._models import PrefectYamlModel

    raw = yaml.safe_load((ROOT / "prefect.yaml").read_text())
    PrefectYamlModel.model_validate(raw)
    [deployment] = raw["deployments"]
    assert deployment["name"] == schedule.DEPLOYMENT_NAME
    assert deployment["entrypoint"] == schedule.ENTRYPOINT
    crons = [s for s in deployment["schedules"] if "cron" in s]
    rrules = [s for s in deployment["schedules"] if "rrule" in s]
    assert [(s["cron"], s["timezone"]) for s in crons] == [
        (POLL_CRON, "America/New_York"),
        (CATCH_UP_CRON, "America/New_York"),
    ]
    # Release days: the calendar's dates from the first one listed on, each its minute window.
    first = date(
        *(int(p) for p in re.findall(r"DTSTART:(\d{4})(\d{2})(\d{2})", rrules[0]["rrule"])[0])
    )
    expected = schedule.release_days(Settings(), today=first)
    assert [(s["rrule"], s["timezone"]) for s in rrules] == [
        (schedule.release_day_rrule(d), "America/New_York") for d in expected
    ]
    assert deployment["work_pool"]["name"] == "tic-pool"
    assert deployment["concurrency_limit"]["limit"] == 1
    assert set(deployment["parameters"]) == {"source", "data_dir"}
    [step] = raw["pull"]
    assert list(step) == ["prefect.deployments.steps.set_working_directory"]


@pytest.mark.prefect
def test_prefect_deploy_all_registers_the_work_pool_deployment(
    prefect_harness, tmp_path: Path
) -> None:
    """`prefect deploy --all` reads prefect.yaml and registers tic-release/tic-monthly on the
    `tic-pool` process pool with both New York crons, one run at a time and the pull step."""
    import asyncio

    from prefect.settings import PREFECT_API_URL

    env = subprocess_env(
        tmp_path, PREFECT_API_URL=PREFECT_API_URL.value(), TIC_PROJECT_DIR=str(ROOT)
    )
    for command in (
        ["work-pool", "create", "tic-pool", "--type", "process", "--overwrite"],
        ["--no-prompt", "deploy", "--all"],
    ):
        done = subprocess.run(
            [sys.executable, "-m", "prefect", *command],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stdout + done.stderr
    deployment = asyncio.run(_read_and_delete("tic-release/tic-monthly"))
    assert deployment.work_pool_name == "tic-pool"
    assert deployment.entrypoint == "flows/release.py:release_flow"
    assert {
        (getattr(s.schedule, "cron", None), s.schedule.timezone) for s in deployment.schedules
    } == {
        (POLL_CRON, "America/New_York"),
        (CATCH_UP_CRON, "America/New_York"),
        (None, "America/New_York"),  # the release-day RRules
    }
    assert deployment.global_concurrency_limit.limit == 1
    assert deployment.pull_steps == [
        {"prefect.deployments.steps.set_working_directory": {"directory": str(ROOT)}}
    ]


async def _read_and_delete(name: str):
    from prefect.client.orchestration import get_client

    async with get_client() as client:
        deployment = await client.read_deployment_by_name(name)
        await client.delete_deployment(deployment.id)
    return deployment


# -- freshness --------------------------------------------------------------------------------

CALENDAR = pl.DataFrame(
    [  # (release_date, data_month); 2025-11-18 carried two months after the shutdown
        (date(2025, 9, 18), date(2025, 7, 1)),
        (date(2025, 11, 18), date(2025, 8, 1)),
        (date(2025, 11, 18), date(2025, 9, 1)),
        (date(2025, 12, 18), date(2025, 10, 1)),
        (date(2026, 5, 18), date(2026, 3, 1)),
        (date(2026, 6, 18), date(2026, 4, 1)),
    ],
    schema=["release_date", "data_month"],
    orient="row",
)


def test_freshness_on_time() -> None:
    """The newest release due by today is loaded: not overdue, nothing owed."""
    report = freshness(CALENDAR, date(2026, 6, 18), date(2026, 6, 25))
    assert (report.expected_release_date, report.expected_data_month) == (
        date(2026, 6, 18),
        date(2026, 4, 1),
    )
    assert report.latest_loaded_release == date(2026, 6, 18)
    assert (report.days_overdue, report.is_overdue) == (0, False)
    assert report.message.startswith("up to date")


def test_freshness_overdue_by_five_days() -> None:
    """Five days after 2026-06-18 with only 2026-05-18 loaded it is overdue (more than 3 days),
    and the message names the missing release, its data month and the latest loaded one."""
    report = freshness(CALENDAR, date(2026, 5, 18), date(2026, 6, 23))
    assert (report.expected_release_date, report.days_overdue, report.is_overdue) == (
        date(2026, 6, 18),
        5,
        True,
    )
    assert "2026-06-18" in report.message and "2026-04" in report.message
    assert "2026-05-18" in report.message and report.message.startswith("OVERDUE")


def test_freshness_waits_max_days_overdue_before_calling_a_release_overdue() -> None:
    """Three days late is still waiting with the default; a limit of 2 makes it overdue."""
    assert not freshness(CALENDAR, date(2026, 5, 18), date(2026, 6, 21)).is_overdue
    late = freshness(CALENDAR, date(2026, 5, 18), date(2026, 6, 21), max_days_overdue=2)
    assert (late.days_overdue, late.is_overdue) == (3, True)
    assert freshness(CALENDAR, date(2026, 5, 18), date(2026, 6, 18)).message.startswith("due today")


def test_freshness_follows_the_merged_shutdown_release() -> None:
    """No release was due in October 2025 (the shutdown moved August and September 2025 to
    2025-11-18), so 2025-09-18 is current until then; after it, 2025-11-18 with data month
    2025-09 is expected."""
    october = freshness(CALENDAR, date(2025, 9, 18), date(2025, 10, 20))
    assert (october.expected_release_date, october.is_overdue) == (date(2025, 9, 18), False)
    after = freshness(CALENDAR, date(2025, 9, 18), date(2025, 11, 24))
    assert (after.expected_release_date, after.expected_data_month) == (
        date(2025, 11, 18),
        date(2025, 9, 1),
    )
    assert (after.days_overdue, after.is_overdue, after.releases_behind) == (6, True, 1)
    loaded = freshness(CALENDAR, date(2025, 11, 18), date(2025, 11, 24))
    assert not loaded.is_overdue


def test_freshness_counts_every_missed_release() -> None:
    """Two days after 2026-06-18 with only 2025-12-18 loaded, 2026-05-18 is weeks late too:
    overdue, two releases behind, and the message says since when."""
    report = freshness(CALENDAR, date(2025, 12, 18), date(2026, 6, 20))
    assert (report.days_overdue, report.releases_behind, report.is_overdue) == (2, 2, True)
    assert "2 releases behind since 2026-05-18" in report.message
    single = freshness(CALENDAR, date(2026, 5, 18), date(2026, 6, 20))
    assert (single.releases_behind, single.is_overdue) == (1, False)


def test_freshness_with_nothing_loaded() -> None:
    """An empty warehouse is overdue once the newest due release is more than 3 days old."""
    report = freshness(CALENDAR, None, date(2026, 7, 1))
    assert report.latest_loaded_release is None
    assert (report.expected_release_date, report.days_overdue, report.is_overdue) == (
        date(2026, 6, 18),
        13,
        True,
    )
    assert report.releases_behind == 5  # every distinct release date in CALENDAR
    assert "nothing loaded" in report.message


def test_freshness_before_the_calendar_starts() -> None:
    """Before the first release in the calendar nothing is expected."""
    report = freshness(CALENDAR, None, date(2025, 1, 1))
    assert report.expected_release_date is None and not report.is_overdue


def test_shipped_calendar_has_the_merged_release() -> None:
    """The shipped calendar gives 2025-11-18 both August and September 2025."""
    from tic.ops.calendar import load_calendar

    merged = load_calendar().filter(pl.col("release_date") == date(2025, 11, 18))
    assert sorted(merged["data_month"].to_list()) == [date(2025, 8, 1), date(2025, 9, 1)]


def test_max_days_overdue_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """TIC_MAX_DAYS_OVERDUE sets the limit (default 3) and a bad value says what is wrong."""
    monkeypatch.delenv("TIC_MAX_DAYS_OVERDUE", raising=False)
    assert load_settings().max_days_overdue == 3
    monkeypatch.setenv("TIC_MAX_DAYS_OVERDUE", "7")
    assert load_settings().max_days_overdue == 7
    monkeypatch.setenv("TIC_MAX_DAYS_OVERDUE", "a week")
    with pytest.raises(SettingsError, match="TIC_MAX_DAYS_OVERDUE='a week'"):
        load_settings()
    monkeypatch.setenv("TIC_MAX_DAYS_OVERDUE", "-1")
    with pytest.raises(SettingsError, match="TIC_MAX_DAYS_OVERDUE='-1'"):
        load_settings()


def test_status_reports_freshness_without_a_warehouse(tmp_path: Path) -> None:
    """`tic status` on an empty data directory says nothing is loaded and, five days after the
    2026-06-18 release, that it is overdue."""
    from warehouse.status import status_text

    text = status_text(Settings(data_dir=tmp_path), today=date(2026, 6, 23))
    assert "no warehouse" in text
    assert "freshness on 2026-06-23 (America/New_York): OVERDUE" in text
    assert "release 2026-06-18 (data month 2026-04)" in text


@pytest.mark.prefect
def test_status_reports_freshness_of_the_backfilled_warehouse(
    backfilled: Path, monkeypatch
) -> None:
    """With the real releases up to 2026-07-14 loaded, `tic status` is up to date on 2026-07-20
    and, with TIC_MAX_DAYS_OVERDUE=5, calls 2026-08-17 overdue on 2026-08-24."""
    from warehouse.status import status_text

    on_time = status_text(Settings(data_dir=backfilled), today=date(2026, 7, 20))
    assert (
        "freshness on 2026-07-20 (America/New_York): up to date: release 2026-07-14 "
        "(data month 2026-05) is loaded"
    ) in on_time
    late = status_text(Settings(data_dir=backfilled, max_days_overdue=5), today=date(2026, 8, 24))
    assert "OVERDUE: release 2026-08-17 (data month 2026-06) is not loaded 7 days" in late
    assert "allowed 5" in late and "latest loaded 2026-07-14" in late
