"""The Parquet lake under ``parquet/``: one folder per view, hive-partitioned, same columns in
the same order as the view.

Each publish writes a new snapshot folder (``parquet-snapshots/<publish_id>``) that
``warehouse.publish`` swaps in with one symlink rename, so readers never see a partial release.
A snapshot is cheap: partitions the publish did not touch are hard links to the files of the
snapshot before it, so ``observation_versions/`` and ``revisions/`` are append-only (a release
adds a ``release_date=...`` folder; the files of earlier releases keep their bytes and inodes,
and ``aws s3 sync`` or ``rclone`` copy only what is new), and the latest tables, partitioned by
the period's year, rewrite only the years the release touched.

The vintage views go one step further: inside a year's folder, one file per release a row
belongs to (``ended_<release>.parquet``: the spans that release ended; ``current.parquet``: the
spans still open; ``first_<release>.parquet``: the values first published by that release).
Once ended or first published, a row never changes (releases load in date order), so a publish
rewrites the files of the releases it loaded and the open spans of the years it touched, not
every version of those years (bench/history.py: the vintage exports 0.55 -> 0.3 s).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

import duckdb

Partition = Literal["period_year", "release_date"]


@dataclass(frozen=True)
class Export:
    """One Parquet table: its folder under parquet/, what it selects, how it is partitioned."""

    name: str
    relation: str
    partition: Partition | None
    columns: str = "*"
    files: ReleaseFiles | None = None  # with period_year: files per release in each year

    def select(self, where: str = "true") -> str:
        extra = ", year(period) as period_year" if self.partition == "period_year" else ""
        if self.files is not None:
            extra += f", {self.files.name_of_row()} as {FILE_COLUMN}"
        return f"select {self.columns}{extra} from {self.relation} where {where}"

    def where(self, keys: Collection[int | date]) -> str:
        """The rows of the partitions ``keys``. Years as date ranges, not ``year(period)``: a
        range on period passes through the views' windows down to the versions' scan
        (flows_first_release: 16 ms for a year instead of 330)."""
        if self.partition == "period_year":
            years = sorted(key for key in keys if isinstance(key, int))
            ranges = [
                f"(period >= date '{year}-01-01' and period < date '{year + 1}-01-01')"
                for year in years
            ]
            return " or ".join(ranges) or "false"
        dates = ", ".join(
            f"date '{key.isoformat()}'" for key in sorted(k for k in keys if isinstance(k, date))
        )
        return f"release_date in ({dates})" if dates else "false"


@dataclass(frozen=True)
class ReleaseFiles:
    """Files per release inside each year's folder: ``<prefix><release>.parquet`` holds the rows
    whose ``column`` is that release's date, ``current.parquet`` (with ``current``) those whose
    column is NULL. A release's file is rewritten whole, in every year a publish touched: a
    same-day reload of one of its files touches only some of its months."""

    prefix: str
    column: str
    current: bool
    # A column of the relation that filters the versions' scan before the views' joins: the
    # spans open or ended by the newest release are versions it did not supersede, or it did
    # (releases load in date order).
    superseded_by: str | None = None

    def name_of_row(self) -> str:
        name = f"strftime({self.column}, '{self.prefix}%Y-%m-%d')"
        return f"coalesce({name}, '{CURRENT}')" if self.current else name

    def names(self, release_dates: Collection[date]) -> set[str]:
        """The files (without .parquet) a publish of these releases rewrites in a touched year."""
        names = {f"{self.prefix}{day.isoformat()}" for day in release_dates}
        return names | {CURRENT} if self.current else names

    def rows(self, release_dates: Collection[date]) -> str:
        """The rows of those files, as a condition on the view's own columns (a condition on
        the file name would hide them from the views' filter pushdown: twice the time)."""
        days = ", ".join(f"date '{day.isoformat()}'" for day in sorted(release_dates))
        released = f"{self.column} in ({days})" if days else "false"
        if not self.current:
            return released
        spans = f"({released} or {self.column} is null)"
        if self.superseded_by is not None:
            superseded = f"{self.superseded_by} in ({days})" if days else "false"
            spans += f" and ({self.superseded_by} is null or {superseded})"
        return spans


FILE_COLUMN = "parquet_file"
CURRENT = "current"
# A span ends the day before the release that ended it (ALFRED's realtime_end).
SPANS = ReleaseFiles("ended_", "realtime_end + 1", current=True, superseded_by="superseded_by")
FIRST_PUBLISHED = ReleaseFiles("first_", "release_date", current=False)

# Every data view of the contract. A view that does not exist in the database yet is skipped;
# add a view here to export it. The run log (runs, validation_results) changes on every run,
# published or not, and stays in tic.duckdb.
EXPORTS: tuple[Export, ...] = (
    Export("holdings", "holdings", "period_year"),
    Export("flows", "flows", "period_year"),
    Export("official_private", "official_private", "period_year"),
    Export(
        "holdings_first_release", "holdings_first_release", "period_year", files=FIRST_PUBLISHED
    ),
    Export("flows_first_release", "flows_first_release", "period_year", files=FIRST_PUBLISHED),
    # The views with superseded_by, for SPANS's filter (the files hold the views' columns).
    Export(
        "holdings_vintages",
        "internal.holdings_spans",
        "period_year",
        columns="* exclude (superseded_by)",
        files=SPANS,
    ),
    Export(
        "flows_vintages",
        "internal.flows_spans",
        "period_year",
        columns="* exclude (superseded_by)",
        files=SPANS,
    ),
    Export("observations", "observations", "period_year"),
    Export("issuer_sectors", "issuer_sectors", "period_year"),
    Export("npr_summary", "npr_summary", "period_year"),
    Export("revisions", "revisions", "release_date"),
    # Every version as its release published it: superseded_by changes when a later release
    # replaces a value, so it stays out and earlier partitions never need rewriting.
    Export(
        "observation_versions",
        "internal.observation_versions",
        "release_date",
        columns="* exclude (superseded_by)",
    ),
    Export("releases", "releases", None),
    Export("countries", "countries", None),
)
# Whole tables the period-partitioned views read (country names and kinds): when one changes,
# every year of those views is rewritten.
DIMENSIONS = ("countries",)


@dataclass(frozen=True)
class Changes:
    """What a publish changed: the periods' years and the release dates it added or redid."""

    period_years: frozenset[int]
    release_dates: frozenset[date]


def pending_changes(con: duckdb.DuckDBPyConnection) -> Changes:
    """The changes the loads on this connection recorded (warehouse.load.track_changes)."""
    years = con.execute("select distinct year(period) from pending_groups").fetchall()
    releases = con.execute("select distinct release_date from pending_releases").fetchall()
    return Changes(frozenset(y for (y,) in years), frozenset(d for (d,) in releases))


def write_snapshot(
    con: duckdb.DuckDBPyConnection,
    staging: Path,
    *,
    base: Path | None = None,
    changes: Changes | None = None,
) -> None:
    """Write every export into staging; with a base snapshot and the changes since it, write
    only the changed partitions and files and hard-link the others from base."""
    staging.mkdir(parents=True)
    present = _relations(con)
    if base is not None and changes is not None and _dimensions_changed(con, base, present):
        changes = None
    for export in EXPORTS:
        if export.relation not in present:
            continue
        target = staging / export.name
        previous = base / export.name if base is not None else None
        if export.partition is None:
            target.mkdir()
            _copy(con, export.select(), target / "data.parquet", partition=None)
        elif changes is None or previous is None or not previous.is_dir():
            _write(con, export, export.select(), target)
        else:
            _write_changed(con, export, target, previous, changes)
        target.mkdir(exist_ok=True)  # an empty view writes no partition folder


def _write_changed(
    con: duckdb.DuckDBPyConnection,
    export: Export,
    target: Path,
    previous: Path,
    changes: Changes,
) -> None:
    keys: Collection[int | date] = (
        changes.period_years if export.partition == "period_year" else changes.release_dates
    )
    rewritten = {_folder(export.partition, key) for key in keys}
    files = export.files.names(changes.release_dates) if export.files else set()
    if files and not _has_files_per_release(previous):
        _write(con, export, export.select(), target)  # a lake written before files per release
        return
    _link_unchanged(previous, target, rewritten, files)
    if not keys:
        return
    _write(con, export, export.select(_changed_rows(export, changes, keys)), target)
    for folder in target.iterdir():
        if folder.name in rewritten and not any(folder.iterdir()):
            folder.rmdir()  # a touched year left with no rows, as a rewritten folder would be


def _link_unchanged(previous: Path, target: Path, rewritten: set[str], files: set[str]) -> None:
    """Hard-link the folders not rewritten, and in those rewritten the files not rewritten."""
    target.mkdir()
    for folder in previous.iterdir():
        if not folder.is_dir():
            continue
        if folder.name not in rewritten:
            _link_tree(folder, target / folder.name)
        elif files:  # a touched year: keep the files of the releases this publish left alone
            (target / folder.name).mkdir()
            for file in folder.iterdir():
                if file.name.split(".")[0] not in files:
                    _link_or_copy(str(file), str(target / folder.name / file.name))


def _changed_rows(export: Export, changes: Changes, keys: Collection[int | date]) -> str:
    """The condition on the rows of the partitions, or files, a publish rewrites."""
    where = export.where(keys)
    if export.files is not None:
        where = f"({where}) and {export.files.rows(changes.release_dates)}"
    return where


FILE_NAME = re.compile(r"(current|(ended|first)_\d{4}-\d{2}-\d{2})(\.\d+)?\.parquet")


def _has_files_per_release(export_folder: Path) -> bool:
    return all(
        FILE_NAME.fullmatch(file.name)
        for folder in export_folder.iterdir()
        if folder.is_dir()
        for file in folder.iterdir()
    )


def _write(con: duckdb.DuckDBPyConnection, export: Export, select: str, target: Path) -> None:
    """Write the rows of select into target's partition folders (replacing those folders, or,
    for an export with files per release, the files it writes)."""
    fresh = target.parent / f".{export.name}.changed"
    if export.files is None:
        _copy(con, select, fresh, partition=export.partition)
        if fresh.is_dir():
            target.mkdir(exist_ok=True)
            for folder in fresh.iterdir():
                os.replace(folder, target / folder.name)
            fresh.rmdir()
        return
    _copy(con, select, fresh, partition=f"period_year, {FILE_COLUMN}")
    if not fresh.is_dir():
        return
    # fresh/period_year=Y/parquet_file=NAME/data_0.parquet -> target/period_year=Y/NAME.parquet
    for year in fresh.iterdir():
        (target / year.name).mkdir(parents=True, exist_ok=True)
        for folder in year.iterdir():
            name = folder.name.removeprefix(f"{FILE_COLUMN}=")
            for index, file in enumerate(sorted(folder.iterdir())):
                suffix = f".{index}" if index else ""
                os.replace(file, target / year.name / f"{name}{suffix}.parquet")
    shutil.rmtree(fresh)


def _link_tree(source: Path, target: Path) -> None:
    """target as a copy of the folder source made of hard links (shutil.copytree also copies
    each folder's times and modes: twice the system calls, for some 400 folders a publish)."""
    target.mkdir()
    for entry in os.scandir(source):
        if entry.is_dir(follow_symlinks=False):
            _link_tree(Path(entry.path), target / entry.name)
        else:
            _link_or_copy(entry.path, str(target / entry.name))


def _link_or_copy(source: str, target: str) -> None:
    """A hard link to the earlier snapshot's file; a byte copy (same mtime) where the
    filesystem has no hard links."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _copy(
    con: duckdb.DuckDBPyConnection, select: str, target: Path, *, partition: str | None
) -> None:
    if partition is None:
        con.execute(f"copy ({select}) to '{target}' (format parquet)")
    else:
        # release_date stays in the files, in the view's column order; the period's year is
        # the folder name only, so the files hold exactly the view's columns.
        keep = "true" if partition == "release_date" else "false"
        con.execute(
            f"copy ({select}) to '{target}' (format parquet, partition_by ({partition}), "
            f"write_partition_columns {keep})"
        )


def _folder(partition: Partition | None, key: int | date) -> str:
    return f"{partition}={key.isoformat() if isinstance(key, date) else key}"


def _relations(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute(
        "select case when schema_name = 'main' then name else schema_name || '.' || name end "
        "from (select schema_name, view_name as name from duckdb_views() where not internal "
        "union all select schema_name, table_name from duckdb_tables())"
    ).fetchall()
    return {name for (name,) in rows}


def _dimensions_changed(con: duckdb.DuckDBPyConnection, base: Path, present: set[str]) -> bool:
    for name in DIMENSIONS:
        if name not in present:
            continue
        old = base / name / "data.parquet"
        if not old.is_file():
            return True
        differs = con.execute(
            f"select count(*) from ((select * from {name} except all "
            f"select * from read_parquet('{old}')) union all "
            f"(select * from read_parquet('{old}') except all select * from {name}))"
        ).fetchone()
        if differs is None or differs[0]:
            return True
    return False
