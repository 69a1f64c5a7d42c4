"""What the Major Foreign Holders (MFH) tables share: Table 5, the history (mfhhis01) and the
legacy fixed-width mfh.txt.

Every MFH table is wide: one row per holder, one column per month, newest first, in billions.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import polars as pl

from transforms.common import (
    GRAND_TOTAL,
    GRAND_TOTAL_CODE,
    Line,
    ParseError,
    add_months,
    billions_to_millions,
    classify_row,
    clean_country_name,
    is_blank,
    iter_lines,
    parse_amount,
    to_frame,
    trimmed,
)

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
COUNTRY_GROUPS = frozenset({"Oil Exporters", "Carib Bnkng Ctrs"})
# The Grand Total's official part and its split, as the MFH files label them
# (Table 5 spells out "Of Which: Foreign Official ..."; the others indent under "Of which:").
OFFICIAL_SECURITIES = {
    "foreign official": "treasury",
    "for. official": "treasury",
    "foreign official treasury bills": "treasury_bills",
    "treasury bills": "treasury_bills",
    "foreign official t-bonds & notes": "treasury_bonds_notes",
    "t-bonds & notes": "treasury_bonds_notes",
}


@dataclass(frozen=True)
class MonthColumn:
    period: date
    comparison: bool = False  # a series-break month "shown for comparison only"


@dataclass(frozen=True)
class Holder:
    country: str
    country_code: int | None
    holder: str
    security: str
    row_kind: str


HeaderReader = Callable[[list[Line], int, str], list[MonthColumn]]


def mfh_holder(label: str) -> Holder:
    """Who a row label is: a country, a group, All Other, the Grand Total or its official part."""
    name = clean_country_name(label)
    key = " ".join(name.lower().removeprefix("of which:").split())
    if key in OFFICIAL_SECURITIES:
        return Holder(
            GRAND_TOTAL, GRAND_TOTAL_CODE, "official", OFFICIAL_SECURITIES[key], "holder_split"
        )
    if name in COUNTRY_GROUPS:
        return Holder(name, None, "all", "treasury", "country_group")
    country, code, holder, row_kind = classify_row(name, None)
    return Holder(country, code, holder, "treasury", row_kind)


def month_columns(
    periods: list[date], file_name: str, line_number: int, *, series_breaks: bool = False
) -> list[MonthColumn]:
    """Columns one month apart, newest first. With ``series_breaks`` a month may appear twice
    in a row: the first continues the series, the second is the comparison-only estimate."""
    if not periods:
        raise ParseError(file_name, line_number, "the 'Country' row has no month columns")
    columns = [MonthColumn(periods[0])]
    for position, period in enumerate(periods[1:], start=2):
        last = columns[-1]
        expected = add_months(last.period, -1)
        if series_breaks and period == last.period and not last.comparison:
            columns.append(MonthColumn(period, comparison=True))
        elif period == expected:
            columns.append(MonthColumn(period))
        else:
            raise ParseError(
                file_name,
                line_number,
                f"month column {position} is {period:%Y-%m} after {last.period:%Y-%m}; "
                f"expected {expected:%Y-%m} (one month per column, newest first)",
            )
    return columns


def periods_from_names(
    months: list[str], years: list[str], file_name: str, line_number: int
) -> list[date]:
    """Dates from a month-name row (``Dec Nov ...``) and the year row below it."""
    if len(months) != len(years):
        raise ParseError(
            file_name, line_number, f"{len(years)} years under {len(months)} month names"
        )
    for year in years:
        if not re.fullmatch(r"\d{4}", year):
            raise ParseError(file_name, line_number, f"{year!r} is not a year (expected YYYY)")
    pairs = zip(months, years, strict=True)
    return [date(int(year), MONTHS.index(month) + 1, 1) for month, year in pairs]


def month_names(cells: list[str]) -> list[str] | None:
    """The month names of a month-name row (``Dec Nov ... Jan``), None for any other row."""
    filled = trimmed(cells)
    return filled if filled and all(cell in MONTHS for cell in filled) else None


def is_number(cell: str) -> bool:
    try:
        float(cell.strip().strip('"').replace(",", ""))
    except ValueError:
        return False
    return True


def holding_rows(
    source: str,
    line_number: int,
    label: str,
    columns: list[MonthColumn],
    amounts: list[float | None],
) -> list[dict[str, object]]:
    """One PARSED_SCHEMA row per month cell of a holder's row."""
    holder = mfh_holder(label)
    return [
        {
            "source": source,
            "line_number": line_number,
            "dataset": "holdings",
            "period": column.period,
            "country": holder.country,
            "country_code": holder.country_code,
            "row_kind": "series_break_comparison" if column.comparison else holder.row_kind,
            "security": holder.security,
            "holder": holder.holder,
            "measure": "holdings",
            "usd_millions": billions_to_millions(amount),
        }
        for column, amount in zip(columns, amounts, strict=True)
    ]


def tab_amounts(
    cells: list[str], width: int, file_name: str, line_number: int
) -> list[float | None]:
    """The ``width`` numbers after a row's label; empty cells beyond them are tab padding."""
    count = len(cells) if len(cells) < width else max(width, len(trimmed(cells)))
    if count != width:
        raise ParseError(
            file_name,
            line_number,
            f"{count} value cells where the 'Country' header has {width} months",
        )
    return [parse_amount(cell, file_name, line_number) for cell in cells[:width]]


def parse_wide_tab(
    text: str, source: str, file_name: str, read_header: HeaderReader
) -> pl.DataFrame:
    """Tab-delimited MFH blocks: a ``Country`` header row (read by ``read_header``), then one
    row per holder. Title, note and ``Of which:`` lines carry no numbers and are passed over."""
    lines = [line for line in iter_lines(text) if not is_blank(line)]
    rows: list[dict[str, object]] = []
    columns: list[MonthColumn] | None = None
    header: Line | None = None
    seen: set[date] = set()
    for index, line in enumerate(lines):
        label, *cells = line.cells()
        if label.casefold() == "country":
            columns, header = read_header(lines, index, file_name), line
            _check_new_months(columns, seen, line, file_name)
        elif not label:
            _check_unlabeled(lines, index, file_name)
        elif any(cells):
            if columns is None:
                raise ParseError(
                    file_name,
                    line.number,
                    f"row {label!r} comes before any 'Country' header row of month columns",
                )
            amounts = tab_amounts(cells, len(columns), file_name, line.number)
            rows += holding_rows(source, line.number, label, columns, amounts)
    if header is None:
        raise ParseError(file_name, None, "no 'Country' header row with month columns found")
    if not rows:
        raise ParseError(file_name, header.number, "no data rows below the 'Country' header row")
    return to_frame(rows)


def _check_new_months(
    columns: list[MonthColumn], seen: set[date], line: Line, file_name: str
) -> None:
    """A month may head only one block, or its rows would land twice."""
    for column in columns:
        if not column.comparison and column.period in seen:
            raise ParseError(
                file_name, line.number, f"month {column.period:%Y-%m} already had a column above"
            )
        seen.add(column.period)


def _check_unlabeled(lines: list[Line], index: int, file_name: str) -> None:
    """Unlabeled rows are headings (titles, Series, dashes, month names), never numbers."""
    line = lines[index]
    cells = line.cells()[1:]
    numbers = [cell for cell in cells if is_number(cell)]
    if numbers:
        raise ParseError(
            file_name,
            line.number,
            f"a row with numbers ({numbers[0]!r}, ...) has no label in its first cell",
        )
    if month_names(cells) is not None:
        below = lines[index + 1] if index + 1 < len(lines) else None
        if below is None or below.cells()[0].casefold() != "country":
            raise ParseError(
                file_name,
                below.number if below else line.number,
                f"expected the 'Country' row of years below the month names on line {line.number}",
            )
