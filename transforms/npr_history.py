"""TIC press-release history (npr_history.txt): the 32 summary lines of every month, millions.

No real copy has been seen. The layout follows ../shared/tic/README.md: title lines, then a
row of column numbers ``1 .. 32`` (the signature), then one tab-delimited row per month
labelled like ``2026-Jul``, newest first, back to 1978. Values stand as the press release
prints them; they are not turned to the sign convention of the ``flows`` view.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

import polars as pl

from transforms.common import (
    GRAND_TOTAL,
    GRAND_TOTAL_CODE,
    Line,
    ParseError,
    amounts_from_text,
    finish,
    iter_lines,
    trimmed,
)

SOURCE = "npr_history"
LINE_COUNT = 32
COLUMN_NUMBERS = [str(number) for number in range(1, LINE_COUNT + 1)]
MEASURES = [f"line_{number:02d}" for number in range(1, LINE_COUNT + 1)]

# Short labels, worded after the README's line list.
NPR_LINE_LABELS: dict[int, str] = {
    1: "Gross purchases of domestic U.S. securities",
    2: "Gross sales of domestic U.S. securities",
    3: "Domestic U.S. securities, net",
    4: "Private, net",
    5: "Private, Treasury, net",
    6: "Private, agency, net",
    7: "Private, corporate bonds, net",
    8: "Private, equity, net",
    9: "Official, net",
    10: "Official, Treasury, net",
    11: "Official, agency, net",
    12: "Official, corporate bonds, net",
    13: "Official, equity, net",
    14: "Gross purchases of foreign securities",
    15: "Gross sales of foreign securities",
    16: "Foreign securities, net",
    17: "Foreign bonds, net",
    18: "Foreign equities, net",
    19: "Net long-term securities transactions",
    20: "Other acquisitions of long-term securities, net",
    21: "Net foreign acquisition of long-term securities",
    22: "Change in foreign holdings of short-term U.S. securities and custody liabilities",
    23: "Treasury bills",
    24: "Treasury bills, private",
    25: "Treasury bills, official",
    26: "Other negotiable instruments",
    27: "Other negotiable instruments, private",
    28: "Other negotiable instruments, official",
    29: "Change in banks' own net dollar liabilities",
    30: "Monthly net TIC flows",
    31: "Monthly net TIC flows, private",
    32: "Monthly net TIC flows, official",
}
PRIVATE_LINES = frozenset({4, 5, 6, 7, 8, 24, 27, 31})
OFFICIAL_LINES = frozenset({9, 10, 11, 12, 13, 25, 28, 32})
HOLDER_BY_MEASURE = {
    measure: "private"
    if number in PRIVATE_LINES
    else "official"
    if number in OFFICIAL_LINES
    else "all"
    for number, measure in enumerate(MEASURES, start=1)
}

MONTH_LABEL = re.compile(r"^(\d{4})-([A-Za-z]{3})$")
MONTHS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
        start=1,
    )
}


def parse_npr_history(text: str, file_name: str = "npr_history.txt") -> pl.DataFrame:
    """Tidy rows (PARSED_SCHEMA), one per month and summary line, in millions."""
    lines = iter_lines(text)
    number_row = _find_number_row(lines, file_name)
    rows = list(_month_rows(lines, file_name))
    if not rows:
        raise ParseError(
            file_name,
            number_row.number,
            "no month rows like '2026-Jul' below the column-number row",
        )
    schema = {"line_number": pl.Int32, "period": pl.Date} | dict.fromkeys(MEASURES, pl.Utf8)
    wide = pl.DataFrame(rows, schema=schema, orient="row")
    long = amounts_from_text(wide, MEASURES, file_name).unpivot(
        on=MEASURES,
        index=["line_number", "period"],
        variable_name="measure",
        value_name="usd_millions",
    )
    return finish(
        long.with_columns(
            source=pl.lit(SOURCE),
            dataset=pl.lit("npr_summary"),
            country=pl.lit(GRAND_TOTAL),
            country_code=pl.lit(GRAND_TOTAL_CODE),
            row_kind=pl.lit("summary_line"),
            security=pl.lit("all"),
            holder=pl.col("measure").replace_strict(HOLDER_BY_MEASURE),
        )
    )


def _cells(line: Line) -> list[str]:
    """Cells without surrounding blanks or quotes."""
    return [cell.strip().strip('"').strip() for cell in line.cells()]


def _find_number_row(lines: Iterator[Line], file_name: str) -> Line:
    """Consume title lines up to the ``1 .. 32`` row: an optional label cell, then 1 to 32."""
    for line in lines:
        cells = trimmed(_cells(line))
        numbers = cells[1:] if cells and not cells[0].isdigit() else cells
        if numbers == COLUMN_NUMBERS:
            return line
        if len(numbers) > 2 and numbers == [str(n) for n in range(1, len(numbers) + 1)]:
            raise ParseError(
                file_name,
                line.number,
                f"the column-number row runs 1 .. {len(numbers)}, expected 1 .. 32",
            )
        if cells and MONTH_LABEL.match(cells[0]):
            raise ParseError(
                file_name, line.number, "month row found before the column-number row 1 .. 32"
            )
    raise ParseError(file_name, None, "column-number row 1 .. 32 not found")


def _month_rows(lines: Iterator[Line], file_name: str) -> Iterator[list[object]]:
    """[line_number, period, 32 text cells] per month row; blank and note lines skipped."""
    seen: dict[date, int] = {}
    for line in lines:
        cells = _cells(line)
        filled = [cell for cell in cells if cell]
        if not filled or (len(filled) == 1 and not MONTH_LABEL.match(cells[0])):
            continue  # a note, such as a footnote, holds text in one cell only
        period = _period(cells[0], file_name, line.number)
        values = cells[1:]
        if len(values) > LINE_COUNT and not any(values[LINE_COUNT:]):
            values = values[:LINE_COUNT]  # trailing tabs
        if len(values) != LINE_COUNT:
            raise ParseError(
                file_name,
                line.number,
                f"expected {LINE_COUNT} values after the month label, found {len(values)}",
            )
        if period in seen:
            raise ParseError(
                file_name,
                line.number,
                f"month {cells[0]} appears twice (also on line {seen[period]})",
            )
        seen[period] = line.number
        yield [line.number, period, *values]


def _period(label: str, file_name: str, line_number: int) -> date:
    """First day of the month a label like ``2026-Jul`` names."""
    match = MONTH_LABEL.match(label)
    month = MONTHS.get(match.group(2).lower()) if match else None
    if match is None or month is None:
        raise ParseError(
            file_name,
            line_number,
            f"expected a month label like '2026-Jul' in the first cell, found {label!r}",
        )
    return date(int(match.group(1)), month, 1)
