"""Time the analyst queries of bench/queries.sql on a backfilled warehouse and print medians.

    uv run python bench/analyst.py DATA_DIR [--repeat N]

One read-only connection (connecting excluded), each query N times (default 15), first run
shown apart. bench/run.py runs the same queries as part of the whole benchmark. Beside wall
time it prints the process CPU time per run: on a machine other work shares, wall time grows
with the load average while CPU time stays what the query costs (``--threads 1`` makes the
two comparable on a quiet machine).
"""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path
from statistics import median
from time import perf_counter, process_time

import duckdb

QUERIES = Path(__file__).with_name("queries.sql")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--threads", type=int, help="DuckDB threads (default: DuckDB's own)")
    args = parser.parse_args()
    parts = re.split(r"^-- name: (\w+)\s*$", QUERIES.read_text(), flags=re.MULTILINE)[1:]
    con = duckdb.connect(str(args.data_dir / "tic.duckdb"), read_only=True)
    if args.threads:
        con.execute(f"set threads = {args.threads}")
    threads = con.execute("select current_setting('threads')").fetchone()
    print(f"load average {os.getloadavg()[0]:.1f}; {args.repeat} runs each; threads {threads}")
    header = f"{'query':36} {'median ms':>10} {'first ms':>9} {'max ms':>8} {'cpu ms':>7}"
    print(f"{header} {'rows':>6}")
    try:
        for name, sql in zip(parts[::2], parts[1::2], strict=True):
            times, cpu, rows = [], [], 0
            for _ in range(args.repeat):
                started, cpu_started = perf_counter(), process_time()
                rows = len(con.execute(sql).fetchall())
                times.append((perf_counter() - started) * 1000)
                cpu.append((process_time() - cpu_started) * 1000)
            print(
                f"{name:36} {median(times):10.1f} {times[0]:9.1f} {max(times):8.1f} "
                f"{median(cpu):7.1f} {rows:6d}"
            )
    finally:
        con.close()


if __name__ == "__main__":
    main()
