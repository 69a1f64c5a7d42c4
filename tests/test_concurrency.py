"""One writer at a time: release runs that meet on the same data directory.

The real release folder 2026-06-18 is loaded; whichever run gets the writer lock loads it, any
run that finds the lock taken does nothing, and the warehouse ends with one release and one
loaded run.
"""

from __future__ import annotations

import contextvars
import os
import subprocess
import sys
import threading
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import ROOT, query
from tic.ops.lock import RunInProgress, run_lock
from tic.settings import DataPaths

pytestmark = pytest.mark.prefect

RELEASE = "2026-06-18"


@pytest.fixture(scope="module")
def release_folder(shared_tic: Path) -> Path:
    return shared_tic / "releases" / RELEASE


def cli_run(release_folder: Path, data_dir: Path) -> subprocess.Popen:
    """Start `tic run` as its own process, reporting to the session's Prefect test server."""
    from prefect.settings import PREFECT_API_URL

    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "TIC_"))}
    env["PREFECT_API_URL"] = PREFECT_API_URL.value()
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cli.main",
            "run",
            "--source",
            str(release_folder),
            "--data-dir",
            str(data_dir),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen) -> tuple[int, str, str]:
    stdout, stderr = process.communicate(timeout=300)
    return process.returncode, stdout, stderr


def test_cli_run_skips_while_another_process_holds_the_lock(
    release_folder: Path, prefect_harness, tmp_path: Path
) -> None:
    """While this test process holds the writer lock, `tic run` in another process prints
    "skipped: ..." naming the holder's pid, exits 0 and writes nothing but the lock file."""
    with run_lock(DataPaths(tmp_path).lock):
        code, stdout, stderr = finish(cli_run(release_folder, tmp_path))
    assert code == 0, stderr
    assert stdout.startswith("skipped: another tic run"), stdout
    assert f"pid {os.getpid()}" in stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == [".tic.lock"]


def test_release_flow_raises_run_in_progress_while_the_lock_is_held(
    release_folder: Path, prefect_harness, tmp_path: Path
) -> None:
    """The release flow itself raises RunInProgress, before fetching anything, when the data
    directory's lock is taken (even by another handle in the same process)."""
    from flows.release import run_release_flow

    held = run_lock(DataPaths(tmp_path).lock)
    with held, pytest.raises(RunInProgress, match="this run did nothing"):
        run_release_flow(source=str(release_folder), data_dir=str(tmp_path))
    assert sorted(p.name for p in tmp_path.iterdir()) == [".tic.lock"]


def test_two_release_flows_at_once_load_the_release_once(
    release_folder: Path, prefect_harness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two release flows start together on one data directory. The one that gets the lock is
    held inside it until the other has been turned away, so they truly overlap: one loads the
    release, the other raises RunInProgress and records nothing."""
    import flows.release

    loser_done = threading.Event()
    import tic.run.release

    reconcile = tic.run.release.reconcile_parquet

    def reconcile_after_the_other_run(paths: DataPaths) -> None:
        # Called first thing under the lock: wait here until the other run has tried it.
        assert loser_done.wait(timeout=120), "the second run never reached the lock"
        reconcile(paths)

    monkeypatch.setattr(tic.run.release, "reconcile_parquet", reconcile_after_the_other_run)
    start = threading.Barrier(2)
    outcomes: dict[int, object] = {}

    def run(index: int) -> None:
        start.wait(timeout=30)
        try:
            outcomes[index] = flows.release.run_release_flow(
                source=str(release_folder), data_dir=str(tmp_path)
            )
        except Exception as error:  # the refused run's RunInProgress is an outcome here
            outcomes[index] = error
            loser_done.set()

    threads = [
        threading.Thread(target=contextvars.copy_context().run, args=(run, i)) for i in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads)

    loaded = [o for o in outcomes.values() if getattr(o, "outcome", None) == "loaded"]
    refused = [o for o in outcomes.values() if isinstance(o, RunInProgress)]
    assert len(loaded) == 1 and len(refused) == 1, outcomes
    assert loaded[0].release_date == date(2026, 6, 18)
    assert query(tmp_path, "select release_date from releases") == [(date(2026, 6, 18),)]
    assert query(tmp_path, "select outcome, release_date from runs") == [
        ("loaded", date(2026, 6, 18))
    ]


@pytest.mark.slow
def test_two_cli_processes_at_once_load_the_release_once(
    release_folder: Path, prefect_harness, tmp_path: Path
) -> None:
    """Two `tic run` processes started together on one data directory both exit 0 and the
    release is loaded exactly once: the other process is skipped at the lock or, if it came
    after the first finished, finds nothing new."""
    processes = [cli_run(release_folder, tmp_path) for _ in range(2)]
    results = [finish(p) for p in processes]
    assert [code for code, _, _ in results] == [0, 0], [err for _, _, err in results]
    lasts = sorted(stdout.strip().splitlines()[-1] for _, stdout, _ in results)
    assert lasts[0].startswith(f"loaded release {RELEASE}: "), lasts
    assert lasts[1].startswith(("skipped: another tic run", "nothing new at ")), lasts

    assert query(tmp_path, "select release_date from releases") == [(date(2026, 6, 18),)]
    runs = query(tmp_path, "select outcome from runs order by started_at")
    assert [o for (o,) in runs].count("loaded") == 1
    assert [o for (o,) in runs] in (["loaded"], ["loaded", "nothing_new"])
