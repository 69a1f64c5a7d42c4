"""In-process stage timing: the pipeline's plain functions, timed from outside.

``Stopwatch.install()`` wraps the functions the release flow calls (in the modules that define
them and where flows/release.py bound them by name) so that every call adds its duration to a
named stage; production code is not edited. ``plain_release`` is
``tic.run.release.run_release`` with its plain steps; running the real flows while the stopwatch
is installed gives the Prefect overhead as flow time minus the sum of the stages.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import threading
import types
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from time import perf_counter
from typing import Any

# Stages that do not overlap: their sum is the pipeline's own work in a run. Not in it, as
# they run on threads beside these: the current values (beside the parse, when the release
# date is known before it), the copy of tic.duckdb (beside the parse) and the GX suites and
# their import (beside the load; "gate_wait" is what the publish then waited for them).
TOP_LEVEL = (
    "reconcile_parquet",
    "fetch",
    "archive",
    "select_new",
    "parse",
    "calendar",
    "resolve_release_date",
    "validate",
    "report",
    "publish/open",
    "load",
    "gate_wait",
    "runlog",
    "publish/commit",
    "brief",
    "alerts",
    "mirror",
)
# Parts of publish/open and publish/commit (the rest is connect, checkpoint, close).
PUBLISH_PARTS = (
    "publish/copy",
    "publish/objects",
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
        self._lock = threading.Lock()

    def add(self, stage: str, seconds: float) -> None:
        with self._lock:  # stages on the run's threads end while others run
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

    def timed(
        self, stage: str | Callable[..., str], function: Callable[..., Any]
    ) -> Callable[..., Any]:
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
        import tic.ops.calendar
        import tic.run.quarantine
        import tic.run.release as release
        import tic.run.steps as steps
        import transforms.registry
        import warehouse.load
        import warehouse.publish as publish
        import warehouse.runs

        # Steps are looked up on the module by the Steps dataclass defaults at import time,
        # so wrap the functions the default steps object holds, and the module names.
        self.wrap([steps], "fetch_release", "fetch")
        self.wrap([steps], "archive_release", "archive")
        self.wrap([release], "loaded_copies", "select_new")
        self.wrap([steps], "resolve_release_date", "resolve_release_date")
        self.wrap([release], "current_values", "current_values")
        self.wrap([steps, warehouse.load], "apply_release", "load")
        self.wrap(
            [warehouse.load], "apply_file", lambda con, day, load: f"load/apply/{load.source}"
        )
        self.wrap([tic.ops.calendar, release], "load_calendar", "calendar")
        self.wrap([expectations.gate], "start_gate", "validate")
        self.wrap([expectations.report], "write_report", "report")
        self.wrap([release], "write_release_brief", "brief")
        self.wrap([release], "mirror_if_behind", "mirror")
        self.wrap([release.alerts], "alert_if_overdue", "alerts")
        self.wrap([warehouse.runs, steps, release], "insert_run", "runlog")
        self.wrap([warehouse.runs, steps, release], "insert_validation", "runlog")
        self.patch(
            release,
            "PLAIN_STEPS",
            release.Steps(
                fetch=steps.fetch_release,
                archive=steps.archive_release,
                parse=steps.parse_release,
                validate=steps.validate_release,
                publish=steps.publish_release,
            ),
        )
        family = transforms.registry.FileFamily
        by_family = self.timed(lambda fam, data: f"parse/{fam.source}", family.parse)
        self.patch(family, "parse", by_family)
        self._install_publish(publish, [release, steps])
        return self

    def _install_publish(self, publish: types.ModuleType, also: list[Any]) -> None:
        self.wrap([publish, *also], "reconcile_parquet", "reconcile_parquet")
        self.wrap([publish], "ensure_objects", "publish/objects")
        self.wrap([publish], "refresh_latest", "publish/refresh")
        self.wrap([publish], "_export_parquet", "publish/parquet_export")
        self.wrap([publish], "fsync_path", "publish/fsync")
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

    def _timed_writable_copy(self, original: Callable[..., Any]) -> Callable[..., Any]:
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
    """Stage seconds with sums: parse (all families), publish/other, the gate's timings (the GX
    import, context and suites ran beside the load) and the pipeline's own work (the sum of the
    top-level stages)."""
    out = dict(seconds)
    out["parse"] = sum(v for k, v in seconds.items() if k.startswith("parse/"))
    opened = seconds.get("publish/open", 0.0) + seconds.get("publish/commit", 0.0)
    parts = sum(seconds.get(name, 0.0) for name in PUBLISH_PARTS)
    out["publish"] = opened
    out["publish/other"] = max(0.0, opened - parts)
    out["validate/gx_import"] = gate_timings.get("import_great_expectations", 0.0)
    for name in ("gx_context", "gx_suites", "polars_checks"):
        out[f"validate/{name}"] = gate_timings.get(name, 0.0)
    out["stages_total"] = sum(out.get(name, 0.0) for name in TOP_LEVEL)
    out["pipeline_work"] = out["stages_total"]
    return out


class GateTimings:
    """Collects report.timings_s of every gate's report (GX import, context, suites, checks),
    and times the publish's wait for the suites that ran beside the load ("gate_wait", after
    "load")."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self._seen: set[int] = set()

    def install(self, watch: Stopwatch) -> None:
        import expectations.gate

        inner = expectations.gate.PendingGate.report

        def collecting(pending: Any) -> Any:
            started = perf_counter()
            report = inner(pending)
            watch.add("gate_wait", perf_counter() - started)
            if id(pending) not in self._seen:  # report() returns the same report each call
                self._seen.add(id(pending))
                for name, value in (report.timings_s or {}).items():
                    self.seconds[name] += value
            return report

        watch.patch(expectations.gate.PendingGate, "report", collecting)

    def reset(self) -> dict[str, float]:
        taken = dict(self.seconds)
        self.seconds.clear()
        self._seen.clear()
        return taken


def plain_release(source: str, release_date: date | None, data_dir: Path) -> str:
    """The release run without Prefect (tic.run.release.run_release with its plain steps)."""
    from tic.run.release import run_release
    from tic.settings import load_settings

    result = run_release(
        source, load_settings(data_dir=data_dir), release_date=release_date, flow="bench"
    )
    if result.outcome == "quarantined":
        raise RuntimeError(result.message)
    return result.outcome


def plain_backfill(releases: Path, data_dir: Path) -> list[str]:
    from tic.run.release import release_folders

    return [
        plain_release(str(folder), date.fromisoformat(folder.name), data_dir)
        for folder in release_folders(releases)
    ]
