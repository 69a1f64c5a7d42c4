"""Form SLT Tables 1 to 4: title lines, label rows, a machine-name header row, data rows.

The machine-name row (``country  country_code  date  for_lt_total_pos ...``) is the layout's
signature: the columns after ``date`` must be exactly the ones this module maps, in order.
"""

from __future__ import annotations

import io

import polars as pl

from transforms.common import (
    HOLDER_SECTOR_CODES,
    ISSUER_SECTOR_CODES,
    Line,
    ParseError,
    amounts_from_text,
    classify_frame,
    dataset_of,
    finish,
    is_blank,
    iter_lines,
    trimmed,
)
from transforms.slt_layout import KEY_COLUMNS, SLT_COLUMNS


def _find_header(lines: list[Line], source: str, file_name: str) -> int:
    """Index of the machine-name row; its columns must match SLT_COLUMNS[source] exactly."""
    expected = [*KEY_COLUMNS, *SLT_COLUMNS[source]]
    for index, line in enumerate(lines):
        cells = trimmed(line.cells())
        if cells[:3] != list(KEY_COLUMNS):
            continue
        if cells != expected:
            raise ParseError(
                file_name,
                line.number,
                f"machine-name header is {' '.join(cells)!r}; expected {' '.join(expected)!r}",
            )
        return index
    raise ParseError(file_name, None, "no machine-name header row 'country country_code date ...'")


def _data_block(lines: list[Line], start: int) -> list[Line]:
    """Data rows from start to the notes: blank lines end the block only when no data row follows.

    A stray blank line inside the data must not silently drop the rows after it.
    """
    block = []
    for index in range(start, len(lines)):
        line = lines[index]
        if not is_blank(line):
            block.append(line)
        elif block and not _data_row_follows(lines, index + 1):
            break
    return block


def _data_row_follows(lines: list[Line], start: int) -> bool:
    """True when the next non-blank line has a cell filled beyond its first: a data row, even a
    malformed one (which then fails loudly). Note lines fill only the first cell."""
    for line in lines[start:]:
        if not is_blank(line):
            return any(cell.strip() for cell in line.cells()[1:])
    return False


def parse_slt(text: str, source: str, file_name: str) -> pl.DataFrame:
    """A Form SLT table (source slt_table1..4) as tidy rows in PARSED_SCHEMA."""
    lines = list(iter_lines(text))
    header = _find_header(lines, source, file_name)
    block = _data_block(lines, header + 1)
    if not block:
        raise ParseError(file_name, lines[header].number + 1, "no data rows after the header")
    value_columns = list(SLT_COLUMNS[source])
    names = [*KEY_COLUMNS, *value_columns]
    for line in block:
        width = line.text.rstrip("\t ").count("\t") + 1
        if width != len(names):
            raise ParseError(
                file_name, line.number, f"{width} cells where the header has {len(names)}"
            )
    raw = pl.read_csv(
        io.StringIO("\n".join(line.text.rstrip("\t ") for line in block)),
        separator="\t",
        has_header=False,
        new_columns=names,
        quote_char='"',
        schema_overrides=dict.fromkeys(names, pl.Utf8),
        infer_schema=False,
    ).with_columns(
        pl.col("country").str.strip_chars(),
        line_number=pl.Series([line.number for line in block], dtype=pl.Int32),
    )
    return _tidy(raw, source, value_columns, file_name)


def _tidy(raw: pl.DataFrame, source: str, value_columns: list[str], file_name: str) -> pl.DataFrame:
    numbers = amounts_from_text(raw, value_columns, file_name)
    _check_keys(numbers, file_name)
    if source == "slt_table4":
        numbers = _sector_columns_not_applicable(numbers, file_name)
    mapping = pl.DataFrame(
        [
            (column, security, measure, dataset_of(measure))
            for column, (security, measure) in SLT_COLUMNS[source].items()
        ],
        schema=["column", "security", "measure", "dataset"],
        orient="row",
    )
    long = (
        numbers.rename({"country": "label"})
        .with_columns(
            label_code=pl.col("country_code").cast(pl.Int32),
            period=(pl.col("date") + "-01").str.to_date("%Y-%m-%d"),
            source=pl.lit(source),
        )
        .unpivot(
            index=["source", "line_number", "label", "label_code", "period"],
            on=value_columns,
            variable_name="column",
            value_name="usd_millions",
        )
        .join(mapping, on="column", how="left")
    )
    return finish(classify_frame(long)).sort("line_number", maintain_order=True)


# Table 4's sector rows fill one side only: U.S.-issuer sectors (826xx) the U.S. securities
# (for_lt_*), U.S.-holder sectors (816xx) the foreign securities (us_lt_*). The other side
# prints 0 or n.a.; it is no flow at all, so it is stored as NULL, not as a zero flow.
T4_NOT_APPLICABLE = (
    (ISSUER_SECTOR_CODES, "us_lt_", "U.S.-issuer-sector (826xx)"),
    (HOLDER_SECTOR_CODES, "for_lt_", "U.S.-holder-sector (816xx)"),
)


def _sector_columns_not_applicable(frame: pl.DataFrame, file_name: str) -> pl.DataFrame:
    code = pl.col("country_code").cast(pl.Int32)
    for codes, prefix, kind in T4_NOT_APPLICABLE:
        is_sector = code.is_between(codes.start, codes.stop - 1)
        columns = [name for name in frame.columns if name.startswith(prefix)]
        for name in columns:
            filled = frame.filter(is_sector & (pl.col(name) != 0))
            if filled.height:
                row = filled.row(0, named=True)
                raise ParseError(
                    file_name,
                    row["line_number"],
                    f"a {kind} row holds {row[name]:g} in {name!r}, a column that does not "
                    "apply to it (expected 0 or n.a.)",
                )
        frame = frame.with_columns(
            pl.when(is_sector).then(None).otherwise(pl.col(name)).alias(name) for name in columns
        )
    return frame


def _check_keys(frame: pl.DataFrame, file_name: str) -> None:
    bad_code = frame.filter(pl.col("country_code").cast(pl.Int32, strict=False).is_null())
    if bad_code.height:
        row = bad_code.row(0, named=True)
        raise ParseError(
            file_name, row["line_number"], f"country code {row['country_code']!r} is not a number"
        )
    bad_date = frame.filter(~pl.col("date").str.contains(r"^\d{4}-(0[1-9]|1[0-2])$"))
    if bad_date.height:
        row = bad_date.row(0, named=True)
        raise ParseError(file_name, row["line_number"], f"date {row['date']!r} is not YYYY-MM")
    if frame.filter(pl.col("country") == "").height:
        row = frame.filter(pl.col("country") == "").row(0, named=True)
        raise ParseError(file_name, row["line_number"], "a data row has no country name")


def parse_slt_table1(text: str, file_name: str = "slt_table1.txt") -> pl.DataFrame:
    return parse_slt(text, "slt_table1", file_name)


def parse_slt_table2(text: str, file_name: str = "slt_table2.txt") -> pl.DataFrame:
    return parse_slt(text, "slt_table2", file_name)


def parse_slt_table3(text: str, file_name: str = "slt_table3.txt") -> pl.DataFrame:
    return parse_slt(text, "slt_table3", file_name)


def parse_slt_table4(text: str, file_name: str = "slt_table4.txt") -> pl.DataFrame:
    return parse_slt(text, "slt_table4", file_name)
