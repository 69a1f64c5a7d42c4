"""Publish the warehouse atomically: readers see the old state or the new one, never a mix.

The DuckDB file is the commit point. A change is made on a copy, the latest-vintage tables are
brought up to date with what it changed (``warehouse.load.refresh_latest``), the changed Parquet
partitions are written into a new snapshot beside hard links to the unchanged ones
(``warehouse.parquet_lake``), then the copy is renamed over tic.duckdb and the ``parquet``
symlink swapped to the snapshot. A crash before the rename leaves everything as it was; a crash
after it is finished by ``reconcile_parquet`` at the start of the next run.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from collections.abc import Iterator
from concurrent.futures import wait
from pathlib import Path

import duckdb

from tic.failpoints import crash_point
from tic.files import fsync_path
from tic.settings import DataPaths
from tic.threads import on_a_thread
from warehouse.load import (
    ensure_objects,
    note_publish,
    published_id,
    refresh_latest,
    track_changes,
)
from warehouse.parquet_lake import Changes, pending_changes, write_snapshot

# The copy is checkpointed once, before its rename: not also midway when its WAL passes 16 MB.
# And without vacuum, unless dead rows pile up: a checkpoint would otherwise rewrite every row
# group of latest_values that lost a row (the rows of the groups a release revised): 0.7-0.8 s
# a publish at 2 million versions. A row group left with no live row is dropped all the same,
# and the revised rows are mostly the newest, so dead rows stay few.
PUBLISH_CONFIG: dict[str, str | bool | int | float | list[str]] = {
    "checkpoint_threshold": "1GB",
    "max_vacuum_tasks": 0,
}
VACUUM_TASKS = 100  # DuckDB's default
# Tables the refresh deletes rows from, and the share of dead rows that makes it vacuum them.
REWRITTEN_TABLES = (
    "latest_values",
    "latest_winner",
    "source_displacements",
    "first_values",
    "revisions_all",  # and the tables a same-day reload deletes from
    "observation_versions",
    "release_files",
    "country_names",
)
MAX_DEAD_SHARE = 0.25


def _checkpoint(con: duckdb.DuckDBPyConnection) -> None:
    # estimated_size counts the rows stored, deleted ones too (pragma_storage_info gave the same
    # figure at 8 ms a table).
    counts = " union all ".join(
        f"select '{table}' as table_name, count(*) as live from internal.{table}"
        for table in REWRITTEN_TABLES
    )
    dead = con.execute(
        f"select count(*) from duckdb_tables() as stored join ({counts}) using (table_name) "
        "where database_name = current_database() and schema_name = 'internal' "
        "and estimated_size - live > ? * estimated_size",
        [MAX_DEAD_SHARE],
    ).fetchone()
    if dead and dead[0]:
        con.execute(f"set max_vacuum_tasks = {VACUUM_TASKS}")
    con.execute("checkpoint")


def _set_publish_id(con: duckdb.DuckDBPyConnection, publish_id: str) -> None:
    con.execute("delete from internal.publish_state")
    con.execute("insert into internal.publish_state (publish_id) values (?)", [publish_id])
    note_publish(con, publish_id)


class WorkingCopy:
    """The published database copied to a working file on a thread of its own, started when a
    run knows it has new files: the copy (70-300 MB, 0.1-0.25 s) overlaps the parse and the
    gate instead of delaying the publish. The caller holds the run lock, so the published file
    cannot change meanwhile; ``discard`` removes a copy no publish took."""

    def __init__(self, paths: DataPaths) -> None:
        paths.root.mkdir(parents=True, exist_ok=True)
        _remove_leftovers(paths)
        self.path = paths.root / f".tic.duckdb.{uuid.uuid4().hex[:12]}.tmp"
        self.taken = False
        self._copied = on_a_thread("tic-working-copy", self._copy, paths.database)

    def _copy(self, published: Path) -> None:
        if published.exists():
            shutil.copyfile(published, self.path)

    def take(self) -> Path:
        """The working file, once copied (absent before a first publish); once only: a block
        that failed removed it."""
        if self.taken:
            raise RuntimeError(f"the working copy {self.path} was used already")
        self.taken = True
        self._copied.result()
        return self.path

    def discard(self) -> None:
        wait([self._copied])
        self.path.unlink(missing_ok=True)


@contextlib.contextmanager
def writable_copy(
    paths: DataPaths, *, data_changed: bool = True, working: WorkingCopy | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Yield a connection to a copy of the published database; publish it if the block succeeds.

    With data_changed false (a run record only) the latest-vintage tables and the Parquet
    snapshot are kept as they are. ``working``: a copy started earlier by the run (else one
    is made now). The caller must hold the run lock (one writer at a time).
    """
    if working is None or working.taken:
        working = WorkingCopy(paths)
    publish_id = uuid.uuid4().hex[:12]
    con = None
    snapshot = None
    work = working.path
    try:
        work = working.take()
        con = duckdb.connect(str(work), config=PUBLISH_CONFIG)
        ensure_objects(con)
        track_changes(con)
        yield con
        published = published_id(con)
        if data_changed or published is None:
            refresh_latest(con)  # only the groups and releases this publish touched
            base = paths.parquet_snapshots / published if published else None
            _set_publish_id(con, publish_id)
            snapshot = _export_parquet(con, paths, publish_id, base, pending_changes(con))
        _checkpoint(con)
        con.close()
        fsync_path(work)
        crash_point("before_commit")
        os.replace(work, paths.database)  # the commit point
        fsync_path(paths.root)
        crash_point("after_commit")
        if snapshot is not None:
            _swap_parquet_link(paths, snapshot)
    except BaseException:
        if con is not None:
            con.close()
        work.unlink(missing_ok=True)
        raise
    _remove_old_snapshots(paths)


def _export_parquet(
    con: duckdb.DuckDBPyConnection,
    paths: DataPaths,
    publish_id: str,
    base: Path | None = None,
    changes: Changes | None = None,
) -> Path:
    """Write the snapshot of publish_id: in full, or from base (the published snapshot the
    working copy started from) and the changes made since."""
    snapshot = paths.parquet_snapshots / publish_id
    staging = paths.parquet_snapshots / f".{publish_id}.tmp"
    shutil.rmtree(staging, ignore_errors=True)
    usable_base = base if base is not None and base.is_dir() else None
    write_snapshot(con, staging, base=usable_base, changes=changes)
    fsync_path(staging)
    os.replace(staging, snapshot)
    return snapshot


def _swap_parquet_link(paths: DataPaths, snapshot: Path) -> None:
    link_tmp = paths.root / f".parquet.{snapshot.name}.link"
    link_tmp.unlink(missing_ok=True)
    link_tmp.symlink_to(snapshot.relative_to(paths.root))
    if paths.parquet.exists() and not paths.parquet.is_symlink():
        raise RuntimeError(
            f"{paths.parquet} is a real directory; move it away so tic can manage it"
        )
    os.replace(link_tmp, paths.parquet)


def reconcile_parquet(paths: DataPaths) -> None:
    """Point the parquet link at the published database's snapshot, exporting it if missing."""
    if not paths.database.exists():
        return
    con = duckdb.connect(str(paths.database), read_only=True)
    try:
        publish_id = published_id(con)
        if publish_id is None:
            return
        snapshot = paths.parquet_snapshots / publish_id
        if paths.parquet.is_symlink() and paths.parquet.resolve() == snapshot.resolve():
            return
        if not snapshot.is_dir():
            snapshot = _export_parquet(con, paths, publish_id)
    finally:
        con.close()
    _swap_parquet_link(paths, snapshot)
    _remove_old_snapshots(paths)


def _remove_leftovers(paths: DataPaths) -> None:
    for leftover in paths.root.glob(".tic.duckdb.*.tmp*"):
        leftover.unlink(missing_ok=True)


def _remove_old_snapshots(paths: DataPaths, keep: int = 2) -> None:
    """Delete all snapshots but the current one and the newest others (readers may still be
    reading the one just replaced)."""
    if not paths.parquet_snapshots.is_dir():
        return
    current = paths.parquet.resolve() if paths.parquet.is_symlink() else None
    entries = [s for s in paths.parquet_snapshots.iterdir() if s.resolve() != current]
    staging = [s for s in entries if s.name.startswith(".")]  # left by a crashed run
    previous = sorted(
        (s for s in entries if not s.name.startswith(".")),
        key=lambda s: s.stat().st_mtime,
        reverse=True,
    )
    for snapshot in staging + previous[keep - 1 :]:
        shutil.rmtree(snapshot, ignore_errors=True)
