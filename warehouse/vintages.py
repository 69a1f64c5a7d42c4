"""Keep the vintage views fast: each group's source arrivals, brought up to date by each load."""

from __future__ import annotations

import duckdb

GROUP = ("dataset", "period", "security", "measure")


def refresh_vintages(con: duckdb.DuckDBPyConnection) -> None:
    """Recompute internal.source_displacements (a few thousand rows the vintage views and the
    change macros read; definition: warehouse/sql/51_value_vintages.sql) for the groups the
    loads on this connection changed (pending_groups, warehouse.load.track_changes)."""
    match = " and ".join(f"held.{c} = changed.{c}" for c in GROUP)
    con.execute(
        "delete from internal.source_displacements as held "
        f"using (select distinct {', '.join(GROUP)} from pending_groups) as changed where {match}"
    )
    con.execute(
        "insert into internal.source_displacements "
        "from internal.source_displacements_in('pending_groups')"
    )


def rebuild_vintages(con: duckdb.DuckDBPyConnection) -> None:
    """Recompute internal.source_displacements for every group: ``create_objects`` does, when
    the SQL that defines them may have changed (bench/history.py times it in a full rebuild)."""
    con.execute(
        "create or replace table internal.source_displacements as "
        "select * from internal.source_displacements_now"
    )
