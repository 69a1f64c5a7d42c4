"""Rewrite a real Treasury file the ways other real copies of it differ (../shared/tic README):
titles a column further left, whole numbers without ``.0``, LF endings, no trailing blank
lines, no final line break. Each rewrite keeps every value and every line number."""

from __future__ import annotations

import re
from collections.abc import Callable

Variant = Callable[[str, bytes], bytes]  # (file name, bytes) -> bytes

_TAB_WHOLE = re.compile(rb"(?<=[\t])(-?\d+)\.0(?=[\t\r\n]|$)")
_FIXED_WHOLE = re.compile(rb"(?<= )(-?\d+)\.0(?=[ \r\n]|$)")
# The first line of the table each family's parser recognises: titles are the lines above it.
HEADER_START = {
    "mfh.txt": rb"Country ",
    "mfhhis01.txt": rb"\tDec\t",
    "s1_globl.txt": rb"name\tcode\tmonth",
    "slt_table5.txt": rb"Country\t",
    "npr_history.txt": rb"[^\r\n]*\t1\t2\t3\t",
}


def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True)


def lf_endings(file_name: str, data: bytes) -> bytes:
    return data.replace(b"\r\n", b"\n")


def _is_blank(line: bytes) -> bool:
    return not line.replace(b"\t", b"").strip()


def no_trailing_blank_lines(file_name: str, data: bytes) -> bytes:
    lines = _lines(data)
    while lines and _is_blank(lines[-1]):
        lines.pop()
    return b"".join(lines)


def no_final_line_break(file_name: str, data: bytes) -> bytes:
    return no_trailing_blank_lines(file_name, data).rstrip(b"\r\n")


def whole_numbers_without_decimal(file_name: str, data: bytes) -> bytes:
    """``1196.0`` printed as ``1196``; right-aligned in the fixed-width mfh.txt."""
    if file_name == "mfh.txt":
        return _FIXED_WHOLE.sub(lambda m: b"  " + m[1], data)
    return _TAB_WHOLE.sub(lambda m: m[1], data)


def titles_one_column_left(file_name: str, data: bytes) -> bytes:
    """Title lines above the table start one cell (tab files) or eight characters (mfh.txt)
    further left, where they are indented at all."""
    lines = _lines(data)
    start = HEADER_START.get(file_name)
    if start is None:  # SLT Tables 1 to 4: titles already start in the first cell
        return data
    header = next(i for i, line in enumerate(lines) if re.match(start, line))
    if file_name == "mfh.txt":
        header -= 1  # the month-name row above "Country" belongs to the table
    shifted = [
        _shift_left(file_name, line) if not _is_blank(line) else line for line in lines[:header]
    ]
    return b"".join(shifted + lines[header:])


def _shift_left(file_name: str, line: bytes) -> bytes:
    if file_name == "mfh.txt":
        return line[8:] if line.startswith(b" " * 8) else line
    return line[1:] if line.startswith(b"\t") else line


VARIANTS: dict[str, Variant] = {
    "titles one column left": titles_one_column_left,
    "whole numbers without .0": whole_numbers_without_decimal,
    "LF endings": lf_endings,
    "no trailing blank lines": no_trailing_blank_lines,
    "no final line break": no_final_line_break,
}


def every_variant(file_name: str, data: bytes) -> bytes:
    """All the variants at once."""
    for variant in VARIANTS.values():
        data = variant(file_name, data)
    return data
