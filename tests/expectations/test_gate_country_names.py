"""The gate and the countries dimension agree on which uncoded names are known: an MFH name
that matches no coded name, alias or known MFH-only name is a warning, and still loads."""

from __future__ import annotations

from datetime import date

import polars as pl

from expectations.gate import run_gate
from expectations.results import WARNING, GateReport

Frames = dict[str, pl.DataFrame]
JUNE_RELEASE = date(2026, 6, 18)
NAME_CHECK = "expect_column_values_to_be_in_set(country)"


def table5_with(
    name: str, real_releases: dict[date, Frames], warehouse_after, calendar
) -> tuple[GateReport, int]:
    """The gate's report on the June Table 5 with Japan's rows renamed, and their count."""
    table5 = real_releases[JUNE_RELEASE]["slt_table5"]
    japan = pl.col("country") == "Japan"
    renamed = table5.with_columns(
        country=pl.when(japan).then(pl.lit(name)).otherwise(pl.col("country"))
    )
    report = run_gate(
        {"slt_table5": renamed},
        release_date=JUNE_RELEASE,
        current=warehouse_after[JUNE_RELEASE],
        calendar=calendar,
    )
    return report, table5.filter(japan).height


def name_check(report: GateReport):
    return next(r for r in report.results if r.suite == "slt_table5" and r.check_name == NAME_CHECK)


def test_a_name_that_matches_nothing_is_a_warning(
    real_releases: dict[date, Frames], warehouse_after, calendar
) -> None:
    """It warns about every row of a name the dimension cannot resolve, and passes the file."""
    report, rows = table5_with("Atlantis", real_releases, warehouse_after, calendar)
    result = name_check(report)
    assert (result.success, result.severity, result.failed_rows) == (False, WARNING, rows)
    assert {example["country"] for example in result.examples} == {"Atlantis"}
    assert report.passed, report.failure_message()


def test_an_alias_is_a_known_name(
    real_releases: dict[date, Frames], warehouse_after, calendar
) -> None:
    """It accepts a name the dimension resolves through an alias (mfh.txt's Korea)."""
    report, _ = table5_with("Korea", real_releases, warehouse_after, calendar)
    assert name_check(report).success
