"""Legacy Form S: gross purchases and sales by foreigners, by country and security (s1_globl.txt).

The file is tab-delimited: title lines, a header block ending with the signature row
``name code month [1] .. [12]`` and a row of dashes, then one row per country and month.
Form SLT replaced Form S from 2023-02, so the file stops at 2023-01.
"""

from __future__ import annotations

import polars as pl

from transforms.common import (
    Line,
    ParseError,
    amounts_from_text,
    classify_frame,
    finish,
    trimmed,
)

SOURCE = "s1_globl"
LABEL_COLUMNS = ("label", "label_code", "month")
VALUE_COLUMNS = tuple(f"[{number}]" for number in range(1, 13))
HEADER_SIGNATURE = ("name", "code", "month", *VALUE_COLUMNS)

# [1]-[6] are gross purchases by foreigners, [7]-[12] gross sales by foreigners. For foreign
# securities the holder is the U.S. resident, so purchases and sales swap (DESIGN.md).
COLUMN_MEANINGS: dict[str, tuple[str, str]] = {
    "[1]": ("treasury_long_term", "gross_purchases"),
    "[2]": ("agency", "gross_purchases"),
    "[3]": ("corporate_bonds", "gross_purchases"),
    "[4]": ("equity", "gross_purchases"),
    "[5]": ("foreign_bonds", "gross_sales"),
    "[6]": ("foreign_equity", "gross_sales"),
    "[7]": ("treasury_long_term", "gross_sales"),
    "[8]": ("agency", "gross_sales"),
    "[9]": ("corporate_bonds", "gross_sales"),
    "[10]": ("equity", "gross_sales"),
    "[11]": ("foreign_bonds", "gross_purchases"),
    "[12]": ("foreign_equity", "gross_purchases"),
}
ROW_COLUMNS = ("line_number", "period", "country", "country_code", "holder", "row_kind")


def parse_s1_globl(text: str, file_name: str = "s1_globl.txt") -> pl.DataFrame:
    """Tidy rows (PARSED_SCHEMA) for every numeric cell of s1_globl.txt, in millions."""
    # Split once, exactly as iter_lines does: a second pass would cost a tenth of the parse.
    lines = text.removeprefix("\ufeff").splitlines()
    header_end = _header_end(lines, file_name)
    cells = _split_cells(lines[header_end:], header_end + 1, file_name)
    wide = classify_frame(_amounts(_typed_labels(cells, file_name), file_name))
    long = pl.concat(
        wide.select(
            *ROW_COLUMNS,
            security=pl.lit(security),
            measure=pl.lit(measure),
            usd_millions=pl.col(column),
        )
        for column, (security, measure) in COLUMN_MEANINGS.items()
    )
    return finish(long.with_columns(source=pl.lit(SOURCE), dataset=pl.lit("flows")))


def _header_end(texts: list[str], file_name: str) -> int:
    """Number of the last header line: the dashes row under the signature, else the signature."""
    lines = (Line(number, text) for number, text in enumerate(texts, start=1))
    for line in lines:
        cells = trimmed(line.cells())
        if tuple(cell.lower() for cell in cells) != HEADER_SIGNATURE:
            continue
        for after in lines:
            cells = [cell for cell in after.cells() if cell]
            if cells:
                is_dashes = all(set(cell) == {"-"} for cell in cells)
                return after.number if is_dashes else after.number - 1
        return line.number
    raise ParseError(
        file_name,
        None,
        "header row 'name code month [1] .. [12]' not found; expected it "
        "above the data rows of Form S gross purchases and sales",
    )


def _split_cells(block: list[str], first_number: int, file_name: str) -> pl.DataFrame:
    """Data lines as 15 text cells plus their 1-based ``line_number``; blank lines dropped."""
    names = [*LABEL_COLUMNS, *VALUE_COLUMNS]
    lines = (
        pl.DataFrame({"text": block}, schema={"text": pl.Utf8})
        .with_row_index("line_number", offset=first_number)
        .filter(pl.col("text").str.strip_chars() != "")
    )
    if lines.is_empty():
        raise ParseError(file_name, first_number - 1, "no data rows below the header row")
    # splitn leaves any extra cells, tabs included, in the last field.
    cells = lines.select(
        pl.col("line_number").cast(pl.Int32),
        pl.col("text").str.splitn("\t", len(names)).struct.rename_fields(names),
    ).unnest("text")
    last = pl.col(names[-1])
    wrong = cells.filter(last.is_null() | last.str.contains("\t", literal=True))
    if wrong.height:
        line_number = wrong["line_number"][0]
        found = lines.filter(pl.col("line_number") == line_number)["text"][0].count("\t") + 1
        raise ParseError(
            file_name,
            line_number,
            f"expected {len(names)} tab-separated cells "
            f"(name, code, month, [1] .. [12]), found {found}",
        )
    return cells


def _typed_labels(cells: pl.DataFrame, file_name: str) -> pl.DataFrame:
    """Country label without quotes, integer TIC code, and the month's first day as ``period``."""
    typed = cells.with_columns(
        label=pl.col("label").str.strip_chars().str.strip_chars('"').str.strip_chars(),
        label_code=pl.col("label_code").str.strip_chars().cast(pl.Int32, strict=False),
        period=pl.col("month").str.strip_chars().str.to_date("%Y-%m", strict=False),
    )
    checks = (
        ("label", pl.col("label") == "", "a country name in the first cell"),
        ("label_code", pl.col("label_code").is_null(), "a whole-number code in the second cell"),
        ("month", pl.col("period").is_null(), "a month as YYYY-MM in the third cell"),
    )
    for column, is_bad, expected in checks:
        bad = typed.filter(is_bad)
        if bad.height:
            line_number = bad["line_number"][0]
            cell = cells.filter(pl.col("line_number") == line_number)[column][0]
            raise ParseError(file_name, line_number, f"expected {expected}, found {cell!r}")
    return typed.drop("month")


def _amounts(cells: pl.DataFrame, file_name: str) -> pl.DataFrame:
    """Value cells as float millions.

    Plain numbers, quoted or not, with thousands separators, are cast in one vectorised pass:
    amounts_from_text on all 500k cells alone would take several times a bare read of the file.
    Rows holding anything else (n.a., empty, text) go through amounts_from_text, which nulls
    n.a. and empty cells and raises ParseError naming the line and column of any other text.
    """
    fast = cells.with_columns(
        pl.col(name)
        .str.strip_chars('"')
        .str.replace_all(",", "", literal=True)
        .cast(pl.Float64, strict=False)
        for name in VALUE_COLUMNS
    )
    is_odd = pl.any_horizontal(pl.col(name).is_null() for name in VALUE_COLUMNS)
    odd_lines = fast.filter(is_odd)["line_number"]
    if odd_lines.is_empty():
        return fast
    slow = amounts_from_text(
        cells.filter(pl.col("line_number").is_in(odd_lines.implode())),
        list(VALUE_COLUMNS),
        file_name,
    )
    return pl.concat([fast.filter(~is_odd), slow]).sort("line_number")
