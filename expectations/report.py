"""The gate's report as one self-contained HTML page (what GX Data Docs would show): every
suite, every check, its result, checked and failed counts, and the example rows."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from expectations.results import ERROR, CheckResult, GateReport, describe_example
from tic.files import write_atomic

_STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; }
.verdict { padding: .6em 1em; border-radius: 4px; font-weight: 600; }
.passed { background: #e6f4ea; } .failed { background: #fce8e6; } .warning { background: #fef7e0; }
table { border-collapse: collapse; width: 100%; margin: .5em 0; }
th, td { border: 1px solid #ddd; padding: .3em .5em; text-align: left; vertical-align: top; }
th { background: #f5f5f5; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.failed td { background: #fce8e6; } tr.warning td { background: #fef7e0; }
.examples { font-size: 12px; margin: 0; padding-left: 1.2em; } code { font-size: 12px; }
"""


def write_report(report: GateReport, directory: Path) -> Path:
    """Write ``validation-<release_date>.html`` into ``directory`` and return its path."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"validation-{report.release_date.isoformat()}.html"
    return write_atomic(path, render(report))


def render(report: GateReport) -> str:
    """The whole page as text."""
    title = f"TIC release {report.release_date}: quality gate"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{_e(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
        _verdict(report),
        _overview(report),
        *(
            _suite_section(suite, [r for r in report.results if r.suite == suite])
            for suite in report.suites
        ),
        _timings(report.timings_s),
        "</body></html>",
    ]
    return "\n".join(parts)


def _verdict(report: GateReport) -> str:
    if not report.passed:
        kind, text = "failed", f"FAILED, nothing loaded. {report.failure_message()}"
    elif report.warnings:
        kind, text = "warning", f"PASSED with warnings. {report.summary()}"
    else:
        kind, text = "passed", f"PASSED. {report.summary()}"
    return f'<p class="verdict {kind}">{_e(text)}</p>'


def _overview(report: GateReport) -> str:
    rows = []
    for suite in report.suites:
        results = [r for r in report.results if r.suite == suite]
        files = sorted({r.file_name for r in results if r.file_name})
        errors = sum(1 for r in results if not r.success and r.severity == ERROR)
        warnings = sum(1 for r in results if not r.success and r.severity != ERROR)
        rows.append(
            f'<tr><td><a href="#{_e(suite)}">{_e(suite)}</a></td><td>{_e(", ".join(files))}</td>'
            f'<td class="num">{len(results)}</td><td class="num">{errors}</td>'
            f'<td class="num">{warnings}</td></tr>'
        )
    return (
        "<h2>Suites</h2><table><tr><th>suite</th><th>files</th><th>checks</th>"
        "<th>failed</th><th>warnings</th></tr>" + "".join(rows) + "</table>"
    )


def _suite_section(suite: str, results: list[CheckResult]) -> str:
    rows = "".join(_check_row(result) for result in results)
    return (
        f'<h2 id="{_e(suite)}">{_e(suite)}</h2><table><tr><th>check</th><th>file</th>'
        "<th>severity</th><th>result</th><th>checked rows</th><th>failed rows</th>"
        f"<th>examples</th></tr>{rows}</table>"
    )


def _check_row(result: CheckResult) -> str:
    if result.success:
        css, outcome = "", "passed"
    elif result.severity == ERROR:
        css, outcome = "failed", "FAILED"
    else:
        css, outcome = "warning", "warning"
    examples = "".join(f"<li>{_example(example)}</li>" for example in result.examples)
    return (
        f'<tr class="{css}"><td><code>{_e(result.check_name)}</code></td>'
        f"<td>{_e(result.file_name or '')}</td><td>{_e(result.severity)}</td>"
        f'<td>{outcome}</td><td class="num">{result.checked_rows:,}</td>'
        f'<td class="num">{result.failed_rows:,}</td>'
        f"<td>{f'<ul class=examples>{examples}</ul>' if examples else ''}</td></tr>"
    )


def _example(example: dict[str, Any]) -> str:
    return _e(describe_example(example))


def _timings(timings: dict[str, float]) -> str:
    if not timings:
        return ""
    rows = "".join(
        f'<tr><td>{_e(name)}</td><td class="num">{seconds:.3f}</td></tr>'
        for name, seconds in timings.items()
    )
    return f"<h2>Timings (seconds)</h2><table><tr><th>step</th><th>s</th></tr>{rows}</table>"


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)
