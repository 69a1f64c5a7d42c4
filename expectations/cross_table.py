"""Accounting identities within and across files, in polars (suite ``cross_table``).

A check runs when at least one file it reads changed in this release; a file that did not
change is read from the warehouse's current values. Tolerances live in settings.py.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

import polars as pl

from expectations.common import EXAMPLE_COLUMNS, file_name_of, result_from_failures
from expectations.results import WARNING, CheckResult
from expectations.settings import (
    HOLDINGS_CHANGE_FIRST_PERIOD,
    HOLDINGS_CHANGE_RELATIVE_TOLERANCE,
    HOLDINGS_CHANGE_SERIES,
    MFH_ROUNDING_PER_FIGURE_MILLIONS,
    REGIONS_OF_ALL_COUNTRIES,
    SECURITY_TYPE_TOTALS,
    SECURITY_TYPES_EXEMPT_ROW_KINDS,
    SLT_ROUNDING_MILLIONS,
    SOURCES_WITH_ALL_COUNTRIES_PLUS_IROS,
    SOURCES_WITH_REGIONS_SUMMING,
    SOURCES_WITHOUT_COUNTRY_CODES,
    TABLE5_VS_TABLE3_MILLIONS,
)
from transforms.common import GRAND_TOTAL, GRAND_TOTAL_CODE

SUITE = "cross_table"
MFH_SOURCES = SOURCES_WITHOUT_COUNTRY_CODES  # slt_table5, mfhhis01, mfh: billions, rounded
IDENTITY_COLUMNS = [*EXAMPLE_COLUMNS, "expected_usd_millions"]
# "Of Which: Foreign Official Fund Shares" is the official part of "Of Which: Fund Shares".
_HOLDER_IN_NAME = r"^Of Which: Foreign (?:Official|Non-Official) "

Check = Callable[[str, pl.DataFrame], CheckResult | None]


# The identities across files: Table 5 against Table 3, and Table 4's gross flows against the
# net flows of Tables 1 and 2. Every other check reads its own source only.
PARTNERS: dict[str, frozenset[str]] = {
    "slt_table3": frozenset({"slt_table5"}),
    "slt_table5": frozenset({"slt_table3"}),
    "slt_table4": frozenset({"slt_table1", "slt_table2"}),
}


def sources_compared(incoming: Collection[str]) -> set[str]:
    """The sources the gate reads from the warehouse for a release of ``incoming``: those, and
    the partners their cross-table identities pair them with."""
    return set(incoming).union(*(PARTNERS.get(source, frozenset()) for source in incoming))


def cross_table_checks(frames: dict[str, pl.DataFrame], incoming: set[str]) -> list[CheckResult]:
    """Every identity that reads at least one incoming source. ``frames`` holds every source
    available: the incoming frame where the source changed, else the warehouse's values."""
    frames = {source: _with_line_numbers(frame) for source, frame in frames.items()}
    per_source: list[Check] = [
        official_plus_private_equals_total,
        official_not_above_total,
        total_equals_long_term_plus_short_term,
        official_bills_plus_bonds_notes_equal_official,
        countries_plus_all_other_equal_grand_total,
        holdings_change_explained_by_flows,
        security_types_sum_to_total,
        grand_total_equals_all_countries_plus_iros,
        regions_sum_to_all_countries,
    ]
    results = [
        result
        for source in sorted(incoming & frames.keys())
        for check in per_source
        if (result := check(source, frames[source])) is not None
    ]
    if {"slt_table5", "slt_table3"} & incoming and {"slt_table5", "slt_table3"} <= frames.keys():
        results.append(table5_matches_table3(frames["slt_table5"], frames["slt_table3"], incoming))
    if "slt_table4" in incoming:
        results += [
            table4_gross_matches_net(frames["slt_table4"], source, frames[source])
            for source in ("slt_table1", "slt_table2")
            if source in frames
        ]
    return results


def _with_line_numbers(frame: pl.DataFrame) -> pl.DataFrame:
    """Warehouse values have no line numbers; give them an empty column so one code path fits."""
    if "line_number" in frame.columns:
        return frame
    return frame.with_columns(line_number=pl.lit(None, pl.Int32))


def _grouped(frame: pl.DataFrame) -> pl.DataFrame:
    """Grand Total rows and Table 1's issuer-sector rows with a ``group`` naming the total they
    belong to, so the official, private and all rows of one total can be joined."""
    return frame.filter(
        pl.col("row_kind").is_in(["grand_total", "holder_split", "issuer_sector"])
        | ((pl.col("row_kind") == "series_break_comparison") & (pl.col("country") == GRAND_TOTAL))
    ).with_columns(
        group=pl.col("country").str.replace(_HOLDER_IN_NAME, "Of Which: "),
        block=pl.col("row_kind") == "series_break_comparison",
    )


def _whole_and_parts(
    whole: pl.DataFrame,
    parts: dict[str, pl.DataFrame],
    keys: list[str],
    *,
    nulls_equal: bool = False,
) -> pl.DataFrame:
    """``whole``'s rows with each part's usd_millions as a column named after it, and
    expected_usd_millions = the parts' sum; rows where a figure is n.a. are left out."""
    compared = whole
    for name, part in parts.items():
        compared = compared.join(
            part.select(*keys, pl.col("usd_millions").alias(name)), on=keys, nulls_equal=nulls_equal
        )
    return compared.drop_nulls(["usd_millions", *parts]).with_columns(
        expected_usd_millions=pl.sum_horizontal(*parts)
    )


def _identity_result(
    source: str,
    check_name: str,
    compared: pl.DataFrame,
    tolerance: float | pl.Expr,
    columns: list[str] = IDENTITY_COLUMNS,
) -> CheckResult:
    """Rows whose usd_millions is further than ``tolerance`` from expected_usd_millions fail."""
    failures = compared.filter(
        (pl.col("usd_millions") - pl.col("expected_usd_millions")).abs() > tolerance
    ).sort("line_number")
    return result_from_failures(
        SUITE,
        check_name,
        checked_rows=compared.height,
        failures=failures,
        file_name=file_name_of(source),
        columns=columns,
    )


def official_plus_private_equals_total(source: str, frame: pl.DataFrame) -> CheckResult | None:
    """Foreign Official + Foreign Non-Official = Grand Total (and the same for Table 1's
    issuer sectors), for every period, security and measure."""
    grouped = _grouped(frame)
    if grouped.filter(pl.col("holder") == "private").height == 0:
        return None  # the file gives no private part (Table 2, the MFH tables)
    holder = pl.col("holder")
    compared = _whole_and_parts(
        grouped.filter(holder == "all"),
        {
            "official": grouped.filter(holder == "official"),
            "private": grouped.filter(holder == "private"),
        },
        ["group", "block", "period", "security", "measure"],
    )
    return _identity_result(
        source, "official_plus_private_equals_total", compared, SLT_ROUNDING_MILLIONS
    )


def official_not_above_total(source: str, frame: pl.DataFrame) -> CheckResult | None:
    """Official holdings never exceed the total they are part of (the MFH official bills and
    bonds & notes are compared with the total Treasury holdings)."""
    grouped = _grouped(frame.filter(pl.col("measure") == "holdings")).with_columns(
        total_security=pl.when(pl.col("security").is_in(["treasury_bills", "treasury_bonds_notes"]))
        .then(pl.lit("treasury"))
        .otherwise(pl.col("security"))
    )
    official = grouped.filter(pl.col("holder") == "official")
    if official.height == 0:
        return None
    keys = ["group", "block", "period", "total_security"]
    totals = grouped.filter(pl.col("holder") == "all").select(
        *keys, pl.col("usd_millions").alias("total_usd_millions")
    )
    compared = official.join(totals, on=keys).drop_nulls(["usd_millions", "total_usd_millions"])
    tolerance = 2 * MFH_ROUNDING_PER_FIGURE_MILLIONS if source in MFH_SOURCES else 0.0
    failures = compared.filter(
        pl.col("usd_millions") > pl.col("total_usd_millions") + tolerance
    ).sort("line_number")
    return result_from_failures(
        SUITE,
        "official_not_above_total",
        checked_rows=compared.height,
        failures=failures,
        file_name=file_name_of(source),
        columns=[*EXAMPLE_COLUMNS, "total_usd_millions"],
    )


def total_equals_long_term_plus_short_term(source: str, frame: pl.DataFrame) -> CheckResult | None:
    """Table 3: total Treasuries = long-term + short-term, holdings and net purchases, every row."""
    if source != "slt_table3":
        return None
    security = pl.col("security")
    compared = _whole_and_parts(
        frame.filter(security == "treasury"),
        {
            "long_term": frame.filter(security == "treasury_long_term"),
            "short_term": frame.filter(security == "treasury_short_term"),
        },
        ["period", "country", "country_code", "holder", "row_kind", "measure"],
        nulls_equal=True,  # aggregate rows have no country code
    )
    return _identity_result(
        source, "total_equals_long_term_plus_short_term", compared, SLT_ROUNDING_MILLIONS
    )


def official_bills_plus_bonds_notes_equal_official(
    source: str, frame: pl.DataFrame
) -> CheckResult | None:
    """MFH tables: Foreign Official = its Treasury bills + its T-bonds & notes."""
    if source not in MFH_SOURCES:
        return None
    official = _grouped(frame.filter(pl.col("holder") == "official"))
    security = pl.col("security")
    compared = _whole_and_parts(
        official.filter(security == "treasury"),
        {
            "bills": official.filter(security == "treasury_bills"),
            "bonds_notes": official.filter(security == "treasury_bonds_notes"),
        },
        ["block", "period"],
    )
    tolerance = 3 * MFH_ROUNDING_PER_FIGURE_MILLIONS  # three rounded figures
    return _identity_result(
        source, "official_bills_plus_bonds_notes_equal_official", compared, tolerance
    )


def countries_plus_all_other_equal_grand_total(
    source: str, frame: pl.DataFrame
) -> CheckResult | None:
    """MFH tables: the listed countries + All Other (+ the country groups that stood for their
    members before 2012 in mfhhis01) = Grand Total, within the rounding of every figure summed:
    0.05 billion per figure. mfhhis01's columns "shown for comparison only" are left out: the
    real file's 2006-06 comparison column is 2.5 billion short of its own Grand Total."""
    if source not in MFH_SOURCES:
        return None
    rows = frame.filter(
        pl.col("holder") == "all",
        pl.col("security") == "treasury",
        pl.col("measure") == "holdings",
        pl.col("row_kind") != "series_break_comparison",
    )
    is_total = pl.col("country") == GRAND_TOTAL
    parts = (
        rows.filter(~is_total)
        .group_by("period")
        .agg(parts_usd_millions=pl.col("usd_millions").sum(), parts=pl.col("usd_millions").count())
    )
    compared = rows.filter(is_total).join(parts, on="period").drop_nulls("usd_millions")
    compared = compared.with_columns(
        expected_usd_millions=pl.col("parts_usd_millions"),
        tolerance=(pl.col("parts") + 1) * MFH_ROUNDING_PER_FIGURE_MILLIONS,
    )
    return _identity_result(
        source,
        "countries_plus_all_other_equal_grand_total",
        compared,
        pl.col("tolerance"),
        columns=[*IDENTITY_COLUMNS, "parts", "tolerance"],
    )


def holdings_change_explained_by_flows(source: str, frame: pl.DataFrame) -> CheckResult | None:
    """Grand Total: holdings(t) - holdings(t-1) = net purchases(t) + valuation change(t) within
    HOLDINGS_CHANGE_RELATIVE_TOLERANCE of holdings(t-1) ("other changes" fill the rest).
    A warning: the Treasury's other changes can be large for a month."""
    security = HOLDINGS_CHANGE_SERIES.get(source)
    if security is None:
        return None
    total = frame.filter(
        pl.col("country_code") == GRAND_TOTAL_CODE,
        pl.col("holder") == "all",
        pl.col("row_kind") == "grand_total",
        pl.col("security") == security,
    )
    wide = total.pivot(
        on="measure", index="period", values="usd_millions", aggregate_function="first"
    ).sort("period")
    lines = total.filter(pl.col("measure") == "holdings").select("period", "line_number")
    if not {"holdings", "net_purchases", "valuation_change"} <= set(wide.columns):
        return None
    compared = (
        wide.with_columns(
            previous=pl.col("holdings").shift(1), previous_period=pl.col("period").shift(1)
        )
        .filter(
            pl.col("period") >= HOLDINGS_CHANGE_FIRST_PERIOD,
            pl.col("previous_period") == pl.col("period").dt.offset_by("-1mo"),
        )
        .drop_nulls(["holdings", "previous", "net_purchases", "valuation_change"])
        .with_columns(
            expected_usd_millions=pl.col("previous")
            + pl.col("net_purchases")
            + pl.col("valuation_change"),
        )
        .with_columns(
            share=((pl.col("holdings") - pl.col("expected_usd_millions")) / pl.col("previous"))
            .abs()
            .round(4)
        )
        .join(lines, on="period", how="left")
        .with_columns(
            country=pl.lit(GRAND_TOTAL),
            security=pl.lit(security),
            measure=pl.lit("holdings"),
            usd_millions=pl.col("holdings"),
        )
    )
    failures = compared.filter(pl.col("share") > HOLDINGS_CHANGE_RELATIVE_TOLERANCE).sort("period")
    return result_from_failures(
        SUITE,
        "holdings_change_explained_by_flows",
        checked_rows=compared.height,
        failures=failures,
        file_name=file_name_of(source),
        severity=WARNING,
        columns=[*IDENTITY_COLUMNS, "share"],
    )


def table5_matches_table3(
    table5: pl.DataFrame, table3: pl.DataFrame, incoming: set[str]
) -> CheckResult:
    """Table 5 Grand Total and Foreign Official (billions x 1000) = Table 3's total Treasury
    holdings of the same holders, within 0.05 billion. Examples show the incoming file's row
    (Table 5's when both changed) and the other table's value as expected_usd_millions."""
    keys = ["period", "holder"]
    wanted = [
        pl.col("country_code") == GRAND_TOTAL_CODE,
        pl.col("security") == "treasury",
        pl.col("measure") == "holdings",
        pl.col("row_kind").is_in(["grand_total", "holder_split"]),
    ]
    source = "slt_table5" if "slt_table5" in incoming else "slt_table3"
    shown, other = (table5, table3) if source == "slt_table5" else (table3, table5)
    compared = (
        shown.filter(*wanted)
        .join(other.filter(*wanted).select(*keys, expected_usd_millions="usd_millions"), on=keys)
        .drop_nulls(["usd_millions", "expected_usd_millions"])
    )
    gap = (pl.col("usd_millions") - pl.col("expected_usd_millions")).abs()
    failures = compared.filter(gap > TABLE5_VS_TABLE3_MILLIONS).sort("period", "holder")
    return result_from_failures(
        SUITE,
        "table5_matches_table3_treasury_holdings",
        checked_rows=compared.height,
        failures=failures,
        file_name=file_name_of(source),
        columns=IDENTITY_COLUMNS,
    )


def security_types_sum_to_total(source: str, frame: pl.DataFrame) -> CheckResult | None:
    """Every row's total long-term securities = the sum of its security types, each measure
    (Table 1: Treasury + agency + corporate bonds + equity; Table 2: government bonds +
    corporate bonds + equity; Table 4 both sides). Rows where a type is n.a. are left out."""
    totals = SECURITY_TYPE_TOTALS.get(source)
    if totals is None:
        return None
    rows = frame.filter(~pl.col("row_kind").is_in(SECURITY_TYPES_EXEMPT_ROW_KINDS.get(source, ())))
    keys = ["period", "country", "country_code", "holder", "row_kind", "measure"]
    security = pl.col("security")
    compared = pl.concat(
        [
            _whole_and_parts(
                rows.filter(security == total),
                {part: rows.filter(security == part) for part in parts},
                keys,
                nulls_equal=True,  # aggregate rows have no country code
            ).select(*IDENTITY_COLUMNS)
            for total, parts in totals.items()
        ]
    )
    return _identity_result(source, "security_types_sum_to_total", compared, SLT_ROUNDING_MILLIONS)


def _aggregate(frame: pl.DataFrame, country: str) -> pl.DataFrame:
    return frame.filter(pl.col("country") == country, pl.col("holder") == "all")


def grand_total_equals_all_countries_plus_iros(
    source: str, frame: pl.DataFrame
) -> CheckResult | None:
    """Grand Total = All Countries + Total IROs (international and regional organisations),
    for every period, security and measure."""
    if source not in SOURCES_WITH_ALL_COUNTRIES_PLUS_IROS:
        return None
    keys = ["period", "security", "measure"]
    compared = _whole_and_parts(
        _aggregate(frame, GRAND_TOTAL),
        {
            "all_countries": _aggregate(frame, "All Countries"),
            "iros": _aggregate(frame, "Total IROs"),
        },
        keys,
    )
    return _identity_result(
        source, "grand_total_equals_all_countries_plus_iros", compared, SLT_ROUNDING_MILLIONS
    )


def regions_sum_to_all_countries(source: str, frame: pl.DataFrame) -> CheckResult | None:
    """All Countries = Total Europe + Canada + Total Latin America + Total Caribbean + Total
    Asia + Total Africa + Total Other, for every period, security and measure."""
    if source not in SOURCES_WITH_REGIONS_SUMMING:
        return None
    keys = ["period", "security", "measure"]
    compared = _whole_and_parts(
        _aggregate(frame, "All Countries"),
        {region: _aggregate(frame, region) for region in REGIONS_OF_ALL_COUNTRIES},
        keys,
    )
    tolerance = len(REGIONS_OF_ALL_COUNTRIES) * SLT_ROUNDING_MILLIONS / 2  # one per figure
    return _identity_result(source, "regions_sum_to_all_countries", compared, tolerance)


def table4_gross_matches_net(table4: pl.DataFrame, source: str, other: pl.DataFrame) -> CheckResult:
    """Table 4 gross purchases - gross sales = Table 1 (U.S. securities) or Table 2 (foreign
    securities) net purchases, for every row both files carry. A warning: measured only across
    vintages (the Table 4 excerpt against the 2026-07-14 Table 1: at most 1 million apart;
    against the older 2026-06-18 Table 2: up to 21, the later revisions)."""
    keys = ["period", "country", "country_code", "security", "holder"]
    measure = pl.col("measure")
    sales = table4.filter(measure == "gross_sales").select(*keys, sales="usd_millions")
    net = other.filter(measure == "net_purchases").select(
        *keys, expected_usd_millions="usd_millions"
    )
    compared = (
        table4.filter(measure == "gross_purchases")
        .join(sales, on=keys, nulls_equal=True)
        .join(net, on=keys, nulls_equal=True)
        .with_columns(
            usd_millions=pl.col("usd_millions") - pl.col("sales"), measure=pl.lit("net_purchases")
        )
        .drop_nulls(["usd_millions", "expected_usd_millions"])
    )
    failures = compared.filter(
        (pl.col("usd_millions") - pl.col("expected_usd_millions")).abs() > SLT_ROUNDING_MILLIONS
    ).sort("line_number")
    return result_from_failures(
        SUITE,
        f"table4_gross_matches_{source}_net",
        checked_rows=compared.height,
        failures=failures,
        file_name=file_name_of("slt_table4"),
        severity=WARNING,
        columns=IDENTITY_COLUMNS,
    )
