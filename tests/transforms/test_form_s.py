"""parse_s1_globl: the legacy Form S file, real copy and hand-made edge cases."""

from __future__ import annotations

import re
from datetime import date

import polars as pl
import pytest

from transforms.common import PARSED_SCHEMA, ParseError
from transforms.form_s import parse_s1_globl

KEY = ["period", "country", "country_code", "security", "measure", "holder"]
# The file's areas; Latin America and the Caribbean are one area until 2000-12, two from 2001-01.
AREAS = [
    "Total Europe",
    "Canada",
    "Total Latin America and Caribbean",
    "Total Latin America",
    "Total Caribbean",
    "Total Asia",
    "Total Africa",
    "Total Other",
]

# Hand-made copies of the real file's layout (its first lines, abridged).
TITLE = (
    '\t\t\t"U.S. Transactions with Foreigners in Long-term Domestic and Foreign Securities"\t\t\n'
    "\t\t\t\t\t\tAll amounts in millions of dollars.\t\t\n"
    "\t\t\t\t\t\t\t\t\n"
    "Country\tCountry\tEnd of\tnotes\tagencies\tbonds\tstocks\tBonds\tStocks\n"
)
SIGNATURE = "name\tcode\tmonth\t[1]\t[2]\t[3]\t[4]\t[5]\t[6]\t[7]\t[8]\t[9]\t[10]\t[11]\t[12]\n"
DASHES = "\t".join([" ----------"] * 15) + "\n"
AUSTRIA = 'Austria\t10189\t2022-09\t143\t63\t12\t85\t"1,480"\t150\t57\t77\t20\t66\t144\t94\n'
KOREA = '"Korea, South"\t43001\t2022-08\t1\t2\t3\t4\t5\t6\t7\t8\t9\t10\t11\t"2,013,010"\n'
GRAND_TOTAL = "Grand Total\t99996\t2022-09\t10\t20\t30\t40\t50\t60\t70\t80\t90\t100\t110\t120\n"
SMALL = TITLE + SIGNATURE + DASHES + AUSTRIA + KOREA + GRAND_TOTAL
NOT_AVAILABLE = "Austria\t10189\t2022-10\tn.a.\t\t0\t1\t1\t1\t1\t1\t1\t1\t1\t1\n"


def value(frame: pl.DataFrame, country: str, month: str, security: str, measure: str) -> float:
    """The one usd_millions value for a country, month, security and measure."""
    period = date.fromisoformat(f"{month}-01")
    cell = frame.filter(
        (pl.col("country") == country)
        & (pl.col("period") == period)
        & (pl.col("security") == security)
        & (pl.col("measure") == measure)
    )
    assert cell.height == 1
    return cell["usd_millions"][0]


@pytest.fixture(scope="module")
def s1_text(release_text) -> str:
    return release_text("2023-03-15", "s1_globl.txt")


@pytest.fixture(scope="module")
def s1(s1_text: str) -> pl.DataFrame:
    return parse_s1_globl(s1_text)


class TestRealFile:
    def test_it_returns_the_parsed_schema(self, s1: pl.DataFrame) -> None:
        """It returns exactly the shared parser schema, as flows from s1_globl."""
        assert s1.schema == pl.Schema(PARSED_SCHEMA)
        assert s1["dataset"].unique().to_list() == ["flows"]
        assert s1["source"].unique().to_list() == ["s1_globl"]

    def test_it_keeps_one_value_per_numeric_cell(self, s1: pl.DataFrame, s1_text: str) -> None:
        """It yields one row per numeric cell: data rows x 12, counted here from the raw text."""
        data_row = re.compile(r'^"?[A-Za-z][^\t]*\t\d+\t\d{4}-\d{2}\t')
        data_rows = [line for line in s1_text.splitlines() if data_row.match(line)]
        assert len(data_rows) == 41519
        assert s1.height == len(data_rows) * 12
        filled = sum(1 for line in data_rows for cell in line.split("\t")[3:] if cell.strip())
        assert s1["usd_millions"].is_not_null().sum() == filled

    def test_it_reads_quoted_thousands(self, s1: pl.DataFrame) -> None:
        """Austria 2022-09 [5] "1,480" is foreign bonds that U.S. residents sold to foreigners."""
        assert value(s1, "Austria", "2022-09", "foreign_bonds", "gross_sales") == 1480.0
        row = s1.filter((pl.col("country") == "Austria") & (pl.col("usd_millions") == 1480.0))
        assert row["line_number"].to_list() == [24]

    def test_it_maps_columns_to_securities_and_sides(self, s1: pl.DataFrame) -> None:
        """Grand Total rows of 1977-01 and 2023-01 land on the DESIGN.md security and measure."""
        assert value(s1, "Grand Total", "1977-01", "treasury_long_term", "gross_purchases") == 1632
        assert value(s1, "Grand Total", "1977-01", "equity", "gross_purchases") == 1430  # [4]
        assert value(s1, "Grand Total", "1977-01", "foreign_equity", "gross_sales") == 179  # [6]
        assert value(s1, "Grand Total", "1977-01", "treasury_long_term", "gross_sales") == 1122
        assert value(s1, "Grand Total", "1977-01", "foreign_bonds", "gross_purchases") == 858
        assert value(s1, "Grand Total", "2023-01", "agency", "gross_sales") == 93424  # [8]
        assert value(s1, "Grand Total", "2023-01", "foreign_equity", "gross_purchases") == 584779

    def test_it_covers_1977_to_2023(self, s1: pl.DataFrame) -> None:
        """Periods run from 1977-01 to 2023-01, the last month before Form SLT."""
        assert s1["period"].min() == date(1977, 1, 1)
        assert s1["period"].max() == date(2023, 1, 1)

    def test_it_classifies_rows(self, s1: pl.DataFrame) -> None:
        """Grand Total is 99996 / grand_total; regions, memos and quoted names keep their kind."""
        kinds = s1.select("country", "country_code", "row_kind", "holder").unique()
        grand_total = kinds.filter(pl.col("country") == "Grand Total")
        assert grand_total.rows() == [("Grand Total", 99996, "grand_total", "all")]
        kind_of = {country: kind for country, _, kind, _ in kinds.rows()}
        assert kind_of["Total Europe"] == "regional_total"
        assert kind_of["All Countries"] == "regional_total"
        assert kind_of["Memo: Euro Area"] == "memo"
        assert kind_of["China, Mainland"] == "country"
        korea = kinds.filter(pl.col("country") == "Korea, South")
        assert korea["country_code"].to_list() == [43001]

    def test_its_parts_add_up_to_the_totals(self, s1: pl.DataFrame) -> None:
        """Areas add up to All Countries, and All Countries plus Total IROs to the Grand Total,
        within rounding; the file itself misses the latter in two 2003-01 foreign bond cells."""
        key = ["period", "security", "measure"]

        def total(country: str) -> pl.DataFrame:
            rows = s1.filter(pl.col("country") == country)
            return rows.select(*key, pl.col("usd_millions").alias(country))

        areas = (
            s1.filter(pl.col("country").is_in(AREAS))
            .group_by(key)
            .agg(areas=pl.col("usd_millions").sum())
            .join(total("All Countries"), on=key)
        )
        assert areas.height == 553 * 12
        assert (areas["areas"] - areas["All Countries"]).abs().max() <= 2
        world = (
            total("Grand Total")
            .join(total("All Countries"), on=key)
            .join(total("Total IROs"), on=key)
        )
        gap = world["Grand Total"] - world["All Countries"] - world["Total IROs"]
        off = world.filter(gap.abs() > 2).sort(key).select(key).rows()
        assert off == [
            (date(2003, 1, 1), "foreign_bonds", "gross_purchases"),  # 112,933 vs 116,153 + 25
            (date(2003, 1, 1), "foreign_bonds", "gross_sales"),  # 118,224 vs 119,394 + 43
        ]

    def test_its_rows_are_unique(self, s1: pl.DataFrame) -> None:
        """No two rows share (period, country, country_code, security, measure, holder)."""
        assert s1.select(KEY).is_duplicated().sum() == 0


class TestLayoutTolerance:
    def test_it_parses_a_small_file(self) -> None:
        """It reads labels, codes, months and quoted values from a hand-made copy."""
        frame = parse_s1_globl(SMALL)
        assert frame.height == 3 * 12
        assert value(frame, "Austria", "2022-09", "foreign_bonds", "gross_sales") == 1480
        assert value(frame, "Korea, South", "2022-08", "foreign_equity", "gross_purchases") == (
            2013010
        )
        assert value(frame, "Grand Total", "2022-09", "equity", "gross_sales") == 100  # [10]
        assert sorted(frame["line_number"].unique().to_list()) == [7, 8, 9]

    def test_it_accepts_crlf_bom_and_lf_alike(self) -> None:
        """CRLF with a UTF-8 BOM gives the same rows as LF."""
        crlf = "\ufeff" + SMALL.replace("\n", "\r\n")
        assert parse_s1_globl(crlf).equals(parse_s1_globl(SMALL))

    def test_it_numbers_lines_across_blank_lines(self) -> None:
        """Blank lines, with or without tabs, are skipped but still counted."""
        text = TITLE + SIGNATURE + DASHES + "\n" + AUSTRIA + "\t\t\t\n\n" + GRAND_TOTAL + "\n\n"
        frame = parse_s1_globl(text)
        assert frame.filter(pl.col("country") == "Austria")["line_number"].unique().to_list() == [8]
        totals = frame.filter(pl.col("country") == "Grand Total")
        assert totals["line_number"].unique().to_list() == [11]

    def test_it_ignores_changed_title_lines(self) -> None:
        """Title lines may change; only the signature row matters."""
        text = "A new title\n\nAll amounts in millions\n" + SIGNATURE + DASHES + AUSTRIA
        assert parse_s1_globl(text).height == 12

    def test_it_refuses_a_header_without_data(self) -> None:
        """A header with no data rows below it is refused at the header's last line."""
        with pytest.raises(ParseError, match=r"^s1_globl\.txt line 6: no data rows"):
            parse_s1_globl(TITLE + SIGNATURE + DASHES + "\n")

    def test_it_accepts_a_header_without_dashes(self) -> None:
        """The dashes row under the signature is optional."""
        assert parse_s1_globl(TITLE + SIGNATURE + AUSTRIA).height == 12

    def test_it_keeps_not_available_as_null(self) -> None:
        """n.a. and empty cells become null, never 0; a real 0 stays 0."""
        frame = parse_s1_globl(TITLE + SIGNATURE + DASHES + AUSTRIA + NOT_AVAILABLE)
        october = frame.filter(pl.col("period") == date(2022, 10, 1))
        by_security = {
            security: amount
            for security, measure, amount in october.select(
                "security", "measure", "usd_millions"
            ).rows()
            if measure == "gross_purchases"
        }
        assert by_security["treasury_long_term"] is None  # [1] n.a.
        assert by_security["agency"] is None  # [2] empty
        assert by_security["corporate_bonds"] == 0.0  # [3]
        assert value(frame, "Austria", "2022-09", "foreign_bonds", "gross_sales") == 1480


class TestErrors:
    def test_it_refuses_a_file_without_the_signature(self) -> None:
        """A file whose header row changed is refused, naming the file."""
        text = TITLE + SIGNATURE.replace("month", "date") + DASHES + AUSTRIA
        with pytest.raises(ParseError, match=r"^s1_globl\.txt: header row .* not found"):
            parse_s1_globl(text)

    def test_it_refuses_a_row_with_missing_cells(self) -> None:
        """A data row with 14 cells is refused with its line number and the count found."""
        short = AUSTRIA.replace("\t94\n", "\n")
        with pytest.raises(ParseError, match=r"^form\.txt line 7: expected 15 .* found 14"):
            parse_s1_globl(SMALL.replace(AUSTRIA, short), "form.txt")

    def test_it_refuses_a_row_with_extra_cells(self) -> None:
        """A data row with 16 cells is refused with its line number."""
        long = AUSTRIA.replace("\t94\n", "\t94\t5\n")
        with pytest.raises(ParseError, match=r"^s1_globl\.txt line 8: expected 15 .* found 16"):
            parse_s1_globl(SMALL.replace(KOREA, long))

    def test_it_refuses_a_bad_month(self) -> None:
        """A month that is not YYYY-MM is refused with its line and cell."""
        with pytest.raises(ParseError, match=r"line 7: expected a month as YYYY-MM.*'2022-13'"):
            parse_s1_globl(SMALL.replace("2022-09", "2022-13", 1))

    def test_it_refuses_a_non_numeric_code(self) -> None:
        """A country code that is not a whole number is refused with its line."""
        with pytest.raises(ParseError, match=r"line 8: expected a whole-number code.*'AB'"):
            parse_s1_globl(SMALL.replace("43001", "AB"))

    def test_it_refuses_a_non_numeric_cell(self) -> None:
        """A value cell holding text is refused with its line, column and text."""
        text = SMALL.replace('"1,480"', '"about 1,480"')
        with pytest.raises(ParseError, match=r"line 7: column '\[5\]' holds 'about 1480'"):
            parse_s1_globl(text)
