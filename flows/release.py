"""Prefect flows: a thin shell over ``tic.run.release.run_release``. The flows hand their tasks
in as the run's steps; retries, task names and flow-run ids are Prefect's business, the order
of the steps and the quarantine policy are the plain function's."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from tic.run import steps
from tic.run.release import RunResult, Steps, raise_if_rejected, run_backfill, run_release
from tic.settings import TREASURY_BASE_URL, load_settings
from tic.source.fetch import FetchError


def _transient(task: Any, task_run: Any, state: Any) -> bool:
    """Retry the fetch task on network trouble only, never on a 404 or a bad body."""
    try:
        state.result()
    except FetchError as error:
        return error.retryable
    except Exception:
        return False
    return False


PREFECT_STEPS = Steps(
    fetch=task(
        retries=2,
        retry_delay_seconds=[30, 120],
        retry_condition_fn=_transient,
        cache_policy=NO_CACHE,
    )(steps.fetch_release),
    archive=task(cache_policy=NO_CACHE)(steps.archive_release),
    parse=task(cache_policy=NO_CACHE)(steps.parse_release),
    validate=task(cache_policy=NO_CACHE)(steps.validate_release),
    publish=task(name="load_and_publish", cache_policy=NO_CACHE)(steps.publish_release),
)


def _flow_run_prefix() -> str:
    """Run ids start with the Prefect flow-run id (a backfill's releases share one)."""
    from prefect.runtime import flow_run

    return str(flow_run.id)[:8] if flow_run.id else "local"


@flow(name="tic-release", log_prints=True)
def release_flow(
    source: str = TREASURY_BASE_URL, release_date: date | None = None, data_dir: str | None = None
) -> RunResult:
    """Pull one TIC release from a URL or a folder and load it as a new vintage."""
    result = run_release(
        source,
        load_settings().with_data_dir(data_dir),
        release_date=release_date,
        steps=PREFECT_STEPS,
        run_id_prefix=_flow_run_prefix(),
    )
    return raise_if_rejected(result)


@flow(name="tic-backfill", log_prints=True)
def backfill_flow(source: str, data_dir: str | None = None) -> list[RunResult]:
    """Replay release folders named YYYY-MM-DD in date order, each as the vintage of its date."""
    settings = load_settings().with_data_dir(data_dir)
    return run_backfill(
        Path(source), settings, steps=PREFECT_STEPS, run_id_prefix=_flow_run_prefix()
    )
