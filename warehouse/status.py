"""`tic status`: latest release, vintages held, last run and its validation result."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from tic.settings import Settings
from warehouse.query import connect_read_only
from warehouse.runs import RunRecord, read_run_log


def status_text(settings: Settings, today: date | None = None) -> str:
    """The status report; `today` (default: today in America/New_York) dates the freshness."""
    paths = settings.paths
    if not paths.database.exists():
        return "\n".join(
            [
                f"no warehouse at {paths.database} yet: run `tic backfill` or `tic run`",
                *_freshness_lines(settings, None, today),
                *_run_lines(_newest_run([], read_run_log(paths.run_log)))[:2],
            ]
        )
    con = connect_read_only(paths.database)
    try:
        releases = con.execute(
            "select release_date, status, len(files) from releases order by release_date"
        ).fetchall()
        runs = con.execute(
            "select started_at, flow, outcome, release_date, files_changed, rows_loaded, "
            "validation_summary, report_path, message from runs limit 1"
        ).fetchall()
        checks = con.execute(
            """
            select
                suite,
                count(*) as checks,
                count(*) filter (where not success and severity = 'error') as failed,
                count(*) filter (where not success and severity = 'warning') as warnings,
                max(checked_rows) as checked_rows,
                sum(failed_rows) as failed_rows,
                list(check_name || ' (' || failed_rows || ' rows)' order by check_name)
                    filter (where not success) as not_passed,
            from validation_results
            where run_id = (select run_id from runs where validation_summary is not null limit 1)
            group by suite
            order by suite
            """
        ).fetchall()
    finally:
        con.close()
    lines = [f"warehouse: {paths.database}"]
    if releases:
        latest = releases[-1]
        lines.append(f"latest release loaded: {latest[0]} ({latest[1]}, {latest[2]} files)")
        lines.append("vintages held: " + ", ".join(str(r[0]) for r in releases))
    else:
        lines.append("latest release loaded: none")
    lines += _freshness_lines(settings, releases[-1][0] if releases else None, today)
    lines += _brief_lines(paths.briefs, releases[-1][0] if releases else None)
    lines += _run_lines(_newest_run(runs, read_run_log(paths.run_log)))
    lines += _check_lines(checks)
    return "\n".join(lines)


def _freshness_lines(
    settings: Settings, latest_release: date | None, today: date | None
) -> list[str]:
    from tic.ops.calendar import load_calendar
    from tic.ops.freshness import freshness, today_in_washington

    today = today or today_in_washington()
    calendar = load_calendar(settings.release_calendar)
    report = freshness(calendar, latest_release, today, settings.max_days_overdue)
    return [f"freshness on {today} (America/New_York): {report.message}"]


def _brief_lines(briefs: Path, latest_release: date | None) -> list[str]:
    """The latest release's brief, or why it is missing (a failed brief leaves <date>.error)."""
    from tic.brief import brief_path, error_path

    if latest_release is None:
        return []
    failure = error_path(briefs, latest_release)
    if failure.exists():
        reason = failure.read_text().strip()
        return [
            f"brief of {latest_release}: FAILED ({reason}); the release is loaded; "
            f"retry with `tic brief --release-date {latest_release}`"
        ]
    brief = brief_path(briefs, latest_release)
    if brief.exists():
        return [f"latest brief: {brief}"]
    return [f"latest brief: none for {latest_release}; write it with `tic brief`"]


def _newest_run(stored: list[tuple[Any, ...]], logged: list[RunRecord]) -> list[tuple[Any, ...]]:
    """The newest of the database's last run and the run log's (no-change polls not merged
    into the database yet)."""
    if not logged:
        return stored
    last = max(logged, key=lambda r: r.started_at)
    if stored and stored[0][0] >= last.started_at:
        return stored
    return [
        (
            last.started_at,
            last.flow,
            last.outcome,
            last.release_date,
            list(last.files_changed),
            last.rows_loaded,
            last.validation_summary,
            last.report_path,
            last.message,
        )
    ]


def _run_lines(runs: list[tuple[Any, ...]]) -> list[str]:
    if not runs:
        return ["last run: none"]
    started, flow, outcome, release, files, rows, summary, report, message = runs[0]
    lines = [
        f"last run: {started:%Y-%m-%d %H:%M:%S %Z} {flow} -> {outcome}"
        + (f" (release {release})" if release else ""),
        f"  {message}",
    ]
    if files:
        lines.append(f"  files changed: {', '.join(files)}; values loaded: {rows}")
    if summary:
        lines.append(f"  validation: {summary}")
    if report:
        lines.append(f"  report: {report}")
    return lines


def _check_lines(suites: list[tuple[Any, ...]]) -> list[str]:
    if not suites:
        return []
    lines = [
        "suites of the last validated run (checks, failed, warnings, rows checked, rows failed):"
    ]
    for suite, checks, failed, warnings, checked, failed_rows, not_passed in suites:
        result = "FAILED" if failed else ("WARNING" if warnings else "passed")
        lines.append(
            f"  {suite:12} {result:8} {checks:4} checks  {failed} failed  {warnings} warnings  "
            f"{checked} rows checked  {failed_rows} rows failed"
        )
        lines += [f"    {name}" for name in not_passed or []]
    return lines
