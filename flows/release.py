"""Prefect flows: a thin shell over ``tic.run.release.run_release``. The flows hand their tasks
in as the run's steps; retries, task names and flow-run ids are Prefect's business, the order
of the steps and the quarantine policy are the plain function's."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from tic.run import steps
from tic.run.release import RunResult, Steps, raise_if_rejected, run_backfill, run_release
from tic.settings import TREASURY_BASE_URL, load_settings
from tic.source.collect import ReleaseFile
from tic.source.fetch import FetchError, RetryPolicy, retry_policy

# A Prefect global concurrency limit: when one of this name exists on the server, every run
# (scheduled, by hand, on any machine) takes its slot before writing; without it, a no-op.
WRITER_LIMIT = "tic-writer"


def _transient(task: Any, task_run: Any, state: Any) -> bool:
    """Retry the fetch task on network trouble only, never on a 404 or a bad body."""
    try:
        state.result()
    except FetchError as error:
        return error.retryable
    except Exception:
        return False
    return False


_plain: dict[str, Any] = {"cache_policy": NO_CACHE}
_TASKS: dict[str, Any] = {
    "archive": task(**_plain)(steps.archive_release),
    "parse": task(**_plain)(steps.parse_release),
    "validate": task(**_plain)(steps.validate_release),
    "publish": task(name="load_and_publish", **_plain)(steps.publish_release),
}


def prefect_steps(policy: RetryPolicy) -> Steps:
    """The run's steps as Prefect tasks, the fetch retried as ``policy`` says."""

    def fetch_release(source: str, raw: Path) -> list[ReleaseFile]:
        return steps.fetch_release(source, raw, policy)

    fetch = task(
        name="fetch_release",
        retries=policy.task_retries,
        retry_delay_seconds=policy.task_retry_delay_s,
        retry_condition_fn=_transient,
        **_plain,
    )(fetch_release)
    return Steps(fetch=fetch, **_TASKS)


def _this_run() -> tuple[str, bool]:
    """(run-id prefix, scheduled): run ids start with the Prefect flow-run id (a backfill's
    releases share one); a flow run of a deployment is a scheduled poll."""
    from prefect.runtime import deployment, flow_run

    prefix = str(flow_run.id)[:8] if flow_run.id else "local"
    return prefix, deployment.id is not None


@contextlib.contextmanager
def writer_slot() -> Iterator[None]:
    """Hold a slot of the `tic-writer` global concurrency limit if the server has one."""
    from prefect.concurrency.sync import concurrency

    with concurrency(WRITER_LIMIT, occupy=1, strict=False):
        yield


@flow(name="tic-release", log_prints=True)
async def release_flow(
    source: str = TREASURY_BASE_URL, release_date: date | None = None, data_dir: str | None = None
) -> RunResult:
    """Pull one TIC release from a URL or a folder and load it as a new vintage.

    Async for Prefect's sake only (the body is the plain, blocking run): Prefect's sync engine
    joins the flow-run heartbeat thread at the end of every run, and that thread sleeps in 1 s
    steps, which made a quiet poll cost 1.1 s instead of 0.3. The async engine keeps the
    heartbeats (they let Prefect mark a crashed run) without waiting for them.
    """
    prefix, scheduled = _this_run()
    with writer_slot():
        result = run_release(
            source,
            load_settings().with_data_dir(data_dir),
            release_date=release_date,
            steps=prefect_steps(retry_policy(scheduled)),
            run_id_prefix=prefix,
        )
    return raise_if_rejected(result)


def run_release_flow(
    source: str = TREASURY_BASE_URL, release_date: date | None = None, data_dir: str | None = None
) -> RunResult:
    """release_flow from plain code (the CLI, tests, the benchmark): a flow run of its own."""
    return asyncio.run(release_flow(source=source, release_date=release_date, data_dir=data_dir))


@flow(name="tic-backfill", log_prints=True)
def backfill_flow(source: str, data_dir: str | None = None) -> list[RunResult]:
    """Replay release folders named YYYY-MM-DD in date order, each as the vintage of its date."""
    settings = load_settings().with_data_dir(data_dir)
    prefix, scheduled = _this_run()
    with writer_slot():
        return run_backfill(
            Path(source),
            settings,
            steps=prefect_steps(retry_policy(scheduled)),
            run_id_prefix=prefix,
        )
