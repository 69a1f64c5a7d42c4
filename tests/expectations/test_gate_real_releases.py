"""The gate on the real Treasury releases: all of them pass, every check is reported."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl

from expectations.cross_table import sources_compared
from expectations.gate import run_gate
from expectations.known_countries import KNOWN_COUNTRY_CODES, KNOWN_UNCODED_COUNTRIES
from expectations.report import write_report
from expectations.results import ERROR, WARNING, GateReport
from expectations.settings import REVISION_ABSOLUTE_THRESHOLD_MILLIONS, REVISION_RELATIVE_THRESHOLD

JULY_RELEASE = date(2026, 7, 14)
GX_CHECKS = (
    "expect_table_columns_to_match_ordered_list",
    "expect_column_values_to_not_be_null(country)",
    "expect_compound_columns_to_be_unique(period, country, country_code, security, holder, "
    "measure, row_kind)",
    "expect_column_min_to_be_between(period)",
    "expect_column_max_to_be_between(period)",
    "expect_column_values_to_be_between(usd_millions, measure == holdings)",
    "expect_column_values_to_be_in_set(country_code)",
)


def names(report: GateReport, suite: str) -> set[str]:
    return {result.check_name for result in report.results if result.suite == suite}


def test_every_real_release_passes(real_reports: dict[date, GateReport]) -> None:
    """It lets every real release through, with no error."""
    assert len(real_reports) >= 3
    for release_date, report in real_reports.items():
        assert report.passed, f"{release_date}: {report.failure_message()}"
        assert report.errors == []


def test_the_first_releases_pass_without_warnings(real_reports: dict[date, GateReport]) -> None:
    """It raises no warning on the 2023-03-15 and 2026-06-18 releases."""
    for release_date in (date(2023, 3, 15), date(2026, 6, 18)):
        assert real_reports[release_date].warnings == [], real_reports[release_date].summary()


def test_each_source_has_its_own_suite(
    real_reports: dict[date, GateReport], real_releases: dict[date, dict[str, pl.DataFrame]]
) -> None:
    """It runs one suite per parsed source, with the structural GX checks in each."""
    for release_date, report in real_reports.items():
        for source in real_releases[release_date]:
            assert set(GX_CHECKS) <= names(report, source), (release_date, source)
            assert "periods_contiguous" in names(report, source)


def test_cross_table_identities_run_on_the_june_release(
    real_reports: dict[date, GateReport],
) -> None:
    """It checks the accounting identities across Tables 1, 3 and 5 and the MFH history."""
    checks = {
        (r.check_name, r.file_name)
        for r in real_reports[date(2026, 6, 18)].results
        if r.suite == "cross_table"
    }
    assert {
        ("official_plus_private_equals_total", "slt_table1.txt"),
        ("official_plus_private_equals_total", "slt_table3.txt"),
        ("total_equals_long_term_plus_short_term", "slt_table3.txt"),
        ("table5_matches_table3_treasury_holdings", "slt_table5.txt"),
        ("countries_plus_all_other_equal_grand_total", "slt_table5.txt"),
        ("countries_plus_all_other_equal_grand_total", "mfhhis01.txt"),
        ("official_not_above_total", "slt_table3.txt"),
        ("holdings_change_explained_by_flows", "slt_table1.txt"),
    } <= checks
    assert all(
        r.checked_rows > 0
        for r in real_reports[date(2026, 6, 18)].results
        if r.suite == "cross_table"
    )


def test_a_release_with_one_file_is_checked_against_the_warehouse(
    real_reports: dict[date, GateReport],
) -> None:
    """It validates the July release (Table 1 only) against the June warehouse: row counts,
    the newest month and revisions."""
    july = real_reports[JULY_RELEASE]
    assert {"row_count_per_period_not_below_past", "amounts_not_off_by_factor_1000"} <= names(
        july, "slt_table1"
    )
    assert {
        "newest_month_not_before_current",
        "revisions_within_size",
        "revisions_not_off_by_factor_1000",
        "newest_month_not_after_release_calendar",
    } <= names(july, "history")
    assert all(r.success for r in july.results if r.severity == ERROR)


def test_large_revisions_are_warnings_listing_old_and_new_values(
    real_reports: dict[date, GateReport],
) -> None:
    """It reports the July release's large revisions as a warning that shows both values."""
    revisions = next(
        r for r in real_reports[JULY_RELEASE].results if r.check_name == "revisions_within_size"
    )
    assert revisions.severity == WARNING
    assert revisions.examples, "the July release revises earlier months"
    for example in revisions.examples:
        change = abs(example["usd_millions"] - example["previous_usd_millions"])
        assert change > REVISION_ABSOLUTE_THRESHOLD_MILLIONS
        assert change > REVISION_RELATIVE_THRESHOLD * abs(example["previous_usd_millions"])
        assert example["file"] == "slt_table1.txt" and example["line_number"] > 0


def test_known_countries_hold_codes_and_names_read_from_the_files() -> None:
    """Its lists hold the codes and names the files print, read by hand: slt_table1.txt of
    2026-06-18 prints `Japan 42609`, `China, Mainland 41408`, `Korea, South 43001` and
    `International 72907`; the legacy mfh.txt prints `Korea` with no code."""
    assert KNOWN_COUNTRY_CODES[42609] == "Japan"
    assert KNOWN_COUNTRY_CODES[41408] == "China, Mainland"
    assert KNOWN_COUNTRY_CODES[43001] == "Korea, South"
    assert KNOWN_COUNTRY_CODES[72907] == "International"
    assert "Korea" in KNOWN_UNCODED_COUNTRIES


def test_it_times_itself(real_reports: dict[date, GateReport]) -> None:
    """It records the GX import, context and suite time, the selection of changed rows, the
    polars checks and the total, the parts (timed one after the other inside the total, each
    rounded to a millisecond) adding up to no more than the total."""
    first = real_reports[min(real_reports)]
    parts = {
        "select_changed_rows",
        "import_great_expectations",
        "gx_context",
        "gx_suites",
        "polars_checks",
    }
    assert parts | {"total"} <= first.timings_s.keys()
    assert sum(first.timings_s[part] for part in parts) <= first.timings_s["total"] + 0.005


def test_it_writes_a_report_page_with_every_check(
    real_reports: dict[date, GateReport], tmp_path: Path
) -> None:
    """It writes one HTML page listing every suite and every check with its counts."""
    report = real_reports[JULY_RELEASE]
    page = write_report(report, tmp_path / "reports")
    text = page.read_text(encoding="utf-8")
    assert page.parent == tmp_path / "reports" and text.startswith("<!DOCTYPE html>")
    for result in report.results:
        assert result.check_name.replace("'", "&#x27;") in text
    assert all(f'id="{suite}"' in text for suite in report.suites)
    assert "PASSED with warnings" in text


def test_the_gate_reads_only_the_sources_it_compares(
    real_releases: dict[date, dict[str, pl.DataFrame]],
    warehouse_after: dict[date, dict[str, pl.DataFrame]],
    calendar: pl.DataFrame,
) -> None:
    """A June file judged against the warehouse's values of its own table and its cross-table
    partners only (what the run reads) gets the very checks and outcomes it gets against the
    whole warehouse: Table 5 still meets Table 3, and Table 3 Table 5."""
    release_date = date(2026, 6, 18)
    frames = real_releases[release_date]
    held = warehouse_after[release_date]
    for source in ("slt_table3", "slt_table5", "slt_table1"):
        compared = sources_compared({source})
        outcomes = []
        for current in (held, {s: f for s, f in held.items() if s in compared}):
            report = run_gate(
                {source: frames[source]},
                release_date=release_date,
                current=current,
                calendar=calendar,
            )
            outcomes.append(
                sorted((r.suite, r.check_name, r.success, r.failed_rows) for r in report.results)
            )
        assert outcomes[0] == outcomes[1], source
        assert len(compared) < len(held)
        paired = any(c == "table5_matches_table3_treasury_holdings" for _, c, _, _ in outcomes[0])
        assert paired == (source != "slt_table1"), source
