"""Major Foreign Holders history: yearly blocks, series-break months, groups and clear errors."""

from __future__ import annotations

import re
from datetime import date

import polars as pl
import pytest

from transforms.common import PARSED_SCHEMA, ParseError
from transforms.mfh_history import parse_mfhhis01

KEY = ["period", "country", "security", "holder", "row_kind"]
JUNE_2011 = date(2011, 6, 1)
COMPARISON = "series_break_comparison"


def value(frame: pl.DataFrame, **where: object) -> float | None:
    rows = frame.filter(**where)
    assert rows.height == 1, f"{rows.height} rows for {where}"
    return rows["usd_millions"][0]


@pytest.fixture(scope="module")
def history_text(release_text) -> str:
    return release_text("2026-06-18", "mfhhis01.txt")


@pytest.fixture(scope="module")
def history(history_text: str) -> pl.DataFrame:
    return parse_mfhhis01(history_text)


def test_series_break_month_keeps_both_estimates(history: pl.DataFrame) -> None:
    """It keeps China's June 2011 series value and the comparison-only estimate beside it."""
    china = history.filter(country="China, Mainland", period=JUNE_2011)
    assert value(china, row_kind="country") == 1_307_000.0
    assert value(china, row_kind=COMPARISON) == 1_165_500.0
    assert set(china["line_number"]) == {749}


def test_first_and_last_months(history: pl.DataFrame) -> None:
    """It starts at the March 2000 series break and ends at December 2025."""
    assert history["period"].min() == date(2000, 3, 1)
    assert history["period"].max() == date(2025, 12, 1)
    japan = history.filter(country="Japan")
    assert value(japan, period=date(2000, 3, 1), row_kind="country") == 307_600.0
    assert value(japan, period=date(2000, 3, 1), row_kind=COMPARISON) == 325_800.0
    assert value(japan, period=date(2025, 12, 1)) == 1_185_500.0


def test_official_block_and_groups(history: pl.DataFrame) -> None:
    """It reads the indented For. Official block and tags Oil Exporters and Carib Bnkng Ctrs."""
    official = history.filter(
        holder="official",
        period=date(2022, 1, 1),
        country="Grand Total",
        country_code=99996,
        row_kind="holder_split",
    )
    assert value(official, security="treasury") == 4_130_000.0
    assert value(official, security="treasury_bills") == 266_700.0
    assert value(official, security="treasury_bonds_notes") == 3_863_300.0
    december = history.filter(period=date(2011, 12, 1))
    assert value(december, country="Oil Exporters", row_kind="country_group") == 260_800.0
    assert value(december, country="Carib Bnkng Ctrs", row_kind="country_group") == 227_200.0
    assert value(december, country="United Kingdom", row_kind="country") == 114_300.0


def test_not_available_is_null(history: pl.DataFrame, history_text: str) -> None:
    """It turns Luxembourg's n.a. months of 2002 into nulls, not zeros."""
    luxembourg = history.filter(country="Luxembourg", period=date(2002, 6, 1))
    assert value(luxembourg, row_kind="country") == 23_100.0
    assert value(luxembourg, row_kind=COMPARISON) is None
    assert value(history, country="Luxembourg", period=date(2002, 5, 1)) is None
    assert history["usd_millions"].null_count() == history_text.count("n.a.") == 6


def test_every_cell_lands_once(history: pl.DataFrame, history_text: str) -> None:
    """It emits one row per number or n.a. in a labeled row, with a unique key."""
    cell = re.compile(r"\s*(-?\d+(\.\d+)?|n\.a\.)\s*")
    cells = sum(
        sum(1 for c in line.split("\t")[1:] if cell.fullmatch(c))
        for line in history_text.splitlines()
        if line.split("\t")[0] not in ("", "Country")
    )
    assert history.schema == pl.Schema(PARSED_SCHEMA)
    assert history.height == cells
    assert history.select(KEY).is_duplicated().sum() == 0
    assert set(history["source"]) == {"mfhhis01"}


def test_rows_per_month(history: pl.DataFrame) -> None:
    """It gives every month of a block the block's rows: 38 holders and 3 official rows in
    2025 and 2011, 21 and 3 in 2000; the series runs unbroken from 2000-03 to 2025-12."""

    def rows(period: date, row_kind: str | None = None) -> int:
        month = history.filter(period=period)
        kinds = pl.col("row_kind") == COMPARISON
        return month.filter(kinds if row_kind == COMPARISON else ~kinds).height

    assert rows(date(2025, 12, 1)) == rows(date(2025, 1, 1)) == 41
    assert rows(JUNE_2011) == rows(JUNE_2011, COMPARISON) == 41
    assert rows(date(2000, 3, 1)) == rows(date(2000, 3, 1), COMPARISON) == 24
    series = history.filter(pl.col("row_kind") != COMPARISON, country="Grand Total", holder="all")
    months = pl.date_range(date(2000, 3, 1), date(2025, 12, 1), "1mo", eager=True)
    assert sorted(series["period"]) == months.to_list()


def test_countries_and_groups_add_up_to_the_grand_total(history: pl.DataFrame) -> None:
    """Its countries, groups and All Other give the Grand Total, within 0.05 billion per part."""
    series = history.filter(pl.col("row_kind") != COMPARISON)
    parts = series.filter(pl.col("row_kind").is_in(["country", "country_group", "all_other"]))
    sums = parts.group_by("period").agg(pl.col("usd_millions").sum(), parts=pl.len())
    totals = series.filter(row_kind="grand_total").select("period", total="usd_millions")
    checked = sums.join(totals, on="period")
    assert checked.height == 310
    assert ((checked["usd_millions"] - checked["total"]).abs() <= checked["parts"] * 50).all()


# Two shortened blocks in the file's layout; the second carries a June series break.
HISTORY = "\r\n".join(
    [
        "\t\tMAJOR FOREIGN HOLDERS OF TREASURY SECURITIES\t\t",
        "\t\t\t    (in billions of dollars)\t",
        "\t\t\t\t",
        "\tFeb\tJan\t",
        "Country\t2012\t2012\t",
        "\t------\t------\t",
        '"China, Mainland"\t1178.9\t1159.6\t',
        "Japan\t1079.6\t1083.1\t",
        "All Other\t250.0\t\t",
        "Grand Total\t5102.7\t5054.3\t",
        "\t\t\t",
        "Of which:\t\t\t",
        "  For. Official\t3712.9\t3688.3\t",
        "    Treasury Bills\t362.5\t350.4\t",
        "    T-Bonds & Notes\t3350.4\t3337.8\t",
        "\t\t\t\t",
        "\tSeries 16/\tSeries\t\t",
        "\t XII\t XI\t\t",
        "\tJul\tJun\tJun\tMay",
        "Country\t2011\t2011\t2011\t2011",
        "\t------\t------\t------\t------",
        '"Korea, South "\t33.4\t33.9\t29.9\t32.5',
        "Oil Exporters 3/\t243.9\t242.6\t233.1\t230.0",
        "Carib Bnkng Ctrs 4/\t177.9\t196.3\t147.1\t154.0",
        "United Kingdom 2/\t141.0\t135.7\t347.0\t344.5",
        "Belgium  5/\t86.6\tn.a.\t33.6\t31.4",
        "Grand Total\t4667.9\t4690.6\t4533.6\t4536.6",
        "Of which:\t\t\t\t",
        "  For. Official\t3509.6\t3514.6\t3242.0\t3242.8",
        "    Treasury Bills\t392.0\t411.1\t411.1\t423.2",
        "    T-Bonds & Notes\t3117.6\t3103.5\t2830.9\t2819.6",
        "",
        "Department of the Treasury/Federal Reserve Board\t\t\t\t",
        '"(2011 revised August 15, 2018)"\t\t\t\t',
        "*     Less than $50 million.\t\t\t\t",
        '"3/   Oil exporters include Ecuador, Venezuela, Indonesia, Bahrain, Iran, Iraq, "\t\t\t\t',
        "16/   Denotes series break.  The Series XI estimate for June 2011 is shown for comparison.",  # noqa: E501 (a real footnote line)
    ]
)


def test_small_history_names_groups_breaks_and_nulls() -> None:
    """It unquotes names, strips markers, tags groups and comparison columns, and keeps nulls."""
    frame = parse_mfhhis01(HISTORY)
    assert frame.height == 7 * 2 + 9 * 4
    assert frame.select(KEY).is_duplicated().sum() == 0
    assert value(frame, country="China, Mainland", period=date(2012, 1, 1)) == 1_159_600.0
    korea = frame.filter(country="Korea, South", period=JUNE_2011)
    assert value(korea, row_kind="country") == 33_900.0
    assert value(korea, row_kind=COMPARISON) == 29_900.0
    assert (
        value(frame, country="Oil Exporters", row_kind="country_group", period=date(2011, 7, 1))
        == 243_900.0
    )
    assert value(frame, country="United Kingdom", row_kind=COMPARISON) == 347_000.0
    assert value(frame, country="Belgium", row_kind="country", period=JUNE_2011) is None
    assert value(frame, country="All Other", period=date(2012, 1, 1)) is None
    bills = frame.filter(holder="official", security="treasury_bills", period=JUNE_2011)
    assert value(bills, row_kind=COMPARISON) == 411_100.0
    assert set(bills["country"]) == {"Grand Total"}


def test_bom_lf_and_blank_lines_are_harmless() -> None:
    """It reads the same values from a file with a BOM, LF endings and extra blank lines."""
    drifted = "\ufeff" + HISTORY.replace("\r\n", "\n").replace("\t\t\t\t\n", "\n\n\n")
    frame = parse_mfhhis01(drifted)
    assert frame.height == 50
    assert value(frame, country="Japan", period=date(2012, 2, 1)) == 1_079_600.0
    assert value(frame, country="Korea, South", row_kind=COMPARISON) == 29_900.0


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        (HISTORY.replace("\tFeb\tJan\t\r\n", ""), 4, "expected a row of month names"),
        (
            HISTORY.replace("Country\t2012", "Nation\t2012"),
            5,
            "expected the 'Country' row of years below the month names on line 4",
        ),
        (HISTORY.replace("2012\t2012\t", "2012\t2012\t2012"), 5, "3 years under 2 month names"),
        (HISTORY.replace("2012\t2012\t", "2012\tFY12\t"), 5, "'FY12' is not a year"),
        (
            HISTORY.replace("\tFeb\tJan", "\tMar\tJan"),
            5,
            "is 2012-01 after 2012-03; expected 2012-02",
        ),
        (
            HISTORY.replace("\tJul\tJun\tJun\tMay", "\tJun\tJun\tJun\tMay"),
            20,
            "month column 3 is 2011-06 after 2011-06; expected 2011-05",
        ),
        (
            HISTORY.replace("\tJul\tJun\tJun\tMay", "\tFeb\tJan\tJan\tDec").replace(
                "2011\t2011\t2011\t2011", "2012\t2012\t2012\t2011"
            ),
            20,
            "month 2012-02 already had a column above",
        ),
        (
            HISTORY.replace("Japan\t1079.6\t1083.1\t", "Japan\t1079.6"),
            8,
            "1 value cells where the 'Country' header has 2",
        ),
        (HISTORY.replace("1083.1", "1O83.1"), 8, "'1O83.1' is not a number"),
        (HISTORY.replace("Japan\t", "\t"), 8, "no label"),
        (
            HISTORY.replace("\t\tMAJOR FOREIGN", "Memo\t1.0\tMAJOR FOREIGN"),
            1,
            "'Memo' comes before any 'Country' header",
        ),
    ],
)
def test_bad_input_names_file_line_and_reason(text: str, line: int, reason: str) -> None:
    """It refuses missing or changed header rows, bad month sequences, rows and cells."""
    with pytest.raises(ParseError, match=rf"mfhhis01\.txt line {line}: .*{re.escape(reason)}"):
        parse_mfhhis01(text)
