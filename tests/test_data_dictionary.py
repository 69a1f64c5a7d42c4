"""docs/data_dictionary.md and the real database agree on every view, macro and column."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import ROOT, query

DICTIONARY = (ROOT / "docs" / "data_dictionary.md").read_text()
AS_OF_MACROS = {"holdings_as_of", "flows_as_of"}
# Arguments that make each documented macro with a column table answer on the real releases.
MACRO_CALLS = {
    "holdings_change": "holdings_change(date '2025-06-01', date '2026-04-01')",
    "holdings_change_as_of": (
        "holdings_change_as_of(date '2025-06-01', date '2026-04-01', date '2026-07-01')"
    ),
    "flows_between": "flows_between(date '2025-01-01', date '2025-12-01')",
    "flows_between_as_of": (
        "flows_between_as_of(date '2025-01-01', date '2025-12-01', date '2026-07-01')"
    ),
}


def sections() -> list[tuple[str, list[str]]]:
    """(heading, documented columns) of each '### ' section with a column table."""
    found = []
    for section in re.split(r"^### ", DICTIONARY, flags=re.M)[1:]:
        title, body = section.split("\n", 1)
        rows = re.findall(r"^\| (\w+) \| [A-Z]", body, flags=re.M)
        if rows:
            found.append((title.strip(), rows))
    return found


def documented_columns() -> dict[str, list[str]]:
    """View name -> columns (macro sections, whose headings have arguments, left out)."""
    return {title: rows for title, rows in sections() if "(" not in title}


def documented_macros() -> dict[str, list[str]]:
    """Macro name -> result columns, for every name in a macro section's heading."""
    macros = {}
    for title, rows in sections():
        for name in re.findall(r"(\w+)\(", title):
            macros[name] = rows
    return macros


def test_every_view_and_column_is_documented(backfilled: Path) -> None:
    """It documents exactly the views and columns the database exposes, in order."""
    rows = query(
        backfilled,
        "select table_name, column_name from information_schema.columns "
        "where table_schema = 'main' order by table_name, ordinal_position",
    )
    database: dict[str, list[str]] = {}
    for view, column in rows:
        database.setdefault(view, []).append(column)
    assert documented_columns() == database


def test_every_macro_is_documented(backfilled: Path) -> None:
    """It documents every table macro stored in schema main, and each macro's columns are the
    ones it returns."""
    stored = {
        name
        for (name,) in query(
            backfilled,
            "select function_name from duckdb_functions() "
            "where function_type = 'table_macro' and schema_name = 'main' and not internal",
        )
    }
    assert stored == AS_OF_MACROS | set(documented_macros())
    for macro in AS_OF_MACROS:
        assert f"{macro}(d)" in DICTIONARY
    for macro, columns in documented_macros().items():
        described = [
            row[0] for row in query(backfilled, f"describe select * from {MACRO_CALLS[macro]}")
        ]
        assert described == columns, macro
