"""What writing a release brief costs, on a warehouse built from ../shared/tic/releases.

    uv run python bench/brief.py [--data-dir DIR] [--repeat N]

Without --data-dir it backfills a temporary warehouse first (plain steps, no Prefect). Prints:
the first brief in a fresh process (imports of polars, duckdb and pyarrow included, as in
`tic brief`), then the median of N briefs in a warm process (the
case of a backfill's second and later releases), split into reading the views, drawing the
charts (each chart twice: wide and phone) and the rest, and the page's size. Budget: < 2 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path
from time import perf_counter, process_time

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("TIC_SHARED_DIR", ROOT.parent / "shared" / "tic"))
BUDGET_SECONDS = 2.0

FRESH_PROCESS = """
import sys, time
from datetime import date
from pathlib import Path
start = time.perf_counter()
from tic.brief import write_brief
write_brief(Path(sys.argv[1]), date.fromisoformat(sys.argv[2]), Path(sys.argv[3]))
print(time.perf_counter() - start)
"""


def backfill(data_dir: Path) -> None:
    from tic.run.release import run_backfill
    from tic.settings import Settings

    run_backfill(SHARED / "releases", Settings(data_dir=data_dir))


def fresh_process_seconds(database: Path, release: date, output: Path) -> float:
    done = subprocess.run(
        [sys.executable, "-c", FRESH_PROCESS, str(database), release.isoformat(), str(output)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return float(done.stdout.strip().splitlines()[-1])


def warm_seconds(database: Path, release: date, output: Path, repeat: int) -> dict[str, float]:
    """Median seconds of each part over `repeat` briefs in this (warm) process."""
    from tic.brief import page as brief_page
    from tic.brief import write_brief
    from tic.brief.page import render_page
    from tic.brief.queries import read_brief_data

    write_brief(database, release, output)  # warm up: imports
    figure = brief_page._figure
    drawing = [0.0]

    def timed_figure(name: str, build: Callable[[int], str]) -> str:
        start = perf_counter()
        try:
            return figure(name, build)
        finally:
            drawing[0] += perf_counter() - start

    brief_page._figure = timed_figure
    parts: dict[str, list[float]] = {"total": [], "cpu": [], "views": [], "charts": [], "rest": []}
    for _ in range(repeat):
        drawing[0] = 0.0
        cpu = process_time()
        start = perf_counter()
        data = read_brief_data(database, release)
        read = perf_counter()
        page = render_page(data)
        output.write_text(page)
        end = perf_counter()
        parts["total"].append(end - start)
        parts["cpu"].append(process_time() - cpu)
        parts["views"].append(read - start)
        parts["charts"].append(drawing[0])
        parts["rest"].append(end - read - drawing[0])
    brief_page._figure = figure
    return {name: statistics.median(values) for name, values in parts.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tic-bench-brief-") as scratch:
        data_dir = args.data_dir or Path(scratch) / "data"
        if args.data_dir is None:
            print(f"backfilling {SHARED / 'releases'} into {data_dir} ...", flush=True)
            backfill(data_dir)
        database = data_dir / "tic.duckdb"
        output = Path(scratch) / "brief.html"
        load = os.getloadavg()[0]
        print(f"machine: {os.cpu_count()} cores, load average {load:.1f} at start")
        for release in (date(2026, 7, 14), date(2026, 6, 18)):
            cold = fresh_process_seconds(database, release, output)
            warm = warm_seconds(database, release, output, args.repeat)
            verdict = "within" if warm["total"] < BUDGET_SECONDS else "OVER"
            print(
                f"brief {release}: fresh process {cold:.2f} s; warm median {warm['total']:.2f} s "
                f"({verdict} the {BUDGET_SECONDS:.0f} s budget; CPU {warm['cpu']:.2f} s): "
                f"views {warm['views']:.2f} s, "
                f"charts {warm['charts']:.2f} s, page {warm['rest']:.2f} s; "
                f"{output.stat().st_size / 1024:.0f} KiB"
            )


if __name__ == "__main__":
    main()
