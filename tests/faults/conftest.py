"""Fault-injection fixtures: a base warehouse, fingerprints of what is published, `tic` run in
this process or as a child process, and fast retry settings.

The base warehouse holds the real releases 2023-03-15 and 2026-06-18; the faults strike while
2026-07-14 (one changed file, slt_table1.txt) is being loaded on a copy of it. The reference is
that same copy with 2026-07-14 loaded once, cleanly: every recovered run must end equal to it.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import ClassVar

import duckdb
import pytest

from tests.conftest import ROOT

BASE_RELEASES = ("2023-03-15", "2026-06-18")
JULY = "2026-07-14"
JULY_FILE = "slt_table1.txt"

# Tables and views whose rows change with every run whatever it loads (the run log).
RUN_LOG = frozenset({"runs", "validation_results", "internal.runs", "internal.validation_results"})
# Columns that differ between two loads of the same bytes (a time, the source's address).
VOLATILE_COLUMNS = frozenset({"loaded_at", "url"})


# -- the real files ------------------------------------------------------------------------


@pytest.fixture(scope="session")
def releases(shared_tic: Path) -> Path:
    return shared_tic / "releases"


@pytest.fixture(scope="session")
def manifest_sha256(shared_tic: Path) -> dict[tuple[str, str], str]:
    """(release_date, file name) -> the sha256 that manifest.json gives for the real file."""
    files = json.loads((shared_tic / "manifest.json").read_text())["files"]
    return {tuple(f["path"].split("/")[1:3]): f["sha256"] for f in files}


def without_lines(data: bytes, first: int, last: int) -> bytes:
    """A CRLF file without its 1-based lines first..last (rows lost, the file otherwise whole)."""
    lines = data.split(b"\r\n")
    return b"\r\n".join(lines[: first - 1] + lines[last:])


# -- warehouses ----------------------------------------------------------------------------


def copy_data_dir(source: Path, target: Path) -> Path:
    """A private copy of a data directory (the parquet link is relative, so it stays valid)."""
    shutil.copytree(source, target, symlinks=True)
    return target


@pytest.fixture(scope="session")
def june_base(releases: Path, prefect_harness, tmp_path_factory) -> Path:
    """A data directory holding releases 2023-03-15 and 2026-06-18, loaded by the release flow.

    Tests never write to it: they work on copies (the `warehouse` fixture).
    """
    from flows.release import run_release_flow

    data_dir = tmp_path_factory.mktemp("june-base") / "data"
    for release in BASE_RELEASES:
        result = run_release_flow(source=str(releases / release), data_dir=str(data_dir))
        assert result.outcome == "loaded", result
    return data_dir


@pytest.fixture()
def warehouse(june_base: Path, tmp_path: Path) -> Path:
    """A private copy of the base warehouse for one test."""
    return copy_data_dir(june_base, tmp_path / "data")


@pytest.fixture(scope="session")
def july_reference(june_base: Path, releases: Path, tmp_path_factory) -> Path:
    """The base warehouse with 2026-07-14 loaded once, cleanly."""
    from flows.release import run_release_flow

    data_dir = copy_data_dir(june_base, tmp_path_factory.mktemp("july-reference") / "data")
    result = run_release_flow(source=str(releases / JULY), data_dir=str(data_dir))
    assert (result.outcome, result.release_date) == ("loaded", date(2026, 7, 14)), result
    return data_dir


@pytest.fixture(scope="session")
def july_content(july_reference: Path) -> dict[str, tuple[int, int]]:
    return content_state(july_reference)


# -- fingerprints --------------------------------------------------------------------------


def _relations(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every view of the analyst schema and every internal table, minus the run log."""
    views = con.execute(
        "select view_name from duckdb_views() where schema_name = 'main' and not internal"
    ).fetchall()
    tables = con.execute(
        "select schema_name || '.' || table_name from duckdb_tables() "
        "where schema_name = 'internal'"
    ).fetchall()
    return sorted({name for (name,) in views + tables} - RUN_LOG)


def _checksum(con: duckdb.DuckDBPyConnection, relation: str, exclude: frozenset[str]) -> tuple:
    """Row count and an order-independent checksum of a relation's rows (some columns left out)."""
    columns = [c[0] for c in con.execute(f"select * from {relation} limit 0").description]
    kept = ", ".join(f'"{c}" := "{c}"' for c in columns if c not in exclude)
    return con.execute(
        f"select count(*), coalesce(sum(hash(struct_pack({kept}))::hugeint), 0) from {relation}"
    ).fetchone()


def _parquet_tables(data_dir: Path) -> list[Path]:
    link = data_dir / "parquet"
    return sorted(p for p in link.resolve().iterdir() if p.is_dir()) if link.exists() else []


def published_state(data_dir: Path) -> dict[str, object]:
    """Everything a reader can see: every view and internal table but the run log, the
    snapshot the parquet link points at, and the bytes of every Parquet file in it."""
    con = duckdb.connect(str(data_dir / "tic.duckdb"), read_only=True)
    try:
        state: dict[str, object] = {
            name: _checksum(con, name, frozenset()) for name in _relations(con)
        }
    finally:
        con.close()
    link = data_dir / "parquet"
    state["parquet link"] = os.readlink(link)
    snapshot = link.resolve()
    state["parquet files"] = {
        str(path.relative_to(snapshot)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(snapshot.rglob("*"))
        if path.is_file()
    }
    return state


def content_state(
    data_dir: Path, *, exclude: frozenset[str] = VOLATILE_COLUMNS, where: str | None = None
) -> dict[str, tuple[int, int]]:
    """What two loads of the same release must agree on: every view and internal table and
    every Parquet table's rows, without load times and source addresses (and, with `where`,
    without the rows it leaves out of relations that have a country column)."""
    con = duckdb.connect(str(data_dir / "tic.duckdb"), read_only=True)
    try:
        # Which publish made the warehouse (and which one its objects went out with) differs
        # from one load to another of the same release.
        bookkeeping = {"internal.publish_state", "internal.schema_state"}
        names = [n for n in _relations(con) if n not in bookkeeping]
        sources = {name: name for name in names}
        state: dict[str, tuple[int, int]] = {}
        for table in _parquet_tables(data_dir):
            if not any(table.rglob("*.parquet")):  # an empty table (no revisions yet)
                state[f"parquet {table.name}"] = (0, 0)
                continue
            sources[f"parquet {table.name}"] = (
                f"read_parquet('{table}/**/*.parquet', hive_partitioning = true)"
            )
        for name, relation in sources.items():
            columns = [c[0] for c in con.execute(f"select * from {relation} limit 0").description]
            if where and "country" in columns:
                relation = f"(select * from {relation} where {where})"
            state[name] = _checksum(con, relation, exclude)
    finally:
        con.close()
    return state


def leftovers(data_dir: Path) -> list[str]:
    """Temporary files a run may leave when it stops half-way (working copies, staging
    snapshots, link and archive temp files)."""
    patterns = [".tic.duckdb.*", ".parquet.*.link", "parquet-snapshots/.*", "raw/**/.tmp-*"]
    return sorted(str(p.relative_to(data_dir)) for pat in patterns for p in data_dir.glob(pat))


def newest_run(data_dir: Path) -> tuple[str, str]:
    """(outcome, message) of the newest run in the runs view."""
    con = duckdb.connect(str(data_dir / "tic.duckdb"), read_only=True)
    try:
        return con.execute("select outcome, message from runs limit 1").fetchone()
    finally:
        con.close()


def tree_state(root: Path) -> dict[str, str]:
    """Every file and link under root: its content hash or link target (a change detector)."""
    state = {}
    for path in sorted(root.rglob("*")):
        key = str(path.relative_to(root))
        if path.is_symlink():
            state[key] = "-> " + os.readlink(path)
        elif path.is_file():
            state[key] = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            state[key] = "dir"
    return state


# -- running tic ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CliResult:
    code: int
    stdout: str
    stderr: str

    def error_line(self, command: str) -> str:
        """The one line `tic <command>: <reason>` that the command printed on stderr."""
        lines = [line for line in self.stderr.splitlines() if line.startswith(f"tic {command}: ")]
        assert len(lines) == 1, self.stderr[-3000:]
        return lines[0]


@pytest.fixture()
def tic(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
    """Run the `tic` command in this process: tic("run", "--source", ...) -> CliResult."""
    from cli.main import main

    monkeypatch.setenv("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

    def run(*args: str) -> CliResult:
        capsys.readouterr()
        code = main(list(args))
        out, err = capsys.readouterr()
        return CliResult(code, out, err)

    return run


def tic_process(args: list[str], log: Path, *, crash_at: str | None = None) -> subprocess.Popen:
    """Start `python -m cli.main <args>` reporting to this session's Prefect test server (so it
    does not start a server of its own); stdout and stderr go to `log`."""
    from prefect.settings import PREFECT_API_URL

    from tic.failpoints import CRASH_ENV

    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "TIC_"))}
    env["PREFECT_API_URL"] = PREFECT_API_URL.value()
    env["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    if crash_at:
        env[CRASH_ENV] = crash_at
    with open(log, "wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "cli.main", *args], cwd=ROOT, env=env, stdout=out, stderr=out
        )


# -- fast retries --------------------------------------------------------------------------


class Sleeps(list):
    """Stands in for time.sleep in fetch_file: records each retry delay instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


class FetchKnobs:
    """Test knobs for the retry timing of the real fetch code (not a stand-in for it)."""

    DEFAULTS: ClassVar[dict[str, object]] = {
        "retries": 1,
        "backoff_s": 0.01,
        "timeout": (1.0, 1.0),
        "deadline_s": 5.0,
    }

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self._monkeypatch = monkeypatch
        self.sleeps = Sleeps()
        self.settings: dict[str, object] = {}
        self.apply()

    def apply(self, **overrides: object) -> None:
        import tic.source.collect
        from tic.source.fetch import fetch_file

        self.settings = {**self.DEFAULTS, **overrides}
        patched = functools.partial(fetch_file, sleep=self.sleeps, **self.settings)
        self._monkeypatch.setattr(tic.source.collect, "fetch_file", patched)

    @property
    def attempts_per_task(self) -> int:
        return int(self.settings["retries"]) + 1


@pytest.fixture()
def fast_fetch(monkeypatch: pytest.MonkeyPatch) -> FetchKnobs:
    """fetch_file retries once after 10 ms with 1 s timeouts and records Retry-After waits
    instead of sleeping; the manual-run policy keeps the flow's fetch task retry (and its
    retry condition) but retries once at once instead of after 15 s."""
    import dataclasses

    import tic.source.fetch

    fast = dataclasses.replace(tic.source.fetch.MANUAL_RUN, task_retries=1, task_retry_delay_s=0)
    monkeypatch.setattr(tic.source.fetch, "MANUAL_RUN", fast)
    return FetchKnobs(monkeypatch)


TASK_ATTEMPTS = 2  # the fast fetch task: the first attempt and one retry
