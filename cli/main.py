"""The `tic` command: run, backfill, serve, sql, status, brief, mirror."""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Callable
from datetime import date
from pathlib import Path

from tic.settings import Settings, load_settings


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from None


DATA_DIR_HELP = "warehouse folder (default $TIC_DATA_DIR, else ./data)"
VERBOSE_HELP = "also print Prefect's log and a failure's traceback on stderr"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tic", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="pull one release and load it")
    run.add_argument("--source", default=None, help="http(s) base URL or a folder of release files")
    run.add_argument("--release-date", type=_date, default=None)
    run.add_argument("--data-dir", help=DATA_DIR_HELP)
    run.add_argument("--verbose", action="store_true", help=VERBOSE_HELP)

    backfill = commands.add_parser("backfill", help="replay a folder of YYYY-MM-DD release folders")
    backfill.add_argument("--source", required=True)
    backfill.add_argument("--data-dir", help=DATA_DIR_HELP)
    backfill.add_argument("--verbose", action="store_true", help=VERBOSE_HELP)

    serve = commands.add_parser("serve", help="serve the scheduled Prefect deployment")
    serve.add_argument("--dry-run", action="store_true")
    serve.add_argument("--verbose", action="store_true", help=VERBOSE_HELP)

    sql = commands.add_parser("sql", help="run read-only SQL against the warehouse")
    sql.add_argument("query", help="one or more statements separated by ';'")
    sql.add_argument("--format", choices=("table", "csv", "json"), default="table")
    sql.add_argument(
        "--output", type=Path, default=None, help="write the last result to a .csv/.json/.parquet"
    )
    sql.add_argument("--data-dir", help=DATA_DIR_HELP)

    status = commands.add_parser("status", help="latest release, vintages, last run")
    status.add_argument("--data-dir", help=DATA_DIR_HELP)

    brief = commands.add_parser("brief", help="write the release brief (HTML) of a release")
    brief.add_argument("--release-date", type=_date, default=None, help="default: the latest")
    brief.add_argument("--output", type=Path, default=None, help="default: <data-dir>/briefs/")
    brief.add_argument("--data-dir", help=DATA_DIR_HELP)

    mirror = commands.add_parser("mirror", help="copy the warehouse into PostgreSQL now")
    mirror.add_argument(
        "--postgres-url", default=None, help="postgresql://... (default $TIC_POSTGRES_URL)"
    )
    mirror.add_argument("--data-dir", help=DATA_DIR_HELP)
    return parser


def main(argv: list[str] | None = None) -> int:
    # Prefect's local server must not try to phone home from a closed network.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    args = build_parser().parse_args(argv)
    verbose = bool(getattr(args, "verbose", False))
    try:
        settings = load_settings().with_data_dir(getattr(args, "data_dir", None))
        return COMMANDS[args.command](args, settings)
    except KeyboardInterrupt:
        print("interrupted; the published warehouse is unchanged", file=sys.stderr)
        return 130
    except Exception as error:
        from tic.ops.lock import RunInProgress  # imported late: `tic sql` starts fast

        if isinstance(error, RunInProgress):
            print(f"skipped: {error}")
            return 0
        if verbose:
            traceback.print_exception(error, file=sys.stderr)
        print(f"tic {args.command}: {_one_line(error)}", file=sys.stderr)
        return 1


def _one_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return " ".join(text.split())


def quiet_prefect_console(verbose: bool) -> None:
    """Keep Prefect's console log (a failure's traceback, task states) off stderr unless
    --verbose: the API log handler still sends all of it to the Prefect server, where the
    flow run's log shows it; stderr gets the one line `tic <command>: <reason>`."""
    import logging

    from prefect.logging.configuration import setup_logging
    from prefect.logging.handlers import PrefectConsoleHandler

    setup_logging()
    if verbose:
        return
    loggers = [logging.getLogger(), *map(logging.getLogger, logging.root.manager.loggerDict)]
    for logger in loggers:
        for handler in getattr(logger, "handlers", []):
            if isinstance(handler, PrefectConsoleHandler):
                handler.setLevel(logging.CRITICAL + 1)


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from tic.source.collect import check_source

    source = check_source(args.source or settings.source)  # before Prefect starts or writes
    quiet_prefect_console(args.verbose)
    from flows.release import run_release_flow

    result = run_release_flow(
        source=source, release_date=args.release_date, data_dir=str(settings.paths.root)
    )
    print(result.message)
    return 0


def cmd_backfill(args: argparse.Namespace, settings: Settings) -> int:
    from tic.run.release import release_folders

    source = Path(args.source).resolve()
    release_folders(source)  # a source without release folders fails before anything starts
    quiet_prefect_console(args.verbose)
    from flows.release import backfill_flow

    results = backfill_flow(source=str(source), data_dir=str(settings.paths.root))
    for result in results:
        print(f"{result.release_date}: {result.outcome}: {result.message}")
    return 0


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from flows.schedule import serve

    if not args.dry_run:
        from tic.source.collect import check_source

        check_source(settings.source, resolve_host=False)
        quiet_prefect_console(args.verbose)
    return serve(settings, dry_run=args.dry_run)


def cmd_sql(args: argparse.Namespace, settings: Settings) -> int:
    from warehouse.query import run_query

    print(run_query(settings.paths.database, args.query, args.format, args.output))
    return 0


def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    from warehouse.status import status_text

    print(status_text(settings))
    return 0


def cmd_brief(args: argparse.Namespace, settings: Settings) -> int:
    from tic.brief import brief_path, error_path, write_brief
    from tic.brief.queries import latest_release_date

    database, briefs = settings.paths.database, settings.paths.briefs
    release_date = args.release_date or latest_release_date(database)
    print(write_brief(database, release_date, args.output or brief_path(briefs, release_date)))
    if args.output is None:  # the release's own brief is there now: clear a failure left by a run
        error_path(briefs, release_date).unlink(missing_ok=True)
    return 0


def cmd_mirror(args: argparse.Namespace, settings: Settings) -> int:
    from tic.ops.lock import run_lock
    from warehouse.mirror import mirror_warehouse

    url = args.postgres_url or settings.postgres_url
    if not url:
        raise ValueError("no PostgreSQL to mirror to: pass --postgres-url or set TIC_POSTGRES_URL")
    paths = settings.paths
    if not paths.database.exists():
        raise FileNotFoundError(f"no warehouse at {paths.database}: load one first with `tic run`")
    with run_lock(paths.lock):  # a run publishing meanwhile would mirror a moment later anyway
        result = mirror_warehouse(
            paths.database, url, settings.postgres_reader, logged=settings.postgres_logged
        )
    assert result is not None  # forced copies always run
    print(
        f"mirrored publish {result.publish_id}: {result.total_rows} rows in "
        f"{len(result.rows)} tables in {result.seconds:.1f} s"
    )
    return 0


COMMANDS: dict[str, Callable[[argparse.Namespace, Settings], int]] = {
    "run": cmd_run,
    "backfill": cmd_backfill,
    "serve": cmd_serve,
    "sql": cmd_sql,
    "status": cmd_status,
    "brief": cmd_brief,
    "mirror": cmd_mirror,
}

if __name__ == "__main__":
    sys.exit(main())
