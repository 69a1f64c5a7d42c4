"""`tic sql` as a child process on the backfilled warehouse: several statements, truncated
tables that say so, suggestions from the contract, --output files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from tests.conftest import ROOT, query


def tic_sql(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cli.main", "sql", *args, "--data-dir", str(data_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_several_statements_each_show_their_result(backfilled: Path) -> None:
    """It runs each statement in order and shows every result, not only the last."""
    done = tic_sql(
        backfilled,
        "select count(*) as releases_held from releases; "
        "select min(release_date) as first_release from releases",
    )
    assert done.returncode == 0, done.stderr
    # Three release folders in ../shared/tic/releases; the oldest is 2023-03-15.
    first, second = done.stdout.split("\n\n")
    assert "releases_held" in first and "| 3 " in first and "(1 rows)" in first
    assert "first_release" in second and "2023-03-15" in second


def test_a_long_table_says_how_many_rows_it_left_out(backfilled: Path) -> None:
    """It shows the first 100 rows of a long result and says how many it left out and that
    --format csv gives them all; csv gives every row."""
    total = query(backfilled, "select count(*) from holdings where country = 'Japan'")[0][0]
    assert total > 100
    sql = "select period, usd_millions from holdings where country = 'Japan' order by period"
    table = tic_sql(backfilled, sql)
    assert table.returncode == 0, table.stderr
    assert table.stdout.rstrip().endswith(
        f"({total} rows; showing the first 100, {total - 100} left out: add --format csv, "
        "or --output FILE, for all of them)"
    )
    csv = tic_sql(backfilled, sql, "--format", "csv")
    assert len(csv.stdout.splitlines()) == total + 1  # the header and every row


@pytest.mark.parametrize(
    ("sql", "hint"),
    [
        ("select * from holdngs", 'Did you mean "holdings"'),
        ("select * from holdings_as_off(date '2026-07-01')", '"holdings_as_of"'),
        ("select usd_milions from holdings", 'Did you mean "usd_millions"'),
        ("select * from duckdb_viewz()", "listed in docs/data_dictionary.md"),
    ],
)
def test_a_mistyped_name_gets_suggestions_from_the_contract(
    backfilled: Path, sql: str, hint: str
) -> None:
    """It suggests view, macro and column names of the tic contract (schema main), never
    DuckDB's own catalog functions, in one line on stderr."""
    done = tic_sql(backfilled, sql)
    assert done.returncode == 1
    [line] = done.stderr.splitlines()
    assert line.startswith("tic sql: ") and hint in line, line
    assert "duckdb_" not in line.removeprefix("tic sql: ").split("!", 1)[1]


def test_a_failing_statement_is_named_by_its_number(backfilled: Path) -> None:
    """With several statements, the error says which one failed."""
    done = tic_sql(backfilled, "select 1; select * from holdngs")
    assert done.returncode == 1
    assert done.stderr.startswith("tic sql: statement 2 of 2: Catalog Error: ")


@pytest.mark.parametrize("suffix", ["csv", "json", "parquet"])
def test_output_writes_every_row_to_a_file(backfilled: Path, tmp_path: Path, suffix: str) -> None:
    """--output FILE writes the whole result in the format its extension names."""
    total = query(backfilled, "select count(*) from releases")[0][0]
    target = tmp_path / f"releases.{suffix}"
    done = tic_sql(backfilled, "select * from releases order by 1", "--output", str(target))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"wrote {total} rows to {target} ({suffix})"
    if suffix == "csv":
        frame = pl.read_csv(target)
    elif suffix == "json":
        frame = pl.DataFrame(json.loads(target.read_text()))
    else:
        frame = pl.read_parquet(target)
    assert frame.height == total
    assert str(frame["release_date"][0])[:10] == "2023-03-15"
    if suffix == "csv":  # a list cell, joined: the 2023-03-15 folder holds these two files
        assert frame["files"][0] == "mfh.txt;s1_globl.txt"
