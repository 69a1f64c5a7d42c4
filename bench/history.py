"""A long revision history: publish cost and analyst queries on about 2 million versions.

    uv run python bench/history.py [--vintages 10] [--months 36] [--repeat 10] [--shared DIR]
                                   [--keep DIR]

Builds the warehouse of the real releases (plain backfill), then grows its history with
synthetic later vintages: each revises every current Table 1-3 value of the newest ``months``
months (+1 million dollars), as a monthly release revising back data would, with its own
``release_files`` rows. The derived tables and the Parquet snapshot are then rebuilt in full
(the cost every publish paid before it became incremental, timed as "full rebuild").

Then, on private copies of that warehouse (each run starts from the same state), one more
release is published the way a run does (``writable_copy`` + ``load_release``): the 2026-07-14
Table 1 with its newest 12 months revised again. Last, every query of bench/queries.sql runs
``repeat`` times on one read-only connection.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import sys
import tempfile
from datetime import date
from pathlib import Path
from time import perf_counter, process_time

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:0] = [str(ROOT), str(BENCH)]

PUBLISH_BUDGET_S = 2.0
QUERY_BUDGET_MS = 50.0
FIRST_VINTAGE = date(2026, 8, 14)
SLT = ("slt_table1", "slt_table2", "slt_table3")


def vintage_dates(count: int) -> list[date]:
    dates = []
    year, month = FIRST_VINTAGE.year, FIRST_VINTAGE.month
    for _ in range(count):
        dates.append(date(year, month, 14))
        year, month = (year, month + 1) if month < 12 else (year + 1, 1)
    return dates


def grow_history(database: Path, vintages: list[date], months: int) -> None:
    """Add the synthetic vintages to the vintage store of ``database`` (in place)."""
    import duckdb

    con = duckdb.connect(str(database))
    try:
        sources = ", ".join(f"'{s}'" for s in SLT)
        for released in vintages:
            newest = con.execute(
                f"select max(period) - interval ({months - 1}) month "
                f"from internal.observation_versions where source in ({sources})"
            ).fetchone()
            assert newest is not None
            cut = newest[0]
            current = (
                f"superseded_by is null and source in ({sources}) "
                f"and period >= date '{cut:%Y-%m-%d}'"
            )
            con.execute("begin")
            con.execute(
                "create or replace temp table revised as select * replace "
                f"(usd_millions + 1 as usd_millions, date '{released}' as release_date) "
                f"from internal.observation_versions where {current}"
            )
            con.execute(
                f"update internal.observation_versions set superseded_by = date '{released}' "
                f"where {current}"
            )
            con.execute("insert into internal.observation_versions by name select * from revised")
            con.execute(
                "insert into internal.release_files by name select * replace "
                f"(date '{released}' as release_date, now() as loaded_at) "
                "from internal.release_files where release_date = date '2026-06-18' "
                f"and source in ({sources})"
            )
            con.execute("commit")
    finally:
        con.close()


def full_rebuild(data_dir: Path) -> dict[str, float]:
    """Rebuild the derived tables and the Parquet snapshot from every version, timed."""
    import duckdb

    from tic.settings import DataPaths
    from warehouse.load import create_objects
    from warehouse.publish import reconcile_parquet
    from warehouse.vintages import rebuild_vintages

    paths = DataPaths(data_dir)
    con = duckdb.connect(str(paths.database))
    try:
        # Every derived table: the synthetic vintages were written into the versions only.
        for table in ("latest_winner", "latest_values", "revisions_all"):
            con.execute(f"drop table internal.{table}")
        started = perf_counter()
        create_objects(con)  # builds the missing tables from all versions
        rebuild_vintages(con)  # every group's source arrivals
        rebuild_s = perf_counter() - started
        con.execute("checkpoint")
    finally:
        con.close()
    shutil.rmtree(paths.parquet_snapshots)
    paths.parquet.unlink()
    started = perf_counter()
    reconcile_parquet(paths)  # no snapshot for the database: a full export
    return {"full_refresh_s": rebuild_s, "full_parquet_export_s": perf_counter() - started}


def next_release_load(shared: Path):  # type: ignore[no-untyped-def]
    """The 2026-07-14 Table 1 with its newest 12 months revised by another +2 million."""
    import polars as pl

    from transforms.registry import parse_file
    from warehouse.load import FileLoad

    name = "slt_table1.txt"
    data = (shared / "releases" / "2026-07-14" / name).read_bytes()
    frame = parse_file(name, data)
    newest = frame["period"].max()
    recent = pl.col("period") > pl.lit(newest).dt.offset_by("-12mo")
    frame = frame.with_columns(
        usd_millions=pl.when(recent).then(pl.col("usd_millions") + 2).otherwise("usd_millions")
    )
    return FileLoad(name, "slt_table1", "bench-" + "0" * 58, len(data), None, frame)


def publish_once(data_dir: Path, released: date, load) -> dict[str, float]:  # type: ignore[no-untyped-def]
    from stages import Stopwatch

    from tic.settings import DataPaths
    from warehouse.load import load_release

    watch = Stopwatch().install()  # the parts of the publish, timed from outside
    from warehouse.publish import writable_copy  # the timed one

    try:
        wall, cpu = perf_counter(), process_time()
        with writable_copy(DataPaths(data_dir)) as con:
            summary = load_release(con, released, [load], "passed")
        figures = {
            "publish_s": perf_counter() - wall,
            "publish_cpu_s": process_time() - cpu,
            "rows_loaded": summary.rows_loaded,
        }
    finally:
        watch.uninstall()
    parts = {k: round(v, 3) for k, v in watch.seconds.items() if k.startswith(("publish/", "load"))}
    return figures | parts


def run_queries(database: Path, repeat: int) -> dict[str, dict[str, float]]:
    import duckdb

    text = (BENCH / "queries.sql").read_text()
    parts = re.split(r"^-- name: (\w+)\s*$", text, flags=re.MULTILINE)[1:]
    con = duckdb.connect(str(database), read_only=True)
    figures = {}
    try:
        for name, sql in zip(parts[::2], parts[1::2], strict=True):
            # The query with its result fetched as Arrow, as BI drivers and DuckDB's own
            # clients read it; and fetched as Python tuples, which for a big result costs
            # more than the query (13,000 revisions: 40 ms as Arrow, 100 ms as tuples).
            times, tuple_times, rows = [], [], 0
            for _ in range(repeat):
                started = perf_counter()
                rows = con.execute(sql).to_arrow_table().num_rows
                times.append(perf_counter() - started)
                started = perf_counter()
                con.execute(sql).fetchall()
                tuple_times.append(perf_counter() - started)
            figures[name] = {
                "median_ms": statistics.median(times) * 1000,
                "max_ms": max(times) * 1000,
                "python_tuples_median_ms": statistics.median(tuple_times) * 1000,
                "rows": rows,
            }
    finally:
        con.close()
    return figures


def count_versions(database: Path) -> dict[str, int]:
    import duckdb

    con = duckdb.connect(str(database), read_only=True)
    try:
        counts = con.execute(
            "select (select count(*) from internal.observation_versions), "
            "(select count(*) from revisions)"
        ).fetchone()
        assert counts is not None
        versions, revisions = counts
    finally:
        con.close()
    return {"versions": versions, "revisions": revisions}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vintages", type=int, default=10)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--publishes", type=int, default=3)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "tic")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--keep", type=Path, help="copy the published warehouse here, to query")
    args = parser.parse_args()

    from tic.run.release import run_backfill
    from tic.settings import load_settings

    with tempfile.TemporaryDirectory(prefix="tic-history-") as work_dir:
        work = Path(work_dir)
        base = work / "base"
        run_backfill(args.shared / "releases", load_settings(data_dir=base))
        vintages = vintage_dates(args.vintages)
        grow_history(base / "tic.duckdb", vintages, args.months)
        figures: dict[str, object] = dict(full_rebuild(base))
        figures |= count_versions(base / "tic.duckdb")
        print(json.dumps(figures), flush=True)

        load = next_release_load(args.shared)
        released = vintage_dates(args.vintages + 1)[-1]
        publishes = []
        for attempt in range(args.publishes):
            copy = work / f"publish-{attempt}"
            shutil.copytree(base, copy, symlinks=True)
            publishes.append(publish_once(copy, released, load))
            print(json.dumps(publishes[-1]), flush=True)
        figures["publish_s"] = statistics.median(p["publish_s"] for p in publishes)
        figures["publish_cpu_s"] = statistics.median(p["publish_cpu_s"] for p in publishes)
        figures["publish_rows_loaded"] = publishes[0]["rows_loaded"]
        queries = run_queries(work / "publish-0" / "tic.duckdb", args.repeat)
        figures["queries"] = queries
        if args.keep:
            shutil.copytree(work / "publish-0", args.keep, symlinks=True, dirs_exist_ok=True)

    print(json.dumps(figures, indent=2))
    worst = max(q["median_ms"] for q in queries.values())
    print(
        f"publish {figures['publish_s']:.2f} s (budget {PUBLISH_BUDGET_S} s), "
        f"slowest query median {worst:.1f} ms (budget {QUERY_BUDGET_MS} ms)"
    )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
