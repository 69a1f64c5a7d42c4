"""What every TIC parser shares: the tidy output schema, number cells, row kinds, errors.

A parser is pure: ``parse_<family>(text, file_name) -> pl.DataFrame`` with exactly
``PARSED_SCHEMA``. It never touches the network, the disk or a database.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import polars as pl

GRAND_TOTAL = "Grand Total"
GRAND_TOTAL_CODE = 99996
OFFICIAL_CODE = 99990
PRIVATE_CODE = 99991

# One tidy row per numeric cell of a file.
PARSED_SCHEMA: dict[str, pl.DataType] = {
    "source": pl.Utf8(),  # file family, e.g. "slt_table1"
    "line_number": pl.Int32(),  # 1-based line of the file the value came from
    "dataset": pl.Utf8(),  # holdings | flows | npr_summary
    "period": pl.Date(),  # first day of the data month
    "country": pl.Utf8(),  # the Treasury's name; Grand Total for holder splits
    "country_code": pl.Int32(),  # TIC code, null where the file has none
    "row_kind": pl.Utf8(),  # see ROW_KINDS
    "security": pl.Utf8(),
    "holder": pl.Utf8(),  # all | official | private
    "measure": pl.Utf8(),  # holdings | net_purchases | gross_purchases | gross_sales | ...
    "usd_millions": pl.Float64(),  # null where the file says n.a.
}

ROW_KINDS = (
    "country",  # a country or international organisation
    "grand_total",  # Grand Total (99996), holder all
    "holder_split",  # Foreign Official / Non-Official parts of the Grand Total
    "all_other",  # MFH residual of countries not listed
    "regional_total",  # Total Europe, All Countries, Total IROs, ...
    "memo",  # Memo: Euro Area, Memo: European Union
    "issuer_sector",  # "Of Which: <U.S. issuer sector>" rows (codes 826xx and the like)
    "holder_sector",  # "Of Which: <U.S. holder sector>" rows (codes 816xx) of Tables 2 and 4
    "country_group",  # MFH groups such as Oil Exporters, Carib Bnkng Ctrs
    "series_break_comparison",  # MFH history column "shown for comparison only"
    "summary_line",  # npr_history press-release lines
)

# TIC codes of the "Of Which:" sector rows: 816xx U.S. holder sectors (Depository Institutions
# holding foreign securities), 826xx U.S. issuer sectors. The names repeat across the two.
HOLDER_SECTOR_CODES = range(81600, 81700)
ISSUER_SECTOR_CODES = range(82600, 82700)

NOT_AVAILABLE = frozenset({"n.a.", "n.a", "na", "-", "--", "..."})
_FOOTNOTE = re.compile(r"\s+\d+/\s*$")  # "United Kingdom 2/" -> "United Kingdom"


class ParseError(ValueError):
    """A file that does not have the layout its parser expects."""

    LAYOUT_CHANGED = (
        "The file's layout is not the one this parser knows; "
        "check the Treasury's file and update the parser in transforms/ if the layout changed."
    )

    def __init__(
        self, file_name: str, line_number: int | None, reason: str, next_step: str = LAYOUT_CHANGED
    ) -> None:
        where = f"{file_name} line {line_number}" if line_number else file_name
        super().__init__(f"{where}: {reason}. {next_step}")
        self.file_name = file_name
        self.line_number = line_number
        self.reason = reason


@dataclass(frozen=True)
class Line:
    number: int  # 1-based
    text: str

    def cells(self, sep: str = "\t") -> list[str]:
        return [cell.strip() for cell in self.text.split(sep)]


def trimmed(cells: list[str]) -> list[str]:
    """Cells without the trailing empty ones that tab-padded lines carry."""
    end = len(cells)
    while end and not cells[end - 1]:
        end -= 1
    return cells[:end]


def month_index(value: date) -> int:
    """Months since year 0: consecutive months differ by one."""
    return value.year * 12 + value.month - 1


def add_months(value: date, months: int) -> date:
    """The first day of the month ``months`` after (or before, if negative) ``value``'s month."""
    index = month_index(value) + months
    return date(index // 12, index % 12 + 1, 1)


def month_index_expr(column: str = "period") -> pl.Expr:
    """month_index of a date column, vectorised."""
    return (
        pl.col(column).dt.year().cast(pl.Int32) * 12 + pl.col(column).dt.month().cast(pl.Int32) - 1
    )


def month_from_index_expr(column: str) -> pl.Expr:
    """The first day of the month a month_index column names."""
    return pl.date(pl.col(column) // 12, pl.col(column) % 12 + 1, 1)


def iter_lines(text: str) -> Iterator[Line]:
    """Lines without their CRLF/LF endings or a leading UTF-8 BOM, numbered from 1."""
    text = text.removeprefix("\ufeff")
    for number, raw in enumerate(text.splitlines(), start=1):
        yield Line(number, raw)


def is_blank(line: Line, sep: str = "\t") -> bool:
    return not line.text.replace(sep, "").strip()


def parse_amount(cell: str, file_name: str, line_number: int) -> float | None:
    """A numeric cell as a float: ``n.a.`` and empty become None, ``"1,480"`` becomes 1480."""
    value = cell.strip().strip('"').replace(",", "")
    if value.lower() in NOT_AVAILABLE or value == "":
        return None
    try:
        return float(value)
    except ValueError:
        raise ParseError(file_name, line_number, f"{cell!r} is not a number") from None


def billions_to_millions(value: float | None) -> float | None:
    """MFH tables are in billions; the warehouse is in millions, rounded to drop float noise."""
    return None if value is None else round(value * 1000, 3)


def clean_country_name(name: str) -> str:
    """Strip quotes and footnote markers: '"China, Mainland"' and 'United Kingdom 2/'."""
    return _FOOTNOTE.sub("", name.strip().strip('"').strip())


def classify_row(name: str, code: int | None) -> tuple[str, int | None, str, str]:
    """(country, country_code, holder, row_kind) for a row label and its TIC code.

    The Foreign Official (99990) and Non-Official (99991) rows are the Grand Total's parts.
    """
    if code == OFFICIAL_CODE:
        return GRAND_TOTAL, GRAND_TOTAL_CODE, "official", "holder_split"
    if code == PRIVATE_CODE:
        return GRAND_TOTAL, GRAND_TOTAL_CODE, "private", "holder_split"
    if code == GRAND_TOTAL_CODE or name == GRAND_TOTAL:
        return GRAND_TOTAL, GRAND_TOTAL_CODE, "all", "grand_total"
    if name.startswith("Of Which:") or code in HOLDER_SECTOR_CODES or code in ISSUER_SECTOR_CODES:
        # Sector rows go by code: 816xx U.S. holder sectors and 826xx U.S. issuer sectors share
        # names ("Of Which: Depository Institutions"); other "Of Which:" rows are issuer types.
        holder = "all"
        if "Foreign Official" in name:
            holder = "official"
        elif "Foreign Non-Official" in name:
            holder = "private"
        kind = "holder_sector" if code in HOLDER_SECTOR_CODES else "issuer_sector"
        return name, code, holder, kind
    if name.startswith("Memo:"):
        return name, code, "all", "memo"
    if name.startswith("Total ") or name == "All Countries":
        return name, code, "all", "regional_total"
    if name == "All Other":
        return name, code, "all", "all_other"
    return name, code, "all", "country"


def dataset_of(measure: str) -> str:
    return "holdings" if measure == "holdings" else "flows"


def to_frame(rows: list[dict[str, object]]) -> pl.DataFrame:
    """Rows (dicts keyed by PARSED_SCHEMA names) as a frame with exactly PARSED_SCHEMA."""
    return pl.DataFrame(rows, schema=PARSED_SCHEMA, orient="row")


def amounts_from_text(frame: pl.DataFrame, columns: list[str], file_name: str) -> pl.DataFrame:
    """Cast text cells to float, vectorised: quotes and thousands separators dropped,
    ``n.a.`` and empty cells null. A cell that is neither raises ParseError with its line.

    ``frame`` needs a ``line_number`` column.
    """
    cleaned = {
        name: pl.col(name).str.strip_chars().str.strip_chars('"').str.replace_all(",", "")
        for name in columns
    }
    text = frame.with_columns(**cleaned)
    # n.a. and empty cells do not cast, so they come out null like a null cell.
    numbers = text.with_columns(pl.col(name).cast(pl.Float64, strict=False) for name in columns)
    # The rest that did not cast are not numbers: look for them among the rows holding a cell
    # that did not cast (few), not in every cell.
    uncast = [
        pl.col(name).cast(pl.Float64, strict=False).is_null() & pl.col(name).is_not_null()
        for name in columns
    ]
    suspects = text.filter(pl.any_horizontal(uncast)) if columns else text.clear()
    missing_cells = [*sorted(NOT_AVAILABLE), ""]
    for name, did_not_cast in zip(columns, uncast, strict=True):
        bad = suspects.filter(did_not_cast & ~pl.col(name).str.to_lowercase().is_in(missing_cells))
        if bad.height:
            row = bad.row(0, named=True)
            raise ParseError(
                file_name,
                row["line_number"],
                f"column {name!r} holds {row[name]!r}, which is not a number",
            )
    return numbers


def classify_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """Replace ``label`` and ``label_code`` columns by country, country_code, holder, row_kind
    (via classify_row on the distinct labels, so it stays fast on large files)."""
    labels = frame.select("label", "label_code").unique()
    classified = pl.DataFrame(
        [
            dict(
                zip(
                    ("country", "country_code", "holder", "row_kind"),
                    classify_row(label, code),
                    strict=True,
                )
            )
            | {"label": label, "label_code": code}
            for label, code in labels.iter_rows()
        ],
        schema={
            "country": pl.Utf8,
            "country_code": pl.Int32,
            "holder": pl.Utf8,
            "row_kind": pl.Utf8,
            "label": pl.Utf8,
            "label_code": pl.Int32,
        },
    )
    return frame.join(classified, on=["label", "label_code"], how="left", nulls_equal=True).drop(
        "label", "label_code"
    )


def finish(frame: pl.DataFrame) -> pl.DataFrame:
    """Select and cast to exactly PARSED_SCHEMA, in its column order."""
    return frame.select(pl.col(name).cast(dtype) for name, dtype in PARSED_SCHEMA.items())


def decode_text(data: bytes) -> str:
    """Treasury files are ASCII in practice; accept UTF-8 (with or without BOM), else cp1252."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")
