"""The scheduled deployment `tic-monthly` of the release flow (policy: ``tic.ops.schedule``).

`tic serve` serves it with Prefect (`prefect.serve`, runs execute on this machine);
`tic serve --dry-run` prints what would be served and the next run times, registering nothing.
For work pools on several machines, prefect.yaml declares the same deployment.

Only `serve(dry_run=False)` imports the release flow (polars, DuckDB, Great Expectations);
the dry run needs Prefect's schedule arithmetic and nothing else, and never calls an API.
"""

from __future__ import annotations

import sys
from datetime import date
from typing import TYPE_CHECKING, Any

from tic.ops.schedule import (
    CATCH_UP_CRON,
    CRONS,
    DEPLOYMENT_NAME,
    ENTRYPOINT,
    FLOW_NAME,
    POLL_CRON,
    TIMEZONE,
    deployment_parameters,
    describe,
    next_run_times,
    release_day_rrule,
    release_days,
)
from tic.settings import Settings

if TYPE_CHECKING:
    from prefect.deployments.runner import RunnerDeployment

__all__ = [
    "CATCH_UP_CRON",
    "CRONS",
    "DEPLOYMENT_NAME",
    "ENTRYPOINT",
    "FLOW_NAME",
    "POLL_CRON",
    "TIMEZONE",
    "build_deployment",
    "describe",
    "next_run_times",
    "release_day_rrule",
    "release_days",
    "serve",
]


def _schedules(release_dates: list[date]) -> list[Any]:
    from prefect.schedules import Cron, RRule

    crons = [Cron(cron, timezone=TIMEZONE) for cron in CRONS]
    return crons + [RRule(release_day_rrule(d), timezone=TIMEZONE) for d in release_dates]


def _concurrency_limit() -> Any:
    """One run at a time: a poll that finds the previous one still running is cancelled
    (queueing would only stack up polls that would find nothing new)."""
    from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy

    return ConcurrencyLimitConfig(limit=1, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW)


def build_deployment(settings: Settings, today: date | None = None) -> RunnerDeployment:
    """The `tic-monthly` deployment of release_flow, with its schedules (release days from
    ``today``, default today in New York) and parameters."""
    from flows.release import release_flow

    deployment: RunnerDeployment = release_flow.to_deployment(  # type: ignore[assignment]
        name=DEPLOYMENT_NAME,
        schedules=_schedules(release_days(settings, today)),
        parameters=deployment_parameters(settings),
        concurrency_limit=_concurrency_limit(),
        description="Poll the Treasury's TIC documents and load any new release as a vintage.",
        tags=["tic"],
    )
    return deployment


def prefect_api_url() -> str | None:
    """The Prefect API `tic serve` would register with (environment or Prefect profile)."""
    from prefect.settings import PREFECT_API_URL

    return PREFECT_API_URL.value() or None


NO_SERVER = (
    "tic serve: no Prefect server configured (PREFECT_API_URL is not set). Schedules need a "
    "running server: Prefect's temporary server does not run the scheduler. Start one with "
    "`prefect server start`, then `prefect config set PREFECT_API_URL=http://127.0.0.1:4200/api`"
)


def serve(settings: Settings, dry_run: bool) -> int:
    """Serve the deployment until Ctrl-C, or with dry_run print it and return at once."""
    if dry_run:
        print(describe(settings))
        api = prefect_api_url()
        print(
            f"prefect api: {api} (not contacted)"
            if api
            else "prefect api: none set; `tic serve` needs one (`prefect server start`)"
        )
        print("dry run: nothing registered")
        return 0
    if prefect_api_url() is None:
        print(NO_SERVER, file=sys.stderr)
        return 2
    import prefect

    # limit=1: this process runs one flow at a time, whatever the server asks.
    prefect.serve(build_deployment(settings), limit=1)
    return 0
