"""Read the vintage store: which files are already loaded, and the values a release is judged by."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from warehouse.load import loaded_sha256


def loaded_copies(
    database: Path, file_names: Collection[str], as_of: date | None
) -> dict[str, str]:
    """sha256 of the copy of each file current at ``as_of`` (latest when None); absent if none."""
    if not database.exists():
        return {}
    con = duckdb.connect(str(database), read_only=True)
    try:
        found = {name: loaded_sha256(con, name, as_of) for name in file_names}
    finally:
        con.close()
    return {name: sha for name, sha in found.items() if sha is not None}


def current_values(
    database: Path,
    release_date: date | None = None,
    replacing: Collection[str] = (),
    sources: Collection[str] | None = None,
) -> Mapping[str, pl.DataFrame]:
    """The warehouse's values per source that a release will be compared with (``sources``
    only, when given: a release of Table 1 need not read forty years of Form S).

    For the sources in ``replacing`` this is what the warehouse held before ``release_date``:
    a same-day reload replaces the earlier copy of that release (warehouse.load undoes it), so
    it must be judged against the release before it, not against that copy.
    """
    if replacing and release_date is None:
        raise ValueError("current_values: replacing sources needs the release_date they replace")
    if not database.exists():
        return {}
    wanted = None if sources is None else sorted(sources)
    con = duckdb.connect(str(database), read_only=True)
    try:
        frame = con.execute(
            "select * exclude (superseded_by) from internal.observation_versions "
            "where (?::varchar[] is null or list_contains(?, source)) "
            "and case when list_contains(?, source) "
            "then release_date < ? and (superseded_by is null or superseded_by >= ?) "
            "else superseded_by is null end",
            [wanted, wanted, sorted(replacing), release_date, release_date],
        ).pl()
    finally:
        con.close()
    return {s: frame.filter(pl.col("source") == s) for s in frame["source"].unique().sort()}


def latest_release_date(database: Path) -> date | None:
    """The newest release loaded (the `releases` view), None without a warehouse."""
    if not database.exists():
        return None
    con = duckdb.connect(str(database), read_only=True)
    try:
        row = con.execute("select max(release_date) from releases").fetchone()
    finally:
        con.close()
    return row[0] if row else None
