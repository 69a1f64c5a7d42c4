"""The real releases, parsed once, and the gate run once over them in date order.

Great Expectations takes seconds to import and a few seconds per release, so every test in this
folder shares these session fixtures instead of running the gate on the real files again.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from expectations.gate import run_gate
from expectations.results import GateReport
from tic.ops.calendar import load_calendar
from transforms.registry import FAMILY_BY_FILE, parse_file

Frames = dict[str, pl.DataFrame]


@pytest.fixture(scope="session")
def real_releases(shared_tic: Path) -> dict[date, Frames]:
    """Every real release folder's parsed frames, keyed by source, oldest release first."""
    releases = {}
    for folder in sorted((shared_tic / "releases").iterdir()):
        releases[date.fromisoformat(folder.name)] = {
            FAMILY_BY_FILE[path.name].source: parse_file(path.name, path.read_bytes())
            for path in sorted(folder.iterdir())
            if path.name in FAMILY_BY_FILE
        }
    return releases


@pytest.fixture(scope="session")
def calendar(shared_tic: Path) -> pl.DataFrame:
    return load_calendar(shared_tic / "release_calendar.csv")


def as_warehouse(frames: Frames) -> Frames:
    """Frames as the warehouse gives them back: the parsed columns minus line_number."""
    return {source: frame.drop("line_number") for source, frame in frames.items()}


@pytest.fixture(scope="session")
def warehouse_before(real_releases: dict[date, Frames]) -> dict[date, Frames]:
    """The warehouse's current values before each release, replaying the releases in order."""
    before: dict[date, Frames] = {}
    held: Frames = {}
    for release_date, frames in real_releases.items():
        before[release_date] = dict(held)
        held |= as_warehouse(frames)
    return before


@pytest.fixture(scope="session")
def warehouse_after(
    real_releases: dict[date, Frames], warehouse_before: dict[date, Frames]
) -> dict[date, Frames]:
    """The warehouse's current values once each release is loaded."""
    return {
        release_date: warehouse_before[release_date] | as_warehouse(frames)
        for release_date, frames in real_releases.items()
    }


@pytest.fixture(scope="session")
def real_reports(
    real_releases: dict[date, Frames], warehouse_before: dict[date, Frames], calendar: pl.DataFrame
) -> dict[date, GateReport]:
    """The gate's report on every real release (2026-07-14 against the 2026-06-18 state)."""
    return {
        release_date: run_gate(
            frames,
            release_date=release_date,
            current=warehouse_before[release_date],
            calendar=calendar,
        )
        for release_date, frames in real_releases.items()
    }
