"""GateReport and CheckResult: counts, one-line summary and failure message (no GX needed)."""

from __future__ import annotations

from datetime import date

import pytest

from expectations.results import ERROR, WARNING, CheckResult, GateReport

RELEASE = date(2026, 7, 14)
WRONG_TOTAL = CheckResult(
    suite="cross_table",
    check_name="official_plus_private_equals_total",
    severity=ERROR,
    success=False,
    checked_rows=532,
    failed_rows=1,
    examples=[
        {
            "file": "slt_table3.txt",
            "line_number": 6001,
            "country": "Grand Total",
            "period": "2025-12-01",
            "security": "treasury",
            "holder": "all",
            "measure": "holdings",
            "usd_millions": 9267204.0,
            "expected_usd_millions": 9267205.0,
        }
    ],
    file_name="slt_table3.txt",
)
NEW_CODE = CheckResult(
    "slt_table1",
    "expect_column_values_to_be_in_set(country_code)",
    WARNING,
    False,
    1710,
    15,
    [{"file": "slt_table1.txt", "line_number": 12, "country_code": 12345}],
    "slt_table1.txt",
)
PASSED = CheckResult("slt_table1", "periods_contiguous", ERROR, True, 77, 0, [], "slt_table1.txt")


def test_it_counts_suites_checks_failures_and_warnings() -> None:
    """It sums up a report in one line."""
    report = GateReport(RELEASE, [WRONG_TOTAL, NEW_CODE, PASSED])
    assert report.summary() == "2 suites, 3 checks: 1 failed, 1 warnings"
    assert report.errors == [WRONG_TOTAL] and report.warnings == [NEW_CODE]
    assert not report.passed


def test_warnings_alone_do_not_block_the_load() -> None:
    """It passes a report whose only failures are warnings."""
    report = GateReport(RELEASE, [NEW_CODE, PASSED])
    assert report.passed
    assert "passed" in report.failure_message()


def test_the_failure_message_names_file_check_and_rows() -> None:
    """It words the first error as one line a person can act on."""
    report = GateReport(RELEASE, [PASSED, WRONG_TOTAL])
    assert report.failure_message() == (
        "slt_table3.txt: official_plus_private_equals_total failed on 1 of 532 rows, "
        "e.g. line 6001 (Grand Total 2025-12 treasury holdings 9267204 vs 9267205); "
        "fix or wait for a corrected file, then re-run `tic run`"
    )


def test_the_failure_message_counts_further_errors() -> None:
    """It says how many more checks failed."""
    other = CheckResult(
        "slt_table3",
        "periods_contiguous",
        ERROR,
        False,
        76,
        1,
        [{"file": "slt_table3.txt", "period": "2025-06-01"}],
        "slt_table3.txt",
    )
    message = GateReport(RELEASE, [WRONG_TOTAL, other]).failure_message()
    assert "(and 1 more failed checks in the validation report)" in message
    assert "\n" not in message


def test_it_refuses_an_unknown_severity() -> None:
    """It accepts only the severities error and warning."""
    with pytest.raises(ValueError, match="severity"):
        CheckResult("s", "c", "fatal", False, 1, 1, [], None)


def test_it_serialises_to_plain_data() -> None:
    """It gives the run record a JSON-ready dict."""
    data = GateReport(RELEASE, [WRONG_TOTAL], {"total": 1.5}).to_dict()
    assert data["release_date"] == "2026-07-14" and data["passed"] is False
    assert data["results"][0]["examples"][0]["line_number"] == 6001
    assert data["timings_s"] == {"total": 1.5}
