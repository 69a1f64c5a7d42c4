"""Table 4 from its real layout (../shared/tic/layouts/slt_table4-excerpt.txt): label rows,
padding and the "Purchase and sale note:" block; sector rows by code; gross flows that agree
with the net purchases of Tables 1 and 2 where the vintages match."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from expectations.cross_table import table4_gross_matches_net
from transforms.common import ParseError
from transforms.registry import parse_file

APRIL_2026 = date(2026, 4, 1)


@pytest.fixture(scope="module")
def excerpt(shared_tic: Path) -> bytes:
    return (shared_tic / "layouts" / "slt_table4-excerpt.txt").read_bytes()


@pytest.fixture(scope="module")
def table4(excerpt: bytes) -> pl.DataFrame:
    return parse_file("slt_table4.txt", excerpt)


def real(shared_tic: Path, release: str, name: str) -> pl.DataFrame:
    return parse_file(name, (shared_tic / "releases" / release / name).read_bytes())


def net(table4: pl.DataFrame, country: str, period: date, security: str) -> float:
    """Gross purchases - gross sales of one row of Table 4."""
    rows = table4.filter(country=country, period=period, security=security)
    by_measure = dict(zip(rows["measure"], rows["usd_millions"], strict=True))
    return by_measure["gross_purchases"] - by_measure["gross_sales"]


def test_it_reads_every_data_row_of_the_real_layout(table4: pl.DataFrame) -> None:
    """23 data rows (excerpt lines 10-32) of 18 values each, despite title and note lines
    padded to 22 cells and the "Purchase and sale note:" block before the definitions."""
    assert table4["line_number"].unique().sort().to_list() == list(range(10, 33))
    assert table4.height == 23 * 18


def test_it_classifies_sector_rows_by_code(table4: pl.DataFrame) -> None:
    """826xx rows are U.S.-issuer sectors, 816xx U.S.-holder sectors: same names, two kinds."""
    kinds = table4.filter(pl.col("country_code") > 80000).select("country_code", "row_kind")
    assert dict(kinds.unique().iter_rows()) == {
        82643: "issuer_sector",
        82651: "issuer_sector",
        82678: "issuer_sector",
        82686: "issuer_sector",
        81663: "holder_sector",
        81647: "holder_sector",
        81655: "holder_sector",
    }


def test_a_sector_rows_column_that_does_not_apply_is_null(table4: pl.DataFrame) -> None:
    """Issuer-sector rows print 0 or n.a. in every us_lt_* column and holder-sector rows in
    every for_lt_* column: none of those cells is stored as a number."""
    issuer = table4.filter(row_kind="issuer_sector", security="foreign_long_term")
    holder = table4.filter(row_kind="holder_sector", security="us_long_term")
    assert issuer.height == 10 and issuer["usd_millions"].null_count() == 10
    assert holder.height == 10 and holder["usd_millions"].null_count() == 10
    # Line 25, 82651 2026-07: for_lt_total_sale 1648066, the foreigners' gross purchases.
    sector = table4.filter(line_number=25, security="us_long_term", measure="gross_purchases")
    assert sector["usd_millions"].to_list() == [1_648_066.0]


def test_a_sector_row_with_a_figure_where_none_applies_is_refused(excerpt: bytes) -> None:
    """It refuses a holder-sector row that holds a U.S.-securities flow instead of 0."""
    row = b"Of Which: Depository Institutions\t81663\t2026-07\t0\t"
    broken = excerpt.replace(row, row.replace(b"\t0\t", b"\t12\t"))
    with pytest.raises(ParseError, match=r"^slt_table4.txt line 28: .*'for_lt_total_sale'"):
        parse_file("slt_table4.txt", broken)


def test_gross_flows_match_the_net_purchases_of_tables_1_and_2(
    table4: pl.DataFrame, shared_tic: Path
) -> None:
    """Austria 2026-04 (excerpt line 13): U.S. securities 3516 - 3480 = 36 and Treasuries
    1096 - 1149 = -53, Table 1's net U.S. sales (2026-07-14 line 11: 36, -53); foreign
    securities 2503 - 2436 = 67, Table 2's net U.S. purchases (2026-06-18 line 10: 67)."""
    assert net(table4, "Austria", APRIL_2026, "us_long_term") == 36
    assert net(table4, "Austria", APRIL_2026, "treasury_long_term") == -53
    assert net(table4, "Austria", APRIL_2026, "foreign_long_term") == 67
    table1 = real(shared_tic, "2026-07-14", "slt_table1.txt")
    table2 = real(shared_tic, "2026-06-18", "slt_table2.txt")
    austria = {"country": "Austria", "period": APRIL_2026, "measure": "net_purchases"}
    assert table1.filter(**austria, security="us_long_term")["usd_millions"].to_list() == [36]
    assert table2.filter(**austria, security="foreign_long_term")["usd_millions"].to_list() == [67]


def test_the_gate_compares_every_row_both_tables_carry(
    table4: pl.DataFrame, shared_tic: Path
) -> None:
    """Against the nearest vintage of Table 1 (2026-07-14) every shared row agrees within the
    2-million rounding; the older Table 2 (2026-06-18) differs where later releases revised it:
    Cyprus 2026-04 foreign securities, Table 4 1393 - 1347 = 46 (excerpt line 19) against
    Table 2's 25 (line 162). A warning, not an error."""
    table1 = real(shared_tic, "2026-07-14", "slt_table1.txt")
    table2 = real(shared_tic, "2026-06-18", "slt_table2.txt")

    same_vintage = table4_gross_matches_net(table4, "slt_table1", table1)
    older = table4_gross_matches_net(table4, "slt_table2", table2)

    assert same_vintage.success and same_vintage.checked_rows > 40
    assert not older.success and older.severity == "warning"
    cyprus = [e for e in older.examples if e["country"] == "Cyprus"]
    assert {(e["usd_millions"], e["expected_usd_millions"]) for e in cyprus} >= {(46.0, 25.0)}
