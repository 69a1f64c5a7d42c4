"""Resource faults: a read-only data directory, a full disk, and readers holding the database.

Tests run as root, so permission bits do not stop them; read-only bind mounts and small tmpfs
mounts do. Where mounting is not allowed the tests skip and say why.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults.conftest import (
    JULY,
    content_state,
    copy_data_dir,
    leftovers,
    newest_run,
    published_state,
)

pytestmark = pytest.mark.prefect

MIB = 1024 * 1024


def _mount(*args: str) -> None:
    done = subprocess.run(["mount", *args], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount here (needs root and CAP_SYS_ADMIN): {done.stderr.strip()}")


def _umount(path: Path) -> None:
    if subprocess.run(["umount", str(path)], capture_output=True).returncode != 0:
        subprocess.run(["umount", "-l", str(path)], check=True)  # busy: detach lazily


@contextlib.contextmanager
def read_only(path: Path) -> Iterator[Path]:
    """`path` bind-mounted read-only over itself (root ignores permission bits, not this)."""
    _mount("--bind", str(path), str(path))
    try:
        _mount("-o", "remount,ro,bind", str(path))
        yield path
    finally:
        _umount(path)


@pytest.fixture()
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A tmpfs mount that tests shrink with remount to fill it up; unmounted afterwards."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    _mount("-t", "tmpfs", "-o", "size=256m", "tmpfs", str(mount_point))
    try:
        yield mount_point
    finally:
        _umount(mount_point)


def resize(mount_point: Path, size_bytes: int) -> None:
    size_kib = -(-size_bytes // 1024)
    subprocess.run(["mount", "-o", f"remount,size={size_kib}k", str(mount_point)], check=True)


# -- read-only data directory -------------------------------------------------------------------


def test_read_only_data_dir_fails_at_once_and_readers_still_work(
    tic, warehouse: Path, releases: Path
) -> None:
    """`tic run` on a read-only data directory exits 1 naming the file it could not write and
    changes nothing; `tic status` and `tic sql` still read the warehouse."""
    before = published_state(warehouse)
    with read_only(warehouse):
        result = tic("run", "--source", str(releases / JULY), "--data-dir", str(warehouse))
        status = tic("status", "--data-dir", str(warehouse))
        sql = tic(
            "sql",
            "select max(release_date) as newest from releases",
            "--format",
            "csv",
            "--data-dir",
            str(warehouse),
        )
        after = published_state(warehouse)

    assert result.code == 1
    assert result.error_line("run") == (
        f"tic run: [Errno 30] Read-only file system: '{warehouse / '.tic.lock'}'"
    )
    assert after == before
    assert status.code == 0 and "latest release loaded: 2026-06-18" in status.stdout
    assert (sql.code, sql.stdout.split()) == (0, ["newest", "2026-06-18"])


def test_read_only_raw_archive_fails_the_run_and_records_why(
    tic, warehouse: Path, releases: Path
) -> None:
    """It fails naming the archive path when raw/ cannot be written, records the failed run,
    and publishes no data."""
    before = published_state(warehouse)
    with read_only(warehouse / "raw"):
        result = tic("run", "--source", str(releases / JULY), "--data-dir", str(warehouse))

    assert result.code == 1
    line = result.error_line("run")
    raw = warehouse / "raw"
    assert line.startswith(f"tic run: [Errno 30] Read-only file system: '{raw}/"), line
    assert newest_run(warehouse) == ("failed", line.removeprefix("tic run: "))
    assert published_state(warehouse) == before
    assert leftovers(warehouse) == []


# -- full disk ---------------------------------------------------------------------------------

# Free space left after copying the base warehouse, as a function of the database's size.
# 2026-07-14 writes about 1.3 MiB of new Parquet (the unchanged partitions are hard links), so
# the export fails with about 1.75-3.25 MiB left beside the working copy and the checkpoint
# with 3.25-4.25 MiB (measured by loading the release on tmpfs mounts of growing size).
DISK_FULL = [
    pytest.param(lambda db: MIB // 2, id="while archiving"),
    pytest.param(lambda db: 8 * MIB, id="while copying the database"),
    pytest.param(lambda db: db + int(3.75 * MIB), id="while committing the working copy"),
    pytest.param(lambda db: db + int(2.5 * MIB), id="while exporting Parquet"),
]


@pytest.mark.parametrize("free", DISK_FULL)
def test_full_disk_fails_cleanly_and_the_next_run_loads(
    tic, june_base: Path, releases: Path, small_disk: Path, july_content, free
) -> None:
    """`tic run` on a full disk exits 1 saying the device is full, leaves the published warehouse
    as it was and no temporary files taking the space, and loads the release once there is
    room again."""
    data_dir = copy_data_dir(june_base, small_disk / "data")
    before = published_state(data_dir)
    database_bytes = (data_dir / "tic.duckdb").stat().st_size
    resize(small_disk, shutil.disk_usage(small_disk).used + free(database_bytes))

    result = tic("run", "--source", str(releases / JULY), "--data-dir", str(data_dir))

    assert result.code == 1
    assert "No space left on device" in result.error_line("run")
    assert published_state(data_dir) == before
    assert leftovers(data_dir) == []

    resize(small_disk, 256 * MIB)
    again = tic("run", "--source", str(releases / JULY), "--data-dir", str(data_dir))
    assert again.code == 0, again.stderr[-3000:]
    assert content_state(data_dir) == july_content


def test_full_disk_while_archiving_names_the_archive(
    tic, june_base: Path, releases: Path, small_disk: Path
) -> None:
    """It reports the archive write's own disk-full error, not a later failure to record the run."""
    data_dir = copy_data_dir(june_base, small_disk / "data")
    resize(small_disk, shutil.disk_usage(small_disk).used + MIB // 2)

    result = tic("run", "--source", str(releases / JULY), "--data-dir", str(data_dir))

    line = result.error_line("run")
    # The archive write's own error, not a later failure to record the run.
    assert line.startswith("tic run: [Errno 28] No space left on device")
    assert ".tic.duckdb" not in line


# -- readers -----------------------------------------------------------------------------------

READER = """
import sys, duckdb
path = sys.argv[1]
con = duckdb.connect(path, read_only=True)
def show():
    print(con.execute("select count(*), max(release_date) from releases").fetchone(), flush=True)
show()
for command in sys.stdin:
    if command.strip() == "reconnect":
        con.close()
        con = duckdb.connect(path, read_only=True)
    show()
"""


def test_run_publishes_while_a_reader_holds_the_database(warehouse: Path, releases: Path) -> None:
    """It publishes while another process holds a read-only connection; that reader keeps seeing
    the old warehouse until it reconnects, and the old Parquet snapshot stays readable."""
    from flows.release import run_release_flow

    old_snapshot = (warehouse / "parquet").resolve()
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(warehouse / "tic.duckdb")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        first = reader.stdout.readline().strip()
        result = run_release_flow(source=str(releases / JULY), data_dir=str(warehouse))
        reader.stdin.write("again\n")
        reader.stdin.flush()
        same_connection = reader.stdout.readline().strip()
        reader.stdin.write("reconnect\n")
        reader.stdin.flush()
        reconnected = reader.stdout.readline().strip()
    finally:
        reader.stdin.close()
        reader.wait(timeout=30)

    assert result.outcome == "loaded"
    assert first == same_connection == "(2, datetime.date(2026, 6, 18))"
    assert reconnected == "(3, datetime.date(2026, 7, 14))"
    assert (warehouse / "parquet").resolve() != old_snapshot
    assert {"flows", "holdings", "observation_versions", "revisions"} <= {
        p.name for p in old_snapshot.iterdir()
    }


WRITER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])
print("holding", flush=True)
sys.stdin.readline()
"""


def test_run_fails_clearly_while_another_process_holds_a_write_connection(
    tic, warehouse: Path, releases: Path
) -> None:
    """It exits 1 with DuckDB's lock conflict naming the database and the holder when another
    program (an analyst's DuckDB shell opened without -readonly) holds tic.duckdb for writing,
    and the warehouse is unchanged."""
    before = published_state(warehouse)
    holder = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(warehouse / "tic.duckdb")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        result = tic("run", "--source", str(releases / JULY), "--data-dir", str(warehouse))
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)

    assert result.code == 1
    line = result.error_line("run")
    assert str(warehouse / "tic.duckdb") in line and "lock" in line.lower(), line
    assert f"PID {holder.pid}" in line, line
    assert published_state(warehouse) == before
    assert leftovers(warehouse) == []
