"""Keep the countries dimension current: the names each loaded file prints, and the dimension
rebuilt from all of them (transforms.countries derives it)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import duckdb
import polars as pl

from transforms.countries import build_countries, printed_names

NAME_COLUMNS = ("source", "country", "country_code", "row_kind", "region")
# The dimension reads a source's printing of a name only through its newest copy (older
# copies of the same printing sort after it and add nothing), so it is built from those: a
# few hundred rows, not the few hundred every release adds (0.13 -> 0.01 s at 22 releases).
NEWEST_PRINTINGS = (
    f"select {', '.join(NAME_COLUMNS)}, max(release_date) as release_date "
    f"from internal.country_names group by {', '.join(NAME_COLUMNS)}"
)


def record_printed_names(
    con: duckdb.DuckDBPyConnection, release_date: date, frames: Iterable[pl.DataFrame]
) -> None:
    """Store the names each frame prints under release_date, replacing a same-day copy."""
    for frame in frames:
        names = printed_names(frame)
        for source in names["source"].unique():
            con.execute(
                "delete from internal.country_names where source = ? and release_date = ?",
                [source, release_date],
            )
        con.register("printed", names.select(NAME_COLUMNS).to_arrow())
        columns = ", ".join(NAME_COLUMNS)
        con.execute(
            f"insert into internal.country_names ({columns}, release_date) "
            f"select {columns}, ? from printed",
            [release_date],
        )
        con.unregister("printed")


def rebuild_countries(con: duckdb.DuckDBPyConnection) -> bool:
    """Replace internal.countries and internal.country_lookup from every name stored (each
    printing's newest copy, ``NEWEST_PRINTINGS``). True
    when a printed name and code the lookup held before now maps to another row (or none)."""
    before = con.execute("select * from internal.country_lookup").pl()
    countries, lookup = build_countries(con.execute(NEWEST_PRINTINGS).pl())
    for table, frame in (("countries", countries), ("country_lookup", lookup)):
        con.register("rebuilt", frame.to_arrow())
        con.execute(f"delete from internal.{table}")
        con.execute(
            f"insert into internal.{table} ({', '.join(frame.columns)}) "
            f"select {', '.join(frame.columns)} from rebuilt"
        )
        con.unregister("rebuilt")
    after = con.execute("select * from internal.country_lookup").pl()
    return before.join(after, on=before.columns, how="anti", nulls_equal=True).height > 0


def refresh_countries(
    con: duckdb.DuckDBPyConnection, release_date: date, frames: Iterable[pl.DataFrame]
) -> bool:
    """The loader's step: record the release's names, then rebuild the dimension. True when
    names already held map to other countries now (see ``rebuild_countries``)."""
    record_printed_names(con, release_date, frames)
    return rebuild_countries(con)
