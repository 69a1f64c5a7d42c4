"""The README's example queries run against the backfilled warehouse and answer sensibly."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import ROOT, query

EXAMPLES = (ROOT / "README.md").read_text().split("### Example queries", 1)[1].split("\n## ", 1)[0]
QUERIES = re.findall(r"```sql\n(.*?)```", EXAMPLES, flags=re.S)


def test_readme_has_example_queries() -> None:
    """It finds the README's example queries."""
    assert len(QUERIES) >= 6


@pytest.mark.parametrize("sql", QUERIES, ids=[f"query{i}" for i in range(len(QUERIES))])
def test_readme_query_runs_and_returns_rows(backfilled: Path, sql: str) -> None:
    """It runs each README query and gets at least one row."""
    assert query(backfilled, sql)
