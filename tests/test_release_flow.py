"""Release and backfill flows run through Prefect against real files and a loopback server."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import query
from tests.support.http_server import TicSiteServer

TABLES = ["holdings", "flows", "official_private", "revisions", "observations"]


def fingerprint(data_dir: Path) -> dict[str, tuple[int, str]]:
    """Row count and an order-independent checksum of every table's content."""
    result = {}
    for table in TABLES:
        rows = sorted(map(repr, query(data_dir, f"select * from {table}")))
        result[table] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
    return result


def test_backfill_twice_changes_nothing(
    shared_tic: Path, backfilled: Path, prefect_harness
) -> None:
    """The Prefect backfill over the warehouse the plain backfill built finds nothing new and
    leaves row counts and values unchanged."""
    from flows.release import backfill_flow

    before = fingerprint(backfilled)
    results = backfill_flow(source=str(shared_tic / "releases"), data_dir=str(backfilled))
    assert [r.outcome for r in results] == ["nothing_new"] * 3
    assert fingerprint(backfilled) == before


def test_the_flow_and_the_plain_run_build_the_same_warehouse(
    shared_tic: Path, backfilled: Path, prefect_harness, tmp_path: Path
) -> None:
    """Prefect's backfill flow (steps as tasks) and tic.run.release.run_backfill (plain steps)
    load the same values into every view."""
    from flows.release import backfill_flow

    results = backfill_flow(source=str(shared_tic / "releases"), data_dir=str(tmp_path))
    assert [r.outcome for r in results] == ["loaded"] * 3
    assert fingerprint(tmp_path) == fingerprint(backfilled)


@pytest.fixture(scope="module")
def site(shared_tic: Path):
    with TicSiteServer(shared_tic / "releases", as_of="2026-06-18") as server:
        yield server


def served(site: TicSiteServer, since: int) -> dict[str, int]:
    return {path.rsplit("/", 1)[-1]: status for path, status in site.requests_log[since:]}


def test_http_polls_load_new_vintages_only(
    site: TicSiteServer, prefect_harness, tmp_path: Path
) -> None:
    """It loads 2026-06-18 over HTTP, finds nothing new next, then loads 2026-07-14 from one
    changed file while the others answer 304."""
    from flows.release import run_release_flow

    first = run_release_flow(source=site.base_url, data_dir=str(tmp_path))
    assert (first.outcome, first.release_date) == ("loaded", date(2026, 6, 18))

    mark = len(site.requests_log)
    again = run_release_flow(source=site.base_url, data_dir=str(tmp_path))
    assert again.outcome == "nothing_new"
    assert set(served(site, mark).values()) <= {304, 404}

    site.set_as_of("2026-07-14")
    mark = len(site.requests_log)
    second = run_release_flow(source=site.base_url, data_dir=str(tmp_path))
    assert (second.outcome, second.release_date) == ("loaded", date(2026, 7, 14))
    answers = served(site, mark)
    assert answers["slt_table1.txt"] == 200
    assert {
        answers[n]
        for n in (
            "slt_table2.txt",
            "slt_table3.txt",
            "slt_table5.txt",
            "mfhhis01.txt",
            "mfh.txt",
            "s1_globl.txt",
        )
    } == {304}

    releases = query(tmp_path, "select release_date, files from releases order by 1")
    assert releases[-1] == (date(2026, 7, 14), ["slt_table1.txt"])
    revised = query(tmp_path, "select count(*) from revisions where release_date = '2026-07-14'")
    assert revised[0][0] > 0
    outcomes = query(tmp_path, "select outcome from runs order by started_at")
    assert [o for (o,) in outcomes] == ["loaded", "nothing_new", "loaded"]


def test_a_release_without_data_months_asks_for_its_date() -> None:
    """A source whose files parse to no rows cannot be dated by the calendar: the run says so
    in one line and asks for --release-date, instead of failing on max() of nothing."""
    import polars as pl

    from tic.errors import ReleaseError
    from tic.ops.calendar import load_calendar
    from tic.run.steps import resolve_release_date

    empty = {"slt_table1": pl.DataFrame({"period": []}, schema={"period": pl.Date})}
    with pytest.raises(ReleaseError, match=r"no data month .* pass --release-date YYYY-MM-DD"):
        resolve_release_date(None, "/srv/incoming", empty, load_calendar())
