"""Apply one release to the vintage store: store only values that are new or changed."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from importlib import resources
from typing import Any, Literal

import duckdb
import polars as pl

from tic.failpoints import crash_point
from warehouse.countries import refresh_countries
from warehouse.dictionary import comment_statements, dictionary_text
from warehouse.vintages import rebuild_vintages, refresh_vintages

VALUE_KEY = ("source", "dataset", "period", "country", "row_kind", "security", "holder", "measure")
STORED_COLUMNS = (*VALUE_KEY, "country_code", "usd_millions")

ValidationStatus = Literal["passed", "passed_with_warnings"]


@dataclass(frozen=True)
class FileLoad:
    """One parsed file of a release, ready to load."""

    file_name: str
    source: str
    sha256: str
    bytes: int
    url: str | None
    frame: pl.DataFrame
    # The rows that may differ from the warehouse (the gate's changed rows, a few thousand of a
    # file's 50,000-130,000): the load compares only these. None: every row of ``frame``.
    changed: pl.DataFrame | None = None


class OutOfOrderRelease(RuntimeError):
    pass


def sql_scripts() -> list[tuple[str, str]]:
    """The warehouse SQL files in name order: (name, text)."""
    folder = resources.files("warehouse") / "sql"
    return sorted((f.name, f.read_text()) for f in folder.iterdir() if f.name.endswith(".sql"))


def create_objects(con: duckdb.DuckDBPyConnection) -> None:
    """Create every table, macro and view that is missing, and replace the views and macros
    (idempotent). The latest-vintage tables are built in full only when missing; after that
    ``refresh_latest`` updates them with what a publish changed. The source displacements are
    recomputed in full: this runs when the SQL changed, which may change how they are made,
    and each load then keeps them up to date for the groups it changes."""
    _drop_outdated_tables(con)
    for _name, text in sql_scripts():
        con.execute(text)
    rebuild_vintages(con)
    comment_views(con)


def ensure_objects(con: duckdb.DuckDBPyConnection) -> None:
    """``create_objects``, unless this warehouse's objects were built from the same SQL files
    and dictionary and are still as built (each publish ran every file again: 0.2 s).

    Built again: after a change to the SQL or the dictionary; when a view, macro or table is
    missing or has other columns or comments than when built (dropped by hand, say, to be
    rebuilt); and after a publish by another version of tic, which does not record this.
    """
    state = (schema_digest(), catalog_fingerprint(con), published_id(con))
    if _built_state(con) == state:
        return
    create_objects(con)
    con.execute("delete from internal.schema_state")
    con.execute(
        "insert into internal.schema_state (sql_digest, catalog_fingerprint, publish_id) "
        "values (?, ?, ?)",
        [state[0], catalog_fingerprint(con), state[2]],
    )


def note_publish(con: duckdb.DuckDBPyConnection, publish_id: str) -> None:
    """The objects ``ensure_objects`` checked go out with this publish."""
    con.execute("update internal.schema_state set publish_id = ?", [publish_id])


def schema_digest() -> str:
    """What ``create_objects`` builds from: the SQL files, the dictionary, the migrations."""
    digest = hashlib.sha256()
    for name, text in sql_scripts():
        digest.update(f"{name}\0{text}\0".encode())
    digest.update(dictionary_text().encode())
    digest.update(repr(sorted(DERIVED_COLUMNS.items())).encode())
    return digest.hexdigest()


def catalog_fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    """A digest of this database's views and macros (names, parameters, comments) and of
    every table's and view's columns (name, type, comment). Not the views' SQL: DuckDB writes
    it back in another form once the database is reopened. A few milliseconds."""
    rows = con.execute(
        """
        select 'view', schema_name, view_name, '', coalesce(comment, '')
        from duckdb_views() where database_name = current_database() and not internal
        union all
        select 'macro', schema_name, function_name, parameters::varchar, ''
        from duckdb_functions()
        where database_name = current_database() and not internal
            and function_type in ('macro', 'table_macro')
        union all
        select 'column', schema_name, table_name, column_name || ' ' || data_type,
            coalesce(comment, '')
        from duckdb_columns() where database_name = current_database() and not internal
        order by all
        """
    ).fetchall()
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def _internal_table_exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    found = con.execute(
        "select count(*) from duckdb_tables() where database_name = current_database() "
        "and schema_name = 'internal' and table_name = ?",
        [table],
    ).fetchone()
    return bool(found and found[0])


def published_id(con: duckdb.DuckDBPyConnection) -> str | None:
    """The id of the publish this database is (internal.publish_state), None before one."""
    if not _internal_table_exists(con, "publish_state"):
        return None
    row = con.execute("select publish_id from internal.publish_state").fetchone()
    return str(row[0]) if row else None


def _built_state(con: duckdb.DuckDBPyConnection) -> tuple[str, str, str | None] | None:
    """(SQL digest, catalog fingerprint, publish) recorded by the last ``ensure_objects``."""
    if not _internal_table_exists(con, "schema_state"):
        return None
    row = con.execute(
        "select sql_digest, catalog_fingerprint, publish_id from internal.schema_state"
    ).fetchone()
    return (str(row[0]), str(row[1]), None if row[2] is None else str(row[2])) if row else None


# Derived tables whose columns changed, by a column they now have: a warehouse built before
# lacks it, and the table is rebuilt in full from the versions (it holds nothing else).
DERIVED_COLUMNS = {"revisions_all": "printed_code"}


def _drop_outdated_tables(con: duckdb.DuckDBPyConnection) -> None:
    for table, column in DERIVED_COLUMNS.items():
        found = con.execute(
            "select count(*) filter (where column_name = ?), count(*) from duckdb_columns() "
            "where database_name = current_database() and schema_name = 'internal' "
            "and table_name = ?",
            [column, table],
        ).fetchone()
        if found is not None and found[1] and not found[0]:
            con.execute(f"drop table internal.{table}")


# What the loads on a connection changed, for an incremental refresh and Parquet export:
# the (dataset, period, security, measure) groups and the release dates whose versions
# were added or removed. Temp tables: they live as long as the publish's connection.
PENDING_DDL = (
    "create temp table if not exists pending_groups "
    "(dataset varchar, period date, security varchar, measure varchar)",
    "create temp table if not exists pending_releases (release_date date)",
)


def track_changes(con: duckdb.DuckDBPyConnection) -> None:
    """Start recording what loads on this connection change (see ``pending_changes``)."""
    for statement in PENDING_DDL:
        con.execute(statement)


def _note_changes(con: duckdb.DuckDBPyConnection, release_date: date, rows: str) -> None:
    track_changes(con)
    con.execute(
        f"insert into pending_groups select distinct dataset, period, security, measure from {rows}"
    )
    con.execute("insert into pending_releases values (?)", [release_date])


def refresh_latest(con: duckdb.DuckDBPyConnection) -> None:
    """Bring the latest-vintage winners and the revisions up to date with the pending changes
    (only the groups and releases they touched)."""
    track_changes(con)
    folder = resources.files("warehouse") / "sql" / "incremental"
    for script in sorted(folder.iterdir(), key=lambda f: f.name):
        if script.name.endswith(".sql"):
            con.execute(script.read_text())


def contract_views(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """The views of schema main in this database (not the system catalog's): name -> columns."""
    rows = con.execute(
        """
        select table_name, column_name from duckdb_columns()
        where database_name = current_database() and schema_name = 'main' and not internal
            and table_name in (
                select view_name from duckdb_views()
                where database_name = current_database() and schema_name = 'main'
                    and not internal
            )
        order by table_name, column_index
        """
    ).fetchall()
    views: dict[str, list[str]] = {}
    for view, column in rows:
        views.setdefault(view, []).append(column)
    return views


def comment_views(con: duckdb.DuckDBPyConnection) -> None:
    """The data dictionary as COMMENT ON every view and column (recreating a view drops its
    comments, so this follows every run of the SQL files)."""
    for statement in comment_statements("duckdb", contract_views(con)):
        con.execute(statement)


def _scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None) -> Any:
    """The first column of the first row of a query that always returns one row."""
    row = con.execute(sql, params or []).fetchone()
    assert row is not None, sql
    return row[0]


def newest_release(con: duckdb.DuckDBPyConnection) -> date | None:
    newest: date | None = _scalar(con, "select max(release_date) from internal.release_files")
    return newest


def loaded_sha256(con: duckdb.DuckDBPyConnection, file_name: str, as_of: date | None) -> str | None:
    """The sha256 of the copy of file_name current at as_of (latest when None)."""
    row = con.execute(
        """
        select sha256 from internal.release_files
        where file_name = ? and (? is null or release_date <= ?)
        order by release_date desc, loaded_at desc limit 1
        """,
        [file_name, as_of, as_of],
    ).fetchone()
    return row[0] if row else None


def check_release_order(con: duckdb.DuckDBPyConnection, release_date: date) -> None:
    newest = newest_release(con)
    if newest is not None and release_date < newest:
        raise OutOfOrderRelease(
            f"release {release_date} is older than the newest loaded release {newest}; "
            "vintages load in date order: replay history with `tic backfill` into a fresh data dir"
        )


def apply_file(con: duckdb.DuckDBPyConnection, release_date: date, load: FileLoad) -> int:
    """Store the file's new and changed values as versions of release_date; return their count.

    A copy of the same file already loaded under the same release date is replaced, so a
    same-day correction by the Treasury wins and a re-run changes nothing.
    """
    if _loaded_before(con, release_date, load.source):
        _undo_same_release(con, release_date, load.source)
    rows = load.frame if load.changed is None else load.changed
    con.register("incoming", rows.select(STORED_COLUMNS).to_arrow())
    match = " and ".join(f"current.{c} = incoming.{c}" for c in VALUE_KEY)
    con.execute(
        f"""
        create or replace temp table changed as
        select incoming.* from incoming
        left join internal.observation_versions as current
            on current.superseded_by is null and {match}
        where current.source is null
            or current.usd_millions is distinct from incoming.usd_millions
            or current.country_code is distinct from incoming.country_code
        """
    )
    con.unregister("incoming")
    _note_changes(con, release_date, "changed")
    changed_match = " and ".join(
        f"internal.observation_versions.{c} = changed.{c}" for c in VALUE_KEY
    )
    con.execute(
        f"""
        update internal.observation_versions set superseded_by = ?
        from changed
        where internal.observation_versions.superseded_by is null and {changed_match}
        """,
        [release_date],
    )
    columns = ", ".join(STORED_COLUMNS)
    con.execute(
        f"""
        insert into internal.observation_versions ({columns}, release_date, superseded_by)
        select {columns}, ?, null from changed
        """,
        [release_date],
    )
    return int(_scalar(con, "select count(*) from changed"))


def _loaded_before(con: duckdb.DuckDBPyConnection, release_date: date, source: str) -> bool:
    count = _scalar(
        con,
        "select count(*) from internal.release_files where source = ? and release_date = ?",
        [source, release_date],
    )
    return int(count) > 0


def _undo_same_release(con: duckdb.DuckDBPyConnection, release_date: date, source: str) -> None:
    undone = (
        "(select * from internal.observation_versions "
        f"where source = '{_quoted(source)}' and release_date = date '{release_date}')"
    )
    _note_changes(con, release_date, undone)
    con.execute(
        "delete from internal.observation_versions where source = ? and release_date = ?",
        [source, release_date],
    )
    con.execute(
        "update internal.observation_versions set superseded_by = null "
        "where source = ? and superseded_by = ?",
        [source, release_date],
    )
    con.execute(
        "delete from internal.release_files where source = ? and release_date = ?",
        [source, release_date],
    )


def _quoted(text: str) -> str:
    return text.replace("'", "''")


def record_file(
    con: duckdb.DuckDBPyConnection,
    release_date: date,
    load: FileLoad,
    rows_changed: int,
    validation_status: ValidationStatus,
) -> None:
    con.execute(
        """
        insert into internal.release_files (
            release_date, file_name, source, sha256, bytes, url,
            rows_parsed, rows_changed, loaded_at, validation_status
        ) values (?, ?, ?, ?, ?, ?, ?, ?, now(), ?)
        """,
        [
            release_date,
            load.file_name,
            load.source,
            load.sha256,
            load.bytes,
            load.url,
            load.frame.height,
            rows_changed,
            validation_status,
        ],
    )


@dataclass(frozen=True)
class LoadSummary:
    release_date: date
    files: list[str]
    rows_changed: dict[str, int]

    @property
    def rows_loaded(self) -> int:
        return sum(self.rows_changed.values())


def apply_release(
    con: duckdb.DuckDBPyConnection, release_date: date, loads: list[FileLoad]
) -> LoadSummary:
    """Store the release's new and changed values in a writable copy of the warehouse (see
    warehouse.publish) and bring the countries and vintage tables up to date; the files are
    recorded by ``record_files`` once the gate's verdict is known."""
    track_changes(con)
    check_release_order(con, release_date)
    changed = {}
    for load in loads:
        changed[load.file_name] = apply_file(con, release_date, load)
        crash_point("during_load")
    names_changed = refresh_countries(con, release_date, [load.frame for load in loads])
    refresh_vintages(con, names_changed=names_changed)
    return LoadSummary(release_date, [load.file_name for load in loads], changed)


def record_files(
    con: duckdb.DuckDBPyConnection,
    summary: LoadSummary,
    loads: list[FileLoad],
    validation_status: ValidationStatus,
) -> None:
    for load in loads:
        record_file(
            con,
            summary.release_date,
            load,
            summary.rows_changed[load.file_name],
            validation_status,
        )


def load_release(
    con: duckdb.DuckDBPyConnection,
    release_date: date,
    loads: list[FileLoad],
    validation_status: ValidationStatus,
) -> LoadSummary:
    """Apply the release's files to a writable copy of the warehouse and record them."""
    summary = apply_release(con, release_date, loads)
    record_files(con, summary, loads, validation_status)
    return summary
