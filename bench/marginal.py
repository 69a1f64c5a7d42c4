"""The marginal cost of one more release in a backfill, from 1 to N synthetic releases.

    uv run python bench/marginal.py [--count 28] [--shared ../shared/tic] [--json FILE]

One plain backfill (``tic.run.release.run_backfill``, no Prefect): the real 2023-03-15
release first (Form S and the legacy MFH table, half a million versions), then the synthetic
monthly releases of bench/synthetic.py. A release's time runs from the end of the one before
to its own end (brief included), by stage (bench/stages.py). The first synthetic release
pays the Great Expectations import and the first load of Tables 1-3; the figure judged is
every later release.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path
from time import perf_counter, process_time

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:0] = [str(ROOT), str(BENCH)]

from stages import GateTimings, Stopwatch, summarise  # noqa: E402
from synthetic import write_releases  # noqa: E402

BASE_RELEASE = "2023-03-15"
BUDGET_S = 2.0
SHOWN = (
    ("validate/gx_suites", "GX suites"),
    ("validate/polars_checks", "polars checks"),
    ("current_values", "current values"),
    ("parse", "parse"),
    ("load", "load"),
    ("publish/refresh", "refresh"),
    ("publish/parquet_export", "Parquet"),
    ("publish", "publish all"),
)


def slope(xs: list[float], ys: list[float]) -> float:
    """Least-squares seconds per release."""
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mx) ** 2 for x in xs
    )


def run(shared: Path, count: int, work: Path) -> list[dict[str, float | str]]:
    from tic.run.release import RunResult, run_backfill
    from tic.settings import load_settings

    releases = work / "releases"
    folders = write_releases(shared, releases, count)
    # The real release first, as the backfill's oldest folder (a link: shared files stay put).
    (releases / BASE_RELEASE).symlink_to((shared / "releases" / BASE_RELEASE).resolve())
    settings = load_settings(data_dir=work / "data")
    watch = Stopwatch().install()
    gate = GateTimings()
    gate.install(watch)
    rows: list[dict[str, float | str]] = []
    previous_end = {"wall": perf_counter(), "cpu": process_time(), "busy": machine_busy_s()}

    def loaded(result: RunResult) -> None:
        """One release done: its time is the time since the one before ended."""
        wall, cpu = perf_counter() - previous_end["wall"], process_time() - previous_end["cpu"]
        busy = machine_busy_s() - previous_end["busy"]
        stages = summarise(watch.reset(), gate.reset())
        previous_end.update(wall=perf_counter(), cpu=process_time(), busy=machine_busy_s())
        assert result.outcome == "loaded", result
        if result.release_date is None or result.release_date.isoformat() == BASE_RELEASE:
            return
        row: dict[str, float | str] = {
            "release": len(rows) + 1,
            "date": result.release_date.isoformat(),
            "wall_s": wall,
            "cpu_s": cpu,
            "machine_cpu_s": busy,
        }
        row |= {key: stages.get(key, 0.0) for key, _ in SHOWN}
        row["gx_import"] = stages.get("validate/gx_import", 0.0)
        rows.append(row)
        shown = " ".join(f"{label} {float(row[key]):.2f}" for key, label in SHOWN)
        print(
            f"{len(rows):3d} {row['date']} wall {wall:.2f} s cpu {cpu:.2f} s "
            f"(machine {busy:.2f}) | {shown}",
            flush=True,
        )

    started = perf_counter()
    try:
        results = run_backfill(releases, settings, on_result=loaded)
    finally:
        watch.uninstall()
    total = perf_counter() - started
    assert len(results) == len(folders) + 1 and all(r.brief_path for r in results), results
    print(f"backfill of {len(results)} releases: {total:.1f} s", flush=True)
    return rows


def machine_busy_s() -> float:
    """CPU seconds the whole machine has spent busy (every process, this one's threads too;
    the figure holds for a quiet machine only)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def summary(rows: list[dict[str, float | str]]) -> dict[str, float]:
    later = rows[1:]  # the first pays the GX import and the first load of Tables 1-3
    walls = [float(r["wall_s"]) for r in later]
    cpus = [float(r["cpu_s"]) for r in later]
    third = max(1, len(walls) // 3)
    return {
        "releases": len(rows),
        "first_s": float(rows[0]["wall_s"]),
        "median_s": statistics.median(walls),
        "max_s": max(walls),
        "median_first_third_s": statistics.median(walls[:third]),
        "median_last_third_s": statistics.median(walls[-third:]),
        "slope_ms_per_release": 1000 * slope([float(r["release"]) for r in later], walls),
        "cpu_median_s": statistics.median(cpus),
        "cpu_median_first_third_s": statistics.median(cpus[:third]),
        "cpu_median_last_third_s": statistics.median(cpus[-third:]),
        "cpu_slope_ms_per_release": 1000 * slope([float(r["release"]) for r in later], cpus),
        "machine_cpu_median_s": statistics.median(float(r["machine_cpu_s"]) for r in later),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=28)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "tic")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tic-marginal-") as work:
        rows = run(args.shared, args.count, Path(work))
    figures = summary(rows)
    verdict = "PASS" if figures["max_s"] <= BUDGET_S else "FAIL"
    print(json.dumps(figures, indent=2))
    print(
        f"marginal release: median {figures['median_s']:.2f} s, max {figures['max_s']:.2f} s "
        f"(budget {BUDGET_S} s: {verdict})"
    )
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "summary": figures}, indent=2))


if __name__ == "__main__":
    main()
