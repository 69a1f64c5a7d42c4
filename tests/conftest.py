"""Fixtures shared by every test: where the real Treasury files are."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from transforms.common import decode_text

ROOT = Path(__file__).resolve().parents[1]
SHARED_TIC = Path(os.environ.get("TIC_SHARED_DIR", ROOT.parent / "shared" / "tic"))


@pytest.fixture(scope="session")
def shared_tic() -> Path:
    """../shared/tic, the real release files; skipped where absent unless TIC_REQUIRE_SHARED=1."""
    if not (SHARED_TIC / "releases").is_dir():
        reason = f"real TIC files not found at {SHARED_TIC} (set TIC_SHARED_DIR)"
        if os.environ.get("TIC_REQUIRE_SHARED") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return SHARED_TIC


@pytest.fixture(scope="session")
def release_text(shared_tic: Path):
    """Text of one real file: release_text("2026-06-18", "slt_table1.txt")."""

    def read(release_date: str, file_name: str) -> str:
        return decode_text((shared_tic / "releases" / release_date / file_name).read_bytes())

    return read


@pytest.fixture(scope="session")
def prefect_harness():
    """One temporary Prefect server for the whole session (it takes 10-20 s to start)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="session")
def backfilled(shared_tic: Path, tmp_path_factory) -> Path:
    """A data directory built by the plain backfill (tic.run.release.run_backfill, no Prefect)
    from every real release folder; tests/test_release_flow.py runs the same through Prefect."""
    from tic.run.release import run_backfill
    from tic.settings import Settings

    data_dir = tmp_path_factory.mktemp("backfilled")
    run_backfill(shared_tic / "releases", Settings(data_dir=data_dir))
    return data_dir


def query(data_dir: Path, sql: str, params: list | None = None) -> list[tuple]:
    """Rows of a read-only query against a data directory's published database."""
    import duckdb

    con = duckdb.connect(str(data_dir / "tic.duckdb"), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="session")
def postgres_server():
    """A throwaway PostgreSQL cluster for the session (tests/support/postgres.py); skipped
    where PostgreSQL is not installed unless TIC_REQUIRE_SHARED=1 (CI installs it)."""
    from tests.support.postgres import postgres_bin, running_postgres

    if postgres_bin() is None:
        reason = "PostgreSQL not installed (apt-get install -y postgresql)"
        if os.environ.get("TIC_REQUIRE_SHARED") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    with running_postgres() as server:
        yield server
