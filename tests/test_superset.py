"""Apache Superset, a real BI tool, on both the PostgreSQL mirror and tic.duckdb, through its
REST API (bi/superset_check.py). Superset lives in its own virtualenv (bash bi/setup.sh)."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.support.postgres import PostgresServer
from warehouse.mirror import mirror_warehouse

pytestmark = [pytest.mark.superset, pytest.mark.slow]

# slt_table3.txt of 2026-06-18, for_treas_pos of 2026-04, the ten largest country rows
# (lines 4722, 1378, 4342, 4038, 86, 770, 2366, 390, 618, 5406).
TOP_HOLDERS_2026_04 = [
    ("Japan", 1209889),
    ("United Kingdom", 937523),
    ("China, Mainland", 651072),
    ("Cayman Islands", 471636),
    ("Belgium", 459890),
    ("Luxembourg", 431128),
    ("Canada", 397075),
    ("France", 393298),
    ("Ireland", 345253),
    ("Taiwan", 300912),
]


def _superset_check():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("superset_check", ROOT / "bi/superset_check.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["superset_check"] = module
    spec.loader.exec_module(module)
    return module


def test_superset_charts_top_holders_from_both_databases(
    backfilled: Path, postgres_server: PostgresServer
) -> None:
    """It registers the mirror and tic.duckdb in Superset, builds a holdings dataset on each
    whose column descriptions are the warehouse's comments, and charts the top holders."""
    check = _superset_check()
    if not (check.DEFAULT_VENV / "bin" / "superset").exists():
        reason = f"no Superset virtualenv at {check.DEFAULT_VENV} (bash bi/setup.sh)"
        if os.environ.get("TIC_REQUIRE_SHARED") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    url = postgres_server.create_database("tic_superset")
    mirror_warehouse(backfilled / "tic.duckdb", url, "tic_reader")

    shown = check.check(backfilled, url, "2026-04-01")

    assert set(shown) == {"tic (PostgreSQL mirror)", "tic.duckdb"}
    for database in shown.values():
        # docs/data_dictionary.md, holdings, rows usd_millions and period
        descriptions = database["descriptions"]
        assert descriptions["usd_millions"] == (
            "holdings at end of period, millions of dollars; NULL where the file says n.a."
        )
        assert descriptions["period"] == "first day of the data month"
        rows = [(row["country"], row["SUM(usd_millions)"]) for row in database["rows"]]
        assert rows == TOP_HOLDERS_2026_04
