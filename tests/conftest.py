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
