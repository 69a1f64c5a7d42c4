"""Legacy Major Foreign Holders table (mfh.txt): fixed-width, billions, frozen since 2023-03.

The signature is a month-name row (``Jan  Dec  Nov ...``) above ``Country  2023  2022 ...``.
The years' right edges fix the columns: each number must sit inside one month's column.
Prose below the table (the issuer line, footnotes) ends it; numbers after that are refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

import polars as pl

from transforms.common import (
    NOT_AVAILABLE,
    Line,
    ParseError,
    is_blank,
    iter_lines,
    parse_amount,
    to_frame,
)
from transforms.mfh_common import (
    MonthColumn,
    holding_rows,
    is_number,
    month_columns,
    month_names,
    periods_from_names,
)

SOURCE = "mfh"
_COLUMN_WIDTH = 8  # characters per month in mfh.txt; used only when a single month is printed
_TOKEN = re.compile(r"\S+")


@dataclass(frozen=True)
class Layout:
    columns: list[MonthColumn]
    spans: list[tuple[int, int]]  # [start, end) characters of each month column
    header_line: int


def _layout(lines: list[Line], index: int, file_name: str) -> Layout:
    header = lines[index]
    years = list(_TOKEN.finditer(header.text))[1:]
    months = month_names(lines[index - 1].text.split()) if index else None
    if months is None:
        raise ParseError(
            file_name,
            header.number,
            "expected a row of month names (Jan, Dec, ...) just above 'Country'",
        )
    periods = periods_from_names(months, [year[0] for year in years], file_name, header.number)
    columns = month_columns(periods, file_name, header.number)
    ends = [year.end() for year in years]
    width = min((b - a for a, b in pairwise(ends)), default=_COLUMN_WIDTH)
    starts = [ends[0] - width, *ends[:-1]]
    return Layout(columns, list(zip(starts, ends, strict=True)), header.number)


def _find_layout(lines: list[Line], file_name: str) -> tuple[int, Layout]:
    """Index of the ``Country`` row and the columns it fixes."""
    for index, line in enumerate(lines):
        if _is_country_row(line):
            return index, _layout(lines, index, file_name)
        below = lines[index + 1] if index + 1 < len(lines) else None
        if month_names(line.text.split()) and not _is_country_row(below):
            raise ParseError(
                file_name,
                below.number if below else line.number,
                f"expected the 'Country' row of years below the month names on line {line.number}",
            )
    raise ParseError(file_name, None, "no month-name row followed by a 'Country' row of years")


def _is_country_row(line: Line | None) -> bool:
    return line is not None and line.text.split()[0].casefold() == "country"


def _split(line: Line, layout: Layout) -> tuple[str, list[re.Match[str]]]:
    """The row label (text left of the first month column) and the tokens right of it."""
    label_end = layout.spans[0][0]
    values = [token for token in _TOKEN.finditer(line.text) if token.end() > label_end]
    label_end = min(label_end, values[0].start()) if values else len(line.text)
    return line.text[:label_end].strip(), values


def _is_amount(token: str) -> bool:
    return is_number(token) or token.lower() in NOT_AVAILABLE


def _amounts(
    tokens: list[re.Match[str]], layout: Layout, file_name: str, line_number: int
) -> list[float | None]:
    cells = [""] * len(layout.spans)
    for token in tokens:
        column = next(
            (
                i
                for i, (start, end) in enumerate(layout.spans)
                if start <= token.start() and token.end() <= end
            ),
            None,
        )
        if column is None or cells[column]:
            raise ParseError(
                file_name,
                line_number,
                f"{token[0]!r} at characters {token.start() + 1}-{token.end()} is not inside "
                f"one month column of the 'Country' row on line {layout.header_line}",
            )
        cells[column] = token[0]
    return [parse_amount(cell, file_name, line_number) for cell in cells]


def parse_mfh_txt(text: str, file_name: str = "mfh.txt") -> pl.DataFrame:
    """The legacy MFH table as tidy rows in PARSED_SCHEMA, billions converted to millions."""
    lines = [line for line in iter_lines(text) if not is_blank(line)]
    start, layout = _find_layout(lines, file_name)
    rows: list[dict[str, object]] = []
    prose_from: int | None = None
    for line in lines[start + 1 :]:
        label, tokens = _split(line, layout)
        if not any(_is_amount(token[0]) for token in tokens):
            if prose_from is None and rows and tokens:
                prose_from = line.number  # text across the columns: the notes have begun
            continue
        if prose_from is not None:
            raise ParseError(
                file_name, line.number, f"numbers below the notes that start on line {prose_from}"
            )
        if not label:
            raise ParseError(file_name, line.number, "a row with numbers has no label")
        amounts = _amounts(tokens, layout, file_name, line.number)
        rows += holding_rows(SOURCE, line.number, label, layout.columns, amounts)
    if not rows:
        raise ParseError(file_name, layout.header_line, "no data rows below the 'Country' row")
    return to_frame(rows)
