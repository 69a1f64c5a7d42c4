"""The PostgreSQL mirror, against a real server: values, keys, comments, the reader role, a
publish under readers, and a run whose server is down."""

from __future__ import annotations

import itertools
import re
import shutil
import threading
import time
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.conftest import ROOT, query
from tests.support.postgres import PostgresServer
from tic.run.release import run_backfill, run_release
from tic.settings import Settings
from warehouse.mirror import MirrorError, mirror_warehouse

HOLDINGS_KEY = "period, country, security, holder"
_databases = itertools.count()


@pytest.fixture
def pg_url(postgres_server: PostgresServer) -> str:
    """A fresh database on the session's server."""
    return postgres_server.create_database(f"tic_test_{next(_databases)}")


def pg_rows(url: str, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as con:
        return con.execute(sql.encode(), params).fetchall()


@pytest.fixture(scope="module")
def mirrored(backfilled: Path, postgres_server: PostgresServer) -> str:
    """The backfilled warehouse mirrored once into its own database."""
    url = postgres_server.create_database("tic_mirrored")
    mirror_warehouse(backfilled / "tic.duckdb", url, "tic_reader")
    return url


def test_holdings_in_postgres_equal_duckdb(backfilled: Path, mirrored: str) -> None:
    """It copies every holdings row with the same values as DuckDB's view, in DATE, INTEGER,
    DOUBLE PRECISION and TEXT columns."""
    order = f"select * from {{}}holdings order by {HOLDINGS_KEY}"
    assert pg_rows(mirrored, order.format("tic.")) == query(backfilled, order.format(""))
    types = pg_rows(
        mirrored,
        "select column_name, data_type from information_schema.columns "
        "where table_schema = 'tic' and table_name = 'holdings' order by ordinal_position",
    )
    assert types == [
        ("period", "date"),
        ("country", "text"),
        ("country_code", "integer"),
        ("security", "text"),
        ("holder", "text"),
        ("usd_millions", "double precision"),
        ("source", "text"),
        ("release_date", "date"),
        ("country_kind", "text"),
    ]
    # slt_table3.txt of 2026-06-18, line 4722: Japan 42609 2026-04 for_treas_pos 1209889
    japan = pg_rows(
        mirrored,
        "select usd_millions from tic.holdings where country = 'Japan' "
        "and period = '2026-04-01' and security = 'treasury' and holder = 'all'",
    )
    assert japan == [(1209889.0,)]


@pytest.mark.parametrize(
    ("view", "key"),
    [
        ("holdings_first_release", HOLDINGS_KEY),
        ("flows_first_release", f"{HOLDINGS_KEY}, measure"),
    ],
)
def test_first_release_tables_built_in_postgres_equal_duckdb(
    backfilled: Path, mirrored: str, view: str, key: str
) -> None:
    """PostgreSQL builds the first-release tables from the vintages tables it loaded: every
    row equals the DuckDB view's."""
    order = f"select * from {{}}{view} order by {key}"
    mirrored_rows = pg_rows(mirrored, order.format("tic."))
    assert mirrored_rows == query(backfilled, order.format(""))
    # mfh.txt of 2023-03-15 line 13, last column: Japan held 1,299.9 bn of Treasuries in Jan 2022
    if view == "holdings_first_release":
        japan = pg_rows(
            mirrored,
            "select usd_millions, release_date from tic.holdings_first_release "
            "where country = 'Japan' and period = '2022-01-01' and security = 'treasury' "
            "and holder = 'all'",
        )
        assert japan == [(1299900.0, date(2023, 3, 15))]


def test_every_view_is_a_table_with_its_flows_and_list_columns(
    backfilled: Path, mirrored: str
) -> None:
    """It mirrors each contract view as a table; flows agree in count and sum, and the
    releases' file lists arrive as text arrays."""
    view_sql = "select view_name from duckdb_views() where schema_name = 'main' and not internal"
    views = {v for (v,) in query(backfilled, view_sql)}
    table_sql = "select tablename from pg_tables where schemaname = 'tic'"
    tables = {t for (t,) in pg_rows(mirrored, table_sql)}
    assert tables == views | {"mirror_state"}
    totals = "select count(*), sum(usd_millions) from {}flows"
    assert pg_rows(mirrored, totals.format("tic.")) == query(backfilled, totals.format(""))
    files = pg_rows(mirrored, "select files from tic.releases where release_date = '2023-03-15'")
    assert files == [(["mfh.txt", "s1_globl.txt"],)]


def test_keys_and_comments_come_with_the_tables(mirrored: str) -> None:
    """It puts primary keys on the view keys and the data dictionary in COMMENT ON."""
    key = pg_rows(
        mirrored,
        "select a.attname from pg_index i join pg_attribute a on a.attrelid = i.indrelid "
        "and a.attnum = any(i.indkey) where i.indrelid = 'tic.holdings'::regclass "
        "and i.indisprimary order by a.attname",
    )
    assert [k for (k,) in key] == sorted(HOLDINGS_KEY.split(", "))
    comments = pg_rows(
        mirrored,
        "select obj_description('tic.holdings'::regclass, 'pg_class'), "
        "col_description('tic.holdings'::regclass, 6)",
    )
    # docs/data_dictionary.md, section holdings: its paragraph and the usd_millions row
    assert comments == [
        (
            "Latest vintage of every holdings value. One row per (period, country, security, "
            "holder).",
            "holdings at end of period, millions of dollars; NULL where the file says n.a.",
        )
    ]


@pytest.mark.parametrize(
    "statement",
    [
        "insert into tic.releases (release_date) values ('2030-01-01')",
        "delete from tic.holdings",
        "create table tic.scratch (x int)",
        "create table public.scratch (x int)",
        "create schema scratch",
        "drop table tic.holdings",
    ],
)
def test_the_reader_role_reads_but_cannot_write_or_create(mirrored: str, statement: str) -> None:
    """It grants the reader role USAGE and SELECT only."""
    with psycopg.connect(mirrored) as con:
        con.execute("set role tic_reader")
        assert con.execute("select count(*) from tic.holdings").fetchone() == (87320,)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            con.execute(statement.encode())


def test_the_reader_role_is_created_nologin(mirrored: str) -> None:
    """It creates the reader role without a password login (grant it to people's roles)."""
    assert pg_rows(mirrored, "select rolcanlogin from pg_roles where rolname = 'tic_reader'") == [
        (False,)
    ]


# --- runs with TIC_POSTGRES_URL set -------------------------------------------------------

RELEASES_BEFORE = ("2023-03-15", "2026-06-18")


@pytest.fixture(scope="module")
def history_before(shared_tic: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory holding the releases before 2026-07-14 (no mirror yet)."""
    data_dir = tmp_path_factory.mktemp("history")
    for release in RELEASES_BEFORE:
        folder = shared_tic / "releases" / release
        run_release(
            str(folder), Settings(data_dir=data_dir), release_date=date.fromisoformat(release)
        )
    return data_dir


@pytest.fixture
def history(history_before: Path, tmp_path: Path, pg_url: str) -> tuple[Settings, str]:
    """A copy of that data directory with TIC_POSTGRES_URL set to a fresh database, and the
    last release loaded (rerunning it finds nothing new)."""
    data_dir = tmp_path / "data"
    shutil.copytree(history_before, data_dir, symlinks=True)
    return Settings(data_dir=data_dir, postgres_url=pg_url), RELEASES_BEFORE[-1]


def _rerun(settings: Settings, shared_tic: Path, release: str) -> str:
    result = run_release(
        str(shared_tic / "releases" / release), settings, release_date=date.fromisoformat(release)
    )
    return result.outcome


GRAND_TOTAL_2025_12 = (
    "select usd_millions from tic.holdings where country = 'Grand Total' "
    "and period = '2025-12-01' and security = 'us_long_term' and holder = 'all'"
)


def test_a_run_with_nothing_new_mirrors_a_mirror_that_is_behind(
    history: tuple[Settings, str], shared_tic: Path
) -> None:
    """It mirrors on a run that finds nothing new when the mirror lacks the publish."""
    settings, last = history
    assert _rerun(settings, shared_tic, last) == "nothing_new"
    assert settings.postgres_url is not None
    state = pg_rows(settings.postgres_url, "select newest_release from tic.mirror_state")
    assert state == [(date(2026, 6, 18),)]
    # slt_table1.txt of 2026-06-18, line 7082: Grand Total 99996 2025-12 36479521
    assert pg_rows(settings.postgres_url, GRAND_TOTAL_2025_12) == [(36479521.0,)]


def test_a_backfill_that_fails_mirrors_the_releases_it_published(
    history: tuple[Settings, str], shared_tic: Path, tmp_path: Path
) -> None:
    """A backfill mirrors once, at its end; when a release fails, the releases before it are
    published, and the mirror holds them before the failure is raised."""
    settings, _ = history
    releases = tmp_path / "releases"
    releases.mkdir()
    (releases / "2026-07-14").symlink_to(shared_tic / "releases" / "2026-07-14")
    (releases / "2026-08-14").mkdir()
    (releases / "2026-08-14" / "slt_table1.txt").write_text("<html><body>Down</body></html>\n")
    with pytest.raises(Exception, match="HTML page"):
        run_backfill(releases, settings)
    assert settings.postgres_url is not None
    assert pg_rows(settings.postgres_url, "select release_date from tic.releases order by 1") == [
        (date(2023, 3, 15),),
        (date(2026, 6, 18),),
        (date(2026, 7, 14),),
    ]


def test_readers_see_the_old_mirror_or_the_new_during_a_publish(
    history: tuple[Settings, str], shared_tic: Path
) -> None:
    """It replaces schema tic in one transaction: a reader looping on queries while the next
    release publishes sees complete old or new data, never an error or a mix."""
    settings, last = history
    url = settings.postgres_url
    assert url is not None
    _rerun(settings, shared_tic, last)  # the first mirror
    snapshot = (
        "select (select publish_id from tic.mirror_state), count(*), sum(usd_millions) "
        "from tic.holdings"
    )
    old = pg_rows(url, snapshot)[0]
    seen: set[tuple[Any, ...]] = set()
    errors: list[str] = []
    stop = threading.Event()

    def read() -> None:
        with psycopg.connect(url, autocommit=True) as con:
            deadline = time.monotonic() + 300  # bounded even if the run hangs
            while not stop.is_set() and time.monotonic() < deadline:
                try:
                    seen.add(con.execute(snapshot.encode()).fetchone() or ())
                except psycopg.Error as error:
                    errors.append(str(error))

    reader = threading.Thread(target=read)
    reader.start()
    try:
        assert _rerun(settings, shared_tic, "2026-07-14") == "loaded"
        time.sleep(0.5)  # a few reads of the new copy
    finally:
        stop.set()
        reader.join()
    new = pg_rows(url, snapshot)[0]
    assert errors == []
    assert new != old
    assert seen == {old, new}
    assert pg_rows(url, "select newest_release from tic.mirror_state") == [(date(2026, 7, 14),)]
    # slt_table1.txt of 2026-07-14, line 7176: Grand Total 99996 2025-12 36479400 (revised)
    assert pg_rows(url, GRAND_TOTAL_2025_12) == [(36479400.0,)]


def test_a_stopped_server_fails_the_run_in_one_line_and_the_next_run_recovers(
    history: tuple[Settings, str], shared_tic: Path, postgres_server: PostgresServer
) -> None:
    """It publishes DuckDB, then fails with one line naming the server when PostgreSQL is
    down; the next run, with nothing new, brings the mirror up to date."""
    settings, last = history
    url = settings.postgres_url
    assert url is not None
    _rerun(settings, shared_tic, last)  # the first mirror
    postgres_server.stop()
    try:
        with pytest.raises(MirrorError) as failure:
            _rerun(settings, shared_tic, "2026-07-14")
    finally:
        postgres_server.start()
    message = str(failure.value)
    assert "\n" not in message
    assert f"127.0.0.1:{postgres_server.port}" in message
    assert "tic.duckdb is published" in message
    newest = query(settings.data_dir, "select max(release_date) from releases")
    assert newest == [(date(2026, 7, 14),)]
    assert pg_rows(url, "select newest_release from tic.mirror_state") == [(date(2026, 6, 18),)]

    assert _rerun(settings, shared_tic, "2026-07-14") == "nothing_new"
    publish = query(settings.data_dir, "select publish_id from internal.publish_state")
    assert pg_rows(url, "select publish_id from tic.mirror_state") == publish
    assert pg_rows(url, GRAND_TOTAL_2025_12) == [(36479400.0,)]


def test_a_wrong_password_is_one_line_naming_the_server(backfilled: Path, pg_url: str) -> None:
    """It names the server (password hidden) and says the DuckDB publish stands."""
    bad = pg_url.replace("postgres@", "nobody:secret@")
    with pytest.raises(MirrorError) as failure:
        mirror_warehouse(backfilled / "tic.duckdb", bad, "tic_reader")
    message = str(failure.value)
    assert "secret" not in message
    assert "nobody:***@127.0.0.1" in message
    assert "\n" not in message


def test_duckdb_views_carry_the_dictionary_for_sqlalchemy(backfilled: Path) -> None:
    """It stores the dictionary as DuckDB comments that SQLAlchemy's duckdb_engine (how
    Superset opens DuckDB) reflects, and schema main lists only the contract."""
    import sqlalchemy

    engine = sqlalchemy.create_engine(
        f"duckdb:///{backfilled / 'tic.duckdb'}", connect_args={"read_only": True}
    )
    try:
        inspector = sqlalchemy.inspect(engine)
        assert inspector.get_table_names(schema="main") == []
        assert "holdings" in inspector.get_view_names(schema="main")
        assert "observation_versions" not in inspector.get_view_names(schema="main")
        holdings = inspector.get_columns("holdings", schema="main")
        columns = {c["name"]: c["comment"] for c in holdings}
    finally:
        engine.dispose()  # an open read-only engine would block other connections' settings
    # docs/data_dictionary.md, holdings, row country_code
    assert columns["country_code"] == (
        "TIC code (99996 Grand Total), MFH rows included; NULL only for names no coded file "
        "lists (Vietnam, All Other, MFH groups)"
    )
    assert all(columns.values())


def test_duckdb_comments_cover_every_view_and_column(backfilled: Path) -> None:
    """It leaves no view or column of schema main without a comment."""
    undocumented = query(
        backfilled,
        "select table_name, column_name from duckdb_columns() where schema_name = 'main' "
        "and database_name = current_database() and comment is null",
    )
    assert undocumented == []
    views = query(
        backfilled,
        "select count(*) from duckdb_views() where schema_name = 'main' and not internal "
        "and comment is null",
    )
    assert views == [(0,)]


README_EXAMPLES = (
    (ROOT / "README.md").read_text().split("### Example queries", 1)[1].split("\n## ", 1)[0]
)
DUCKDB_MACRO_CALLS = ("_as_of(", "holdings_change(", "flows_between(")
README_QUERIES = re.findall(r"```sql\n(.*?)```", README_EXAMPLES, flags=re.S)


def test_sqlalchemy_reflects_the_mirror_and_runs_the_readme_queries(
    backfilled: Path, mirrored: str
) -> None:
    """It serves a SQLAlchemy engine (postgresql+psycopg://, how BI tools connect) the tic
    schema with comments, and the README's example queries give DuckDB's answers; the as-of
    table macros exist only in DuckDB."""
    import sqlalchemy

    engine = sqlalchemy.create_engine(
        mirrored.replace("postgresql://", "postgresql+psycopg://", 1),
        connect_args={"options": "-c search_path=tic"},
    )
    metadata = sqlalchemy.MetaData()
    metadata.reflect(engine, schema="tic")
    holdings = metadata.tables["tic.holdings"]
    assert [c.name for c in holdings.primary_key] == HOLDINGS_KEY.split(", ")
    assert holdings.c.usd_millions.comment == (
        "holdings at end of period, millions of dollars; NULL where the file says n.a."
    )
    portable = [sql for sql in README_QUERIES if not any(m in sql for m in DUCKDB_MACRO_CALLS)]
    # flows_between(...) and holdings_change(...): table macros exist only in DuckDB
    assert len(README_QUERIES) - len(portable) == 2
    with engine.connect() as con:
        for sql in portable:
            answer = [tuple(row) for row in con.execute(sqlalchemy.text(sql))]
            assert answer == query(backfilled, sql), sql
    engine.dispose()


def test_tic_mirror_copies_the_warehouse_on_demand(
    backfilled: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """`tic mirror` copies the published warehouse now and says how much it copied."""
    from cli.main import main

    assert main(["mirror", "--postgres-url", pg_url, "--data-dir", str(backfilled)]) == 0
    assert capsys.readouterr().out.startswith("mirrored publish ")
    publish = query(backfilled, "select publish_id from internal.publish_state")
    assert pg_rows(pg_url, "select publish_id from tic.mirror_state") == publish


def test_tic_mirror_to_a_closed_port_is_one_line(
    backfilled: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`tic mirror` to a server that is not there exits 1 with one line naming it."""
    from cli.main import main

    url = f"postgresql://postgres@127.0.0.1:{_closed_port()}/tic"
    assert main(["mirror", "--postgres-url", url, "--data-dir", str(backfilled)]) == 1
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"tic mirror: PostgreSQL mirror at {url} failed: ")


def _closed_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # free once the socket closes: nothing listens


def test_a_postgres_crash_empties_the_unlogged_mirror_and_the_next_run_copies_it_again(
    history: tuple[Settings, str], shared_tic: Path, postgres_server: PostgresServer
) -> None:
    """The mirror's tables are UNLOGGED by default: after a crash PostgreSQL brings them back
    empty, mirror_state too, so the next run (with nothing new) sees the mirror behind and
    copies it again."""
    settings, last = history
    url = settings.postgres_url
    assert url is not None
    assert _rerun(settings, shared_tic, last) == "nothing_new"  # the first mirror
    persistence = pg_rows(
        url,
        "select distinct c.relpersistence from pg_class c join pg_namespace n "
        "on n.oid = c.relnamespace where n.nspname = 'tic' and c.relkind = 'r'",
    )
    assert persistence == [("u",)]
    postgres_server.crash()
    postgres_server.start()
    assert pg_rows(url, "select count(*) from tic.holdings") == [(0,)]
    assert pg_rows(url, "select count(*) from tic.mirror_state") == [(0,)]

    assert _rerun(settings, shared_tic, last) == "nothing_new"
    # slt_table1.txt of 2026-06-18, line 7082: Grand Total 99996 2025-12 36479521
    assert pg_rows(url, GRAND_TOTAL_2025_12) == [(36479521.0,)]


def test_a_logged_mirror_survives_a_crash(
    history: tuple[Settings, str], shared_tic: Path, postgres_server: PostgresServer
) -> None:
    """With TIC_POSTGRES_LOGGED the tables are ordinary (WAL-logged, on replicas too) and a
    crash keeps them."""
    settings, last = history
    logged = Settings(
        data_dir=settings.data_dir, postgres_url=settings.postgres_url, postgres_logged=True
    )
    url = logged.postgres_url
    assert url is not None
    assert _rerun(logged, shared_tic, last) == "nothing_new"
    postgres_server.crash()
    postgres_server.start()
    assert pg_rows(url, GRAND_TOTAL_2025_12) == [(36479521.0,)]
    assert pg_rows(url, "select newest_release from tic.mirror_state") == [(date(2026, 6, 18),)]
