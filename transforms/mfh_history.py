"""Major Foreign Holders history (mfhhis01.txt): one block per year, newest first, billions.

Each block's signature is two rows: month names (``Dec Nov ... Jan``), then ``Country`` and a
year under every month. Before 2012 a series-break month appears twice; the first column
continues the series and the second, "shown for comparison only", lands with row_kind
``series_break_comparison``. The earliest block starts at the March 2000 break.
"""

from __future__ import annotations

import polars as pl

from transforms.common import Line, ParseError, trimmed
from transforms.mfh_common import (
    MonthColumn,
    month_columns,
    month_names,
    parse_wide_tab,
    periods_from_names,
)

SOURCE = "mfhhis01"


def _history_header(lines: list[Line], index: int, file_name: str) -> list[MonthColumn]:
    header = lines[index]
    above = lines[index - 1] if index else None
    months = month_names(above.cells()[1:]) if above and not above.cells()[0] else None
    if months is None:
        raise ParseError(
            file_name,
            header.number,
            "expected a row of month names (Dec, Nov, ...) just above 'Country'",
        )
    years = trimmed(header.cells()[1:])
    periods = periods_from_names(months, years, file_name, header.number)
    return month_columns(periods, file_name, header.number, series_breaks=True)


def parse_mfhhis01(text: str, file_name: str = "mfhhis01.txt") -> pl.DataFrame:
    """The MFH history as tidy rows in PARSED_SCHEMA, billions converted to millions."""
    return parse_wide_tab(text, SOURCE, file_name, _history_header)
