"""The suites judge what a release changes, not what the warehouse already holds."""

from __future__ import annotations

from datetime import date

import polars as pl

from expectations.gate import changed_rows, judged_rows
from expectations.results import GateReport
from tests.expectations.conftest import as_warehouse


def rows_to_validate(frame: pl.DataFrame, held: pl.DataFrame | None) -> pl.DataFrame:
    """What the gate hands a source's suite (expectations/gate.py run_gate)."""
    return judged_rows(frame, changed_rows(frame, held))


Frames = dict[str, pl.DataFrame]
JUNE_RELEASE = date(2026, 6, 18)
JULY_RELEASE = date(2026, 7, 14)
# `tic backfill` of the real releases prints "loaded release 2026-07-14: slt_table1.txt (4837
# new or changed values)": the loader's own count (warehouse/load.py, a SQL join in DuckDB).
JULY_VALUES_STORED = 4837
GRAND_TOTAL_2025_12 = {
    "country": "Grand Total",
    "security": "treasury",
    "holder": "all",
    "measure": "holdings",
    "period": date(2025, 12, 1),
}


def table3(real_releases: dict[date, Frames]) -> pl.DataFrame:
    return real_releases[JUNE_RELEASE]["slt_table3"]


def matching(frame: pl.DataFrame, **where: object) -> pl.Expr:
    assert frame.filter(**where).height == 1, where
    return pl.all_horizontal(pl.col(name) == value for name, value in where.items())


def test_it_judges_only_a_revised_value(real_releases: dict[date, Frames]) -> None:
    """It selects the one row whose amount differs from the warehouse's, with its line."""
    frame = table3(real_releases)
    hit = matching(frame, **GRAND_TOTAL_2025_12)
    revised = frame.with_columns(
        usd_millions=pl.when(hit).then(pl.col("usd_millions") + 1).otherwise("usd_millions")
    )
    rows = rows_to_validate(revised, as_warehouse({"slt_table3": frame})["slt_table3"])
    assert rows["line_number"].to_list() == frame.filter(hit)["line_number"].to_list()
    assert rows.columns == frame.columns


def test_it_judges_both_rows_of_a_repeated_key(real_releases: dict[date, Frames]) -> None:
    """It keeps a duplicated row and the unchanged row it repeats, so the uniqueness
    expectation still sees both."""
    frame = table3(real_releases)
    row = frame.filter(matching(frame, **GRAND_TOTAL_2025_12))
    doubled = pl.concat([frame, row.with_columns(line_number=pl.lit(99_999, pl.Int32))])
    rows = rows_to_validate(doubled, as_warehouse({"slt_table3": frame})["slt_table3"])
    assert sorted(rows["line_number"].to_list()) == [row["line_number"][0], 99_999]


def test_it_keeps_one_row_of_a_file_that_changes_nothing(
    real_releases: dict[date, Frames],
) -> None:
    """It keeps the file's first row when every value is already held (the table-level
    expectations still judge a non-empty file), and the whole file for a new source."""
    frame = table3(real_releases)
    assert rows_to_validate(frame, as_warehouse({"slt_table3": frame})["slt_table3"]).height == 1
    assert rows_to_validate(frame, None).height == frame.height


def test_the_july_suite_judges_the_values_the_load_stores(
    real_reports: dict[date, GateReport],
) -> None:
    """It runs Table 1's suite of 2026-07-14 over the values the loader stored as new versions,
    not over the whole file."""
    checked = {
        r.checked_rows
        for r in real_reports[JULY_RELEASE].results
        if r.suite == "slt_table1" and r.check_name == "expect_column_values_to_not_be_null(period)"
    }
    assert checked == {JULY_VALUES_STORED}


def test_identities_judge_the_months_a_release_changes(
    real_releases: dict[date, Frames], calendar: pl.DataFrame
) -> None:
    """An official amount 500 million too high (slt_table3.txt of 2026-06-18, lines 6807 and
    6778) breaks official + private = total, which names the total's line (6731 for 2023-07,
    6702 for 2025-12). The break in a month the warehouse already holds as the file prints it
    (2023-07) is not reported again; the same break in a month the file changes (2025-12) is.
    Judged whole, as on a first load, the file fails in both months."""
    from expectations.gate import run_gate

    frame = table3(real_releases)
    grand_total_official = {
        "country": "Grand Total",
        "security": "treasury",
        "holder": "official",
        "measure": "holdings",
    }
    old = matching(frame, **grand_total_official, period=date(2023, 7, 1))
    new = matching(frame, **grand_total_official, period=date(2025, 12, 1))
    held = frame.with_columns(
        pl.when(old).then(pl.col("usd_millions") + 500).otherwise("usd_millions")
    )
    incoming = held.with_columns(
        pl.when(new).then(pl.col("usd_millions") + 500).otherwise("usd_millions")
    )

    def failing_lines(current: Frames) -> list[int]:
        report = run_gate(
            {"slt_table3": incoming}, release_date=JUNE_RELEASE, current=current, calendar=calendar
        )
        [identity] = [
            r for r in report.results if r.check_name == "official_plus_private_equals_total"
        ]
        return sorted(e["line_number"] for e in identity.examples)

    assert failing_lines(as_warehouse({"slt_table3": held})) == [6702]
    assert failing_lines({}) == [6702, 6731]


def test_months_around_takes_each_month_and_its_neighbours() -> None:
    from expectations.common import months_around

    frame = pl.DataFrame({"period": [date(2026, 1, 1), date(2026, 1, 1), date(2025, 6, 1)]})
    assert months_around([frame], months=1) == [
        date(2025, 5, 1),
        date(2025, 6, 1),
        date(2025, 7, 1),
        date(2025, 12, 1),
        date(2026, 1, 1),
        date(2026, 2, 1),
    ]
    assert months_around([], months=3) == []
