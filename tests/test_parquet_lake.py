"""The incremental publish: a release adds Parquet files and leaves those of earlier releases as
they were, and the tables it updates in place equal a rebuild from every version."""

from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from tic.run.release import run_release
from tic.settings import Settings
from warehouse.load import comment_views, create_objects, ensure_objects

# Tables each publish updates for the groups and releases it touched (warehouse/sql/incremental,
# warehouse/vintages.py).
INCREMENTAL_TABLES = (
    "latest_winner",
    "latest_values",
    "revisions_all",
    "first_values",
    "source_displacements",
)

JUNE = ("2023-03-15", "2026-06-18")
JULY = "2026-07-14"
# Years no file of 2026-07-14 touches: its only file, slt_table1.txt, covers 2020-01..2026-05
# (README of the shared files), and Table 1 carries no treasury holdings of earlier years.
YEAR_JULY_LEAVES_ALONE = 2015


@dataclass(frozen=True)
class FileState:
    sha256: str
    inode: int


def lake_files(data_dir: Path, table: str) -> dict[str, FileState]:
    """Every Parquet file under parquet/<table>/: its bytes' hash and its inode."""
    root = data_dir / "parquet" / table
    return {
        str(path.relative_to(root)): FileState(
            hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_ino
        )
        for path in sorted(root.rglob("*.parquet"))
    }


@dataclass(frozen=True)
class Lake:
    data_dir: Path
    june: dict[str, dict[str, FileState]]
    july: dict[str, dict[str, FileState]]
    june_copy: Path  # the warehouse as it was before July


@pytest.fixture(scope="module")
def lake(shared_tic: Path, tmp_path_factory: pytest.TempPathFactory) -> Lake:
    """Releases 2023-03-15 and 2026-06-18 loaded by the plain run, the lake's files recorded,
    then 2026-07-14 loaded and the files recorded again."""
    data_dir = tmp_path_factory.mktemp("lake") / "data"
    settings = Settings(data_dir=data_dir)
    tables = ("observation_versions", "revisions", "holdings", "holdings_vintages")
    tables += ("holdings_first_release",)
    for release in JUNE:
        assert run_release(str(shared_tic / "releases" / release), settings).outcome == "loaded"
    june = {table: lake_files(data_dir, table) for table in tables}
    june_copy = data_dir.parent / "june"
    shutil.copytree(data_dir, june_copy, symlinks=True)
    assert run_release(str(shared_tic / "releases" / JULY), settings).outcome == "loaded"
    july = {table: lake_files(data_dir, table) for table in tables}
    return Lake(data_dir, june, july, june_copy)


def test_a_release_leaves_earlier_version_files_byte_for_byte(lake: Lake) -> None:
    """It leaves every Parquet file of earlier releases under observation_versions/ byte for
    byte as it was (the same file, not a rewritten copy) and adds the new release's folder."""
    june, july = lake.june["observation_versions"], lake.july["observation_versions"]
    assert {name.split("/")[0] for name in june} == {f"release_date={r}" for r in JUNE}
    assert {name: july[name] for name in june} == june
    added = {name.split("/")[0] for name in july.keys() - june.keys()}
    assert added == {f"release_date={JULY}"}


def test_a_release_adds_its_revisions_beside_the_earlier_ones(lake: Lake) -> None:
    """It writes revisions/ append-only too: 2026-06-18 revised nothing it loaded, 2026-07-14
    adds one folder of its own."""
    assert lake.june["revisions"] == {}
    assert {name.split("/")[0] for name in lake.july["revisions"]} == {f"release_date={JULY}"}


def test_latest_tables_rewrite_only_the_years_a_release_touched(lake: Lake) -> None:
    """It keeps the holdings files of years the release did not touch and rewrites 2026."""
    untouched = f"period_year={YEAR_JULY_LEAVES_ALONE}/"
    june, july = lake.june["holdings"], lake.july["holdings"]
    kept = {name: state for name, state in june.items() if name.startswith(untouched)}
    assert kept
    assert {name: july[name] for name in kept} == kept
    rewritten = [n for n in july if n.startswith("period_year=2026/")]
    assert rewritten
    assert all(july[n] != june.get(n) for n in rewritten)


def test_the_vintage_views_rewrite_only_open_spans_and_the_release_s_own_files(
    lake: Lake,
) -> None:
    """Inside a year 2026-07-14 touched, the vintage views keep the files of earlier releases
    (same inode) and add those of 2026-07-14: the span 2026-07-14 ended (2025-12 Grand Total
    of long-term securities, 36,479,521 as 2026-06-18 printed it) goes to its ended_ file."""
    year = "period_year=2025/"
    june, july = lake.june["holdings_first_release"], lake.july["holdings_first_release"]
    assert f"{year}first_2026-06-18.parquet" in june
    assert {n: july[n] for n in june} == june  # no value is first published twice
    assert f"{year}first_{JULY}.parquet" not in july  # 2025 was published before July

    june, july = lake.june["holdings_vintages"], lake.july["holdings_vintages"]
    # 2022: the spans 2026-06-18 ended (it revised Form S's months) stay in their own file.
    kept = {n: s for n, s in june.items() if n.startswith("period_year=2022/") and "ended_" in n}
    assert kept
    assert {n: july[n] for n in kept} == kept
    assert july[f"{year}current.parquet"] != june[f"{year}current.parquet"]
    ended = lake.data_dir / "parquet" / "holdings_vintages" / year / f"ended_{JULY}.parquet"
    rows = (
        duckdb.connect()
        .execute(
            f"select usd_millions, realtime_start::varchar, realtime_end::varchar "
            f"from read_parquet('{ended}') where country = 'Grand Total' "
            "and security = 'us_long_term' and holder = 'all' and period = date '2025-12-01'"
        )
        .fetchall()
    )
    assert rows == [(36_479_521, "2026-06-18", "2026-07-13")]


def test_every_parquet_table_equals_its_view_after_incremental_publishes(lake: Lake) -> None:
    """Each folder under parquet/, written piece by piece by three publishes, holds the rows
    of the view of its name (observation_versions: the version store without superseded_by)."""
    tables = tuple(sorted(p.name for p in (lake.data_dir / "parquet").iterdir()))
    assert len(tables) >= 14
    assert parquet_differs_from_views(lake.data_dir, tables) == dict.fromkeys(tables, 0)


def test_a_same_day_reload_of_one_file_keeps_what_the_other_files_brought(
    lake: Lake, shared_tic: Path, tmp_path: Path
) -> None:
    """A same-day copy of 2026-06-18 whose only new bytes are Table 5's (one more line end)
    reloads that file alone: the first values and the vintage files of the release's other
    files stay, so the kept tables equal a full rebuild and each vintage folder its view."""
    data_dir = tmp_path / "data"
    shutil.copytree(lake.june_copy, data_dir, symlinks=True)
    corrected = tmp_path / "2026-06-18"
    corrected.mkdir()
    table5 = (shared_tic / "releases" / "2026-06-18" / "slt_table5.txt").read_bytes()
    (corrected / "slt_table5.txt").write_bytes(table5 + b"\r\n")

    result = run_release(str(corrected), Settings(data_dir=data_dir))

    assert result.outcome == "loaded", result.message
    assert "slt_table5.txt" in result.message and "slt_table1.txt" not in result.message
    assert rebuilt_tables_differ(data_dir, tmp_path) == dict.fromkeys(INCREMENTAL_TABLES, 0)
    views = ("holdings_first_release", "flows_first_release", "holdings_vintages", "flows_vintages")
    assert parquet_differs_from_views(data_dir, views) == dict.fromkeys(views, 0)


def parquet_differs_from_views(data_dir: Path, views: tuple[str, ...]) -> dict[str, int]:
    """Rows that differ between each view and the Parquet folder of its name (all of the
    view's rows for an empty folder)."""
    con = duckdb.connect(str(data_dir / "tic.duckdb"), read_only=True)
    try:
        differing = {}
        for view in views:
            folder = data_dir / "parquet" / view
            relation = view
            if view == "observation_versions":
                relation = "(select * exclude (superseded_by) from internal.observation_versions)"
            files = f"read_parquet('{folder}/**/*.parquet', hive_partitioning = false)"
            sql = (
                f"select count(*) from ((select * from {relation} except all select * from "
                f"{files}) union all (select * from {files} except all select * from {relation}))"
            )
            if not any(folder.rglob("*.parquet")):  # an empty view writes no file
                sql = f"select count(*) from {relation}"
            row = con.execute(sql).fetchone()
            differing[view] = row[0] if row else -1
    finally:
        con.close()
    return differing


def test_the_versions_lake_holds_every_version_with_its_release(lake: Lake) -> None:
    """It holds in observation_versions/ every stored version with the release that published
    it: the Table 1 Grand Total of U.S. long-term securities for 2025-12 as 2026-06-18 printed
    it and as 2026-07-14 revised it."""
    files = lake.data_dir / "parquet" / "observation_versions" / "*" / "*.parquet"
    con = duckdb.connect()
    rows = con.execute(
        f"select release_date::varchar, usd_millions from read_parquet('{files}') "
        "where source = 'slt_table1' and country = 'Grand Total' and security = 'us_long_term' "
        "and holder = 'all' and measure = 'holdings' and period = date '2025-12-01' "
        "order by release_date"
    ).fetchall()
    # README of the shared files: 36,479,521 in the 2026-06-18 copy, 36,479,400 in 2026-07-14.
    assert rows == [("2026-06-18", 36_479_521), (JULY, 36_479_400)]


def test_a_snapshot_is_whole_before_the_link_points_at_it(lake: Lake) -> None:
    """It serves parquet/ through one link to a complete snapshot folder; no staging folder
    is left behind."""
    link = lake.data_dir / "parquet"
    assert link.is_symlink()
    snapshots = lake.data_dir / "parquet-snapshots"
    assert [p.name for p in snapshots.iterdir() if p.name.startswith(".")] == []
    assert os.readlink(link).startswith("parquet-snapshots/")


def rebuilt_tables_differ(data_dir: Path, scratch: Path) -> dict[str, int]:
    """Rows that differ, per incremental table, between the published database and a copy
    whose tables are dropped and built again from every version."""
    copy = scratch / "rebuilt.duckdb"
    shutil.copyfile(data_dir / "tic.duckdb", copy)
    con = duckdb.connect(str(copy))
    try:
        for table in INCREMENTAL_TABLES:
            con.execute(f"create table main.kept_{table} as select * from internal.{table}")
            con.execute(f"drop table internal.{table}")
        create_objects(con)
        return {
            table: con.execute(
                f"select count(*) from ((select * from kept_{table} except all "
                f"select * from internal.{table}) union all (select * from internal.{table} "
                f"except all select * from kept_{table}))"
            ).fetchone()[0]
            for table in INCREMENTAL_TABLES
        }
    finally:
        con.close()


def test_the_updated_tables_equal_a_full_rebuild(lake: Lake, tmp_path: Path) -> None:
    """It leaves the latest winners, latest values and revisions after three publishes equal
    to the same tables built from every version at once."""
    assert rebuilt_tables_differ(lake.data_dir, tmp_path) == dict.fromkeys(INCREMENTAL_TABLES, 0)


def test_a_same_day_correction_takes_back_what_it_drops(
    lake: Lake, shared_tic: Path, tmp_path: Path
) -> None:
    """It removes from the latest tables and from Parquet the month a same-day corrected copy
    of 2026-07-14 no longer carries (2026-05, the month that release added), and the updated
    tables still equal a full rebuild."""
    data_dir = tmp_path / "data"
    shutil.copytree(lake.data_dir, data_dir, symlinks=True)
    lines = (shared_tic / "releases" / JULY / "slt_table1.txt").read_bytes().split(b"\r\n")
    corrected = tmp_path / JULY
    corrected.mkdir()
    kept = [line for line in lines if b"\t2026-05\t" not in line]
    assert len(kept) < len(lines)
    (corrected / "slt_table1.txt").write_bytes(b"\r\n".join(kept))

    result = run_release(str(corrected), Settings(data_dir=data_dir))

    assert result.outcome == "loaded", result.message
    files = f"read_parquet('{data_dir}/parquet/holdings/*/*.parquet')"
    con = duckdb.connect(str(data_dir / "tic.duckdb"), read_only=True)
    try:
        in_view = con.execute(
            "select count(*) from holdings where period = date '2026-05-01'"
        ).fetchone()
        in_parquet = con.execute(
            f"select count(*) from {files} where period = date '2026-05-01'"
        ).fetchone()
    finally:
        con.close()
    assert (in_view, in_parquet) == ((0,), (0,))
    assert rebuilt_tables_differ(data_dir, tmp_path) == dict.fromkeys(INCREMENTAL_TABLES, 0)


def test_a_warehouse_from_before_printed_codes_gets_its_revisions_rebuilt(
    lake: Lake, tmp_path: Path
) -> None:
    """A revisions table written before it kept each revision's printed code is dropped and
    built again at the next publish's set-up, with the code of the version each row revised
    (Japan's Table 1 code 42609 among them), and the revisions view keeps every row."""
    copy = tmp_path / "old.duckdb"
    shutil.copyfile(lake.data_dir / "tic.duckdb", copy)
    con = duckdb.connect(str(copy))
    try:
        before = con.execute("select count(*) from revisions").fetchone()
        con.execute("alter table internal.revisions_all drop column printed_code")
        create_objects(con)
        after = con.execute("select count(*) from revisions").fetchone()
        unmatched = con.execute(
            "select count(*) from internal.revisions_all as r "
            "join internal.observation_versions as v on v.release_date = r.release_date "
            "and v.source = r.source and v.dataset = r.dataset and v.period = r.period "
            "and v.country = r.country and v.row_kind = r.row_kind and v.security = r.security "
            "and v.holder = r.holder and v.measure = r.measure "
            "where r.printed_code is distinct from v.country_code"
        ).fetchone()
        japan = con.execute(
            "select count(*) from internal.revisions_all where country = 'Japan' "
            "and source = 'slt_table1' and printed_code = 42609"
        ).fetchone()
    finally:
        con.close()
    assert before is not None and before[0] > 0 and after == before
    assert unmatched == (0,)
    assert japan is not None and japan[0] > 0


@pytest.mark.parametrize(
    "change",
    [
        "drop view releases",
        # what an older tic, run on this warehouse after this one, would leave
        "create or replace view releases as select 1 as release_date",
        "drop table internal.latest_values",  # dropped to be rebuilt from the versions
        "comment on view holdings is null",
    ],
)
def test_a_publish_runs_the_warehouse_sql_again_when_the_objects_changed(
    lake: Lake, tmp_path: Path, change: str
) -> None:
    """The publish's set-up skips the SQL files only while the objects are as they were
    built: after a change by hand or by another version, they are built again."""
    copy = tmp_path / "copy.duckdb"
    shutil.copyfile(lake.data_dir / "tic.duckdb", copy)
    con = duckdb.connect(str(copy))
    try:
        before = con.execute("select * from releases order by all").fetchall()
        latest = con.execute("select count(*) from holdings").fetchone()
        con.execute(change)
        ensure_objects(con)
        after = con.execute("select * from releases order by all").fetchall()
        rebuilt = con.execute("select count(*) from holdings").fetchone()
        comment = con.execute(
            "select comment from duckdb_views() where view_name = 'holdings'"
        ).fetchone()
    finally:
        con.close()
    assert len(before) == 3 and after == before  # the three real releases
    assert rebuilt == latest
    assert comment is not None and comment[0].startswith("Latest vintage of every holdings value.")


def test_a_publish_by_another_tic_makes_the_next_one_run_the_sql_again(
    lake: Lake, tmp_path: Path
) -> None:
    """A view another version of tic made, with the same columns and comments, is not seen in
    the catalog: while the warehouse's last publish is this tic's, the set-up skips the SQL
    and keeps it; once another tic has published, it runs the SQL and the view is this tic's
    again."""
    copy = tmp_path / "copy.duckdb"
    shutil.copyfile(lake.data_dir / "tic.duckdb", copy)
    con = duckdb.connect(str(copy))
    try:
        row = con.execute("select sql from duckdb_views() where view_name = 'releases'").fetchone()
        assert row is not None
        body = row[0].removeprefix("CREATE VIEW releases AS ").rstrip(";")
        con.execute(f"create or replace view releases as select * from ({body}) where false")
        comment_views(con)  # what any tic does after its SQL
        ensure_objects(con)
        kept = con.execute("select count(*) from releases").fetchone()
        con.execute("update internal.publish_state set publish_id = 'another tic'")
        ensure_objects(con)
        rebuilt = con.execute("select count(*) from releases").fetchone()
    finally:
        con.close()
    assert kept == (0,)
    assert rebuilt == (3,)  # 2023-03-15, 2026-06-18, 2026-07-14
