"""The PostgreSQL mirror: schema ``tic`` holds a copy of every contract view of the published
tic.duckdb, replaced in one transaction so that BI readers see the old copy or the new one.

How: DuckDB writes each view as CSV (lists as PostgreSQL array literals) to a temporary
folder; two connections stream them into tables of ``tic_new`` with COPY and build their keys
(one transaction per table), and build the first-release tables from the vintages tables
they loaded; then comments, grants, ``drop schema tic`` and ``rename tic_new
to tic`` commit together. Readers read schema ``tic`` only, so nothing of the new copy is
visible before that commit; a failure leaves ``tic`` as it was (the next mirror drops the
half-built ``tic_new``).

``tic.mirror_state`` names the DuckDB publish the copy came from, so a run that finds nothing
new still mirrors when the mirror is behind (the server was down at the last publish).
"""

from __future__ import annotations

import contextlib
import re
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from warehouse.dictionary import comment_statements
from warehouse.load import contract_views

if TYPE_CHECKING:
    import psycopg

    from tic.settings import Settings

SCHEMA = "tic"
STAGING_SCHEMA = "tic_new"
LOCK_KEY = 7_210_013  # pg_advisory_lock: one mirror at a time per database

# The columns that identify a row of each view: the mirror's primary keys.
VIEW_KEYS: dict[str, tuple[str, ...]] = {
    "holdings": ("period", "country", "security", "holder"),
    "flows": ("period", "country", "security", "holder", "measure"),
    "official_private": ("period", "security", "measure"),
    "releases": ("release_date",),
    "revisions": (
        "dataset",
        "source",
        "period",
        "country",
        "row_kind",
        "security",
        "holder",
        "measure",
        "release_date",
    ),
    # Most telling column first: PostgreSQL sorts the key build's rows by these columns in
    # turn, and a leading source or dataset (a few values) made it compare most of them.
    "observations": (
        "period",
        "country",
        "measure",
        "security",
        "holder",
        "row_kind",
        "dataset",
        "source",
    ),
    "issuer_sectors": ("period", "issuer_sector", "security", "holder", "measure", "source"),
    "npr_summary": ("period", "line_number"),
    "runs": ("run_id",),
    "holdings_first_release": ("period", "country", "security", "holder"),
    "flows_first_release": ("period", "country", "security", "holder", "measure"),
    "holdings_vintages": ("period", "country", "security", "holder", "realtime_start"),
    "flows_vintages": ("period", "country", "security", "holder", "measure", "realtime_start"),
}

# DuckDB type -> PostgreSQL type, chosen for what BI tools read well.
PG_TYPES = {
    "DATE": "date",
    "VARCHAR": "text",
    "INTEGER": "integer",
    "BIGINT": "bigint",
    "SMALLINT": "smallint",
    "DOUBLE": "double precision",
    "FLOAT": "real",
    "BOOLEAN": "boolean",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
    "HUGEINT": "numeric",
}

MIRROR_STATE_COMMENTS = {
    "": "Which DuckDB publish this copy of the warehouse comes from.",
    "publish_id": "id of the tic.duckdb publish copied here",
    "newest_release": "newest release in the copy",
    "mirrored_at": "when the copy was committed",
}


class MirrorError(RuntimeError):
    """The mirror could not be updated; the DuckDB warehouse is published all the same."""


@dataclass(frozen=True)
class MirrorResult:
    publish_id: str
    rows: dict[str, int]
    seconds: float

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


@dataclass(frozen=True)
class _Column:
    name: str
    duckdb_type: str
    pg_type: str


def mirror_if_behind(settings: Settings) -> MirrorResult | None:
    """Mirror the published warehouse when TIC_POSTGRES_URL is set and the copy is older than
    the publish (or missing); None when there is nothing to do."""
    if not settings.postgres_url or not settings.paths.database.exists():
        return None
    return mirror_warehouse(
        settings.paths.database,
        settings.postgres_url,
        settings.postgres_reader,
        force=False,
        logged=settings.postgres_logged,
    )


def mirror_warehouse(
    database: Path,
    postgres_url: str,
    reader_role: str,
    *,
    force: bool = True,
    logged: bool = False,
) -> MirrorResult | None:
    """Replace schema tic with a copy of the published database's views, in one transaction.

    Without force, returns None when tic.mirror_state already names the current publish.
    The tables are UNLOGGED unless ``logged``: the mirror is a copy tic can always make again,
    and without WAL it loads in 15% less time. PostgreSQL empties unlogged tables after a
    crash (mirror_state too, so the next run finds the mirror behind and copies it again), and
    does not stream them to replicas: set TIC_POSTGRES_LOGGED=1 to read the mirror on one.
    Raises MirrorError (one line: where, what failed, what to do) on any failure.
    """
    import psycopg

    started = time.perf_counter()
    try:
        source = duckdb.connect(str(database), read_only=True)
    except duckdb.Error as error:
        raise MirrorError(f"cannot open {database} to mirror it: {_first_line(error)}") from None
    try:
        source.execute("set TimeZone = 'UTC'")
        publish_id, newest_release = _publish_state(source)
        with psycopg.connect(postgres_url, connect_timeout=10, autocommit=True) as target:
            # A session lock: the tables of tic_new are loaded on other connections.
            target.execute("select pg_advisory_lock(%s)", [LOCK_KEY])
            if not force and _mirrored_publish_id(target) == publish_id:
                return None
            views = contract_views(source)
            rows = _copy_views(source, views, postgres_url, target, logged)
            with target.transaction():
                for statement in comment_statements("postgres", views, schema=STAGING_SCHEMA):
                    _execute(target, statement)
                _write_state(target, publish_id, newest_release, logged)
                _swap_in(target, reader_role)
    except psycopg.Error as error:
        raise MirrorError(
            f"PostgreSQL mirror at {_redacted(postgres_url)} failed: {_first_line(error)}; "
            f"tic.duckdb is published and the previous mirror is untouched; the next run "
            f"retries (or run `tic mirror`)"
        ) from None
    finally:
        source.close()
    return MirrorResult(publish_id, rows, time.perf_counter() - started)


def _publish_state(source: duckdb.DuckDBPyConnection) -> tuple[str, Any]:
    publish = source.execute("select publish_id from internal.publish_state").fetchone()
    if publish is None:
        raise MirrorError("tic.duckdb has no publish yet: load a release before mirroring")
    newest = source.execute("select max(release_date) from internal.release_files").fetchone()
    return str(publish[0]), newest[0] if newest else None


def _mirrored_publish_id(target: psycopg.Connection[Any]) -> str | None:
    exists = target.execute("select to_regclass(%s)", [f"{SCHEMA}.mirror_state"]).fetchone()
    if exists is None or exists[0] is None:
        return None
    row = _execute(target, f"select publish_id from {SCHEMA}.mirror_state").fetchone()
    return str(row[0]) if row else None


# PostgreSQL connections loading tables at once: COPY and the key builds are CPU-bound in
# their backends, so two use both cores of a small machine.
LOADERS = 2


def _copy_views(
    source: duckdb.DuckDBPyConnection,
    views: dict[str, list[str]],
    postgres_url: str,
    target: psycopg.Connection[Any],
    logged: bool,
) -> dict[str, int]:
    """Create tic_new with one table per view and bulk-load each; return rows per table.

    DuckDB writes the views' CSV on a worker thread, largest view first, while LOADERS
    connections each create a table, COPY it in and build its key in one transaction; the
    first-release tables are built from the vintages tables once those are in. The
    tables of tic_new are committed one by one; readers only ever read schema tic, and the
    next mirror drops a tic_new that a failure left behind.
    """
    _execute(target, f"drop schema if exists {STAGING_SCHEMA} cascade")
    _execute(target, f"create schema {STAGING_SCHEMA}")
    columns = {view: _columns(source, view) for view in views}
    order = _load_order(views)
    with (
        tempfile.TemporaryDirectory(prefix="tic-mirror-") as folder,
        ThreadPoolExecutor(max_workers=1) as exporter,
        ThreadPoolExecutor(max_workers=LOADERS) as loaders,
    ):
        cursor = source.cursor()  # a DuckDB connection is used by one thread at a time
        csv = {view: Path(folder) / f"{view}.csv" for view in views}
        exports = {
            view: exporter.submit(_export_csv, cursor, view, columns[view], csv[view])
            for view in order
            if _vintages_of(view, views) is None
        }
        loads: dict[str, Future[int]] = {}

        def load(view: str) -> int:
            vintages = _vintages_of(view, views)
            if vintages is not None:
                loads[vintages].result()  # submitted earlier: its table is in tic_new
                return _first_releases(postgres_url, view, columns[view], vintages, logged)
            written = exports[view].result()
            key = VIEW_KEYS.get(view)
            _load_table(postgres_url, view, columns[view], csv[view], key, set(views[view]), logged)
            return written

        for view in order:
            loads[view] = loaders.submit(load, view)
        try:
            rows = {view: loads[view].result() for view in views}
        except BaseException:
            for pending in (*loads.values(), *exports.values()):
                pending.cancel()
            raise
    return rows


# The largest views, largest first, so that neither loader is left with a big table at the
# end: every version, then the flows (each flow value has a row per vintage, a latest and a
# first release), then the holdings. Counting the views instead cost 0.4 s before the first
# export could start.
LARGEST_FIRST = (
    "observations",
    "flows_vintages",
    "flows",
    "flows_first_release",
    "holdings_vintages",
    "holdings",
    "holdings_first_release",
    "issuer_sectors",
)


# A first-release view is its vintages view's first vintage of each key (warehouse/sql/54 and
# 55), so PostgreSQL builds it from the vintages table it has just loaded: cheaper than
# DuckDB computing the vintages a second time and PostgreSQL parsing the CSV.
FIRST_RELEASE_OF = {
    "holdings_first_release": "holdings_vintages",
    "flows_first_release": "flows_vintages",
}


def _vintages_of(view: str, views: dict[str, list[str]]) -> str | None:
    """The vintages table PostgreSQL builds ``view`` from, if it is a first-release view."""
    vintages = FIRST_RELEASE_OF.get(view)
    return vintages if vintages in views else None


def _first_releases(
    postgres_url: str, view: str, columns: list[_Column], vintages: str, logged: bool
) -> int:
    """The table of ``view``: the earliest vintage of each key of ``vintages``, dated by when
    it started; built, keyed and committed in one transaction, like a loaded table."""
    key = ", ".join(VIEW_KEYS[view])
    picked = ", ".join(
        '"realtime_start" as "release_date"' if c.name == "release_date" else f'"{c.name}"'
        for c in columns
    )
    with _table_transaction(postgres_url) as target:
        target.execute("set local work_mem = '256MB'")  # the distinct-on sort, in memory
        _create_table(target, view, columns, logged)
        inserted = _execute(
            target,
            f"insert into {STAGING_SCHEMA}.{view} select distinct on ({key}) {picked} "
            f"from {STAGING_SCHEMA}.{vintages} order by {key}, realtime_start",
        ).rowcount
        _add_primary_key(target, view, VIEW_KEYS[view])
    return int(inserted)


def _load_order(views: dict[str, list[str]]) -> list[str]:
    """Largest first, but a table built from another right after that one (its loader waits
    for it, so it must have been handed out before)."""
    order: list[str] = []
    waiting: dict[str, list[str]] = {}
    for view in sorted(views, key=_size_rank):
        vintages = _vintages_of(view, views)
        if vintages is not None and vintages not in order:
            waiting.setdefault(vintages, []).append(view)
            continue
        order.append(view)
        order += waiting.pop(view, [])
    return order


def _size_rank(view: str) -> int:
    return LARGEST_FIRST.index(view) if view in LARGEST_FIRST else len(LARGEST_FIRST)


@contextlib.contextmanager
def _table_transaction(postgres_url: str) -> Iterator[psycopg.Connection[Any]]:
    """A connection of its own for one table of tic_new, committed as the block ends."""
    import psycopg

    with psycopg.connect(postgres_url, connect_timeout=10) as target:
        target.execute("set local maintenance_work_mem = '512MB'")  # the key sorts in memory
        target.execute("set local synchronous_commit = off")  # a lost copy is redone later
        yield target


def _load_table(
    postgres_url: str,
    view: str,
    columns: list[_Column],
    path: Path,
    key: tuple[str, ...] | None,
    names: set[str],
    logged: bool,
) -> None:
    """One table of tic_new on a connection of its own: create, COPY, key, commit."""
    with _table_transaction(postgres_url) as target:
        _create_table(target, view, columns, logged)
        _copy_csv(target, view, path)  # FREEZE: the table is new in this transaction
        path.unlink()
        if key and set(key) <= names:
            _add_primary_key(target, view, key)


def _columns(source: duckdb.DuckDBPyConnection, view: str) -> list[_Column]:
    described = source.execute(
        "select column_name, data_type from duckdb_columns() "
        "where database_name = current_database() and schema_name = 'main' "
        "and table_name = ? order by column_index",
        [view],
    ).fetchall()
    return [_Column(name, kind, _pg_type(view, name, kind)) for name, kind in described]


def _pg_type(view: str, column: str, duckdb_type: str) -> str:
    if duckdb_type.endswith("[]"):
        return _pg_type(view, column, duckdb_type[:-2]) + "[]"
    decimal = re.fullmatch(r"DECIMAL\((\d+),(\d+)\)", duckdb_type)
    if decimal:
        return f"numeric({decimal[1]},{decimal[2]})"
    if duckdb_type not in PG_TYPES:
        raise MirrorError(
            f"view {view}, column {column}: DuckDB type {duckdb_type} has no PostgreSQL "
            "mapping; add one to warehouse/mirror.py PG_TYPES"
        )
    return PG_TYPES[duckdb_type]


def _export_csv(
    source: duckdb.DuckDBPyConnection, view: str, columns: list[_Column], path: Path
) -> int:
    """Write the view as headerless CSV that PostgreSQL's COPY reads: NULL unquoted empty,
    empty strings quoted, lists as {"a","b"} array literals."""
    select = ", ".join(_csv_expression(c) for c in columns)
    written = source.execute(
        f"copy (select {select} from main.{view}) to '{path}' (format csv, header false)"
    ).fetchone()
    return int(written[0]) if written else 0


def _csv_expression(column: _Column) -> str:
    name = f'"{column.name}"'
    if not column.duckdb_type.endswith("[]"):
        return name
    quoted = (
        f"list_transform({name}, x -> case when x is null then 'NULL' else "
        "'\"' || replace(replace(x::varchar, '\\', '\\\\'), '\"', '\\\"') || '\"' end)"
    )
    return f"'{{' || array_to_string({quoted}, ',') || '}}' as {name}"


def _create_table(
    target: psycopg.Connection[Any], view: str, columns: list[_Column], logged: bool
) -> None:
    # Text in byte order, as DuckDB sorts it: the keys build by memcmp, about twice as fast as
    # under a libc locale (C.UTF-8 orders the same way, through strcoll).
    body = ", ".join(
        f'"{c.name}" {c.pg_type}' + (' collate "C"' if c.pg_type.startswith("text") else "")
        for c in columns
    )
    _execute(target, f"create {_persistence(logged)} table {STAGING_SCHEMA}.{view} ({body})")


def _persistence(logged: bool) -> str:
    return "" if logged else "unlogged"


def _copy_csv(target: psycopg.Connection[Any], view: str, path: Path) -> None:
    with (
        target.cursor() as cursor,
        cursor.copy(
            f"copy {STAGING_SCHEMA}.{view} from stdin (format csv, freeze)".encode()
        ) as copy,
        path.open("rb") as data,
    ):
        while block := data.read(1 << 20):
            copy.write(block)


def _add_primary_key(target: psycopg.Connection[Any], view: str, key: tuple[str, ...]) -> None:
    _execute(target, f"alter table {STAGING_SCHEMA}.{view} add primary key ({', '.join(key)})")


def _write_state(
    target: psycopg.Connection[Any], publish_id: str, newest_release: Any, logged: bool
) -> None:
    # As the tables: a crash that empties unlogged tables empties this one, so the next run
    # sees the mirror behind.
    table = f"{STAGING_SCHEMA}.mirror_state"
    _execute(
        target,
        f"create {_persistence(logged)} table {table} (publish_id text primary key, "
        "newest_release date, "
        "mirrored_at timestamptz not null)",
    )
    _execute(target, f"insert into {table} values (%s, %s, now())", [publish_id, newest_release])
    for column, text in MIRROR_STATE_COMMENTS.items():
        what = f"column {table}.{column}" if column else f"table {table}"
        _execute(target, f"comment on {what} is '{text}'")


def _swap_in(target: psycopg.Connection[Any], reader_role: str) -> None:
    """Replace schema tic by tic_new and grant the reader role, then commit: the one moment
    readers switch from the old copy to the new."""
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", reader_role):
        raise MirrorError(
            f"TIC_POSTGRES_READER={reader_role!r} is not a plain role name "
            "(lowercase letters, digits, _): pick one such as tic_reader"
        )
    role = reader_role
    _execute(
        target,
        f"do $$ begin if not exists (select from pg_roles where rolname = '{role}') "
        f"then create role {role} nologin; end if; end $$",
    )
    _execute(target, f"drop schema if exists {SCHEMA} cascade")
    _execute(target, f"alter schema {STAGING_SCHEMA} rename to {SCHEMA}")
    _execute(target, f"grant usage on schema {SCHEMA} to {role}")
    _execute(target, f"grant select on all tables in schema {SCHEMA} to {role}")


def _execute(
    target: psycopg.Connection[Any], statement: str, params: list[Any] | None = None
) -> psycopg.Cursor[Any]:
    """Run SQL built here from names and the dictionary (psycopg types queries as literals)."""
    return target.execute(statement.encode(), params)


def _redacted(url: str) -> str:
    """The URL without its password, for messages."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)


def _first_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]
