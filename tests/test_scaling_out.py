"""The scaled-out path of the README, run for real on loopback: a Prefect server, a process
work pool, `prefect deploy --all` from prefect.yaml, a worker that runs the deployment's flow
run from this checkout and loads a release served by the loopback site; and the `tic-writer`
global concurrency limit keeping a hand run from writing while another writer holds it."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import ROOT, query
from tests.support.http_server import TicSiteServer

pytestmark = pytest.mark.prefect


def prefect_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    from prefect.settings import PREFECT_API_URL

    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "TIC_"))}
    env.update(
        {
            "PREFECT_API_URL": PREFECT_API_URL.value() or "",
            "PREFECT_HOME": str(tmp_path / "prefect-home"),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            **extra,
        }
    )
    return env


def prefect(env: dict[str, str], *args: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "prefect", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_worker_runs_the_deployed_flow_and_loads_the_release(
    shared_tic: Path, prefect_harness, tmp_path: Path
) -> None:
    """README "Scaling out": create the process pool, `prefect deploy --all`, start a worker
    with TIC_DATA_DIR (prefect.yaml's data_dir is null); a flow run of tic-release/tic-monthly
    pointed at the loopback site completes on that worker and loads release 2026-06-18."""
    from prefect.deployments import run_deployment

    data_dir = tmp_path / "shared-volume" / "data"
    env = prefect_env(tmp_path, TIC_PROJECT_DIR=str(ROOT))
    prefect(env, "work-pool", "create", "tic-pool", "--type", "process", "--overwrite")
    prefect(env, "--no-prompt", "deploy", "--all")
    with TicSiteServer(shared_tic / "releases", "2026-06-18") as site:
        flow_run = run_deployment(
            "tic-release/tic-monthly", parameters={"source": site.base_url}, timeout=0
        )
        worker = subprocess.run(
            [
                sys.executable,
                "-m",
                "prefect",
                "worker",
                "start",
                "--pool",
                "tic-pool",
                "--run-once",
            ],
            cwd=ROOT,
            env={**env, "TIC_DATA_DIR": str(data_dir)},
            capture_output=True,
            text=True,
            timeout=600,
        )
        state = asyncio.run(_final_state(flow_run.id))
        asyncio.run(_delete_deployment("tic-release/tic-monthly"))
    assert worker.returncode == 0, worker.stdout[-3000:] + worker.stderr[-3000:]
    assert state == "COMPLETED", worker.stdout[-3000:] + worker.stderr[-3000:]
    assert query(data_dir, "select release_date from releases") == [(date(2026, 6, 18),)]
    [(outcome, run_id)] = query(data_dir, "select outcome, run_id from runs")
    assert outcome == "loaded"
    assert run_id.startswith(str(flow_run.id)[:8])  # the worker's flow run did it


async def _final_state(flow_run_id: object) -> str:
    from prefect.client.orchestration import get_client

    async with get_client() as client:
        for _ in range(120):
            run = await client.read_flow_run(flow_run_id)  # type: ignore[arg-type]
            if run.state and run.state.is_final():
                return str(run.state.type.value)
            await asyncio.sleep(1)
    return "NOT FINISHED"


async def _delete_deployment(name: str) -> None:
    from prefect.client.orchestration import get_client

    async with get_client() as client:
        deployment = await client.read_deployment_by_name(name)
        await client.delete_deployment(deployment.id)


def test_a_hand_run_waits_for_the_tic_writer_limit(
    shared_tic: Path, prefect_harness, tmp_path: Path
) -> None:
    """With a `tic-writer` global concurrency limit of 1 on the server and its slot held (as a
    writer on another machine would), `tic run` waits and writes nothing; once the slot is
    free it loads the release."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
    from prefect.concurrency.sync import concurrency

    async def create_limit() -> None:
        async with get_client() as client:
            await client.create_global_concurrency_limit(
                GlobalConcurrencyLimitCreate(name="tic-writer", limit=1)
            )

    async def delete_limit() -> None:
        async with get_client() as client:
            await client.delete_global_concurrency_limit_by_name("tic-writer")

    asyncio.run(create_limit())
    data_dir = tmp_path / "data"
    source = str(shared_tic / "releases" / "2023-03-15")
    log = tmp_path / "tic-run.log"
    try:
        with concurrency("tic-writer", occupy=1, strict=True):
            with open(log, "w") as out:
                process = subprocess.Popen(
                    [sys.executable, "-m", "cli.main", "run", "--source", source,
                     "--data-dir", str(data_dir), "--verbose"],
                    cwd=ROOT, env=prefect_env(tmp_path), stdout=out, stderr=out,
                )  # fmt: skip
            # --verbose shows Prefect's log: once the flow run has begun, the slot is the
            # only thing between it and the database.
            deadline = time.monotonic() + 240
            while "Beginning flow run" not in log.read_text() and time.monotonic() < deadline:
                assert process.poll() is None, log.read_text()
                time.sleep(0.2)
            time.sleep(5)
            assert process.poll() is None, log.read_text()
            assert not (data_dir / "tic.duckdb").exists()
            released_at = time.time()
        code = process.wait(timeout=300)
    finally:
        asyncio.run(delete_limit())
    assert (data_dir / "tic.duckdb").stat().st_mtime >= released_at  # written after the release
    assert code == 0, log.read_text()
    assert query(data_dir, "select release_date from releases") == [(date(2023, 3, 15),)]
