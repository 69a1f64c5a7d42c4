"""Loading the same release again, in sequence or at once, ends in the warehouse one load makes.

The comparison is a checksum of every view and internal table and of every Parquet table (run
log aside; load times and source addresses aside where two loads are compared).
tests/test_concurrency.py covers who wins the writer lock; these tests compare the content.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import query
from tests.faults.conftest import (
    JULY,
    JULY_FILE,
    VOLATILE_COLUMNS,
    content_state,
    copy_data_dir,
    leftovers,
    published_state,
    tic_process,
)

pytestmark = pytest.mark.prefect

AUSTRIA_MAY = b"Austria\t10189\t2026-05\t52446\t"
AUSTRIA_MAY_EQUITY = b"\t45720\t158\t3060\r\n"


def test_same_release_twice_in_sequence_changes_nothing(
    july_reference: Path, releases: Path, tmp_path: Path
) -> None:
    """It finds nothing new when 2026-07-14 is loaded again, and every view, table, the Parquet
    link and every Parquet file's bytes stay as they were."""
    from flows.release import run_release_flow

    data_dir = copy_data_dir(july_reference, tmp_path / "data")
    before = published_state(data_dir)

    result = run_release_flow(source=str(releases / JULY), data_dir=str(data_dir))

    assert result.outcome == "nothing_new"
    assert published_state(data_dir) == before


def corrected(original: bytes) -> bytes:
    """Austria's May 2026 total and equity holdings one million higher (still adding up)."""
    start = original.index(AUSTRIA_MAY)
    end = original.index(b"\r\n", start) + 2
    row = original[start:end]
    assert row.endswith(AUSTRIA_MAY_EQUITY)
    fixed = row.replace(b"\t52446\t", b"\t52447\t").replace(
        AUSTRIA_MAY_EQUITY, b"\t45721\t158\t3060\r\n"
    )
    return original[:start] + fixed + original[end:]


@pytest.fixture(scope="module")
def round_trip(july_reference: Path, releases: Path, tmp_path_factory) -> dict:
    """2026-07-14 loaded, then a same-day corrected copy, then the original copy again."""
    from flows.release import run_release_flow

    root = tmp_path_factory.mktemp("round-trip")
    data_dir = copy_data_dir(july_reference, root / "data")
    original = (releases / JULY / JULY_FILE).read_bytes()
    folder = root / "source" / JULY
    folder.mkdir(parents=True)
    (folder / JULY_FILE).write_bytes(corrected(original))
    fixed = run_release_flow(source=str(folder), data_dir=str(data_dir))
    austria = query(
        data_dir,
        "select security, usd_millions, release_date from holdings where country = 'Austria' "
        "and period = date '2026-05-01' and security in ('us_long_term', 'equity') order by 1",
    )
    (folder / JULY_FILE).write_bytes(original)
    back = run_release_flow(source=str(folder), data_dir=str(data_dir))
    return {"data_dir": data_dir, "fixed": fixed, "austria": austria, "back": back}


def test_same_day_correction_then_the_original_again_equals_one_load(
    round_trip: dict, july_reference: Path
) -> None:
    """It replaces a release's file by a same-day corrected copy (the corrected values show),
    then by the original again, and every value ends as after loading the original once."""
    assert round_trip["fixed"].outcome == "loaded"
    assert round_trip["austria"] == [
        ("equity", 45721.0, date(2026, 7, 14)),
        ("us_long_term", 52447.0, date(2026, 7, 14)),
    ]
    assert round_trip["back"].outcome == "loaded"
    statuses = VOLATILE_COLUMNS | {"validation_status", "status"}
    assert content_state(round_trip["data_dir"], exclude=statuses) == content_state(
        july_reference, exclude=statuses
    )
    assert leftovers(round_trip["data_dir"]) == []


def test_same_day_correction_round_trip_keeps_the_release_status(
    round_trip: dict, july_content
) -> None:
    """It ends with the same validation status as one load of the original (the checks judge a
    release against the release before it, not against an earlier copy of itself)."""
    assert content_state(round_trip["data_dir"]) == july_content


@pytest.mark.slow
def test_same_release_three_times_at_once_equals_one_load(
    june_base: Path, releases: Path, tmp_path: Path, july_content
) -> None:
    """Three `tic run` processes started together on one data directory all exit 0, one loads
    2026-07-14, and the warehouse equals loading it once."""
    data_dir = copy_data_dir(june_base, tmp_path / "data")
    args = ["run", "--source", str(releases / JULY), "--data-dir", str(data_dir)]
    logs = [tmp_path / f"run-{n}.txt" for n in range(3)]
    processes = [tic_process(args, log) for log in logs]
    codes = [p.wait(timeout=300) for p in processes]
    outputs = [log.read_text(errors="replace") for log in logs]

    assert codes == [0, 0, 0], [o[-2000:] for o in outputs]
    loaded = [o for o in outputs if re.search(f"^loaded release {JULY}: {JULY_FILE} ", o, re.M)]
    assert len(loaded) == 1, [o[-2000:] for o in outputs]
    assert content_state(data_dir) == july_content
    assert leftovers(data_dir) == []
