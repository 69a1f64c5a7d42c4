"""Table 5, Major Foreign Holders of Treasury Securities (slt_table5.txt).

Its signature is the ``Country  2026-04  2026-03 ...`` row: one column per month, newest first.
"""

from __future__ import annotations

import re
from datetime import date

import polars as pl

from transforms.common import Line, ParseError, trimmed
from transforms.mfh_common import MonthColumn, month_columns, parse_wide_tab

SOURCE = "slt_table5"
_YEAR_MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")


def _table5_header(lines: list[Line], index: int, file_name: str) -> list[MonthColumn]:
    line = lines[index]
    periods = []
    for cell in trimmed(line.cells()[1:]):
        match = _YEAR_MONTH.fullmatch(cell)
        if match is None:
            raise ParseError(
                file_name, line.number, f"header cell {cell!r} is not a month (expected YYYY-MM)"
            )
        periods.append(date(int(match[1]), int(match[2]), 1))
    return month_columns(periods, file_name, line.number)


def parse_slt_table5(text: str, file_name: str = "slt_table5.txt") -> pl.DataFrame:
    """Table 5 as tidy rows in PARSED_SCHEMA, billions converted to millions."""
    return parse_wide_tab(text, SOURCE, file_name, _table5_header)
