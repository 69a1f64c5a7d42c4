"""The suites run pass/fail first and in summary only on a failure: what they report is the same."""

from __future__ import annotations

from datetime import date

import polars as pl

from expectations.gx_validation import validate_sources

JUNE_RELEASE = date(2026, 6, 18)


def test_a_passing_release_reports_what_a_summary_run_reports(
    real_releases: dict[date, dict[str, pl.DataFrame]],
) -> None:
    """Every June file passes its suite; the pass/fail run reports the same checks, rows
    checked (the holdings rows only, for the non-negative check) and outcomes as the summary."""
    frames = real_releases[JUNE_RELEASE]
    quick = validate_sources(frames, release_date=JUNE_RELEASE, timings={})
    full = validate_sources(frames, release_date=JUNE_RELEASE, timings={}, pass_fail_first=False)
    assert quick == full
    assert all(check.success for check in quick)
    table3 = frames["slt_table3"]
    holdings_rows = table3.filter(pl.col("measure") == "holdings").height
    non_negative = [
        c.checked_rows
        for c in quick
        if c.suite == "slt_table3" and "measure == holdings" in c.check_name
    ]
    assert non_negative == [holdings_rows] and holdings_rows < table3.height


def test_a_failing_suite_is_run_again_for_its_counts_and_lines(
    real_releases: dict[date, dict[str, pl.DataFrame]],
) -> None:
    """A Table 3 with one negative holding fails the non-negative check with its count and
    line, as in a summary run; the passing checks beside it are reported as before."""
    table3 = real_releases[JUNE_RELEASE]["slt_table3"]
    first_holding = table3.filter(pl.col("measure") == "holdings").row(0, named=True)
    hit = pl.all_horizontal(
        pl.col(name) == first_holding[name]
        for name in ("line_number", "security", "holder", "period", "measure")
    )
    assert table3.filter(hit).height == 1
    broken = table3.with_columns(usd_millions=pl.when(hit).then(-5.0).otherwise("usd_millions"))
    quick = validate_sources({"slt_table3": broken}, release_date=JUNE_RELEASE, timings={})
    full = validate_sources(
        {"slt_table3": broken}, release_date=JUNE_RELEASE, timings={}, pass_fail_first=False
    )
    assert quick == full
    failed = [c for c in quick if not c.success]
    assert [c.check_name for c in failed] == [
        "expect_column_values_to_be_between(usd_millions, measure == holdings)"
    ]
    assert failed[0].failed_rows == 1
    assert failed[0].examples[0]["line_number"] == first_holding["line_number"]


def test_suites_read_each_expectation_as_great_expectations_builds_it() -> None:
    """Inside ``configurations_built_once`` an expectation's configuration is the one GX
    builds, built once; outside the block, after it raised, and in another thread it is built
    on each read again, as GX does."""
    import threading

    from great_expectations.expectations.expectation import Expectation

    from expectations.gx_validation import configurations_built_once
    from expectations.suites import build_suite

    suite = build_suite("slt_table3", release_date=JUNE_RELEASE)
    first = suite.expectations[0]
    with configurations_built_once():
        gx_builds = Expectation.__dict__["configuration"].fget.gx_configuration
        for expectation in suite.expectations:
            built = expectation.configuration
            assert built == gx_builds(expectation)
            assert expectation.configuration is built
        in_thread: list[object] = []
        reader = threading.Thread(target=lambda: in_thread.append(first.configuration))
        reader.start()
        reader.join()
        assert in_thread[0] is not first.configuration
    try:
        with configurations_built_once():
            raise RuntimeError("a suite failed")
    except RuntimeError:
        pass
    assert first.configuration == gx_builds(first)
    assert first.configuration is not first.configuration
