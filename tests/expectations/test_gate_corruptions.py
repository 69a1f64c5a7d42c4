"""Real frames with one small corruption each: the gate catches each with the check meant for it.

Every corruption re-validates one 2026-06-18 file against the warehouse as it stands after the
2026-06-18 release (so an untouched file passes cleanly; see the first test).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from expectations.gate import run_gate
from expectations.report import write_report
from expectations.results import ERROR, WARNING, CheckResult, GateReport

Frames = dict[str, pl.DataFrame]
JUNE_RELEASE = date(2026, 6, 18)
APRIL_2026 = date(2026, 4, 1)
DECEMBER_2025 = date(2025, 12, 1)
UNIQUE_KEYS = (
    "expect_compound_columns_to_be_unique(period, country, country_code, security, "
    "holder, measure, row_kind)"
)


@pytest.fixture(scope="module")
def june(real_releases: dict[date, Frames]) -> Frames:
    return real_releases[JUNE_RELEASE]


@pytest.fixture(scope="module")
def gate(warehouse_after: dict[date, Frames], calendar: pl.DataFrame):
    """Run the gate on one (corrupted) June file, against the warehouse after June."""

    def run(source: str, frame: pl.DataFrame) -> GateReport:
        return run_gate(
            {source: frame},
            release_date=JUNE_RELEASE,
            current=warehouse_after[JUNE_RELEASE],
            calendar=calendar,
        )

    return run


def failed(report: GateReport, suite: str, check_name: str) -> CheckResult:
    """The failed check, asserting it failed."""
    matches = [r for r in report.results if r.suite == suite and r.check_name == check_name]
    assert matches, f"no check {suite}/{check_name}; ran {[r.check_name for r in report.results]}"
    failures = [r for r in matches if not r.success]
    assert failures, f"{suite}/{check_name} passed; {report.summary()}"
    return failures[0]


def line_of(frame: pl.DataFrame, **where: object) -> int:
    rows = frame.filter(**where)
    assert rows.height == 1, where
    return rows["line_number"][0]


def set_value(frame: pl.DataFrame, value: pl.Expr | float, **where: object) -> pl.DataFrame:
    """The frame with usd_millions replaced on the one row matching ``where``."""
    line_of(frame, **where)
    hit = pl.all_horizontal(pl.col(name) == wanted for name, wanted in where.items())
    return frame.with_columns(
        usd_millions=pl.when(hit).then(value).otherwise(pl.col("usd_millions"))
    )


GRAND_TOTAL_TREASURY = {"country": "Grand Total", "security": "treasury", "measure": "holdings"}


def test_an_untouched_file_passes_cleanly(gate, june: Frames) -> None:
    """It passes the real Table 3 again with no error and no warning (the control case)."""
    report = gate("slt_table3", june["slt_table3"])
    assert report.passed and not report.warnings, report.failure_message()


def test_it_stops_a_wrong_total(gate, june: Frames) -> None:
    """It stops a release whose Grand Total is not official + non-official, naming the line."""
    table3 = june["slt_table3"]
    where = GRAND_TOTAL_TREASURY | {"period": DECEMBER_2025, "holder": "all"}
    typo = set_value(table3, 9_268_204.0, **where)  # the file says 9,267,204
    report = gate("slt_table3", typo)
    result = failed(report, "cross_table", "official_plus_private_equals_total")
    assert result.severity == ERROR and result.failed_rows == 1
    assert result.examples[0]["line_number"] == line_of(table3, **where)
    message = report.failure_message()
    assert message.startswith("slt_table3.txt: ")
    assert "9268204 vs 9267204" in message and "re-run `tic run`" in message


def test_it_stops_a_duplicated_row(gate, june: Frames) -> None:
    """It stops a file that holds the same value twice."""
    table3 = june["slt_table3"]
    report = gate("slt_table3", pl.concat([table3, table3.slice(100, 1)]))
    result = failed(report, "slt_table3", UNIQUE_KEYS)
    assert result.severity == ERROR and result.failed_rows == 2
    assert {e["line_number"] for e in result.examples} == {table3["line_number"][100]}


def test_it_stops_a_negative_holding(gate, june: Frames) -> None:
    """It stops a release with a negative holding."""
    table3 = june["slt_table3"]
    where = {
        "country": "Japan",
        "period": APRIL_2026,
        "security": "treasury",
        "measure": "holdings",
    }
    report = gate("slt_table3", set_value(table3, -5.0, **where))
    result = failed(
        report,
        "slt_table3",
        "expect_column_values_to_be_between(usd_millions, measure == holdings)",
    )
    assert result.severity == ERROR and result.failed_rows == 1
    assert result.examples[0]["line_number"] == line_of(table3, **where)


def test_it_stops_a_missing_month(gate, june: Frames) -> None:
    """It stops a file with a month missing inside its range."""
    missing = date(2025, 6, 1)
    report = gate("slt_table3", june["slt_table3"].filter(pl.col("period") != missing))
    result = failed(report, "slt_table3", "periods_contiguous")
    assert result.severity == ERROR and result.failed_rows == 1
    assert result.examples[0]["period"] == missing.isoformat()


def test_it_stops_a_month_missing_from_one_series(gate, june: Frames) -> None:
    """It stops a file that lost one country's month in the middle of its series."""
    table3 = june["slt_table3"]
    lost = (pl.col("country") == "Japan") & (pl.col("period") == date(2024, 3, 1))
    report = gate("slt_table3", table3.filter(~lost))
    result = failed(report, "slt_table3", "series_periods_contiguous")
    assert result.severity == ERROR
    assert {e["country"] for e in result.examples} == {"Japan"}


def test_it_stops_a_renamed_column(gate, june: Frames) -> None:
    """It stops a frame whose columns are not the parsed schema, naming the missing column."""
    report = gate("slt_table3", june["slt_table3"].rename({"country": "country_name"}))
    failed(report, "slt_table3", "expect_table_columns_to_match_ordered_list")
    missing = failed(report, "slt_table3", "expect_column_values_to_not_be_null(country)")
    assert "column country is missing" in missing.examples[0]["detail"]
    assert not report.passed


def test_it_reports_an_unknown_country_code_as_a_warning(gate, june: Frames) -> None:
    """It loads a file with a new country code but reports the code as a warning."""
    table3 = june["slt_table3"]
    renumbered = table3.with_columns(
        country_code=pl.when(pl.col("country") == "Austria")
        .then(pl.lit(10190, pl.Int32))
        .otherwise(pl.col("country_code"))
    )
    report = gate("slt_table3", renumbered)
    result = failed(report, "slt_table3", "expect_column_values_to_be_in_set(country_code)")
    assert result.severity == WARNING
    assert result.failed_rows == table3.filter(pl.col("country") == "Austria").height
    assert {e["country_code"] for e in result.examples} == {10190}
    assert report.passed, report.failure_message()


def test_it_stops_a_value_off_by_a_factor_of_1000(gate, june: Frames) -> None:
    """It stops a release where one country's holdings are 1000 times too large."""
    table3 = june["slt_table3"]
    where = {
        "country": "Brazil",
        "period": APRIL_2026,
        "security": "treasury_long_term",
        "measure": "holdings",
    }
    report = gate("slt_table3", set_value(table3, pl.col("usd_millions") * 1000, **where))
    result = failed(report, "slt_table3", "amounts_not_off_by_factor_1000")
    assert result.severity == ERROR and result.failed_rows == 1
    assert result.examples[0]["line_number"] == line_of(table3, **where)


def test_it_stops_an_old_month_revised_by_a_factor_of_1000(gate, june: Frames) -> None:
    """It stops a revision that multiplies a value the warehouse holds by 1000."""
    table3 = june["slt_table3"]
    where = {
        "country": "Canada",
        "period": date(2023, 7, 1),
        "security": "treasury_long_term",
        "measure": "net_purchases",
    }
    report = gate("slt_table3", set_value(table3, pl.col("usd_millions") * 1000, **where))
    result = failed(report, "history", "revisions_not_off_by_factor_1000")
    assert result.severity == ERROR and result.failed_rows == 1
    assert result.examples[0]["line_number"] == line_of(table3, **where)


def test_it_stops_official_holdings_above_the_total(gate, june: Frames) -> None:
    """It stops a release whose official holdings exceed the total."""
    table3 = june["slt_table3"]
    total = GRAND_TOTAL_TREASURY | {"period": APRIL_2026, "holder": "all"}
    official = GRAND_TOTAL_TREASURY | {"period": APRIL_2026, "holder": "official"}
    above = table3.filter(**total)["usd_millions"][0] + 1_000_000
    report = gate("slt_table3", set_value(table3, above, **official))
    result = failed(report, "cross_table", "official_not_above_total")
    assert result.severity == ERROR and result.failed_rows == 1
    assert result.examples[0]["line_number"] == line_of(table3, **official)


def test_it_stops_a_truncated_file(gate, june: Frames) -> None:
    """It stops a file that lost its last lines: months hold fewer rows than the warehouse."""
    table3 = june["slt_table3"].sort("line_number")
    report = gate("slt_table3", table3.head(table3.height - 300))
    result = failed(report, "slt_table3", "row_count_per_period_not_below_past")
    assert result.severity == ERROR
    assert all(e["rows"] < e["past_rows"] for e in result.examples)


def test_it_stops_a_file_missing_its_newest_month(gate, june: Frames) -> None:
    """It stops a file whose newest month is older than the warehouse's."""
    report = gate("slt_table3", june["slt_table3"].filter(pl.col("period") < APRIL_2026))
    result = failed(report, "history", "newest_month_not_before_current")
    assert result.severity == ERROR
    assert result.examples[0]["period"] == APRIL_2026.isoformat()


def test_it_stops_a_newest_month_later_than_the_calendar(gate, june: Frames) -> None:
    """It stops a file claiming a month the release calendar does not publish yet."""
    shifted = june["slt_table3"].with_columns(pl.col("period").dt.offset_by("1mo"))
    report = gate("slt_table3", shifted)
    result = failed(report, "history", "newest_month_not_after_release_calendar")
    assert result.severity == ERROR
    assert "2026-05" in result.examples[0]["detail"] and "2026-04" in result.examples[0]["detail"]


def test_it_stops_table5_disagreeing_with_table3(gate, june: Frames) -> None:
    """It stops a Table 5 whose Grand Total x 1000 is off Table 3's by more than 0.05 billion."""
    table5 = june["slt_table5"]
    where = GRAND_TOTAL_TREASURY | {"period": APRIL_2026, "holder": "all"}
    report = gate("slt_table5", set_value(table5, 9_352_800.0, **where))  # file: 9352.6 bn
    result = failed(report, "cross_table", "table5_matches_table3_treasury_holdings")
    assert result.severity == ERROR and result.failed_rows == 1
    assert result.examples[0]["line_number"] == line_of(table5, **where)


def test_it_stops_an_amount_that_is_not_a_number(gate, june: Frames) -> None:
    """It stops a file with a NaN amount (null, for n.a., is allowed)."""
    table3 = june["slt_table3"]
    where = {
        "country": "Chile",
        "period": APRIL_2026,
        "security": "treasury",
        "measure": "net_purchases",
    }
    report = gate("slt_table3", set_value(table3, float("nan"), **where))
    result = failed(report, "slt_table3", "expect_column_values_to_be_between(usd_millions)")
    assert result.examples[0]["line_number"] == line_of(table3, **where)


def test_its_report_page_shows_the_failure(gate, june: Frames, tmp_path: Path) -> None:
    """It writes the failing check and its example line into the report page."""
    table3 = june["slt_table3"]
    where = GRAND_TOTAL_TREASURY | {"period": DECEMBER_2025, "holder": "all"}
    report = gate("slt_table3", set_value(table3, 9_268_204.0, **where))
    text = write_report(report, tmp_path).read_text(encoding="utf-8")
    assert "FAILED, nothing loaded" in text
    assert f"line {line_of(table3, **where)} (Grand Total 2025-12" in text


def test_it_stops_a_month_outside_the_files_range(gate, june: Frames) -> None:
    """It stops a file with a month before the family's first (a year typo: 1926 for 2026)."""
    table3 = june["slt_table3"]
    typo = table3.with_columns(
        period=pl.when(pl.col("line_number") == table3["line_number"][0])
        .then(pl.lit(date(1926, 4, 1)))
        .otherwise(pl.col("period"))
    )
    report = gate("slt_table3", typo)
    result = failed(report, "slt_table3", "expect_column_min_to_be_between(period)")
    assert result.severity == ERROR
    assert "1926-04-01" in result.examples[0]["detail"]
