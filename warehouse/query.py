"""`tic sql`: read-only SQL against the published database.

Several statements run in order and each result is shown; a long table is cut at
``MAX_TABLE_ROWS`` and says how many rows it left out; a mistyped view, macro or column gets
suggestions from the `tic` contract (the views and macros of schema main, the ones the data
dictionary documents), never DuckDB's own catalog functions.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from warehouse.runs import run_log_frame

MAX_TABLE_ROWS = 100  # a terminal's worth; --format csv or --output FILE give every row
OUTPUT_FORMATS = ("csv", "json", "parquet")

_MISSING_RELATION = re.compile(r"(?:Table|Table Function|Macro Function) with name (\w+) does not")
_MISSING_COLUMN = re.compile(r'Referenced column "(\w+)" not found')


class WarehouseMissing(RuntimeError):
    pass


class QueryError(RuntimeError):
    """A statement DuckDB refused; the message is one line with the statement's number."""


def connect_read_only(database: Path) -> duckdb.DuckDBPyConnection:
    if not database.exists():
        raise WarehouseMissing(
            f"no warehouse at {database}: load one first with `tic backfill` or `tic run`"
        )
    # External access off: COPY TO, EXPORT and profiling output cannot write files anywhere.
    return duckdb.connect(str(database), read_only=True, config={"enable_external_access": False})


@dataclass(frozen=True)
class StatementResult:
    sql: str
    frame: pl.DataFrame | None  # None for a statement without a result (SET, PRAGMA ...)


def run_statements(database: Path, query: str) -> list[StatementResult]:
    """Run each statement of ``query`` in order on one read-only connection."""
    con = connect_read_only(database)
    try:
        _show_logged_runs(con, database.parent / "runs.jsonl")
        statements = con.extract_statements(query)
        results = []
        for number, statement in enumerate(statements, start=1):
            try:
                relation = con.sql(statement.query)
            except duckdb.Error as error:
                where = f"statement {number} of {len(statements)}: " if len(statements) > 1 else ""
                raise QueryError(where + explain(con, error)) from None
            frame = relation.pl() if relation is not None else None
            results.append(StatementResult(statement.query.strip(), frame))
        return results
    finally:
        con.close()


def run_query(
    database: Path, query: str, output_format: str = "table", output: Path | None = None
) -> str:
    """Every statement's result as a table, CSV or JSON; with ``output`` the last result is
    written to that file (csv, json or parquet, from --format or the file's extension)."""
    results = run_statements(database, query)
    if output is not None:
        return _write_output(results, output, output_format)
    shown = [_render(r, output_format) for r in results]
    if output_format == "json" and len(results) > 1:
        return "[" + ",\n".join(shown) + "]"
    return "\n\n".join(shown)


def _render(result: StatementResult, output_format: str) -> str:
    if result.frame is None:
        return "ok"
    if output_format == "csv":
        return _flat(result.frame).write_csv().rstrip("\n")
    if output_format == "json":
        return json.dumps(result.frame.to_dicts(), default=str, indent=1)
    return _table(result.frame)


def _write_output(results: list[StatementResult], output: Path, output_format: str) -> str:
    frame = results[-1].frame
    if frame is None:
        raise QueryError("the last statement returns no rows to write to --output")
    kind = output.suffix.lstrip(".").lower()
    kind = kind if kind in OUTPUT_FORMATS else output_format
    if kind not in OUTPUT_FORMATS:
        raise QueryError(
            f"--output {output}: name a .csv, .json or .parquet file, or pass --format csv|json"
        )
    if kind == "csv":
        _flat(frame).write_csv(output)
    elif kind == "json":
        output.write_text(json.dumps(frame.to_dicts(), default=str, indent=1) + "\n")
    else:
        frame.write_parquet(output)
    return f"wrote {frame.height} rows to {output} ({kind})"


def _flat(frame: pl.DataFrame) -> pl.DataFrame:
    """CSV holds no lists: a list cell (`releases.files`) becomes its items joined by ';'."""
    lists = [name for name, dtype in frame.schema.items() if isinstance(dtype, pl.List)]
    return frame.with_columns(
        pl.col(name).list.eval(pl.element().cast(pl.Utf8)).list.join(";") for name in lists
    )


def _table(frame: pl.DataFrame) -> str:
    """A plain text table with whole numbers (no scientific notation), cut at MAX_TABLE_ROWS
    rows with a line saying how many were left out."""
    shown = frame.head(MAX_TABLE_ROWS)
    with pl.Config(
        tbl_rows=MAX_TABLE_ROWS,
        tbl_cols=-1,
        fmt_str_lengths=80,
        tbl_width_chars=240,
        fmt_float="full",
        tbl_hide_column_data_types=True,
        tbl_formatting="ASCII_MARKDOWN",
        tbl_hide_dataframe_shape=True,
        thousands_separator=False,
    ):
        text = str(shown)
    left_out = frame.height - shown.height
    if left_out:
        return (
            f"{text}\n({frame.height} rows; showing the first {shown.height}, {left_out} left "
            "out: add --format csv, or --output FILE, for all of them)"
        )
    return f"{text}\n({frame.height} rows)"


def explain(con: duckdb.DuckDBPyConnection, error: duckdb.Error) -> str:
    """DuckDB's first line, with DuckDB's own hint replaced by names from the contract."""
    text = str(error)
    first = text.splitlines()[0] if text else type(error).__name__
    relation = _MISSING_RELATION.search(text)
    column = _MISSING_COLUMN.search(text)
    if relation:
        views, _ = contract_names(con)
        return first + _did_you_mean(relation.group(1), views, "views and macros of tic")
    if column:
        _, columns = contract_names(con)
        return first + _did_you_mean(column.group(1), columns, "columns of the tic views")
    return first


def _did_you_mean(name: str, known: list[str], what: str) -> str:
    close = difflib.get_close_matches(name.lower(), known, n=3, cutoff=0.6)
    if close:
        return " Did you mean " + " or ".join(f'"{c}"' for c in close) + "?"
    return f" The {what} are listed in docs/data_dictionary.md."


def contract_names(con: duckdb.DuckDBPyConnection) -> tuple[list[str], list[str]]:
    """(views and table macros, columns) of schema main of the tic database: the contract."""
    catalog = "select current_database()"
    views = con.execute(
        f"select table_name from information_schema.tables "
        f"where table_schema = 'main' and table_catalog = ({catalog}) "
        f"union select function_name from duckdb_functions() "
        f"where function_type = 'table_macro' and schema_name = 'main' "
        f"and database_name = ({catalog})"
    ).fetchall()
    columns = con.execute(
        f"select distinct column_name from information_schema.columns "
        f"where table_schema = 'main' and table_catalog = ({catalog})"
    ).fetchall()
    return sorted(v for (v,) in views), sorted(c for (c,) in columns)


def _show_logged_runs(con: duckdb.DuckDBPyConnection, run_log: Path) -> None:
    """Runs in the run log (no-change polls) are not in the database yet: a temporary `runs`
    view, on this connection only, shows them with the stored ones, newest first."""
    frame = run_log_frame(run_log)
    if frame.is_empty():
        return
    con.register("logged_runs", frame.to_arrow())
    database = con.execute("select current_database()").fetchone()
    name = database[0] if database else "tic"
    columns = ", ".join(frame.columns)
    con.execute(
        f'create temp view runs as select * from "{name}".main.runs '
        f"union all by name select {columns} from logged_runs order by started_at desc"
    )
