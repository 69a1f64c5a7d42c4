"""Table 5, Major Foreign Holders: one row per month cell, in millions, with clear errors."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from transforms.common import PARSED_SCHEMA, ParseError
from transforms.mfh_table5 import parse_slt_table5

KEY = ["period", "country", "security", "holder", "row_kind"]
APRIL_2026 = date(2026, 4, 1)


def value(frame: pl.DataFrame, **where: object) -> float | None:
    rows = frame.filter(**where)
    assert rows.height == 1, f"{rows.height} rows for {where}"
    return rows["usd_millions"][0]


@pytest.fixture(scope="module")
def table5(release_text) -> pl.DataFrame:
    return parse_slt_table5(release_text("2026-06-18", "slt_table5.txt"))


def test_reads_april_2026_holdings_in_millions(table5: pl.DataFrame) -> None:
    """It reads Japan's, China's and the Grand Total's April 2026 holdings in millions."""
    april = table5.filter(period=APRIL_2026, holder="all")
    assert value(april, country="Japan") == 1_209_900.0
    assert value(april, country="China, Mainland") == 651_100.0
    assert value(april, country="Grand Total") == 9_352_600.0
    assert value(table5, country="Japan", period=date(2025, 4, 1)) == 1_134_500.0


def test_official_rows_are_the_grand_totals_parts(table5: pl.DataFrame) -> None:
    """It files Foreign Official, its bills and its bonds and notes under the Grand Total."""
    official = table5.filter(holder="official", period=APRIL_2026)
    assert value(official, security="treasury") == 3_906_500.0
    assert value(official, security="treasury_bills") == 457_300.0
    assert value(official, security="treasury_bonds_notes") == 3_449_200.0
    assert set(official["country"]) == {"Grand Total"}
    assert set(official["country_code"]) == {99996}
    assert set(official["row_kind"]) == {"holder_split"}


def test_every_cell_lands_once(table5: pl.DataFrame) -> None:
    """It emits 25 rows (20 countries, All Other, Grand Total, 3 official) for each of 13 months."""
    assert table5.schema == pl.Schema(PARSED_SCHEMA)
    assert table5.height == 25 * 13
    per_period = table5.group_by("period").len()
    assert (
        sorted(per_period["period"])
        == pl.date_range(date(2025, 4, 1), APRIL_2026, "1mo", eager=True).to_list()
    )
    assert set(per_period["len"]) == {25}
    assert table5.select(KEY).is_duplicated().sum() == 0
    assert table5["usd_millions"].null_count() == 0
    assert set(table5["source"]) == {"slt_table5"}
    assert set(table5["measure"]) == {"holdings"}
    assert set(table5["dataset"]) == {"holdings"}


def test_row_kinds_codes_and_lines(table5: pl.DataFrame) -> None:
    """It tags All Other and the Grand Total, codes only the Grand Total, and keeps line numbers."""
    kinds = dict(table5.select("country", "row_kind").unique().iter_rows())
    assert kinds["All Other"] == "all_other"
    assert kinds["Korea, South"] == "country"
    codes = table5.filter(pl.col("country_code").is_not_null())
    assert set(codes["country"]) == {"Grand Total"}
    assert set(table5.filter(country="Japan")["line_number"]) == {7}


def test_countries_and_all_other_add_up_to_the_grand_total(table5: pl.DataFrame) -> None:
    """Its countries plus All Other give the Grand Total, within 0.05 billion per part."""
    parts = table5.filter(pl.col("row_kind").is_in(["country", "all_other"]))
    sums = parts.group_by("period").agg(pl.col("usd_millions").sum(), parts=pl.len())
    totals = table5.filter(row_kind="grand_total").select("period", total="usd_millions")
    checked = sums.join(totals, on="period")
    assert checked.height == 13
    assert ((checked["usd_millions"] - checked["total"]).abs() <= checked["parts"] * 50).all()


TABLE5 = "\r\n".join(
    [
        "Table 5: Major Foreign Holders of Treasury Securities\t\t\t",
        "Billions of dollars\t\t\t",
        "\t\t\t",
        "Country\t2026-04\t2026-03\t2026-02",
        "Japan\t1209.9\t1191.6\t1239.3",
        '"China, Mainland"\t651.1\t\t693.3',
        "United Kingdom 2/\tn.a.\t926.9\t897.3",
        "All Other\t1854.2\t1831.4\t1856.4",
        "Grand Total\t9352.6\t9348.7\t9487.1",
        "Of Which: Foreign Official\t3906.5\t3902.2\t4010.9",
        "Of Which: Foreign Official Treasury Bills\t457.3\t441.0\t453.1",
        "Of Which: Foreign Official T-Bonds & Notes\t3449.2\t3461.2\t3557.7",
        "\t\t\t",
        "Notes:\t\t\t",
        "The data in this table are collected primarily from U.S.-based custodians.\t\t\t",
    ]
)


def test_quoted_names_markers_blanks_and_not_available() -> None:
    """It unquotes names, strips footnote markers and turns blank and n.a. cells into nulls."""
    frame = parse_slt_table5(TABLE5)
    assert value(frame, country="China, Mainland", period=date(2026, 2, 1)) == 693_300.0
    assert value(frame, country="China, Mainland", period=date(2026, 3, 1)) is None
    assert value(frame, country="United Kingdom", period=APRIL_2026) is None
    assert value(frame, country="United Kingdom", period=date(2026, 3, 1)) == 926_900.0
    assert frame.height == 8 * 3
    assert frame["usd_millions"].null_count() == 2


def test_bom_lf_blank_lines_and_new_titles_are_harmless() -> None:
    """It reads a file with a BOM, LF endings, extra blank lines and a changed title."""
    drifted = "\ufeff" + TABLE5.replace("\r\n", "\n").replace(
        "Billions of dollars", "Holdings in billions of dollars\n\n"
    )
    frame = parse_slt_table5(drifted)
    assert value(frame, country="Japan", period=APRIL_2026) == 1_209_900.0
    assert (
        value(frame, holder="official", security="treasury_bills", period=date(2026, 2, 1))
        == 453_100.0
    )
    assert set(frame.filter(country="Japan")["line_number"]) == {7}
    assert frame.height == 8 * 3


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        (TABLE5.replace("Country\t", "Nation\t"), 4, "'Nation' comes before any 'Country' header"),
        (TABLE5.replace("2026-03", "March 2026"), 4, "'March 2026' is not a month"),
        (TABLE5.replace("2026-03", "2026-01"), 4, "is 2026-01 after 2026-04; expected 2026-03"),
        (TABLE5.replace("2026-03\t2026-02", "2026-04\t2026-03"), 4, "expected 2026-03"),
        (TABLE5.replace("\t1239.3", ""), 5, "2 value cells where the 'Country' header has 3"),
        (TABLE5.replace("1239.3", "1239.3\t1.0"), 5, "4 value cells"),
        (TABLE5.replace("1191.6", "1l91.6"), 5, "'1l91.6' is not a number"),
        (TABLE5.replace("Japan\t", "\t"), 5, "no label"),
        ("Country\t2026-04\r\n\r\nNotes:\r\n", 1, "no data rows"),
    ],
)
def test_bad_input_names_file_line_and_reason(text: str, line: int, reason: str) -> None:
    """It refuses a missing or changed header, a bad row or cell, naming the line."""
    with pytest.raises(ParseError, match=rf"slt_table5.txt line {line}: .*{reason}"):
        parse_slt_table5(text)


def test_a_file_without_header_is_refused() -> None:
    """It refuses a page with no Country header (a maintenance page, say)."""
    with pytest.raises(ParseError, match=r"slt_table5\.txt: no 'Country' header row"):
        parse_slt_table5("<html><body>Site maintenance</body></html>")
