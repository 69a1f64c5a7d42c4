"""`tic sql`: read-only SQL against the published database."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import polars as pl


class WarehouseMissing(RuntimeError):
    pass


def connect_read_only(database: Path) -> duckdb.DuckDBPyConnection:
    if not database.exists():
        raise WarehouseMissing(
            f"no warehouse at {database}: load one first with `tic backfill` or `tic run`"
        )
    # External access off: COPY TO, EXPORT and profiling output cannot write files anywhere.
    return duckdb.connect(str(database), read_only=True, config={"enable_external_access": False})


def run_query(database: Path, query: str, output_format: str = "table") -> str:
    """The query's result as a table, CSV or JSON; writes fail on the read-only connection."""
    con = connect_read_only(database)
    try:
        relation = con.sql(query)
        if relation is None:
            return "ok"
        frame = relation.pl()
        if output_format == "table":
            return _table(frame)
        if output_format == "csv":
            return frame.write_csv()
        return json.dumps(frame.to_dicts(), default=str, indent=1)
    finally:
        con.close()


def _table(frame: pl.DataFrame) -> str:
    """A plain text table with whole numbers (no scientific notation) and every row."""
    with pl.Config(
        tbl_rows=10_000,
        tbl_cols=-1,
        fmt_str_lengths=80,
        tbl_width_chars=240,
        fmt_float="full",
        tbl_hide_column_data_types=True,
        tbl_formatting="ASCII_MARKDOWN",
        tbl_hide_dataframe_shape=True,
        thousands_separator=False,
    ):
        return f"{frame}\n({frame.height} rows)"
