"""The warehouse built by `tic backfill` from the real releases answers as DESIGN.md promises."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tests.conftest import query

# Values read by eye from the real files in ../shared/tic/releases (see its README).
TABLE3_GRAND_TOTAL_2025_12 = 9_267_204
TABLE3_OFFICIAL_2025_12 = 3_877_623
TABLE3_PRIVATE_2025_12 = 5_389_581
TABLE1_GT_LT_2025_12_FIRST = 36_479_521  # 2026-06-18 copy
TABLE1_GT_LT_2025_12_REVISED = 36_479_400  # 2026-07-14 copy
MFH_JAPAN_2023_01 = 1_104_400  # mfh.txt, 1104.4 billions
MFHHIS_CHINA_2011_06 = 1_307_000  # mfhhis01.txt, first June 2011 column (continuing series)
MFHHIS_CHINA_2011_06_COMPARISON = 1_165_500  # second June 2011 column, comparison only
FORM_S_GT_1977_01_TREASURY_PURCHASES = 1_632  # s1_globl.txt, Grand Total 1977-01 column [1]
FORM_S_AUSTRIA_2022_09_FOREIGN_BONDS = 1_480  # s1_globl.txt, Austria 2022-09 column [5]
TABLE1_INTERNATIONAL_NET_2023_02 = -433

VIEWS = {
    "holdings": "period, country, security, holder",
    "flows": "period, country, security, holder, measure",
    "official_private": "period, security, measure",
}


def one(data_dir: Path, sql: str, params: list | None = None):
    rows = query(data_dir, sql, params)
    assert len(rows) == 1, f"{len(rows)} rows for {sql} {params}"
    return rows[0][0] if len(rows[0]) == 1 else rows[0]


# The holdings view's columns as DESIGN.md gives them, in order.
HOLDINGS_COLUMNS = [
    "period",
    "country",
    "country_code",
    "security",
    "holder",
    "usd_millions",
    "source",
    "release_date",
    "country_kind",
]


def test_views_have_the_contract_columns(backfilled: Path) -> None:
    """It exposes the views and columns of DESIGN.md, in order."""
    expected = {
        "holdings": HOLDINGS_COLUMNS,
        "flows": [
            "period",
            "country",
            "country_code",
            "security",
            "holder",
            "measure",
            "usd_millions",
            "source",
            "release_date",
            "country_kind",
        ],
        "official_private": [
            "period",
            "security",
            "measure",
            "official_usd_millions",
            "private_usd_millions",
            "total_usd_millions",
            "official_share",
            "private_is_derived",
        ],
        "releases": ["release_date", "loaded_at", "files", "sha256s", "status"],
    }
    for view, columns in expected.items():
        found = [r[0] for r in query(backfilled, f"describe {view}")]
        assert found == columns, view
    revisions = [r[0] for r in query(backfilled, "describe revisions")]
    assert revisions[:12] == [
        "dataset",
        "period",
        "country",
        "country_code",
        "security",
        "holder",
        "measure",
        "release_date",
        "previous_release_date",
        "usd_millions",
        "previous_usd_millions",
        "revision_usd_millions",
    ]


@pytest.mark.parametrize("view", sorted(VIEWS))
def test_no_view_returns_two_values_for_one_key(backfilled: Path, view: str) -> None:
    """It never returns two values for one key in a default view."""
    duplicates = query(
        backfilled,
        f"select {VIEWS[view]}, count(*) from {view} group by all having count(*) > 1 limit 5",
    )
    assert duplicates == []


def test_treasury_holdings_by_country_across_sources(backfilled: Path) -> None:
    """It takes Table 3 where it exists and the MFH history before, in millions."""
    sql = (
        "select usd_millions, source from holdings where country = ? and period = ? "
        "and security = 'treasury' and holder = 'all'"
    )
    assert one(backfilled, sql, ["Grand Total", date(2025, 12, 1)]) == (
        TABLE3_GRAND_TOTAL_2025_12,
        "slt_table3",
    )
    assert one(backfilled, sql, ["China, Mainland", date(2011, 6, 1)]) == (
        MFHHIS_CHINA_2011_06,
        "mfhhis01",
    )
    first = one(backfilled, "select min(period) from holdings where security = 'treasury'")
    assert first == date(2000, 3, 1)
    last = one(backfilled, "select max(period) from holdings where security = 'treasury'")
    assert last == date(2026, 4, 1)


def test_series_break_comparison_column_is_queryable_but_not_default(backfilled: Path) -> None:
    """It keeps the "comparison only" June 2011 figure in observations, not in holdings."""
    assert (
        one(
            backfilled,
            "select usd_millions from observations where country = 'China, "
            "Mainland' and period = '2011-06-01' and row_kind = 'series_break_comparison'",
        )
        == MFHHIS_CHINA_2011_06_COMPARISON
    )


def test_official_private_split(backfilled: Path) -> None:
    """It splits the Grand Total into official and private holders, as Table 3 publishes."""
    row = one(
        backfilled,
        "select official_usd_millions, private_usd_millions, "
        "total_usd_millions, private_is_derived from official_private where period = "
        "'2025-12-01' and security = 'treasury' and measure = 'holdings'",
    )
    assert row == (
        TABLE3_OFFICIAL_2025_12,
        TABLE3_PRIVATE_2025_12,
        TABLE3_GRAND_TOTAL_2025_12,
        False,
    )


def test_official_plus_private_equals_total_where_published(backfilled: Path) -> None:
    """It holds official + private = total (within the files' rounding) wherever both exist."""
    worst = one(
        backfilled,
        "select max(abs(official_usd_millions + private_usd_millions "
        "- total_usd_millions)) from official_private where not private_is_derived",
    )
    assert worst <= 5


def test_mfh_private_is_derived_before_table3(backfilled: Path) -> None:
    """It derives private = total - official where only MFH figures exist (before 2020)."""
    row = one(
        backfilled,
        "select private_is_derived, total_usd_millions - "
        "official_usd_millions - private_usd_millions from official_private "
        "where period = '2010-06-01' and security = 'treasury' and measure = 'holdings'",
    )
    assert row == (True, 0)


def test_vintages_as_first_published_and_as_revised(backfilled: Path) -> None:
    """It answers Table 1 as first published (as of 2026-07-01) and as revised (latest)."""
    where = (
        "country = 'Grand Total' and holder = 'all' and security = 'us_long_term' "
        "and period = '2025-12-01'"
    )
    assert (
        one(backfilled, f"select usd_millions from holdings_as_of(DATE '2026-07-01') where {where}")
        == TABLE1_GT_LT_2025_12_FIRST
    )
    assert one(backfilled, f"select usd_millions, release_date from holdings where {where}") == (
        TABLE1_GT_LT_2025_12_REVISED,
        date(2026, 7, 14),
    )
    revision = one(
        backfilled,
        "select previous_usd_millions, usd_millions, "
        "revision_usd_millions, previous_release_date from revisions where "
        f"dataset = 'holdings' and measure = 'holdings' and {where}",
    )
    assert revision == (
        TABLE1_GT_LT_2025_12_FIRST,
        TABLE1_GT_LT_2025_12_REVISED,
        TABLE1_GT_LT_2025_12_REVISED - TABLE1_GT_LT_2025_12_FIRST,
        date(2026, 6, 18),
    )


def test_as_of_before_2026_returns_legacy_mfh(backfilled: Path) -> None:
    """It returns the legacy mfh.txt figures for 2022-01..2023-01 as of a 2025 date."""
    row = one(
        backfilled,
        "select usd_millions, source from holdings_as_of(DATE '2025-01-01') "
        "where country = 'Japan' and period = '2023-01-01' and security = 'treasury'",
    )
    assert row == (MFH_JAPAN_2023_01, "mfh")
    periods = one(
        backfilled,
        "select min(period), max(period) from holdings_as_of("
        "DATE '2025-01-01') where security = 'treasury'",
    )
    assert periods == (date(2022, 1, 1), date(2023, 1, 1))


def test_form_s_gross_flows(backfilled: Path) -> None:
    """It serves Form S gross purchases and sales from 1977 to 2023-01, sign per DESIGN.md."""
    assert (
        one(
            backfilled,
            "select usd_millions from flows where country = 'Grand Total' "
            "and period = '1977-01-01' and security = 'treasury_long_term' "
            "and measure = 'gross_purchases'",
        )
        == FORM_S_GT_1977_01_TREASURY_PURCHASES
    )
    assert (
        one(
            backfilled,
            "select usd_millions from flows where country = 'Austria' "
            "and period = '2022-09-01' and security = 'foreign_bonds' "
            "and measure = 'gross_sales'",
        )
        == FORM_S_AUSTRIA_2022_09_FOREIGN_BONDS
    )


def test_net_purchases_from_table1(backfilled: Path) -> None:
    """It serves Table 1 net purchases from 2023-02 and NULL (not 0) before the break."""
    sql = (
        "select usd_millions from flows where country = 'International' and period = ? "
        "and security = 'us_long_term' and measure = 'net_purchases'"
    )
    assert one(backfilled, sql, [date(2023, 2, 1)]) == TABLE1_INTERNATIONAL_NET_2023_02
    assert one(backfilled, sql, [date(2022, 1, 1)]) is None


def test_releases_lists_every_vintage(backfilled: Path) -> None:
    """It records one row per release with its files and their sha256."""
    rows = query(backfilled, "select release_date, files from releases order by release_date")
    assert rows == [
        (date(2023, 3, 15), ["mfh.txt", "s1_globl.txt"]),
        (
            date(2026, 6, 18),
            [
                "mfhhis01.txt",
                "slt_table1.txt",
                "slt_table2.txt",
                "slt_table3.txt",
                "slt_table5.txt",
            ],
        ),
        (date(2026, 7, 14), ["slt_table1.txt"]),
    ]


def test_parquet_carries_the_view_columns(backfilled: Path) -> None:
    """It writes the holdings view to Parquet partitioned by the period's year, the files
    holding the view's columns in order, with the files' values and the rows of the vintage
    the as-of macro rebuilds from the version store (a path that shares no code with the
    view or the export)."""
    import duckdb

    parquet = backfilled / "parquet" / "holdings"
    assert (parquet / "period_year=2025").is_dir()
    con = duckdb.connect(str(backfilled / "tic.duckdb"), read_only=True)
    files = f"read_parquet('{parquet}/*/*.parquet', hive_partitioning = false)"
    columns = [r[0] for r in con.execute(f"select * from {files} limit 0").description]
    assert columns == HOLDINGS_COLUMNS
    grand_total = con.execute(
        f"select usd_millions, source from {files} where country = 'Grand Total' "
        "and security = 'treasury' and holder = 'all' and period = date '2025-12-01'"
    ).fetchall()
    assert grand_total == [(TABLE3_GRAND_TOTAL_2025_12, "slt_table3")]
    as_of = "select * from holdings_as_of(date '2026-07-14')"
    for extra, missing in [(f"select * from {files}", as_of), (as_of, f"select * from {files}")]:
        differing = con.execute(f"select count(*) from ({extra} except all {missing})").fetchone()
        assert differing == (0,)
    con.close()
