"""docs/data_dictionary.md and the real database agree on every view and column."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import ROOT, query

DICTIONARY = (ROOT / "docs" / "data_dictionary.md").read_text()
MACROS = {"holdings_as_of", "flows_as_of"}


def documented_columns() -> dict[str, list[str]]:
    """View name -> columns, from each '### view' section's table."""
    views = {}
    for section in re.split(r"^### ", DICTIONARY, flags=re.M)[1:]:
        title, body = section.split("\n", 1)
        rows = re.findall(r"^\| (\w+) \| [A-Z]", body, flags=re.M)
        if rows:
            views[title.strip()] = rows
    return views


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


def test_macros_are_documented(backfilled: Path) -> None:
    """It documents the as-of table macros stored in the database."""
    stored = {
        name
        for (name,) in query(
            backfilled,
            "select function_name from duckdb_functions() where function_type = 'table_macro'",
        )
    }
    assert stored >= MACROS
    for macro in MACROS:
        assert f"{macro}(d)" in DICTIONARY
