"""Time the analyst queries of bench/queries.sql on a backfilled warehouse and print medians.

    uv run python bench/analyst.py DATA_DIR [--repeat N]

One read-only connection (connecting excluded), each query N times (default 15), first run
shown apart. bench/run.py runs the same queries as part of the whole benchmark.
"""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path
from statistics import median
from time import perf_counter

import duckdb

QUERIES = Path(__file__).with_name("queries.sql")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    parts = re.split(r"^-- name: (\w+)\s*$", QUERIES.read_text(), flags=re.MULTILINE)[1:]
    con = duckdb.connect(str(args.data_dir / "tic.duckdb"), read_only=True)
    print(f"load average {os.getloadavg()[0]:.1f}; {args.repeat} runs each")
    print(f"{'query':36} {'median ms':>10} {'first ms':>9} {'max ms':>8} {'rows':>7}")
    try:
        for name, sql in zip(parts[::2], parts[1::2], strict=True):
            times, rows = [], 0
            for _ in range(args.repeat):
                started = perf_counter()
                rows = len(con.execute(sql).fetchall())
                times.append((perf_counter() - started) * 1000)
            print(f"{name:36} {median(times):10.1f} {times[0]:9.1f} {max(times):8.1f} {rows:7d}")
    finally:
        con.close()


if __name__ == "__main__":
    main()
