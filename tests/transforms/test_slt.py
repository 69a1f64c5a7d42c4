"""Form SLT Tables 1 to 4: machine-name header, tidy rows, clear errors."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from transforms.common import PARSED_SCHEMA, ParseError
from transforms.slt import parse_slt_table1, parse_slt_table2, parse_slt_table3, parse_slt_table4

KEY = ["period", "country", "country_code", "security", "holder", "measure"]


def value(frame: pl.DataFrame, **where: object) -> float | None:
    rows = frame.filter(**where)
    assert rows.height == 1, f"{rows.height} rows for {where}"
    return rows["usd_millions"][0]


def test_table3_real_file_facts(release_text) -> None:
    """It reads Table 3's 2025-12 Grand Total and its official and private parts."""
    frame = parse_slt_table3(release_text("2026-06-18", "slt_table3.txt"))
    dec = {"period": date(2025, 12, 1), "security": "treasury", "measure": "holdings"}
    assert value(frame, holder="all", country="Grand Total", **dec) == 9_267_204
    assert value(frame, holder="official", **dec) == 3_877_623
    assert value(frame, holder="private", **dec) == 5_389_581
    official = frame.filter(holder="official")
    assert set(official["country"]) == {"Grand Total"}
    assert set(official["country_code"]) == {99996}


def test_table1_international_net_sales_match_fred(release_text) -> None:
    """It keeps net U.S. sales as foreigners' net purchases, as FRED publishes them."""
    frame = parse_slt_table1(release_text("2026-06-18", "slt_table1.txt"))
    where = {"country": "International", "security": "us_long_term", "measure": "net_purchases"}
    assert value(frame, period=date(2023, 2, 1), **where) == -433
    assert value(frame, period=date(2024, 1, 1), **where) == -14_296


def test_table1_every_cell_lands_once(release_text) -> None:
    """It emits one row per numeric cell, with the schema and a unique key."""
    text = release_text("2026-06-18", "slt_table1.txt")
    data_lines = [
        ln
        for ln in text.splitlines()
        if ln.count("\t") >= 17 and ln[:1].isalpha() and ln.split("\t")[2][:2] in ("19", "20")
    ]
    frame = parse_slt_table1(text)
    assert frame.schema == pl.Schema(PARSED_SCHEMA)
    assert frame.height == len(data_lines) * 15
    assert frame.select([*KEY, "row_kind"]).is_duplicated().sum() == 0
    assert frame.filter(pl.col("usd_millions").is_null()).height == text.count("n.a.")


def test_table1_not_available_is_null_not_zero(release_text) -> None:
    """It turns n.a. net flows before the 2023-02 series break into nulls."""
    frame = parse_slt_table1(release_text("2026-06-18", "slt_table1.txt"))
    net = frame.filter(country="Grand Total", measure="net_purchases", security="us_long_term")
    before = net.filter(pl.col("period") < date(2023, 2, 1))
    assert before.height > 0
    assert before["usd_millions"].null_count() == before.height


def test_table1_revision_is_visible_between_releases(release_text) -> None:
    """It reads the revised 2025-12 Grand Total from the 2026-07-14 copy."""
    where = {
        "period": date(2025, 12, 1),
        "country": "Grand Total",
        "holder": "all",
        "security": "us_long_term",
        "measure": "holdings",
    }
    assert (
        value(parse_slt_table1(release_text("2026-06-18", "slt_table1.txt")), **where) == 36_479_521
    )
    assert (
        value(parse_slt_table1(release_text("2026-07-14", "slt_table1.txt")), **where) == 36_479_400
    )


def test_row_kinds_of_table2(release_text) -> None:
    """It tags regional totals, memo items and issuer-sector rows instead of dropping them."""
    frame = parse_slt_table2(release_text("2026-06-18", "slt_table2.txt"))
    kinds = dict(frame.select("country", "row_kind").unique().iter_rows())
    assert kinds["Total Europe"] == "regional_total"
    assert kinds["Memo: Euro Area"] == "memo"
    assert kinds["Of Which: Fund Shares"] == "issuer_sector"
    assert kinds["Japan"] == "country"
    assert set(frame["security"]) == {
        "foreign_long_term",
        "foreign_government_bonds",
        "foreign_corporate_bonds",
        "foreign_equity",
    }


TABLE4_HEADER = (
    "country\tcountry_code\tdate\tfor_lt_total_sale\tfor_lt_treas_sale\tfor_lt_agcy_sale\t"
    "for_lt_corp_sale\tfor_lt_eqty_sale\tus_lt_total_sale\tus_lt_govt_bond_sale\t"
    "us_lt_corp_bond_sale\tus_lt_eqty_sale\tfor_lt_total_pur\tfor_lt_treas_pur\tfor_lt_agcy_pur\t"
    "for_lt_corp_pur\tfor_lt_eqty_pur\tus_lt_total_pur\tus_lt_govt_bond_pur\tus_lt_corp_bond_pur\t"
    "us_lt_eqty_pur"
)
TABLE4 = "\r\n".join(
    [
        "Table 4: Gross U.S. Purchases and Sales of Long-Term Securities",
        "Millions of dollars",
        "Link: https://ticdata.treasury.gov/resource-center/data-chart-center/tic/Documents/slt_table4.txt",
        "",
        TABLE4_HEADER,
        "Japan\t42609\t2026-04\t" + "\t".join(str(n) for n in range(101, 119)),
        "Of Which: Foreign Official\t99990\t2026-04\t" + "\t".join(["n.a."] * 18),
        "",
        "Notes:",
    ]
)


def test_table4_maps_sales_to_foreigners_as_their_purchases() -> None:
    """It reads U.S. sales to foreigners as foreigners' gross purchases, and the reverse."""
    frame = parse_slt_table4(TABLE4)
    japan = frame.filter(country="Japan", period=date(2026, 4, 1))
    assert value(japan, security="treasury_long_term", measure="gross_purchases") == 102
    assert value(japan, security="treasury_long_term", measure="gross_sales") == 111
    assert value(japan, security="foreign_equity", measure="gross_sales") == 109
    assert value(japan, security="foreign_equity", measure="gross_purchases") == 118
    assert frame.filter(holder="official")["usd_millions"].null_count() == 18


def test_lf_endings_bom_and_blank_lines_are_harmless() -> None:
    """It reads the same values from a file with LF endings, a BOM and extra blank lines."""
    drifted = "\ufeff" + TABLE4.replace("\r\n", "\n").replace(TABLE4_HEADER, TABLE4_HEADER + "\n\n")
    assert parse_slt_table4(drifted).equals(
        parse_slt_table4(TABLE4).with_columns(pl.col("line_number") + 2)
    )


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        (TABLE4.replace("for_lt_treas_sale", "for_lt_treasury_sale"), 5, "machine-name header"),
        (TABLE4.replace("\t118\r\n", "\r\n"), 6, "20 cells where the header has 21"),
        (TABLE4.replace("\t107\t", "\tx7\t"), 6, "'x7', which is not a number"),
        (TABLE4.replace("2026-04\t101", "2026-13\t101"), 6, "is not YYYY-MM"),
        (TABLE4.replace("42609", "JP"), 6, "country code 'JP'"),
    ],
)
def test_bad_input_names_file_line_and_reason(text: str, line: int, reason: str) -> None:
    """It refuses a changed header, a short row, a bad number, date or code, naming the line."""
    with pytest.raises(ParseError, match=rf"slt_table4.txt line {line}: .*{reason}"):
        parse_slt_table4(text)


def test_missing_header_is_refused() -> None:
    """It refuses a file without the machine-name row (an HTML page, say)."""
    with pytest.raises(ParseError, match=r"slt_table1\.txt: no machine-name header"):
        parse_slt_table1("<html><body>Site maintenance</body></html>")
