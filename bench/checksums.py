"""Checksum every contract view and as-of macro of a warehouse: row count and an
order-independent hash of the rows (load times left out), to show a change keeps the views'
rows. Compare the output of two warehouses built from the same releases with ``diff``.

    uv run python bench/checksums.py DATA_DIR/tic.duckdb
"""

from __future__ import annotations

import sys

import duckdb

VIEWS = (
    "holdings",
    "flows",
    "official_private",
    "revisions",
    "observations",
    "issuer_sector_holdings",
    "npr_summary",
    "countries",
    "holdings_first_release",
    "flows_first_release",
)
AS_OF_DATES = ("2023-03-16", "2026-06-18", "2026-07-01", "2026-07-14")
VOLATILE = ("loaded_at",)


def one_row(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[object, ...]:
    row = con.execute(sql).fetchone()
    assert row is not None, sql
    return row


def main(database: str) -> None:
    con = duckdb.connect(database, read_only=True)
    for view in VIEWS:
        try:
            columns = [r[0] for r in con.execute(f"describe {view}").fetchall()]
            kept = ", ".join(c for c in columns if c not in VOLATILE)
            count, digest = one_row(con, f"select count(*), sum(hash({kept})) from {view}")
            print(view, count, digest)
        except duckdb.Error as error:
            print(view, "ERR", str(error).splitlines()[0])
    for day in AS_OF_DATES:
        for macro in ("holdings_as_of", "flows_as_of"):
            count, digest = one_row(
                con, f"select count(*), sum(hash(*COLUMNS(*))) from {macro}(DATE '{day}')"
            )
            print(macro, day, count, digest)
    releases = con.execute(
        "select release_date, files, sha256s, status from releases order by 1"
    ).fetchall()
    print("releases", releases)


if __name__ == "__main__":
    main(sys.argv[1])
