"""The real file of every family, as bytes and as parsed frames (module-scoped)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from tests.support.real_files import read_originals
from transforms.registry import parse_file


@pytest.fixture(scope="module")
def originals(shared_tic: Path) -> dict[str, bytes]:
    return read_originals(shared_tic)


@pytest.fixture(scope="module")
def parsed(originals: dict[str, bytes]) -> dict[str, pl.DataFrame]:
    return {name: parse_file(name, data) for name, data in originals.items()}
