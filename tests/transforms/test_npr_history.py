"""parse_npr_history: the press-release history, from hand-made files (no real copy exists)."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from transforms.common import PARSED_SCHEMA, ParseError
from transforms.npr_history import NPR_LINE_LABELS, parse_npr_history


def tabbed(words: str) -> str:
    """One tab-delimited line from space-separated cells."""
    return "\t".join(words.split(" ")) + "\n"


TITLE = (
    "TIC monthly reports on Cross-Border Portfolio Financial Flows\n"
    "(Millions of dollars, not seasonally adjusted)\n"
)
NUMBER_ROW = (
    "\t1\t2\t3\t4\t5\t6\t7\t8\t9\t10\t11\t12\t13\t14\t15\t16"
    "\t17\t18\t19\t20\t21\t22\t23\t24\t25\t26\t27\t28\t29\t30\t31\t32\n"
)
JUL_2026 = tabbed(
    '2026-Jul "1,234,567" 1,200,000 34567 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29'
    " 30 31 32 33 34 35 36 -37 38 39"
)
JUN_2026 = tabbed(
    "2026-Jun 101 102 103 104 105 106 107 108 -109 110 111 112 113 114 115 116 117 118 119 120"
    " 121 122 123 124 125 126 127 128 129 130 131 132"
)
MAY_2026 = tabbed(
    "2026-May 201 202 203 204 205 206 207 208 209 210 211 212 213 214 215 216 217 218 219 220"
    " 221 n.a. 223 224 225 226 227 228 229 230 231 232"
)
THREE_MONTHS = TITLE + NUMBER_ROW + JUL_2026 + JUN_2026 + MAY_2026  # data on lines 4, 5, 6

NUMBER_ROW_31 = NUMBER_ROW.replace("\t32\n", "\n")
JUL_2026_31_VALUES = JUL_2026.replace("\t39\n", "\n")
FOOTNOTE = "1/ Lines 23-28 are restated from 2023 onward.\n"

# The README's line list: which lines belong to private and to official holders.
PRIVATE_LINES = {4, 5, 6, 7, 8, 24, 27, 31}
OFFICIAL_LINES = {9, 10, 11, 12, 13, 25, 28, 32}


def amount(frame: pl.DataFrame, period: date, line: int) -> float | None:
    cell = frame.filter((pl.col("period") == period) & (pl.col("measure") == f"line_{line:02d}"))
    assert cell.height == 1
    return cell["usd_millions"][0]


class TestParse:
    def test_it_returns_one_row_per_month_and_line(self) -> None:
        """Three months of 32 lines give 96 rows with the shared schema."""
        frame = parse_npr_history(THREE_MONTHS)
        assert frame.schema == pl.Schema(PARSED_SCHEMA)
        assert frame.height == 96
        assert frame.select("period", "measure").is_duplicated().sum() == 0

    def test_it_labels_rows_as_grand_total_summary_lines(self) -> None:
        """Every row is an npr_summary value of the Grand Total (99996), security all."""
        frame = parse_npr_history(THREE_MONTHS)
        constants = frame.select(
            "source", "dataset", "country", "country_code", "row_kind", "security"
        ).unique()
        assert constants.rows() == [
            ("npr_history", "npr_summary", "Grand Total", 99996, "summary_line", "all")
        ]

    def test_it_reads_months_and_values(self) -> None:
        """Month labels become first days; quoted thousands, negatives and n.a. are read."""
        frame = parse_npr_history(THREE_MONTHS)
        july, june, may = date(2026, 7, 1), date(2026, 6, 1), date(2026, 5, 1)
        assert amount(frame, july, 1) == 1234567
        assert amount(frame, july, 2) == 1200000
        assert amount(frame, july, 3) == 34567
        assert amount(frame, july, 30) == -37
        assert amount(frame, july, 32) == 39
        assert amount(frame, june, 9) == -109
        assert amount(frame, may, 22) is None
        assert amount(frame, may, 23) == 223

    def test_it_keeps_line_numbers(self) -> None:
        """Each value carries the file line of its month row."""
        frame = parse_npr_history(THREE_MONTHS)
        lines = frame.select("period", "line_number").unique().sort("line_number")
        assert lines.rows() == [(date(2026, 7, 1), 4), (date(2026, 6, 1), 5), (date(2026, 5, 1), 6)]

    def test_it_assigns_holders_from_the_line_list(self) -> None:
        """Private and official lines follow the README; every other line is holder all."""
        frame = parse_npr_history(THREE_MONTHS).filter(pl.col("period") == date(2026, 7, 1))
        holder_of = dict(frame.select("measure", "holder").rows())
        for line in range(1, 33):
            expected = (
                "private"
                if line in PRIVATE_LINES
                else "official"
                if line in OFFICIAL_LINES
                else "all"
            )
            assert holder_of[f"line_{line:02d}"] == expected, line

    def test_it_names_every_line(self) -> None:
        """NPR_LINE_LABELS has a label for each of lines 1 to 32."""
        assert sorted(NPR_LINE_LABELS) == list(range(1, 33))
        assert NPR_LINE_LABELS[1] == "Gross purchases of domestic U.S. securities"
        assert NPR_LINE_LABELS[30] == "Monthly net TIC flows"
        assert all(label.strip() for label in NPR_LINE_LABELS.values())


class TestTolerance:
    def test_it_accepts_crlf_and_a_bom(self) -> None:
        """CRLF line ends and a UTF-8 BOM give the same rows."""
        crlf = "\ufeff" + THREE_MONTHS.replace("\n", "\r\n")
        assert parse_npr_history(crlf).equals(parse_npr_history(THREE_MONTHS))

    def test_it_accepts_a_labelled_or_unlabelled_number_row(self) -> None:
        """The number row may name its label column or leave it out."""
        labelled = TITLE + "Month" + NUMBER_ROW + JUL_2026
        unlabelled = TITLE + NUMBER_ROW.removeprefix("\t") + JUL_2026
        assert amount(parse_npr_history(labelled), date(2026, 7, 1), 30) == -37
        assert amount(parse_npr_history(unlabelled), date(2026, 7, 1), 30) == -37

    def test_it_skips_blank_lines_trailing_tabs_and_notes(self) -> None:
        """Blank lines, trailing empty cells and a footnote below the data are not data."""
        text = (
            "\n"
            + TITLE
            + "\n"
            + NUMBER_ROW.replace("\n", "\t\t\n")
            + "\n"
            + JUL_2026.replace("\n", "\t\n")
            + "\t\t\n"
            + JUN_2026
            + "\n"
            + FOOTNOTE
        )
        frame = parse_npr_history(text)
        assert frame.height == 64
        assert sorted(frame["line_number"].unique().to_list()) == [7, 9]

    def test_it_reads_quoted_month_labels(self) -> None:
        """A month label in quotes is still a month label."""
        frame = parse_npr_history(TITLE + NUMBER_ROW + JUL_2026.replace("2026-Jul", '"2026-Jul"'))
        assert frame["period"].unique().to_list() == [date(2026, 7, 1)]


class TestErrors:
    def test_it_refuses_31_columns(self) -> None:
        """A number row 1 .. 31 is a different layout: refused at that line."""
        text = TITLE + NUMBER_ROW_31 + JUL_2026_31_VALUES
        with pytest.raises(ParseError, match=r"^npr_history\.txt line 3: .* runs 1 \.\. 31"):
            parse_npr_history(text)

    def test_it_refuses_a_file_without_the_number_row(self) -> None:
        """Month rows with no number row above them are refused at the first month row."""
        with pytest.raises(ParseError, match=r"^npr_history\.txt line 3: month row found before"):
            parse_npr_history(TITLE + JUL_2026 + JUN_2026)

    def test_it_refuses_a_file_with_no_signature_at_all(self) -> None:
        """A file with neither number row nor month rows is refused by name."""
        with pytest.raises(ParseError, match=r"^other\.txt: column-number row 1 \.\. 32 not found"):
            parse_npr_history(TITLE, "other.txt")

    def test_it_refuses_a_bad_month_label(self) -> None:
        """A data row whose first cell is not like 2026-Jul is refused at its line."""
        text = TITLE + NUMBER_ROW + JUL_2026 + JUN_2026.replace("2026-Jun", "2026-Jux")
        with pytest.raises(ParseError, match=r"^npr_history\.txt line 5: .* found '2026-Jux'"):
            parse_npr_history(text)

    def test_it_refuses_a_non_numeric_cell(self) -> None:
        """A value cell holding text is refused with its line and summary line."""
        text = TITLE + NUMBER_ROW + JUL_2026 + JUN_2026.replace("\t107\t", "\t10 7\t")
        with pytest.raises(ParseError, match=r"^npr_history\.txt line 5: column 'line_07' holds"):
            parse_npr_history(text)

    def test_it_refuses_a_row_with_31_values(self) -> None:
        """A month row one value short is refused at its line."""
        text = TITLE + NUMBER_ROW + JUL_2026_31_VALUES
        with pytest.raises(ParseError, match=r"^npr_history\.txt line 4: expected 32 values.*31"):
            parse_npr_history(text)

    def test_it_refuses_a_repeated_month(self) -> None:
        """The same month twice is refused at the second one."""
        with pytest.raises(ParseError, match=r"line 5: month 2026-Jul appears twice"):
            parse_npr_history(TITLE + NUMBER_ROW + JUL_2026 + JUL_2026)

    def test_it_refuses_a_number_row_without_data(self) -> None:
        """A number row with no month rows below is refused at the number row."""
        with pytest.raises(ParseError, match=r"line 3: no month rows"):
            parse_npr_history(TITLE + NUMBER_ROW)
