"""Per-source checks that GX has no expectation for, in polars: months without gaps, row counts
per month against the warehouse, and values off by a factor of 1000.

Each result belongs to the source's suite (``suite = source``).
"""

from __future__ import annotations

import polars as pl

from expectations.common import (
    EXAMPLE_COLUMNS,
    file_name_of,
    months_around,
    result_from_failures,
)
from expectations.results import WARNING, CheckResult
from expectations.settings import (
    KEY_COLUMNS,
    OUTLIER_DROP_MIN_MEDIAN_MILLIONS,
    OUTLIER_FACTOR,
    OUTLIER_MIN_MEDIAN_MILLIONS,
    OUTLIER_WINDOW_MONTHS,
    SOURCES_WITH_GAPLESS_SERIES,
)
from transforms.common import month_from_index_expr, month_index_expr

SERIES_COLUMNS = [name for name in KEY_COLUMNS if name != "period"]


def dataset_checks(
    source: str,
    frame: pl.DataFrame,
    current: pl.DataFrame | None,
    changed: pl.DataFrame | None = None,
) -> list[CheckResult]:
    """All polars checks of one source's incoming frame (``current``: the warehouse's values;
    ``changed``: the frame's rows the release changes, by default all)."""
    results = [
        periods_contiguous(source, frame),
        amounts_not_off_by_factor_1000(source, frame, changed),
    ]
    if source in SOURCES_WITH_GAPLESS_SERIES:
        results.append(series_periods_contiguous(source, frame))
    if current is not None and current.height:
        results += row_counts_per_period(source, frame, current)
    return results


def periods_contiguous(source: str, frame: pl.DataFrame) -> CheckResult:
    """Every month between the file's first and last is present: a missing month is an error."""
    months = frame.select(month=month_index_expr()).unique()
    if months.height == 0:
        expected = pl.DataFrame({"month": []}, schema={"month": pl.Int32})
    else:
        low, high = months.select(pl.min("month"), pl.max("month").alias("high")).row(0)
        expected = pl.DataFrame({"month": pl.int_range(low, high + 1, eager=True).cast(pl.Int32)})
    missing = (
        expected.join(months, on="month", how="anti")
        .sort("month")
        .select(period=month_from_index_expr("month"))
        .with_columns(detail=pl.format("{} is missing", pl.col("period").dt.strftime("%Y-%m")))
    )
    return result_from_failures(
        source,
        "periods_contiguous",
        checked_rows=expected.height,
        failures=missing,
        file_name=file_name_of(source),
        columns=["period", "detail"],
    )


def series_periods_contiguous(source: str, frame: pl.DataFrame) -> CheckResult:
    """Each series (country, security, holder, measure) covers every month from its first to its
    last: a row dropped from the middle of a file is an error."""
    spans = frame.group_by(SERIES_COLUMNS).agg(
        months=month_index_expr().n_unique(),
        first=pl.col("period").min(),
        last=pl.col("period").max(),
        line_number=pl.col("line_number").min() if "line_number" in frame.columns else pl.lit(None),
    )
    span = month_index_expr("last") - month_index_expr("first") + 1
    gaps = (
        spans.with_columns(missing_months=span - pl.col("months"))
        .filter(pl.col("missing_months") > 0)
        .sort("line_number")
        .with_columns(
            detail=pl.format(
                "{} {} {}: {} month(s) missing between {} and {}",
                "country",
                "security",
                "measure",
                "missing_months",
                pl.col("first").dt.strftime("%Y-%m"),
                pl.col("last").dt.strftime("%Y-%m"),
            )
        )
    )
    return result_from_failures(
        source,
        "series_periods_contiguous",
        checked_rows=spans.height,
        failures=gaps,
        file_name=file_name_of(source),
        columns=[
            "line_number",
            "country",
            "security",
            "holder",
            "measure",
            "missing_months",
            "detail",
        ],
    )


def amounts_not_off_by_factor_1000(
    source: str, frame: pl.DataFrame, judged: pl.DataFrame | None = None
) -> CheckResult:
    """No value is OUTLIER_FACTOR times the median size of its series around it (a value
    multiplied by 1000), nor, for holdings, a non-zero value that small a share of it. Only
    the rows of ``judged`` (by default all) are judged, each against its series in ``frame``;
    the medians read the months around them (a window either side: room for gaps)."""
    size = pl.col("usd_millions").abs()
    median = pl.col("series_median")
    context = frame
    if judged is not None and judged.height < frame.height:
        months = months_around([judged], months=OUTLIER_WINDOW_MONTHS)
        context = frame.filter(pl.col("period").is_in(months))
    checked = context.filter(pl.col("usd_millions").is_not_null()).sort([*SERIES_COLUMNS, "period"])
    checked = checked.with_columns(
        series_median=size.rolling_median(OUTLIER_WINDOW_MONTHS, center=True, min_samples=4).over(
            SERIES_COLUMNS
        )
    )
    if judged is not None and judged.height < frame.height:
        row = [*KEY_COLUMNS, "line_number"] if "line_number" in frame.columns else KEY_COLUMNS
        checked = checked.join(judged.select(row), on=list(row), how="semi", nulls_equal=True)
    too_big = (median >= OUTLIER_MIN_MEDIAN_MILLIONS) & (size >= OUTLIER_FACTOR * median)
    too_small = (
        (pl.col("measure") == "holdings")
        & (median >= OUTLIER_DROP_MIN_MEDIAN_MILLIONS)
        & (size > 0)
        & (size * OUTLIER_FACTOR <= median)
    )
    outliers = checked.filter(too_big | too_small).sort(
        "line_number" if "line_number" in checked.columns else "period"
    )
    return result_from_failures(
        source,
        "amounts_not_off_by_factor_1000",
        checked_rows=checked.height,
        failures=outliers,
        file_name=file_name_of(source),
        columns=[*EXAMPLE_COLUMNS, "series_median"],
    )


def row_counts_per_period(
    source: str, frame: pl.DataFrame, current: pl.DataFrame
) -> list[CheckResult]:
    """Rows per month against the warehouse: fewer than it holds for that month is an error (a
    truncated file, a lost country); more is a warning (a country added). A new month is held
    to the newest month's count where every series runs through every month (not in s1_globl
    or mfhhis01, whose lists of countries change from year to year)."""
    incoming = frame.group_by("period").agg(rows=pl.len())
    held = current.group_by("period").agg(past_rows=pl.len())
    newest = held.sort("period").tail(1)["past_rows"]
    compared = incoming.join(held, on="period", how="left")
    if source in SOURCES_WITH_GAPLESS_SERIES and newest.len():
        compared = compared.with_columns(pl.col("past_rows").fill_null(newest[0]))
    compared = (
        compared.filter(pl.col("past_rows").is_not_null())
        .sort("period")
        .with_columns(
            detail=pl.format(
                "{}: {} rows, the warehouse holds {}",
                pl.col("period").dt.strftime("%Y-%m"),
                "rows",
                "past_rows",
            )
        )
    )
    file_name = file_name_of(source)
    columns = ["period", "rows", "past_rows", "detail"]
    return [
        result_from_failures(
            source,
            "row_count_per_period_not_below_past",
            checked_rows=compared.height,
            file_name=file_name,
            columns=columns,
            failures=compared.filter(pl.col("rows") < pl.col("past_rows")),
        ),
        result_from_failures(
            source,
            "row_count_per_period_not_above_past",
            checked_rows=compared.height,
            file_name=file_name,
            columns=columns,
            failures=compared.filter(pl.col("rows") > pl.col("past_rows")),
            severity=WARNING,
        ),
    ]
