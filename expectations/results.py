"""What the quality gate found: one CheckResult per check, gathered in a GateReport.

No Great Expectations import here: the pipeline, the status command and the report page read
these plain dataclasses.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

ERROR = "error"  # blocks the load
WARNING = "warning"  # loaded, shown in status
SEVERITIES = (ERROR, WARNING)
NEXT_STEP = "fix or wait for a corrected file, then re-run `tic run`"


@dataclass(frozen=True)
class CheckResult:
    suite: str  # dataset suite name ("slt_table1"), or "cross_table", "history"
    check_name: str  # "expect_column_values_to_not_be_null(country)", "official_not_above_total"
    severity: str  # ERROR | WARNING
    success: bool
    checked_rows: int
    failed_rows: int
    examples: list[dict[str, Any]]  # up to 5 offending rows, with file and line_number if known
    file_name: str | None

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {SEVERITIES}, not {self.severity!r}")

    def describe(self) -> str:
        """'slt_table3.txt: <check> failed on 1 of 532 rows, e.g. line 6001 (...)'."""
        where = f"{self.file_name}: " if self.file_name else f"{self.suite}: "
        text = f"{where}{self.check_name} failed on {self.failed_rows} of {self.checked_rows} rows"
        if self.examples:
            text += ", e.g. " + describe_example(self.examples[0])
        return text


@dataclass(frozen=True)
class GateReport:
    release_date: date
    results: list[CheckResult]
    timings_s: dict[str, float] = field(default_factory=dict)  # import, suite run, ... seconds

    @property
    def errors(self) -> list[CheckResult]:
        """Failed checks that block the load."""
        return [r for r in self.results if not r.success and r.severity == ERROR]

    @property
    def warnings(self) -> list[CheckResult]:
        """Failed checks that are only reported."""
        return [r for r in self.results if not r.success and r.severity == WARNING]

    @property
    def passed(self) -> bool:
        return not self.errors

    @property
    def suites(self) -> list[str]:
        return sorted({r.suite for r in self.results})

    def summary(self) -> str:
        """One line: '12 suites, 143 checks: 0 failed, 2 warnings'."""
        return (
            f"{len(self.suites)} suites, {len(self.results)} checks: "
            f"{len(self.errors)} failed, {len(self.warnings)} warnings"
        )

    def failure_message(self) -> str:
        """One line naming the file, the check and example rows of the first failed check."""
        if not self.errors:
            return f"release {self.release_date} passed the quality gate ({self.summary()})"
        first, others = self.errors[0], len(self.errors) - 1
        more = f" (and {others} more failed checks in the validation report)" if others else ""
        return f"{first.describe()}{more}; {NEXT_STEP}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form for the run record and `tic status`."""
        return {
            "release_date": self.release_date.isoformat(),
            "passed": self.passed,
            "summary": self.summary(),
            "timings_s": dict(self.timings_s),
            "results": [asdict(result) for result in self.results],
        }


# What a value is compared with, as failure messages word it.
_COMPARED_WITH = {
    "expected_usd_millions": "vs",
    "total_usd_millions": "above total",
    "previous_usd_millions": "was",
}


def describe_example(example: dict[str, Any]) -> str:
    """'line 6001 (Grand Total 2025-12 treasury holdings 9267204 vs 9267205)'."""
    line = example.get("line_number")
    where = f"line {line}" if line is not None else example.get("origin")
    text = example["detail"] if "detail" in example else _words(example)
    if where:
        return f"{where} ({text})" if text else str(where)
    return text or "a row"


def _words(example: dict[str, Any]) -> str:
    words = [str(example["country"])] if example.get("country") is not None else []
    if example.get("period") is not None:
        words.append(str(example["period"])[:7])
    words += [str(example[k]) for k in ("security", "measure") if example.get(k) is not None]
    if example.get("holder") not in (None, "all"):
        words.append(str(example["holder"]))
    if "usd_millions" in example:
        words.append(format_amount(example["usd_millions"]))
    words += [
        f"{label} {format_amount(example[key])}"
        for key, label in _COMPARED_WITH.items()
        if key in example
    ]
    shown = {
        "line_number",
        "file",
        "origin",
        "country",
        "period",
        "security",
        "measure",
        "holder",
        "usd_millions",
        *_COMPARED_WITH,
    }
    words += [f"{key} {value}" for key, value in example.items() if key not in shown]
    return " ".join(words)


def format_amount(value: Any) -> str:
    """9267204.0 -> '9267204'; None -> 'null'; keeps decimals where there are any."""
    if value is None:
        return "null"
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return str(int(value))
    return str(value)


def plain(value: Any) -> Any:
    """A value as plain JSON-friendly Python: numpy scalars, pandas timestamps and NaN tamed."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return None if math.isnan(value) else value
    item = getattr(value, "item", None)  # numpy scalars
    if callable(item):
        return plain(item())
    to_pydatetime = getattr(value, "to_pydatetime", None)  # pandas Timestamp
    if callable(to_pydatetime):
        return plain(to_pydatetime())
    if str(value) in ("<NA>", "NaT", "nan"):
        return None
    return str(value)
