"""The no-change poll with the Prefect server up: how long it takes and what it writes.

    uv run python bench/quiet_poll.py [--shared ../shared/tic] [--repeat 10]

Starts a temporary Prefect server, loads the 2026-07-14 site once over loopback HTTP (the
tests' TicSiteServer), then polls it again `--repeat` times with `release_flow` in this
process (imports done, server up: what a `tic serve` process does every minute on a release
afternoon). Every poll answers 304 for every file and finds nothing new. Prints the median
and worst wall time, and whether tic.duckdb changed (it must not: the run goes to runs.jsonl).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BUDGET_S = 1.0


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "tic")
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

    from prefect.testing.utilities import prefect_test_harness

    from flows.release import run_release_flow
    from tests.support.http_server import TicSiteServer

    with (
        tempfile.TemporaryDirectory() as work,
        prefect_test_harness(server_startup_timeout=180),
        TicSiteServer(args.shared / "releases", "2026-07-14") as site,
    ):
        data_dir = Path(work) / "data"
        started = time.perf_counter()
        first = run_release_flow(source=site.base_url, data_dir=str(data_dir))
        print(f"first poll: {first.outcome} in {time.perf_counter() - started:.1f} s")
        database = data_dir / "tic.duckdb"
        before = (_digest(database), database.stat().st_mtime_ns)

        def polls() -> list[float]:
            times = []
            for _ in range(args.repeat):
                started = time.perf_counter()
                result = run_release_flow(source=site.base_url, data_dir=str(data_dir))
                times.append(time.perf_counter() - started)
                assert result.outcome == "nothing_new", result.message
            return times

        # Prefect 3.8 sends flow-run heartbeats (every 180 s by default) from a thread that
        # sleeps in 1 s steps. Its sync engine joins that thread at the end of a run (up to
        # 1 s); release_flow is async, so the engine does not wait. Both figures are shown.
        with_heartbeats = polls()
        from prefect.settings.context import temporary_settings

        with temporary_settings(updates={"flows.heartbeat_frequency": None}):  # type: ignore[dict-item]
            without_heartbeats = polls()
        after = (_digest(database), database.stat().st_mtime_ns)
        logged = len((data_dir / "runs.jsonl").read_text().splitlines())

    for label, times in (
        ("Prefect defaults (heartbeats on)", with_heartbeats),
        ("flow-run heartbeats off", without_heartbeats),
    ):
        median = statistics.median(times)
        print(
            f"no-change poll, server up, {label}, {args.repeat} runs: median {median:.2f} s, "
            f"worst {max(times):.2f} s, best {min(times):.2f} s (budget < {BUDGET_S:.0f} s: "
            f"{'met' if median < BUDGET_S else 'NOT met'})"
        )
    print(f"tic.duckdb unchanged: {before == after}; runs in runs.jsonl: {logged}")


if __name__ == "__main__":
    main()
