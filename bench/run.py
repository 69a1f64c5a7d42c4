"""Benchmark the tic pipeline on the real release files and compare it with its budgets.

    uv run python bench/run.py [--shared ../shared/tic] [--repeat 10] [--e2e-repeat 3]
                               [--out bench/results.md] [--keep DIR]

End to end, as a user runs it: `tic backfill` (cold, empty data directory, its own temporary
Prefect server), `tic run` of a new release over HTTP and a no-change poll, each as a
subprocess (wall time, peak RSS of the process tree, phases from Prefect's log times).
In process: every stage timed by wrapping the plain functions (bench/stages.py), the release
and backfill flows on an already running Prefect server (Prefect overhead = flow time minus
the stages), import times, parse throughput against bare polars, and the analyst queries of
bench/queries.sql. See bench/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from time import perf_counter
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:0] = [str(ROOT), str(BENCH)]

from procs import ProcessRun, run_measured  # noqa: E402

PACKAGES = (
    "prefect",
    "polars",
    "duckdb",
    "great-expectations",
    "pandas",
    "pyarrow",
    "requests",
    "fastapi",
    "uvicorn",
    "sqlalchemy",
)
NEW_RELEASE = "2026-07-14"
PREVIOUS_RELEASE = "2026-06-18"
GB = 1e9

BUDGETS = {
    "cold_backfill_s": 60.0,
    "pipeline_work_s": 10.0,
    "no_change_after_startup_s": 5.0,
    "query_ms": 100.0,
    "peak_rss_bytes": 1.5 * GB,
    "parse_ratio": 5.0,
}


# -- small helpers ---------------------------------------------------------------------------


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def medians(samples: list[dict[str, float]]) -> dict[str, float]:
    keys = {key for sample in samples for key in sample}
    return {key: median([sample.get(key, 0.0) for sample in samples]) for key in keys}


def say(message: str) -> None:
    print(f"[bench {datetime.now():%H:%M:%S}] {message}", flush=True)


@dataclass
class Context:
    shared: Path
    releases: Path
    repeat: int
    e2e_repeat: int
    work: Path
    prefect_home: Path
    tic: list[str]
    user_env: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    results: dict[str, Any] = field(default_factory=dict)

    def fresh_dir(self, name: str) -> Path:
        path = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=self.work))
        return path

    def cli_env(self) -> dict[str, str]:
        """The user's environment without any Prefect API (so `tic` starts its own temporary
        server) and with a Prefect home of the bench's own (no profile from ~/.prefect)."""
        env = {k: v for k, v in self.user_env.items() if not k.startswith("PREFECT_API_")}
        env.pop("PREFECT_PROFILE", None)
        env.pop("TIC_DATA_DIR", None)
        env["PREFECT_HOME"] = str(self.prefect_home)
        return env


# -- the machine -------------------------------------------------------------------------------


def _git(*args: str) -> str:
    try:
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _ram_bytes() -> int:
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    return 0


def machine() -> dict[str, Any]:
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "absent"
    site = Path(metadata.distribution("polars").locate_file(""))
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": _git("rev-parse", "HEAD"),
        "dirty": bool(_git("status", "--porcelain", "--untracked-files=no")),
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "ram_gb": round(_ram_bytes() / 2**30, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "packages": versions,
        "load_average_start": os.getloadavg(),
        "bytecode": {
            "PYTHONDONTWRITEBYTECODE": os.environ.get("PYTHONDONTWRITEBYTECODE", ""),
            "pyc_files_in_site_packages": sum(1 for _ in site.rglob("*.pyc")),
        },
    }


# -- imports and the Prefect server, in fresh interpreters -----------------------------------


IMPORTS = (
    ("python start-up", "pass"),
    ("import cli.main", "import cli.main"),
    ("import tic.source.collect", "import tic.source.collect"),
    ("import flows.release (prefect)", "import flows.release"),
    ("import prefect.server.api.server", "import prefect.server.api.server"),
    ("import great_expectations", "import great_expectations"),
)

SERVER_PROBE = """
import json, time
started = time.perf_counter()
from prefect.server.api.server import SubprocessASGIServer
imported = time.perf_counter()
server = SubprocessASGIServer()
server.start()
up = time.perf_counter()
server.stop()
print(json.dumps({"import_s": imported - started, "start_s": up - imported}))
"""


def measure_imports(ctx: Context) -> None:
    """Wall time of `python -c "import X"` minus bare interpreter start, median."""
    say("import times (fresh interpreters)")
    walls: dict[str, list[float]] = {label: [] for label, _ in IMPORTS}
    for _ in range(ctx.e2e_repeat):
        for label, code in IMPORTS:
            started = perf_counter()
            subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=ctx.cli_env(), check=True)
            walls[label].append(perf_counter() - started)
    base = median(walls["python start-up"])
    ctx.results["imports_s"] = {
        label: median(values) - (0 if label == "python start-up" else base)
        for label, values in walls.items()
    }


def measure_server_start(ctx: Context) -> None:
    """Prefect's temporary server: once with an empty Prefect home (database created and
    migrated, as on a new machine), then with the bench's home."""
    say("Prefect temporary server start (fresh interpreters)")

    def probe(home: Path) -> dict[str, float]:
        env = ctx.cli_env() | {"PREFECT_HOME": str(home)}
        out = subprocess.run(
            [sys.executable, "-c", SERVER_PROBE],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        return json.loads(out.strip().splitlines()[-1])

    first = probe(ctx.prefect_home)  # the bench's home is empty at this point
    runs = [probe(ctx.prefect_home) for _ in range(ctx.e2e_repeat)]
    ctx.results["server"] = {
        "first_start_s": first["start_s"],
        "start_s": median([r["start_s"] for r in runs]),
        "import_s": median([r["import_s"] for r in runs]),
    }


# -- end to end: `tic` as a subprocess -------------------------------------------------------


def run_tic(ctx: Context, label: str, *args: str) -> ProcessRun:
    log = ctx.work / f"{label}-{time.monotonic_ns()}.log"
    return run_measured([*ctx.tic, *args], ctx.cli_env(), ROOT, log).check()


def summarise_runs(runs: list[ProcessRun]) -> dict[str, Any]:
    return {
        "n": len(runs),
        "wall_s": median([r.wall_s for r in runs]),
        "wall_all_s": [round(r.wall_s, 2) for r in runs],
        "phases_s": medians([r.phases_s for r in runs if r.phases_s]),
        "tree_peak_rss_bytes": max(r.tree_peak_rss_bytes for r in runs),
        "max_single_rss_bytes": max(r.max_single_rss_bytes for r in runs),
        "cpu_s": median([r.cpu_s for r in runs]),
    }


def measure_cold_backfill(ctx: Context) -> Path:
    runs, last = [], None
    for index in range(ctx.e2e_repeat):
        say(f"cold `tic backfill` {index + 1}/{ctx.e2e_repeat}")
        last = ctx.fresh_dir("cli-backfill")
        run = run_tic(
            ctx, "backfill", "backfill", "--source", str(ctx.releases), "--data-dir", str(last)
        )
        if run.output.count(": loaded: ") != 3:
            raise RuntimeError(f"backfill did not load three releases:\n{run.output[-2000:]}")
        runs.append(run)
    ctx.results["cli_backfill"] = summarise_runs(runs)
    return last


def measure_http_runs(ctx: Context, site) -> Path:
    """One first load of PREVIOUS_RELEASE over HTTP, then per repeat on a copy of it:
    NEW_RELEASE (one file 200, the rest 304) and a no-change poll (every file 304)."""
    site.set_as_of(PREVIOUS_RELEASE)
    base = ctx.fresh_dir("cli-http-base")
    say(f"`tic run` over HTTP, first load of {PREVIOUS_RELEASE}")
    first = run_tic(ctx, "http-first", "run", "--source", site.base_url, "--data-dir", str(base))
    site.set_as_of(NEW_RELEASE)
    new_runs, poll_runs, statuses = [], [], set()
    for index in range(ctx.e2e_repeat):
        target = ctx.fresh_dir("cli-http")
        shutil.copytree(base, target, symlinks=True, dirs_exist_ok=True)
        say(f"`tic run` new release {NEW_RELEASE} {index + 1}/{ctx.e2e_repeat}")
        new = run_tic(ctx, "http-new", "run", "--source", site.base_url, "--data-dir", str(target))
        if f"loaded release {NEW_RELEASE}" not in new.output:
            raise RuntimeError(f"expected release {NEW_RELEASE} to load:\n{new.output[-2000:]}")
        new_runs.append(new)
        say(f"`tic run` no-change poll {index + 1}/{ctx.e2e_repeat}")
        mark = len(site.requests_log)
        poll = run_tic(
            ctx, "http-poll", "run", "--source", site.base_url, "--data-dir", str(target)
        )
        statuses |= {status for _, status in site.requests_log[mark:]}
        if "nothing new" not in poll.output:
            raise RuntimeError(f"expected nothing new:\n{poll.output[-2000:]}")
        poll_runs.append(poll)
    ctx.results["cli_http_first"] = summarise_runs([first])
    ctx.results["cli_new_release"] = summarise_runs(new_runs)
    ctx.results["cli_no_change"] = summarise_runs(poll_runs) | {"statuses": sorted(statuses)}
    return base


# -- in process: stages, flows ---------------------------------------------------------------


def measure_in_process(ctx: Context, site, http_base: Path) -> Path:
    """Stage times of the plain functions (no Prefect), then the real flows on a running
    temporary Prefect server with the same stopwatch (overhead = flow - stages)."""
    from stages import GateTimings, Stopwatch, plain_backfill, plain_release, summarise

    import flows.release  # noqa: F401  (imported first so its bound names get wrapped)

    watch = Stopwatch().install()
    gates = GateTimings()
    gates.install(watch)

    def timed(call: Callable[[], Any]) -> dict[str, float]:
        watch.reset()
        gates.reset()
        started = perf_counter()
        call()
        wall = perf_counter() - started
        return summarise(watch.reset(), gates.reset()) | {"wall": wall}

    try:
        backfills, last_dir = [], None
        for index in range(ctx.e2e_repeat):
            say(f"in-process backfill, plain functions {index + 1}/{ctx.e2e_repeat}")
            last_dir = ctx.fresh_dir("plain-backfill")
            backfills.append(timed(lambda d=last_dir: plain_backfill(ctx.releases, d)))
        ctx.results["plain_backfill"] = medians(backfills)
        ctx.results["plain_backfill_first"] = backfills[0]

        news, polls, poll_dirs = [], [], []
        for index in range(ctx.e2e_repeat):
            say(f"in-process HTTP new release and no-change poll {index + 1}/{ctx.e2e_repeat}")
            target = ctx.fresh_dir("plain-http")
            shutil.copytree(http_base, target, symlinks=True, dirs_exist_ok=True)
            news.append(timed(lambda t=target: plain_release(site.base_url, None, t)))
            polls.append(timed(lambda t=target: plain_release(site.base_url, None, t)))
            poll_dirs.append(target)
        ctx.results["plain_new_release"] = medians(news)
        ctx.results["plain_no_change"] = medians(polls)
        ctx.results["peak_rss_in_process_bytes"] = (
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        )
        measure_flows(ctx, site, timed, poll_dirs)
    finally:
        watch.uninstall()
    return last_dir


def measure_flows(ctx: Context, site, timed, poll_dirs: list[Path]) -> None:
    from prefect.server.api.server import SubprocessASGIServer

    say("in-process Prefect temporary server start")
    started = perf_counter()
    SubprocessASGIServer().start()  # the one the flows will find (the instance is shared)
    ctx.results["flow_server_start_s"] = perf_counter() - started
    try:
        run_flows(ctx, site, timed, poll_dirs)
    finally:
        SubprocessASGIServer().stop()


def run_flows(ctx: Context, site, timed, poll_dirs: list[Path]) -> None:
    from flows.release import backfill_flow, run_release_flow

    backfills, polls = [], []
    for index in range(ctx.e2e_repeat):
        say(f"in-process backfill_flow on a running server {index + 1}/{ctx.e2e_repeat}")
        target = ctx.fresh_dir("flow-backfill")
        backfills.append(timed(lambda t=target: backfill_flow(str(ctx.releases), str(t))))
    for index, poll_dir in enumerate(poll_dirs):
        say(f"in-process release_flow no-change poll {index + 1}/{len(poll_dirs)}")
        polls.append(
            timed(lambda d=poll_dir: run_release_flow(source=site.base_url, data_dir=str(d)))
        )
    for samples in (backfills, polls):
        for sample in samples:
            sample["prefect_overhead"] = sample["wall"] - sample["stages_total"]
    ctx.results["flow_backfill"] = medians(backfills)
    ctx.results["flow_no_change"] = medians(polls)


def measure_queries(ctx: Context, data_dir: Path) -> None:
    import duckdb

    say(f"analyst queries, {ctx.repeat} runs each")
    text = (BENCH / "queries.sql").read_text()
    parts = re.split(r"^-- name: (\w+)\s*$", text, flags=re.MULTILINE)[1:]
    con = duckdb.connect(str(data_dir / "tic.duckdb"), read_only=True)
    figures = {}
    try:
        for name, sql in zip(parts[::2], parts[1::2], strict=True):
            times, rows = [], 0
            for _ in range(ctx.repeat):
                started = perf_counter()
                rows = len(con.execute(sql).fetchall())
                times.append(perf_counter() - started)
            figures[name] = {
                "median_ms": median(times) * 1000,
                "first_ms": times[0] * 1000,
                "max_ms": max(times) * 1000,
                "rows": rows,
            }
    finally:
        con.close()
    ctx.results["queries"] = figures


def measure_parse(ctx: Context) -> None:
    from parsing import measure_parsing

    say(f"parse throughput, {ctx.repeat} runs per family")
    ctx.results["parsing"] = [
        figure.__dict__
        | {"parse_mb_s": figure.parse_mb_s, "bare_mb_s": figure.bare_mb_s, "ratio": figure.ratio}
        for figure in measure_parsing(ctx.releases, ctx.repeat)
    ]


# -- main --------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--shared",
        type=Path,
        default=ROOT.parent / "shared" / "tic",
        help="the shared TIC folder with releases/ (default ../shared/tic)",
    )
    parser.add_argument(
        "--repeat", type=int, default=10, help="runs per analyst query and per parse (default 10)"
    )
    parser.add_argument(
        "--e2e-repeat",
        type=int,
        default=3,
        help="runs per end-to-end and in-process pipeline figure (default 3)",
    )
    parser.add_argument("--out", type=Path, default=BENCH / "results.md")
    parser.add_argument("--json", type=Path, default=None, help="also write raw figures here")
    parser.add_argument(
        "--keep",
        type=Path,
        default=None,
        help="work in this folder and keep it (default: a temporary folder)",
    )
    return parser.parse_args(argv)


def tic_command() -> list[str]:
    script = Path(sys.executable).parent / "tic"
    return [str(script)] if script.exists() else [sys.executable, "-m", "cli.main"]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    releases = args.shared.resolve() / "releases"
    if not releases.is_dir():
        print(f"no release folders at {releases}; pass --shared DIR", file=sys.stderr)
        return 2
    work = args.keep.resolve() if args.keep else Path(tempfile.mkdtemp(prefix="tic-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    ctx = Context(
        args.shared.resolve(),
        releases,
        args.repeat,
        args.e2e_repeat,
        work,
        work / "prefect-home",
        tic_command(),
    )
    ctx.prefect_home.mkdir(exist_ok=True)
    # The in-process flows use the same isolated Prefect home and their own temporary server;
    # console logs below WARNING are hidden (they still go to the API, as in production).
    for key in [k for k in os.environ if k.startswith("PREFECT_API_")]:
        del os.environ[key]
    os.environ.pop("PREFECT_PROFILE", None)
    os.environ["PREFECT_HOME"] = str(ctx.prefect_home)
    os.environ["PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL"] = "WARNING"
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    started = perf_counter()
    ctx.results["machine"] = machine()
    ctx.results["settings"] = {
        "repeat": args.repeat,
        "e2e_repeat": args.e2e_repeat,
        "shared": str(ctx.shared),
        "work": str(work),
    }
    try:
        run_all(ctx)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    ctx.results["machine"]["load_average_end"] = os.getloadavg()
    ctx.results["bench_wall_s"] = perf_counter() - started
    from report import render_markdown, render_table, write_section

    print(render_table(ctx.results, BUDGETS))
    write_section(args.out, render_markdown(ctx.results, BUDGETS))
    if args.json:
        args.json.write_text(json.dumps(ctx.results, indent=2, default=str))
    say(f"wrote {args.out}")
    return 0


def run_all(ctx: Context) -> None:
    from tests.support.http_server import TicSiteServer

    measure_imports(ctx)
    measure_server_start(ctx)
    measure_cold_backfill(ctx)
    with TicSiteServer(ctx.releases, as_of=PREVIOUS_RELEASE) as site:
        http_base = measure_http_runs(ctx, site)
        backfilled = measure_in_process(ctx, site, http_base)
    measure_parse(ctx)
    measure_queries(ctx, backfilled)


if __name__ == "__main__":
    sys.exit(main())
