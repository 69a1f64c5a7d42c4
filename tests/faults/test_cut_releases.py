"""`tic run` on a release whose file is cut short, for every family, on an empty data directory
and on a warehouse that already holds an earlier copy: the run fails naming the file, the line
and what is missing, and publishes nothing.

The cut is the hardest to see: the file ends exactly after its last line but one, with a line
break, so only the structure of its closing block tells it is incomplete.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import query
from tests.faults.conftest import JULY, newest_run, published_state
from tests.support.real_files import FILES, read_originals

pytestmark = pytest.mark.prefect


def cut_before_last_line(data: bytes) -> bytes:
    """The file without its last non-blank line (and the blank lines after it)."""
    lines = data.splitlines(keepends=True)
    while not lines[-1].replace(b"\t", b"").strip().strip(b'"').strip():
        lines.pop()
    return b"".join(lines[:-1])


@pytest.fixture(scope="module")
def cut_files(shared_tic: Path) -> dict[str, bytes]:
    return {name: cut_before_last_line(data) for name, data in read_originals(shared_tic).items()}


def run_cut(tic, cut_files: dict[str, bytes], name: str, data_dir: Path, tmp_path: Path):
    folder = tmp_path / "source" / JULY
    folder.mkdir(parents=True)
    (folder / name).write_bytes(cut_files[name])
    return tic("run", "--source", str(folder), "--data-dir", str(data_dir))


def assert_refused_as_cut(result, name: str) -> None:
    assert result.code == 1
    line = result.error_line("run")
    assert line.startswith(f"tic run: {name} line "), line
    assert "it looks cut off. Fetch the file again; the copy is incomplete." in line, line


@pytest.mark.parametrize("name", FILES)
def test_a_cut_file_is_refused_with_an_earlier_copy_loaded(
    name: str, tic, warehouse: Path, tmp_path: Path, cut_files: dict[str, bytes]
) -> None:
    """On the warehouse holding 2023-03-15 and 2026-06-18 it fails and changes nothing."""
    before = published_state(warehouse)

    result = run_cut(tic, cut_files, name, warehouse, tmp_path)

    assert_refused_as_cut(result, name)
    assert published_state(warehouse) == before
    assert newest_run(warehouse)[0] == "failed"


@pytest.mark.parametrize("name", FILES)
def test_a_cut_file_is_refused_on_a_first_load(
    name: str, tic, tmp_path: Path, cut_files: dict[str, bytes]
) -> None:
    """On an empty data directory, with nothing to compare it with, it fails the same way and
    no release is published."""
    data_dir = tmp_path / "data"

    result = run_cut(tic, cut_files, name, data_dir, tmp_path)

    assert_refused_as_cut(result, name)
    if (data_dir / "tic.duckdb").exists():
        assert query(data_dir, "select count(*) from releases") == [(0,)]
