"""In-process stage timing: the pipeline's plain functions, timed from outside.

``Stopwatch.install()`` wraps the functions the release flow calls (in the modules that define
them and where flows/release.py bound them by name) so that every call adds its duration to a
named stage; production code is not edited. ``plain_release`` runs the steps of
flows/release.py ``_release_steps`` without Prefect; running the real flows while the stopwatch
is installed gives the Prefect overhead as flow time minus the sum of the stages.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import types
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from time import perf_counter
from typing import Any

# Stages that do not overlap: their sum is the pipeline's own work in a run.
TOP_LEVEL = (
    "reconcile_parquet",
    "fetch",
    "archive",
    "select_new",
    "parse",
    "calendar",
    "resolve_release_date",
    "current_values",
    "validate",
    "report",
    "publish/open",
    "load",
    "runlog",
    "publish/commit",
)
# Parts of publish/open and publish/commit (the rest is connect, checkpoint, close).
PUBLISH_PARTS = (
    "publish/copy",
    "publish/create_objects",
    "publish/refresh",
    "publish/parquet_export",
    "publish/fsync",
    "publish/rename",
    "publish/cleanup",
)


class Stopwatch:
    """Seconds per stage, accumulated over every call while installed."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self._restore: list[tuple[Any, str, Any]] = []

    def add(self, stage: str, seconds: float) -> None:
        self.seconds[stage] += seconds
        self.calls[stage] += 1

    def reset(self) -> dict[str, float]:
        taken = dict(self.seconds)
        self.seconds.clear()
        self.calls.clear()
        return taken

    @contextlib.contextmanager
    def time(self, stage: str) -> Iterator[None]:
        started = perf_counter()
        try:
            yield
        finally:
            self.add(stage, perf_counter() - started)

    def timed(self, stage: str | Callable[..., str], function: Callable) -> Callable:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            name = stage(*args, **kwargs) if callable(stage) else stage
            with self.time(name):
                return function(*args, **kwargs)

        wrapper.__wrapped__ = function  # type: ignore[attr-defined]
        return wrapper

    def patch(self, owner: Any, attribute: str, replacement: Any) -> None:
        self._restore.append((owner, attribute, getattr(owner, attribute)))
        setattr(owner, attribute, replacement)

    def wrap(self, owners: list[Any], attribute: str, stage: str | Callable[..., str]) -> None:
        """Wrap owner.attribute for each owner (the defining module and the modules that
        imported the name); all point at one wrapper around the original function."""
        wrapper = self.timed(stage, getattr(owners[0], attribute))
        for owner in owners:
            if hasattr(owner, attribute):
                self.patch(owner, attribute, wrapper)

    def install(self) -> Stopwatch:
        import expectations.gate
        import expectations.report
        import tic.calendar
        import tic.pipeline
        import tic.runs
        import transforms.registry
        import warehouse.publish as publish

        release = sys.modules.get("flows.release")  # wrapped too when the flows are imported
        also = [release] if release is not None else []
        pipeline = tic.pipeline
        self.wrap([pipeline], "collect_directory", "fetch")
        self.wrap([pipeline], "collect_http", "fetch")
        self.wrap([pipeline], "archive_files", "archive")
        self.wrap([pipeline], "select_new", "select_new")
        self.wrap([pipeline], "resolve_release_date", "resolve_release_date")
        self.wrap([pipeline], "current_values", "current_values")
        self.wrap([pipeline], "load_into", "load")
        self.wrap([pipeline], "apply_file", lambda con, day, load: f"load/apply/{load.source}")
        self.wrap([tic.calendar, *also], "load_calendar", "calendar")
        self.wrap([expectations.gate], "run_gate", "validate")
        self.wrap([expectations.report, *also], "write_report", "report")
        self.wrap([tic.runs, *also], "insert_run", "runlog")
        self.wrap([tic.runs, *also], "insert_validation", "runlog")
        family = transforms.registry.FileFamily
        by_family = self.timed(lambda fam, data: f"parse/{fam.source}", family.parse)
        self.patch(family, "parse", by_family)
        self._install_publish(publish, also)
        return self

    def _install_publish(self, publish: types.ModuleType, also: list[Any]) -> None:
        self.wrap([publish, *also], "reconcile_parquet", "reconcile_parquet")
        self.wrap(
            [publish],
            "create_objects",
            lambda con, *, refresh: "publish/refresh" if refresh else "publish/create_objects",
        )
        self.wrap([publish], "_export_parquet", "publish/parquet_export")
        self.wrap([publish], "_fsync", "publish/fsync")
        self.wrap([publish], "_swap_parquet_link", "publish/rename")
        self.wrap([publish], "_remove_old_snapshots", "publish/cleanup")
        self.wrap([publish], "_remove_leftovers", "publish/cleanup")
        # shutil.copyfile and os.replace are reached through the module's own names
        copied = self.timed("publish/copy", shutil.copyfile)
        self.patch(publish, "shutil", _Proxy(shutil, copyfile=copied))
        # only the database rename is the commit; other renames are inside timed parts
        renamed = self.timed(
            lambda src, dst: (
                "publish/rename" if Path(dst).name == "tic.duckdb" else "publish/inner"
            ),
            os.replace,
        )
        self.patch(publish, "os", _Proxy(os, replace=renamed))
        original = publish.writable_copy
        timed_copy = self._timed_writable_copy(original)
        for owner in [publish, *also]:
            self.patch(owner, "writable_copy", timed_copy)

    def _timed_writable_copy(self, original: Callable) -> Callable:
        """publish/open: copy and open (up to the yield); publish/commit: refresh, export,
        checkpoint, rename (after the block)."""

        @contextlib.contextmanager
        def timed(*args: Any, **kwargs: Any) -> Iterator[Any]:
            manager = original(*args, **kwargs)
            with self.time("publish/open"):
                con = manager.__enter__()
            try:
                yield con
            except BaseException:
                if not manager.__exit__(*sys.exc_info()):
                    raise
            else:
                with self.time("publish/commit"):
                    manager.__exit__(None, None, None)

        return timed

    def uninstall(self) -> None:
        while self._restore:
            owner, attribute, original = self._restore.pop()
            setattr(owner, attribute, original)


class _Proxy(types.SimpleNamespace):
    """A module stand-in: the given attributes replaced, everything else from the module."""

    def __init__(self, module: types.ModuleType, **replaced: Any) -> None:
        super().__init__(**replaced)
        self._module = module

    def __getattr__(self, name: str) -> Any:
        return getattr(self._module, name)


def summarise(seconds: dict[str, float], gate_timings: dict[str, float]) -> dict[str, float]:
    """Stage seconds with sums: parse (all families), publish/other, validation split into GX
    import and checks, and the pipeline's own work (top-level stages minus the GX import)."""
    out = dict(seconds)
    out["parse"] = sum(v for k, v in seconds.items() if k.startswith("parse/"))
    opened = seconds.get("publish/open", 0.0) + seconds.get("publish/commit", 0.0)
    parts = sum(seconds.get(name, 0.0) for name in PUBLISH_PARTS)
    out["publish"] = opened
    out["publish/other"] = max(0.0, opened - parts)
    gx_import = gate_timings.get("import_great_expectations", 0.0)
    out["validate/gx_import"] = gx_import
    out["validate/checks"] = max(0.0, seconds.get("validate", 0.0) - gx_import)
    for name in ("gx_context", "gx_suites", "polars_checks"):
        out[f"validate/{name}"] = gate_timings.get(name, 0.0)
    out["stages_total"] = sum(out.get(name, 0.0) for name in TOP_LEVEL)
    out["pipeline_work"] = out["stages_total"] - gx_import
    return out


class GateTimings:
    """Collects report.timings_s of every run_gate call (GX import, context, suites, checks)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)

    def install(self, watch: Stopwatch) -> None:
        import expectations.gate

        inner = expectations.gate.run_gate

        def collecting(*args: Any, **kwargs: Any) -> Any:
            report = inner(*args, **kwargs)
            for name, value in (report.timings_s or {}).items():
                self.seconds[name] += value
            return report

        watch.patch(expectations.gate, "run_gate", collecting)

    def reset(self) -> dict[str, float]:
        taken = dict(self.seconds)
        self.seconds.clear()
        return taken


def plain_release(source: str, release_date: date | None, data_dir: Path) -> str:
    """flows/release.py _release_steps without Prefect, through the (wrapped) module functions.
    Returns the outcome: loaded | nothing_new."""
    import expectations.gate
    import expectations.report
    import tic.calendar
    import tic.runs
    import warehouse.publish as publish
    from tic import pipeline
    from tic.archive import RawArchive
    from tic.lock import run_lock
    from tic.settings import data_paths

    paths = data_paths(data_dir)
    with run_lock(paths.lock):
        publish.reconcile_parquet(paths)
        run = tic.runs.RunRecord(run_id=f"bench-{uuid.uuid4().hex[:8]}", flow="bench")
        if pipeline.is_url(source):
            files = pipeline.collect_http(source, RawArchive(paths.raw))
        else:
            files = pipeline.collect_directory(Path(source))
        pipeline.archive_files(RawArchive(paths.raw), files, release_date)
        new_files = pipeline.select_new(paths.database, files, release_date)
        if not new_files:
            with publish.writable_copy(paths, data_changed=False) as con:
                tic.runs.insert_run(con, run.finish("nothing_new", "nothing new"))
            return "nothing_new"
        frames = pipeline.parse_files(new_files)
        calendar = tic.calendar.load_calendar()
        release_date = pipeline.resolve_release_date(release_date, source, frames, calendar)
        run.release_date = release_date
        current = pipeline.current_values(paths.database, release_date, replacing=set(frames))
        report = expectations.gate.run_gate(
            frames, release_date=release_date, current=current, calendar=calendar
        )
        if not report.passed:
            raise RuntimeError(
                f"release {release_date} failed validation: {report.failure_message()}"
            )
        expectations.report.write_report(report, paths.reports / f"{release_date}-{run.run_id}")
        status = "passed_with_warnings" if report.warnings else "passed"
        with publish.writable_copy(paths) as con:
            summary = pipeline.load_into(con, release_date, new_files, frames, status)
            run.rows_loaded = summary.rows_loaded
            tic.runs.insert_validation(con, run.run_id, report)
            tic.runs.insert_run(con, run.finish("loaded", f"loaded {release_date}"))
        return "loaded"


def release_folders(releases: Path) -> list[Path]:
    return sorted(p for p in releases.iterdir() if p.is_dir() and len(p.name) == 10)


def plain_backfill(releases: Path, data_dir: Path) -> list[str]:
    return [
        plain_release(str(folder), date.fromisoformat(folder.name), data_dir)
        for folder in release_folders(releases)
    ]
