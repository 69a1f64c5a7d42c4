"""Operating `tic` as a newsroom would: alerts to a webhook, quiet no-change polls, one line
per failure on stderr, a source checked before anything starts.

Every test runs the `tic` command as a child process against real files, a loopback copy of
the Treasury site and a loopback webhook receiver, reporting to the session's Prefect server.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import ROOT, query
from tests.support.http_server import Status, TicSiteServer
from tests.support.webhook import WebhookReceiver

pytestmark = pytest.mark.prefect

# Line 7248 of the real 2026-07-14 slt_table1.txt: Foreign Official, 2026-05, holdings of all
# U.S. long-term securities 6,816,025; raised above the Grand Total (39,173,511, line 7171).
OFFICIAL_2026_05 = "Of Which: Foreign Official\t99990\t2026-05\t6816025\t"
OFFICIAL_ABOVE_TOTAL = "Of Which: Foreign Official\t99990\t2026-05\t49816025\t"


@dataclass(frozen=True)
class Cli:
    code: int
    stdout: str
    stderr: str


def tic(*args: str, **env_extra: str) -> Cli:
    """`python -m cli.main <args>` as a child process, on the session's Prefect server."""
    from prefect.settings import PREFECT_API_URL

    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "TIC_"))}
    env.update(
        {
            "PREFECT_API_URL": PREFECT_API_URL.value() or "",
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            **env_extra,
        }
    )
    done = subprocess.run(
        [sys.executable, "-m", "cli.main", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return Cli(done.returncode, done.stdout, done.stderr)


def free_port() -> int:
    with socket.socket() as probe:  # free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def file_state(path: Path) -> tuple[str, int]:
    """(sha256, mtime in ns) of a file: changes if anything rewrote it."""
    return hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns


@pytest.fixture()
def warehouse(backfilled: Path, prefect_harness, tmp_path: Path) -> Path:
    """A copy of the backfilled warehouse (all three real releases loaded); the `tic` child
    processes report to the session's Prefect server."""
    return Path(shutil.copytree(backfilled, tmp_path / "data", symlinks=True))


@pytest.fixture()
def bad_july(shared_tic: Path, tmp_path: Path) -> Path:
    """2026-07-14 with the Foreign Official's May holdings above the Grand Total."""
    folder = tmp_path / "bad" / "2026-07-14"
    folder.mkdir(parents=True)
    text = (shared_tic / "releases" / "2026-07-14" / "slt_table1.txt").read_bytes().decode()
    assert text.count(OFFICIAL_2026_05) == 1
    (folder / "slt_table1.txt").write_text(
        text.replace(OFFICIAL_2026_05, OFFICIAL_ABOVE_TOTAL), newline=""
    )
    return folder


# -- alerts ------------------------------------------------------------------------------------


def test_a_loaded_release_alerts_and_an_overdue_release_alerts_once(
    shared_tic: Path, prefect_harness, tmp_path: Path
) -> None:
    """Loading the 2023-03-15 folder into an empty warehouse POSTs `loaded` with the release
    date and its report, then `overdue` for the calendar's newest release (the warehouse lacks
    every release since); a second run, which finds nothing new, sends no second `overdue`."""
    data_dir = tmp_path / "data"
    source = str(shared_tic / "releases" / "2023-03-15")
    with WebhookReceiver() as hook:
        first = tic(
            "run", "--source", source, "--data-dir", str(data_dir), TIC_ALERT_WEBHOOK=hook.url
        )
        assert first.code == 0, first.stderr
        again = tic(
            "run", "--source", source, "--data-dir", str(data_dir), TIC_ALERT_WEBHOOK=hook.url
        )
        assert again.code == 0, again.stderr
        assert again.stdout.startswith("nothing new at ")
        posts = hook.posts

    assert [p["event"] for p in posts] == ["loaded", "overdue"]
    loaded, overdue = posts
    assert set(loaded) - {"_content_type"} == {
        "event",
        "text",
        "release_date",
        "file",
        "check",
        "report",
        "data_dir",
    }
    assert loaded["_content_type"] == "application/json"
    assert loaded["release_date"] == "2023-03-15"  # the folder's name
    assert loaded["text"].startswith("loaded release 2023-03-15: mfh.txt, s1_globl.txt")
    assert "\n" not in loaded["text"]
    assert Path(loaded["report"]).is_file()
    assert loaded["data_dir"] == str(data_dir)
    # The calendar's newest release on or before today, by hand from the shipped CSV.
    calendar = (ROOT / "tic" / "ops" / "release_calendar.csv").read_text().splitlines()[1:]
    today = datetime.now(ZoneInfo("America/New_York")).date().isoformat()  # Washington's day
    expected = max(line.split(",")[0] for line in calendar if line.split(",")[0] <= today)
    assert overdue["release_date"] == expected
    assert overdue["text"].startswith(f"OVERDUE: release {expected} ")
    sent = json.loads((data_dir / "alerts-sent.json").read_text())
    assert sent == {"overdue": [expected]}


def test_a_quarantine_alerts_with_file_check_rows_and_report(
    warehouse: Path, bad_july: Path
) -> None:
    """A quarantined release POSTs `quarantined` naming the file, the failed check, the example
    row (Grand Total line 7171) and the report; nothing else is sent for it."""
    with WebhookReceiver() as hook:
        result = tic(
            "run", "--source", str(bad_july), "--release-date", "2026-08-17",
            "--data-dir", str(warehouse), TIC_ALERT_WEBHOOK=hook.url,
        )  # fmt: skip
        posts = [p for p in hook.posts if p["event"] != "overdue"]

    assert result.code == 1
    [alert] = posts
    assert alert["event"] == "quarantined"
    assert alert["file"] == "slt_table1.txt"
    assert alert["check"] == "official_plus_private_equals_total"
    assert "line 7171" in alert["text"]
    assert alert["release_date"] == "2026-08-17"
    assert Path(alert["report"]).is_file()
    assert Path(alert["report"]).is_relative_to(warehouse / "quarantine")


def test_a_failed_run_alerts_with_its_one_line_reason(warehouse: Path, releases_site) -> None:
    """A run that fails (a required file answers 404) POSTs `failed` with the same one line
    the command prints on stderr."""
    releases_site.inject("slt_table3.txt", Status(404, times=5))
    with WebhookReceiver() as hook:
        result = tic(
            "run", "--source", releases_site.base_url, "--data-dir", str(warehouse),
            TIC_ALERT_WEBHOOK=hook.url,
        )  # fmt: skip
        posts = [p for p in hook.posts if p["event"] != "overdue"]

    assert result.code == 1
    [line] = result.stderr.splitlines()
    [alert] = posts
    assert alert["event"] == "failed"
    assert "slt_table3.txt" in alert["text"] and "not found (404)" in alert["text"]
    assert alert["text"] == "tic run failed: " + line.removeprefix("tic run: ")


@pytest.mark.parametrize("webhook", ["refused", "answers 500"])
def test_a_dead_webhook_never_fails_the_run(
    shared_tic: Path, prefect_harness, tmp_path: Path, webhook: str
) -> None:
    """With a webhook that refuses connections or answers 500, the release still loads and the
    command exits 0; the undelivered alert is only logged."""
    source = str(shared_tic / "releases" / "2023-03-15")
    data_dir = tmp_path / "data"
    if webhook == "refused":
        result = tic(
            "run", "--source", source, "--data-dir", str(data_dir),
            TIC_ALERT_WEBHOOK=f"http://127.0.0.1:{free_port()}/hook",
        )  # fmt: skip
    else:
        with WebhookReceiver(status=500) as hook:
            result = tic(
                "run", "--source", source, "--data-dir", str(data_dir), TIC_ALERT_WEBHOOK=hook.url
            )
            assert hook.events[:1] == ["loaded"]  # it was tried
    assert result.code == 0, result.stderr
    assert result.stdout.startswith("loaded release 2023-03-15")
    assert not (data_dir / "alerts-sent.json").exists()  # overdue not delivered: tried again
    assert query(data_dir, "select release_date from releases") == [(date(2023, 3, 15),)]


# -- quiet no-change polls ---------------------------------------------------------------------


@pytest.fixture()
def releases_site(shared_tic: Path):
    """The loopback Treasury site as of 2026-07-14 (all three real releases)."""
    with TicSiteServer(shared_tic / "releases", "2026-07-14") as site:
        yield site


def test_a_no_change_poll_writes_nothing_to_the_database(
    warehouse: Path, releases_site: TicSiteServer, bad_july: Path
) -> None:
    """A poll that finds every file as loaded leaves tic.duckdb byte for byte and its mtime
    as they were, and records its run in runs.jsonl; `tic status` and `tic sql` show that run
    as the last one; the next run that writes the database (here a quarantine) merges it into
    the stored runs and empties the log."""
    database = warehouse / "tic.duckdb"
    before = file_state(database)
    stored_runs = query(warehouse, "select count(*) from runs")[0][0]

    poll = tic("run", "--source", releases_site.base_url, "--data-dir", str(warehouse))
    assert poll.code == 0, poll.stderr
    assert poll.stdout.startswith(f"nothing new at {releases_site.base_url}")
    assert file_state(database) == before
    [logged] = [json.loads(line) for line in (warehouse / "runs.jsonl").read_text().splitlines()]
    assert logged["outcome"] == "nothing_new"

    status = tic("status", "--data-dir", str(warehouse))
    assert "-> nothing_new" in status.stdout, status.stdout
    shown = tic("sql", "select run_id, outcome from runs limit 1", "--format", "csv",
                "--data-dir", str(warehouse))  # fmt: skip
    assert shown.stdout.splitlines()[1] == f"{logged['run_id']},nothing_new"
    assert query(warehouse, "select count(*) from runs")[0][0] == stored_runs

    rejected = tic(
        "run", "--source", str(bad_july), "--release-date", "2026-08-17",
        "--data-dir", str(warehouse),
    )  # fmt: skip
    assert rejected.code == 1
    assert not (warehouse / "runs.jsonl").exists()
    merged = query(warehouse, "select outcome from runs where run_id = ?", [logged["run_id"]])
    assert merged == [("nothing_new",)]
    assert query(warehouse, "select count(*) from runs")[0][0] == stored_runs + 2


# -- one line per failure; the source checked first --------------------------------------------


def test_a_bad_source_writes_nothing_and_starts_no_prefect(tmp_path: Path) -> None:
    """`tic run --source /nonexistent` and `tic backfill` of a folder without release folders
    print one line each, exit 1 and create no data directory. Prefect's temporary server is
    disabled and no API is set, so reaching Prefect at all would fail with another message."""
    data_dir = tmp_path / "data"
    fresh = {"PREFECT_SERVER_EPHEMERAL_ENABLED": "false", "PREFECT_HOME": str(tmp_path / "ph")}
    cases = [
        (["run", "--source", str(tmp_path / "nonexistent")], "is not a folder or an http(s) URL"),
        (["run", "--source", str(tmp_path)], "holds none of the TIC files"),
        (["run", "--source", "http://tic-site.invalid/"], "(DNS lookup failed"),
        (["backfill", "--source", str(tmp_path)], "holds no release folders named YYYY-MM-DD"),
    ]
    for args, reason in cases:
        result = tic(*args, "--data-dir", str(data_dir))
        env_result = tic(*args, "--data-dir", str(data_dir), PREFECT_API_URL="", **fresh)
        for done in (result, env_result):
            [line] = done.stderr.splitlines()
            assert done.code == 1
            assert line.startswith(f"tic {args[0]}: ") and reason in line, line
    assert not data_dir.exists()


def test_a_failing_run_prints_one_line_and_the_traceback_only_with_verbose(
    warehouse: Path, releases_site: TicSiteServer, bad_july: Path
) -> None:
    """A failed run and a quarantine print exactly one line on stderr; with --verbose the
    failure's traceback comes first and the one line last."""
    releases_site.inject("slt_table3.txt", Status(404, times=5))
    failed = tic("run", "--source", releases_site.base_url, "--data-dir", str(warehouse))
    [line] = failed.stderr.splitlines()
    assert failed.code == 1
    assert line.startswith("tic run: slt_table3.txt from ") and "not found (404)" in line

    quarantined = tic(
        "run", "--source", str(bad_july), "--release-date", "2026-08-17",
        "--data-dir", str(warehouse),
    )  # fmt: skip
    [line] = quarantined.stderr.splitlines()
    assert quarantined.code == 1
    assert line.startswith("tic run: release 2026-08-17 quarantined: slt_table1.txt: ")

    releases_site.inject("slt_table3.txt", Status(404, times=5))
    verbose = tic(
        "run", "--source", releases_site.base_url, "--data-dir", str(warehouse), "--verbose"
    )
    lines = verbose.stderr.splitlines()
    assert verbose.code == 1
    assert "Traceback (most recent call last):" in verbose.stderr
    assert lines[-1].startswith("tic run: slt_table3.txt from ")


def test_a_failure_in_an_empty_data_dir_creates_no_warehouse(
    releases_site: TicSiteServer, prefect_harness, tmp_path: Path
) -> None:
    """A run that fails before there is a warehouse (a required file answers 404) records the
    failure in runs.jsonl only, never a new tic.duckdb; `tic status` shows it as the last run."""
    releases_site.inject("slt_table3.txt", Status(404, times=5))
    data_dir = tmp_path / "data"
    failed = tic("run", "--source", releases_site.base_url, "--data-dir", str(data_dir))
    assert failed.code == 1
    assert not (data_dir / "tic.duckdb").exists()
    [logged] = [json.loads(line) for line in (data_dir / "runs.jsonl").read_text().splitlines()]
    assert logged["outcome"] == "failed" and "slt_table3.txt" in logged["message"]
    status = tic("status", "--data-dir", str(data_dir))
    assert "no warehouse at" in status.stdout
    assert "-> failed" in status.stdout, status.stdout
