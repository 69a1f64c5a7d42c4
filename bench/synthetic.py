"""Synthetic monthly releases built from the real files, for the marginal-cost benchmark.

The 2026-06-18 copies of Tables 1, 2 and 3 hold every month from 2020-01 to 2026-04. Cutting
their data rows at month M gives the file as a release of data month M could have served it
(title, header and notes kept, line endings untouched), and the release calendar gives that
release's date. ``write_releases`` writes the last ``count`` such releases as folders named by
their dates, oldest first, so that ``tic backfill`` or ``run_backfill`` replays them.

    uv run python bench/synthetic.py OUT_DIR [--count 28] [--shared ../shared/tic]
"""

from __future__ import annotations

import argparse
import re
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tic.ops.calendar import load_calendar, release_for_month  # noqa: E402

SOURCE_RELEASE = "2026-06-18"
TABLES = ("slt_table1.txt", "slt_table2.txt", "slt_table3.txt")
NEWEST_MONTH = date(2026, 4, 1)  # the newest month of the 2026-06-18 copies (shared README)
# A data row: country, code, then the month as YYYY-MM in the third tab-separated cell.
DATA_ROW = re.compile(rb"^[^\t]*\t[^\t]*\t(\d{4}-\d{2})\t")


def truncate(data: bytes, newest: date) -> bytes:
    """The file without the data rows of months after ``newest``."""
    cut = f"{newest:%Y-%m}".encode()
    kept = []
    for line in data.splitlines(keepends=True):
        found = DATA_ROW.match(line)
        if found is None or found.group(1) <= cut:
            kept.append(line)
    return b"".join(kept)


def months_back(newest: date, count: int) -> list[date]:
    """``count`` month starts ending at ``newest``, oldest first."""
    months = []
    year, month = newest.year, newest.month
    for _ in range(count):
        months.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def release_plan(count: int) -> list[tuple[date, date]]:
    """(release_date, data_month) of the last ``count`` releases whose newest month is at most
    NEWEST_MONTH, one per release date (a shutdown release carries two months: the newer)."""
    calendar = load_calendar()
    plan: dict[date, date] = {}
    for month in months_back(NEWEST_MONTH, count + 12)[::-1]:
        released = release_for_month(calendar, month)
        if released is not None and released not in plan:
            plan[released] = month
        if len(plan) == count:
            break
    return sorted(plan.items())


def write_releases(shared: Path, out: Path, count: int) -> list[Path]:
    """Write ``count`` synthetic release folders under ``out``; return them oldest first."""
    originals = {
        name: (shared / "releases" / SOURCE_RELEASE / name).read_bytes() for name in TABLES
    }
    folders = []
    for released, month in release_plan(count):
        folder = out / released.isoformat()
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in originals.items():
            (folder / name).write_bytes(truncate(data, month))
        folders.append(folder)
    return folders


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--count", type=int, default=28)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "tic")
    args = parser.parse_args()
    for folder in write_releases(args.shared, args.out, args.count):
        print(folder)


if __name__ == "__main__":
    main()
