"""Keep the vintage views fast: each group's source arrivals, rebuilt once per load."""

from __future__ import annotations

import duckdb


def refresh_vintages(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild internal.source_displacements, a few thousand rows the vintage views and the
    change macros read (definition: warehouse/sql/51_value_vintages.sql)."""
    con.execute(
        "create or replace table internal.source_displacements as "
        "select * from internal.source_displacements_now"
    )
