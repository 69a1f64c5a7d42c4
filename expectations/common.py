"""Helpers every check module shares: turning failing rows into results."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl

from expectations.results import ERROR, CheckResult, plain
from expectations.settings import FILE_NAME_BY_SOURCE, MAX_EXAMPLES
from transforms.common import PARSED_SCHEMA, add_months

EXAMPLE_COLUMNS = (
    "line_number",
    "country",
    "period",
    "security",
    "holder",
    "measure",
    "usd_millions",
)


def file_name_of(source: str) -> str:
    return FILE_NAME_BY_SOURCE.get(source, f"{source}.txt")


def is_usable(frame: pl.DataFrame) -> bool:
    """Whether a frame has the parsed schema's columns and types (line_number optional), so the
    polars checks can read it. The GX suite reports what is wrong with one that does not."""
    schema = frame.schema
    return all(
        name in schema and schema[name] == dtype
        for name, dtype in PARSED_SCHEMA.items()
        if name != "line_number"
    )


def examples_from(
    rows: pl.DataFrame,
    file_name: str | None,
    columns: tuple[str, ...] | list[str] = EXAMPLE_COLUMNS,
    origin: str | None = None,
) -> list[dict[str, Any]]:
    """The first MAX_EXAMPLES rows as plain dicts, each naming its file (and, for values that
    are not in the incoming file, where they come from)."""
    present = [name for name in columns if name in rows.columns]
    examples = []
    for row in rows.head(MAX_EXAMPLES).select(present).iter_rows(named=True):
        example: dict[str, Any] = {"file": file_name} if file_name else {}
        if origin:
            example["origin"] = origin
        example |= {key: plain(value) for key, value in row.items()}
        examples.append(example)
    return examples


def result_from_failures(
    suite: str,
    check_name: str,
    *,
    checked_rows: int,
    failures: pl.DataFrame,
    file_name: str | None,
    severity: str = ERROR,
    columns: tuple[str, ...] | list[str] = EXAMPLE_COLUMNS,
    origin: str | None = None,
) -> CheckResult:
    """A CheckResult that fails when ``failures`` has rows, showing the first few."""
    return CheckResult(
        suite=suite,
        check_name=check_name,
        severity=severity,
        success=failures.height == 0,
        checked_rows=checked_rows,
        failed_rows=failures.height,
        examples=examples_from(failures, file_name, columns, origin),
        file_name=file_name,
    )


def months_around(frames: list[pl.DataFrame], *, months: int) -> list[date]:
    """The months of the frames' rows, and `months` months either side of each."""
    present: set[date] = set()
    for frame in frames:
        present.update(frame["period"].unique().drop_nulls().to_list())
    return sorted({add_months(p, shift) for p in present for shift in range(-months, months + 1)})
