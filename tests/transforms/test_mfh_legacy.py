"""Legacy fixed-width Major Foreign Holders table (mfh.txt): columns, notes and clear errors."""

from __future__ import annotations

import re
from datetime import date

import polars as pl
import pytest

from transforms.common import PARSED_SCHEMA, ParseError
from transforms.mfh_legacy import parse_mfh_txt

KEY = ["period", "country", "security", "holder", "row_kind"]
JANUARY_2023 = date(2023, 1, 1)


def value(frame: pl.DataFrame, **where: object) -> float | None:
    rows = frame.filter(**where)
    assert rows.height == 1, f"{rows.height} rows for {where}"
    return rows["usd_millions"][0]


@pytest.fixture(scope="module")
def legacy(release_text) -> pl.DataFrame:
    return parse_mfh_txt(release_text("2023-03-15", "mfh.txt"))


def test_reads_real_values_in_millions(legacy: pl.DataFrame) -> None:
    """It reads Japan's January 2023 holdings and Korea under the name the file prints."""
    january = legacy.filter(period=JANUARY_2023, holder="all")
    assert value(january, country="Japan") == 1_104_400.0
    assert value(january, country="Korea", row_kind="country") == 105_800.0
    assert value(january, country="Grand Total", country_code=99996) == 7_402_500.0
    assert value(legacy, country="Japan", period=date(2022, 1, 1)) == 1_299_900.0


def test_official_block(legacy: pl.DataFrame) -> None:
    """It reads the Of which: block as the Grand Total's official part and its split."""
    official = legacy.filter(
        holder="official", country="Grand Total", country_code=99996, row_kind="holder_split"
    )
    assert value(official, security="treasury", period=date(2022, 1, 1)) == 4_130_000.0
    assert value(official, security="treasury_bills", period=JANUARY_2023) == 249_600.0
    assert value(official, security="treasury_bonds_notes", period=JANUARY_2023) == 3_464_300.0
    assert set(official.filter(security="treasury")["line_number"]) == {55}


def test_every_cell_lands_once(legacy: pl.DataFrame) -> None:
    """It emits 43 rows (38 countries, All Other, Grand Total, 3 official) for 13 months."""
    assert legacy.schema == pl.Schema(PARSED_SCHEMA)
    assert legacy.height == 43 * 13
    per_period = legacy.group_by("period").len()
    assert (
        sorted(per_period["period"])
        == pl.date_range(date(2022, 1, 1), JANUARY_2023, "1mo", eager=True).to_list()
    )
    assert set(per_period["len"]) == {43}
    assert legacy.select(KEY).is_duplicated().sum() == 0
    assert legacy["usd_millions"].null_count() == 0
    assert set(legacy["source"]) == {"mfh"}
    assert set(legacy.filter(country="Japan")["line_number"]) == {13}


def test_countries_and_all_other_add_up_to_the_grand_total(legacy: pl.DataFrame) -> None:
    """Its countries plus All Other give the Grand Total, within 0.05 billion per part."""
    parts = legacy.filter(pl.col("row_kind").is_in(["country", "all_other"]))
    sums = parts.group_by("period").agg(pl.col("usd_millions").sum(), parts=pl.len())
    totals = legacy.filter(row_kind="grand_total").select("period", total="usd_millions")
    checked = sums.join(totals, on="period")
    assert checked.height == 13
    assert ((checked["usd_millions"] - checked["total"]).abs() <= checked["parts"] * 50).all()


def fixed(label: str, *cells: str) -> str:
    """A line laid out as in mfh.txt: the label in 30 characters, then 8 per month."""
    return f"{label:<30}" + "".join(f"{cell:>8}" for cell in cells)


MONTH_ROW = fixed("", "Mar", "Feb", "Jan")
YEAR_ROW = fixed("Country", "2023", "2023", "2023")
JAPAN = fixed("Japan", "1104.4", "1076.3", "1082.3")
LEGACY = "\r\n".join(
    [
        "",
        "                    MAJOR FOREIGN HOLDERS OF TREASURY SECURITIES",
        "                          (in billions of dollars)",
        "",
        MONTH_ROW,
        YEAR_ROW,
        fixed("", "------", "------", "------"),
        "",
        JAPAN,
        fixed("China, Mainland", "859.4", "", "870.2"),
        fixed("Korea", "n.a.", "102.9", "100.3"),
        fixed("United Kingdom 2/", "668.3", "654.5", "645.8"),
        fixed("All Other", "437.2", "439.2", "424.9"),
        fixed("Grand Total", "7402.5", "7318.7", "7268.6"),
        "",
        "Of which:",
        fixed(" For. Official", "3713.9", "3678.1", "3670.8"),
        fixed("  Treasury Bills", "249.6", "238.7", "217.2"),
        fixed("  T-Bonds & Notes", "3464.3", "3439.3", "3453.6"),
        "",
        "Department of the Treasury/Federal Reserve Board",
        "March 15, 2023",
        "",
        " 1/  The data in this table are collected primarily from U.S.-based custodians and brokers.",  # noqa: E501 (a real footnote line)
        "     (see TIC FAQ #7 at: http://www.treasury.gov/resource-center/data-chart-center/tic/).",
    ]
)


def test_small_table_blanks_not_available_markers_and_notes() -> None:
    """It reads blank and n.a. cells as nulls, strips markers and passes over the notes."""
    frame = parse_mfh_txt(LEGACY)
    assert frame.height == 9 * 3
    assert value(frame, country="China, Mainland", period=date(2023, 2, 1)) is None
    assert value(frame, country="China, Mainland", period=JANUARY_2023) == 870_200.0
    assert value(frame, country="Korea", period=date(2023, 3, 1)) is None
    assert value(frame, country="United Kingdom", period=date(2023, 3, 1)) == 668_300.0
    assert (
        value(frame, holder="official", security="treasury_bonds_notes", period=JANUARY_2023)
        == 3_453_600.0
    )
    assert frame["usd_millions"].null_count() == 2


def test_bom_lf_blank_lines_and_new_titles_are_harmless() -> None:
    """It reads a file with a BOM, LF endings, extra blank lines and a changed title."""
    drifted = "\ufeff" + LEGACY.replace("\r\n", "\n").replace(
        "(in billions of dollars)", "HOLDINGS 1/ AT END OF PERIOD\n\n"
    ).replace(JAPAN, "\n" + JAPAN)
    frame = parse_mfh_txt(drifted)
    assert frame.height == 27
    assert value(frame, country="Japan", period=date(2023, 3, 1)) == 1_104_400.0
    assert set(frame.filter(country="Japan")["line_number"]) == {12}


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        (
            LEGACY.replace("Country", "Nation "),
            6,
            "expected the 'Country' row of years below the month names on line 5",
        ),
        (LEGACY.replace(MONTH_ROW + "\r\n", ""), 5, "expected a row of month names"),
        (
            LEGACY.replace(YEAR_ROW, fixed("Country", "2023", "2023")),
            6,
            "2 years under 3 month names",
        ),
        (
            LEGACY.replace(MONTH_ROW, fixed("", "Mar", "Jan", "Feb")),
            6,
            "is 2023-01 after 2023-03; expected 2023-02",
        ),
        (
            LEGACY.replace(JAPAN, fixed("Japan", "1104.4") + "    1076.3"),
            9,
            "'1076.3' at characters 43-48 is not inside one month column of the 'Country' row "
            "on line 6",
        ),
        (LEGACY.replace("1076.3", "1O76.3"), 9, "'1O76.3' is not a number"),
        (LEGACY.replace("Japan", "     "), 9, "has no label"),
        (
            LEGACY + "\r\n" + fixed("Mexico", "58.2", "58.6", "57.2"),
            26,
            "numbers below the notes that start on line 21",
        ),
        ("\r\n".join([MONTH_ROW, YEAR_ROW, "", "Notes follow."]), 2, "no data rows"),
    ],
)
def test_bad_input_names_file_line_and_reason(text: str, line: int, reason: str) -> None:
    """It refuses a missing or changed header, misplaced or bad numbers, naming the line."""
    with pytest.raises(ParseError, match=rf"mfh\.txt line {line}: .*{re.escape(reason)}"):
        parse_mfh_txt(text)


def test_a_file_without_header_is_refused() -> None:
    """It refuses a page with no month-name and Country rows (a maintenance page, say)."""
    with pytest.raises(ParseError, match=r"mfh\.txt: no month-name row"):
        parse_mfh_txt("<html><body>Site maintenance</body></html>")
