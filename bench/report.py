"""Turn the figures bench/run.py measured into the printed table and its section of
bench/results.md."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

GB = 1e9
MB = 1e6

# Stage rows of the in-process tables: (key in the stage summary, label).
STAGE_ROWS = (
    ("fetch", "fetch (collect_directory / collect_http)"),
    ("archive", "archive (raw objects + records)"),
    ("select_new", "select_new (sha256 vs warehouse)"),
    ("parse", "parse, all families"),
    ("parse/s1_globl", "  parse s1_globl"),
    ("parse/mfh", "  parse mfh"),
    ("parse/slt_table1", "  parse slt_table1"),
    ("parse/slt_table2", "  parse slt_table2"),
    ("parse/slt_table3", "  parse slt_table3"),
    ("parse/slt_table5", "  parse slt_table5"),
    ("parse/mfhhis01", "  parse mfhhis01"),
    ("calendar", "load_calendar"),
    ("resolve_release_date", "resolve_release_date"),
    ("current_values", "current_values (read warehouse; beside the parse when the date is known)"),
    ("validate", "validation (start_gate: changed rows, polars checks)"),
    ("validate/polars_checks", "  polars / cross-table / history"),
    ("validate/gx_import", "GX import (first call in a process; beside the load)"),
    ("validate/gx_context", "GX context (beside the load)"),
    ("validate/gx_suites", "GX suites, incl. to_pandas (beside the load)"),
    ("report", "validation HTML report"),
    ("load", "load into the working copy (apply_release)"),
    ("load/apply/s1_globl", "  apply_file s1_globl"),
    ("load/apply/mfh", "  apply_file mfh"),
    ("load/apply/slt_table1", "  apply_file slt_table1"),
    ("load/apply/slt_table2", "  apply_file slt_table2"),
    ("load/apply/slt_table3", "  apply_file slt_table3"),
    ("load/apply/slt_table5", "  apply_file slt_table5"),
    ("load/apply/mfhhis01", "  apply_file mfhhis01"),
    ("gate_wait", "wait for the GX suites' verdict"),
    ("runlog", "run + validation records"),
    ("reconcile_parquet", "reconcile_parquet"),
    ("publish", "publish (writable_copy, all)"),
    ("publish/copy", "  copy tic.duckdb (a thread, beside the parse)"),
    ("publish/objects", "  objects (SQL files, when changed)"),
    ("publish/refresh", "  refresh latest winners + revisions (incremental)"),
    ("publish/parquet_export", "  Parquet snapshot export"),
    ("publish/fsync", "  fsync"),
    ("publish/rename", "  rename + parquet link swap"),
    ("publish/cleanup", "  remove old snapshots"),
    ("publish/other", "  connect, checkpoint, close"),
    ("stages_total", "sum of stages"),
    ("pipeline_work", "pipeline's own work (sum of stages)"),
    ("wall", "wall time of the call"),
)


def _s(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _mb(value: float) -> str:
    return f"{value / MB:.0f} MB"


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def budget_rows(
    results: dict[str, Any], budgets: dict[str, float]
) -> list[tuple[str, str, str, str]]:
    """(budget, measured, limit, PASS/FAIL)."""
    cold = results["cli_backfill"]["wall_s"]
    work = results["flow_backfill"]["wall"]
    poll = results["flow_no_change"]["wall"]
    cli_poll = results["cli_no_change"]["phases_s"].get("flow")
    slowest = max(results["queries"].items(), key=lambda item: item[1]["median_ms"])
    peak = max(
        results[k]["tree_peak_rss_bytes"]
        for k in ("cli_backfill", "cli_http_first", "cli_new_release", "cli_no_change")
    )
    worst = max(results["parsing"], key=lambda f: f["ratio"])
    total_parse = sum(f["parse_s"] for f in results["parsing"])
    total_bare = sum(f["bare_s"] for f in results["parsing"])
    return [
        (
            "cold backfill, wall incl. start-up (`tic backfill`)",
            f"{cold:.1f} s",
            f"< {budgets['cold_backfill_s']:.0f} s",
            _verdict(cold < budgets["cold_backfill_s"]),
        ),
        (
            "pipeline's own work: backfill_flow, server up, imports done",
            f"{work:.1f} s",
            f"< {budgets['pipeline_work_s']:.0f} s",
            _verdict(work < budgets["pipeline_work_s"]),
        ),
        (
            "no-change poll after start-up: release_flow, server up "
            f"(CLI log: flow {_s(cli_poll)} s)",
            f"{poll:.2f} s",
            f"< {budgets['no_change_after_startup_s']:.0f} s",
            _verdict(poll < budgets["no_change_after_startup_s"]),
        ),
        (
            f"slowest analyst query median ({slowest[0]})",
            f"{slowest[1]['median_ms']:.1f} ms",
            f"< {budgets['query_ms']:.0f} ms",
            _verdict(slowest[1]["median_ms"] < budgets["query_ms"]),
        ),
        (
            "peak RSS, process tree, any `tic` run",
            f"{peak / GB:.2f} GB",
            f"< {budgets['peak_rss_bytes'] / GB:.1f} GB",
            _verdict(peak < budgets["peak_rss_bytes"]),
        ),
        (
            f"parse time / bare polars.read_csv, worst family ({worst['source']}; "
            f"all files together {total_parse / total_bare:.1f}x)",
            f"{worst['ratio']:.1f}x",
            f"<= {budgets['parse_ratio']:.0f}x",
            _verdict(worst["ratio"] <= budgets["parse_ratio"]),
        ),
    ]


def _table(header: list[str], rows: list[list[str]], markdown: bool) -> str:
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
        lines += ["| " + " | ".join(row) + " |" for row in rows]
        return "\n".join(lines)
    widths = [max(len(str(c)) for c in column) for column in zip(header, *rows, strict=True)]
    fmt = "  ".join(f"{{:<{w}}}" if i == 0 else f"{{:>{w}}}" for i, w in enumerate(widths))
    lines = [fmt.format(*header), fmt.format(*("-" * w for w in widths))]
    return "\n".join([*lines, *(fmt.format(*row) for row in rows)])


def _cli_rows(results: dict[str, Any]) -> list[list[str]]:
    rows = []
    for key, label in (
        ("cli_backfill", "cold `tic backfill` (3 releases, empty data dir)"),
        ("cli_http_first", "`tic run` HTTP, first load of 2026-06-18 (1 run)"),
        ("cli_new_release", "`tic run` HTTP, new release 2026-07-14"),
        ("cli_no_change", "`tic run` HTTP, no-change poll (all 304)"),
    ):
        run = results[key]
        phases = run["phases_s"]
        rows.append(
            [
                label,
                _s(run["wall_s"]),
                _s(phases.get("startup")),
                _s(phases.get("server")),
                _s(phases.get("flow")),
                _s(phases.get("shutdown")),
                _s(run["cpu_s"]),
                f"{run['tree_peak_rss_bytes'] / GB:.2f}",
                f"{run['max_single_rss_bytes'] / GB:.2f}",
                " ".join(f"{w:.1f}" for w in run["wall_all_s"]),
            ]
        )
    return rows


CLI_HEADER = [
    "subprocess (median)",
    "wall s",
    "start-up s",
    "server s",
    "flow s",
    "shutdown s",
    "CPU s",
    "tree peak GB",
    "1 proc GB",
    "all runs s",
]


def _stage_rows(results: dict[str, Any]) -> list[list[str]]:
    columns = [
        results[k]
        for k in ("plain_backfill", "plain_backfill_first", "plain_new_release", "plain_no_change")
    ]
    rows = []
    for key, label in STAGE_ROWS:
        values = [c.get(key) for c in columns]
        if all(not v for v in values):
            continue
        rows.append([label, *(_s(v) if v else "-" for v in values)])
    return rows


STAGE_HEADER = [
    "stage, in process, plain functions (s)",
    "backfill median",
    "backfill 1st",
    "new release",
    "no-change",
]


def _prefect_rows(results: dict[str, Any]) -> list[list[str]]:
    server = results["server"]
    fb, fp = results["flow_backfill"], results["flow_no_change"]
    return [
        [
            "Prefect temporary server start, new PREFECT_HOME (DB created)",
            _s(server["first_start_s"]),
        ],
        ["Prefect temporary server start, existing PREFECT_HOME", _s(server["start_s"])],
        [
            "Prefect temporary server start, in the bench process",
            _s(results["flow_server_start_s"]),
        ],
        ["backfill_flow, server up: wall", _s(fb["wall"])],
        ["backfill_flow: sum of stages", _s(fb["stages_total"])],
        ["backfill_flow: Prefect overhead (wall - stages)", _s(fb["prefect_overhead"])],
        ["release_flow no-change poll, server up: wall", _s(fp["wall"])],
        ["release_flow no-change: sum of stages", _s(fp["stages_total"])],
        ["release_flow no-change: Prefect overhead", _s(fp["prefect_overhead"])],
    ]


def _import_rows(results: dict[str, Any]) -> list[list[str]]:
    rows = [[label, _s(value)] for label, value in results["imports_s"].items()]
    rows.append(
        ["prefect.server.api.server, inside the server probe", _s(results["server"]["import_s"])]
    )
    return rows


def _parse_rows(results: dict[str, Any]) -> list[list[str]]:
    return [
        [
            f["source"],
            f["release"],
            f"{f['file_bytes'] / 1e3:.0f} kB",
            str(f["rows_out"]),
            f"{f['parse_s'] * 1000:.1f}",
            f"{f['parse_mb_s']:.1f}",
            f"{f['bare_s'] * 1000:.1f}",
            f"{f['bare_mb_s']:.1f}",
            f"{f['ratio']:.1f}x",
        ]
        for f in results["parsing"]
    ]


PARSE_HEADER = [
    "family",
    "copy",
    "size",
    "values",
    "parse ms",
    "parse MB/s",
    "bare ms",
    "bare MB/s",
    "parse/bare",
]


def _query_rows(results: dict[str, Any], limit: float) -> list[list[str]]:
    return [
        [
            name,
            f"{q['median_ms']:.1f}",
            f"{q['first_ms']:.1f}",
            f"{q['max_ms']:.1f}",
            str(q["rows"]),
            _verdict(q["median_ms"] < limit),
        ]
        for name, q in results["queries"].items()
    ]


QUERY_HEADER = ["analyst query", "median ms", "first ms", "max ms", "rows", "budget"]


def _sections(
    results: dict[str, Any], budgets: dict[str, float], markdown: bool
) -> list[tuple[str, str]]:
    return [
        (
            "Budgets",
            _table(
                ["budget", "measured", "limit", "verdict"],
                [list(r) for r in budget_rows(results, budgets)],
                markdown,
            ),
        ),
        (
            "End to end: `tic` as a subprocess, no PREFECT_API_URL",
            _table(CLI_HEADER, _cli_rows(results), markdown),
        ),
        (
            "Stages in process (plain functions, no Prefect)",
            _table(STAGE_HEADER, _stage_rows(results), markdown),
        ),
        ("Prefect", _table(["Prefect (median)", "s"], _prefect_rows(results), markdown)),
        (
            "Import time (fresh interpreter, minus bare start-up)",
            _table(["import", "s"], _import_rows(results), markdown),
        ),
        (
            "Parse throughput vs bare polars.read_csv of the data rows",
            _table(PARSE_HEADER, _parse_rows(results), markdown),
        ),
        (
            "Analyst queries (read-only connection, reconnect excluded)",
            _table(QUERY_HEADER, _query_rows(results, budgets["query_ms"]), markdown),
        ),
    ]


def render_table(results: dict[str, Any], budgets: dict[str, float]) -> str:
    blocks = [f"\n== {title} ==\n{body}" for title, body in _sections(results, budgets, False)]
    memory = (
        f"\nbench process peak RSS (in-process runs): {_mb(results['peak_rss_in_process_bytes'])}"
    )
    return "\n".join(blocks) + memory + f"\nbench wall time: {results['bench_wall_s']:.0f} s\n"


def _machine_md(results: dict[str, Any]) -> str:
    m, s = results["machine"], results["settings"]
    packages = ", ".join(f"{k} {v}" for k, v in m["packages"].items())
    bytecode = m["bytecode"]
    dirty = " (uncommitted changes)" if m["dirty"] else ""
    load_start = tuple(round(x, 2) for x in m["load_average_start"])
    load_end = tuple(round(x, 2) for x in m["load_average_end"])
    no_pyc = bytecode["PYTHONDONTWRITEBYTECODE"] or "unset"
    return "\n".join(
        [
            f"- date: {m['date']}; git commit `{m['commit']}`{dirty}",
            f"- machine: {m['cpu']}, {m['cores']} cores, {m['ram_gb']} GiB RAM; {m['os']}",
            f"- Python {m['python']}; {packages}",
            f"- load average at start {load_start}, at end {load_end} "
            "(other work shares the machine)",
            f"- bytecode: PYTHONDONTWRITEBYTECODE={no_pyc}, "
            f"{bytecode['pyc_files_in_site_packages']} .pyc files in site-packages",
            f"- runs: {s['e2e_repeat']} per end-to-end and in-process pipeline figure, "
            f"{s['repeat']} per query and parse; medians unless marked; "
            f"bench wall time {results['bench_wall_s']:.0f} s",
        ]
    )


# bench/run.py's own section of results.md: from a heading that starts with SECTION_PREFIX (a
# hand-edited one such as "..., before this change)" too) to the end marker, or to the end of
# the file without one. Everything above and below is written by hand and kept.
SECTION_PREFIX = "## Full benchmark"
SECTION_HEADING = f"{SECTION_PREFIX} (`bench/run.py`)"
SECTION_END = "<!-- end of the bench/run.py section; hand-written sections may follow -->"


def render_markdown(results: dict[str, Any], budgets: dict[str, float]) -> str:
    """bench/run.py's section of results.md, from its heading to its end marker."""
    parts = [
        SECTION_HEADING,
        "",
        "Written by `uv run python bench/run.py`; see bench/README.md for what each figure "
        "means and bench/PROFILE.md for where the time goes and what to change.",
        "",
        _machine_md(results),
    ]
    for title, body in _sections(results, budgets, True):
        parts += ["", f"## {title}", "", body]
    parts += [
        "",
        f"Bench process peak RSS (in-process runs): "
        f"{_mb(results['peak_rss_in_process_bytes'])}. HTTP no-change poll statuses: "
        f"{results['cli_no_change'].get('statuses')}.",
        "",
        SECTION_END,
        "",
    ]
    return "\n".join(parts)


def write_section(path: Path, section: str) -> None:
    """Put ``section`` in place of the old one in ``path``, keeping the text around it; add it
    at the end if the file has none, or start the file with a title if there is no file."""
    text = path.read_text() if path.exists() else "# Benchmark results\n\n"
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.startswith(SECTION_PREFIX)), None)
    if start is None:
        before, after = text.rstrip("\n") + "\n\n", ""
    else:
        end = next(
            (i + 1 for i in range(start, len(lines)) if lines[i].strip() == SECTION_END),
            len(lines),
        )
        before, after = "".join(lines[:start]), "".join(lines[end:])
    staged = path.with_name(f".{path.name}.tmp")
    staged.write_text(before + section + after)
    os.replace(staged, path)
