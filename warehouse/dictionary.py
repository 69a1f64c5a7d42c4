"""The data dictionary (docs/data_dictionary.md) as COMMENT ON statements, for DuckDB and
PostgreSQL alike: one source of column meanings for every tool that browses the warehouse.

The page's format: a ``### view`` heading, a paragraph saying what a row is, and a
``| column | TYPE | meaning |`` table. Sections without such a table (the as-of macros) carry
no columns and get no comment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal

# The wheel carries the page inside the package; a source checkout reads docs/ directly.
PACKAGED_NAME = "data_dictionary.md"
SOURCE_PATH = Path(__file__).resolve().parents[1] / "docs" / "data_dictionary.md"

_ROW = re.compile(r"^\| (\w+) \| ([A-Z][^|]*?) \| (.*) \|\s*$")

Dialect = Literal["duckdb", "postgres"]


@dataclass(frozen=True)
class ViewDoc:
    """One documented view: what a row is, and each column's meaning in order."""

    name: str
    description: str
    columns: dict[str, str]


def dictionary_text() -> str:
    packaged = resources.files("warehouse") / PACKAGED_NAME
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    return SOURCE_PATH.read_text(encoding="utf-8")


def parse_dictionary(text: str) -> dict[str, ViewDoc]:
    """View name -> ViewDoc, for every ``### name`` section that has a column table."""
    views = {}
    for section in re.split(r"^### ", text, flags=re.M)[1:]:
        title, body = section.split("\n", 1)
        lines = body.splitlines()
        columns = {m[1]: _plain(m[3]) for m in map(_ROW.match, lines) if m}
        if not columns:
            continue
        paragraph = []
        for line in lines:
            if line.startswith("|") or line.startswith("#"):
                break
            paragraph.append(line.strip())
        name = title.strip()
        views[name] = ViewDoc(name, _plain(" ".join(paragraph)), columns)
    return views


@cache
def data_dictionary() -> dict[str, ViewDoc]:
    return parse_dictionary(dictionary_text())


def comment_statements(
    dialect: Dialect, relations: dict[str, list[str]], schema: str | None = None
) -> list[str]:
    """COMMENT ON statements for the given relations (name -> its columns) that the dictionary
    documents; undocumented names are left alone (the dictionary test catches them)."""
    kind = "VIEW" if dialect == "duckdb" else "TABLE"
    prefix = f"{_ident(schema)}." if schema else ""
    statements = []
    for name, columns in relations.items():
        doc = data_dictionary().get(name)
        if doc is None:
            continue
        target = f"{prefix}{_ident(name)}"
        statements.append(f"COMMENT ON {kind} {target} IS {_literal(doc.description)}")
        for column in columns:
            if column in doc.columns:
                statements.append(
                    f"COMMENT ON COLUMN {target}.{_ident(column)} IS "
                    f"{_literal(doc.columns[column])}"
                )
    return statements


def _plain(markdown: str) -> str:
    """Markdown cell text as a comment: backticks and emphasis dropped, spaces collapsed."""
    return " ".join(markdown.replace("`", "").replace("**", "").split())


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
