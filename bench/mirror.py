"""The PostgreSQL mirror's speed: a backfilled warehouse copied into a throwaway local
PostgreSQL server (tests/support/postgres.py) by ``warehouse.mirror.mirror_warehouse``.

    uv run python bench/mirror.py                      # backfills ../shared/tic first
    uv run python bench/mirror.py --data-dir data --repeat 5

Prints seconds and rows per second per run (each run replaces schema tic in one transaction:
CSV out of DuckDB, COPY in, primary keys, comments, swap), the median, and the load average
(other work shares the machine).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.postgres import running_postgres
from tic.run.release import run_backfill
from tic.settings import load_settings
from warehouse.mirror import MirrorResult, mirror_warehouse

SHARED = Path(
    os.environ.get("TIC_SHARED_DIR", Path(__file__).resolve().parents[2] / "shared" / "tic")
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, help="a loaded warehouse (default: backfill)")
    parser.add_argument("--shared", type=Path, default=SHARED)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tic-bench-mirror-") as work:
        data_dir = args.data_dir
        if data_dir is None:
            data_dir = Path(work) / "data"
            print(f"backfilling {args.shared / 'releases'} into {data_dir} ...", flush=True)
            run_backfill(args.shared / "releases", load_settings(data_dir=data_dir))
        results = _measure(data_dir / "tic.duckdb", args.repeat)
    _report(results)
    return 0


def _measure(database: Path, repeat: int) -> list[MirrorResult]:
    results = []
    with running_postgres() as server:
        url = server.create_database("tic_bench")
        for run in range(1, repeat + 1):
            result = mirror_warehouse(database, url, "tic_reader")
            assert result is not None
            results.append(result)
            rate = result.total_rows / result.seconds
            print(
                f"run {run}: {result.seconds:.2f} s, {result.total_rows} rows, {rate:,.0f} rows/s"
            )
    return results


def _report(results: list[MirrorResult]) -> None:
    seconds = statistics.median(r.seconds for r in results)
    rows = results[-1].total_rows
    print(f"\nmedian of {len(results)}: {seconds:.2f} s, {rows / seconds:,.0f} rows/s")
    print(f"tables ({len(results[-1].rows)}): " + ", ".join(
        f"{name} {count}" for name, count in sorted(results[-1].rows.items())
    ))  # fmt: skip
    print("load average after: " + ", ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    sys.exit(main())
