"""Keep the vintage views fast: their real-time periods are rebuilt once per load."""

from __future__ import annotations

import duckdb


def refresh_vintages(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild internal.source_displacements and internal.value_vintages from the store
    (their definitions: warehouse/sql/51_value_vintages.sql). Run after the countries step:
    the vintages carry canonical names."""
    for table in ("source_displacements", "value_vintages"):
        con.execute(
            f"create or replace table internal.{table} as select * from internal.{table}_now"
        )
