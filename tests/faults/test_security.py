"""Security basics: names never become paths outside the data directory, the size cap holds
through the pipeline, and `tic sql` cannot change the warehouse."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import ClassVar

import pytest

from tests.faults.conftest import (
    JULY,
    JULY_FILE,
    FetchKnobs,
    leftovers,
    newest_run,
    published_state,
    tree_state,
)
from tests.support.http_server import GzipBomb, TicSiteServer
from tests.support.loopback import LoopbackServer
from tic.run import steps
from tic.source import collect
from tic.source.archive import RawArchive

pytestmark = pytest.mark.prefect

SECRET = b"TOP SECRET: not a TIC file\r\n"


# -- names from the source -------------------------------------------------------------------


def test_unknown_and_hostile_names_in_a_release_folder_are_ignored(
    releases: Path, tmp_path: Path
) -> None:
    """It collects and archives only the known TIC file names of a folder; files named
    '..evil.txt', 'slt_table1.txt.part' or nested in a subfolder are neither read nor archived,
    and nothing is written outside the archive."""
    folder = tmp_path / "source" / JULY
    (folder / "nested").mkdir(parents=True)
    (folder / JULY_FILE).write_bytes((releases / JULY / JULY_FILE).read_bytes())
    for name in ("..evil.txt", "slt_table1.txt.part", "evil.sh", "nested/slt_table2.txt"):
        (folder / name).write_bytes(SECRET)
    raw = tmp_path / "data" / "raw"
    outside = tree_state(tmp_path)

    files = collect.collect_directory(folder)
    steps.archive_release(raw, files, None)

    assert [f.name for f in files] == [JULY_FILE]
    assert [r["name"] for r in RawArchive(raw).records()] == [JULY_FILE]
    new_paths = set(tree_state(tmp_path)) - set(outside)
    assert all(p.startswith("data/raw") or p == "data" for p in new_paths), new_paths


@pytest.mark.parametrize(
    "name", ["../evil.txt", "../../etc/cron.d/evil", "/tmp/evil.txt", "raw/../../evil.txt", ".."]
)
def test_archive_refuses_a_name_that_is_a_path(tmp_path: Path, name: str) -> None:
    """It refuses to archive a file whose name is a path, writing nothing anywhere."""
    before = tree_state(tmp_path)
    bad = collect.ReleaseFile(
        name, SECRET, "http://example.invalid/x", "downloaded", retrieved_at="2026-07-14T20:05:00Z"
    )
    with pytest.raises(ValueError, match="is not a plain TIC file name"):
        steps.archive_release(tmp_path / "data" / "raw", [bad], None)
    assert tree_state(tmp_path) == before


def test_symlink_out_of_the_release_folder_is_not_read(
    tic, warehouse: Path, tmp_path: Path
) -> None:
    """It refuses a release file that is a symlink to a file outside the folder, naming it,
    and copies none of the target's bytes into the archive."""
    secret = tmp_path / "secret.txt"
    secret.write_bytes(SECRET)
    folder = tmp_path / "source" / JULY
    folder.mkdir(parents=True)
    (folder / JULY_FILE).symlink_to(secret)
    before = published_state(warehouse)

    result = tic("run", "--source", str(folder), "--data-dir", str(warehouse))

    assert result.code == 1
    assert published_state(warehouse) == before
    objects = [p for p in (warehouse / "raw" / "objects").rglob("*") if p.is_file()]
    assert not any(p.read_bytes() == SECRET for p in objects)
    line = result.error_line("run")  # (the tmp path itself contains "symlink": match paths)
    assert line.startswith(f"tic run: {folder / JULY_FILE} "), line
    assert str(secret) in line, line


class _HostileHandler(BaseHTTPRequestHandler):
    """Serves real files with headers that suggest other names and places."""

    protocol_version = "HTTP/1.1"
    files: ClassVar[dict[str, bytes]] = {}

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        body = self.files.get(self.path.lstrip("/"))
        if body is None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Disposition", 'attachment; filename="../../../evil.txt"')
        self.send_header("Content-Location", "/../../etc/evil.txt")
        self.send_header("ETag", '"../../evil"')
        self.end_headers()
        self.wfile.write(body)


def test_hostile_headers_never_become_paths(releases: Path, tmp_path: Path) -> None:
    """It archives files served with a traversing Content-Disposition, Content-Location and
    ETag under their own hashes, keeping the headers only as text in the record."""
    site_files = {}
    for folder in sorted(releases.iterdir()):
        site_files |= {p.name: p.read_bytes() for p in folder.iterdir()}
    handler = type("Handler", (_HostileHandler,), {"files": site_files})
    raw = tmp_path / "data" / "raw"
    outside = tree_state(tmp_path)
    with LoopbackServer(handler) as server:
        files = collect.collect_http(server.base_url, RawArchive(raw))
        steps.archive_release(raw, files, None)

    records = RawArchive(raw).records()
    assert sorted(r["name"] for r in records) == sorted(site_files)
    assert {r["headers"]["Content-Disposition"] for r in records} == {
        'attachment; filename="../../../evil.txt"'
    }
    new_paths = set(tree_state(tmp_path)) - set(outside)
    assert all(p.startswith("data/raw/") or p in ("data", "data/raw") for p in new_paths)
    assert not any("evil" in p for p in new_paths)


# -- size cap through the pipeline -----------------------------------------------------------


@pytest.fixture()
def site(releases: Path):
    with TicSiteServer(releases, as_of=JULY) as server:
        yield server


def test_gzip_bomb_is_cut_off_at_the_size_cap(
    tic, warehouse: Path, site: TicSiteServer, fast_fetch: FetchKnobs
) -> None:
    """`tic run` stops reading a gzip body that inflates past the 50 MiB cap (256 MiB of zeros
    here), does not retry it, names the file and the cap, and loads nothing."""
    site.inject(JULY_FILE, GzipBomb(decoded_bytes=256 * 1024 * 1024, times=99))
    before = published_state(warehouse)

    result = tic("run", "--source", site.base_url, "--data-dir", str(warehouse))

    assert result.code == 1
    assert result.error_line("run") == (
        f"tic run: {JULY_FILE} from {site.base_url}{JULY_FILE}: larger than the 52,428,800-byte "
        "cap (the body kept coming); check the file on the site; raise max_bytes if it is real"
    )
    assert [p for p, _ in site.requests_log if p == f"/{JULY_FILE}"] == [f"/{JULY_FILE}"]
    assert published_state(warehouse) == before
    assert newest_run(warehouse)[0] == "failed"


def test_body_larger_than_the_cap_is_refused_by_its_content_length(
    tic, warehouse: Path, site: TicSiteServer, fast_fetch: FetchKnobs
) -> None:
    """`tic run` refuses a file whose Content-Length exceeds the cap (100,000 bytes here)
    before reading it, naming the file, the cap and the declared size."""
    fast_fetch.apply(max_bytes=100_000)
    before = published_state(warehouse)

    result = tic("run", "--source", site.base_url, "--data-dir", str(warehouse))

    assert result.code == 1
    assert result.error_line("run").startswith(
        f"tic run: {JULY_FILE} from {site.base_url}{JULY_FILE}: larger than the 100,000-byte cap "
        "(Content-Length says 936,248 bytes)"
    )
    assert published_state(warehouse) == before


# -- tic sql is read-only ----------------------------------------------------------------------

REFUSED = [
    ("create table x (a int)", 'Cannot execute statement of type "CREATE"'),
    ("insert into internal.runs select * from internal.runs", 'statement of type "INSERT"'),
    ("drop view holdings", 'statement of type "DROP"'),
    ("update internal.observation_versions set usd_millions = 0", 'type "UPDATE"'),
    ("attach '{tmp}/other.duckdb' as other", "file system operations are disabled"),
    ("attach '{data}/tic.duckdb' as w (read_only false)", "Unique file handle conflict"),
]
ALLOWED = [  # accepted on a read-only connection, changing nothing on disk
    "checkpoint",
    "create temp table scratch as select 1 as a",
    "set threads = 1",
]
WRITES = [
    "copy (select 1 as a) to '{data}/evil.csv'",
    "copy (select * from holdings) to '{data}/parquet/holdings/extra.parquet' (format parquet)",
    "copy (select 1 as a) to '{data}/tic.duckdb'",
    "export database '{data}/export'",
    "pragma enable_profiling = 'json'; pragma profiling_output = '{data}/profile.json'; select 1",
]


@pytest.mark.parametrize(("statement", "error"), REFUSED, ids=[s for s, _ in REFUSED])
def test_sql_refuses_writes(tic, warehouse: Path, tmp_path: Path, statement, error) -> None:
    """`tic sql` exits 1 with DuckDB's reason for a statement that would write, and nothing in
    the data directory changes."""
    before = tree_state(warehouse)

    result = tic(
        "sql", statement.format(data=warehouse, tmp=tmp_path), "--data-dir", str(warehouse)
    )

    assert result.code == 1
    assert error in result.error_line("sql")
    assert tree_state(warehouse) == before
    assert not (tmp_path / "other.duckdb").exists()


@pytest.mark.parametrize("statement", ALLOWED)
def test_sql_statements_duckdb_allows_read_only_change_nothing(
    tic, warehouse: Path, statement
) -> None:
    """`tic sql` runs a checkpoint, a temporary table or a setting on the read-only connection
    (DuckDB allows them) and nothing in the data directory changes."""
    before = tree_state(warehouse)
    result = tic("sql", statement, "--data-dir", str(warehouse))
    assert result.code == 0, result.stderr
    assert tree_state(warehouse) == before


@pytest.mark.parametrize("statement", WRITES)
def test_sql_cannot_write_files_into_the_data_dir(tic, warehouse: Path, statement) -> None:
    """`tic sql` refuses statements that write files (COPY TO, EXPORT DATABASE, profiling
    output) and nothing in the data directory changes."""
    before = tree_state(warehouse)

    result = tic("sql", statement.format(data=warehouse), "--data-dir", str(warehouse))

    assert tree_state(warehouse) == before
    assert result.code == 1
    assert leftovers(warehouse) == []
