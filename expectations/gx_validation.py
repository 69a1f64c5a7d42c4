"""Run the per-source suites with Great Expectations and turn its results into CheckResults.

One ephemeral context per run, one pandas datasource, one dataframe asset and
whole-dataframe batch definition per source; each suite is validated on its batch,
pass/fail first and in summary only when something failed. Each polars frame is converted to
pandas once.
"""

from __future__ import annotations

import contextlib
import gc
import math
import sys
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import date
from time import perf_counter
from typing import Any

import polars as pl

from expectations.common import file_name_of
from expectations.results import ERROR, CheckResult, plain
from expectations.settings import MAX_EXAMPLES

LINE_NUMBER = "line_number"


def validate_sources(
    frames: dict[str, pl.DataFrame],
    *,
    release_date: date,
    timings: dict[str, float],
    pass_fail_first: bool = True,
) -> list[CheckResult]:
    """Every frame against its source's suite; records import, context and suite times.
    ``pass_fail_first`` false runs every suite in summary at once (what a failing suite gets)."""
    if not frames:
        return []
    started = perf_counter()
    first_import = "great_expectations" not in sys.modules
    import great_expectations  # noqa: F401  (timed here: the first import takes seconds)

    if first_import:
        # The modules' objects (GX, pandas, polars: about 290,000) live as long as the process;
        # frozen, each full collection between releases (tic.run.memory) skips them: 150 ms.
        gc.freeze()
    timings["import_great_expectations"] = perf_counter() - started

    started = perf_counter()
    batch_definitions = _BatchDefinitions()
    timings["gx_context"] = perf_counter() - started

    started = perf_counter()
    with configurations_built_once():
        results = _validate_each(batch_definitions, frames, release_date, pass_fail_first)
    timings["gx_suites"] = perf_counter() - started
    return results


class _BatchDefinitions:
    """One ephemeral GX context per run, with a dataframe asset and whole-frame batch
    definition per source, made on first use. Not shared between runs: its execution engine
    keeps each batch's data and caches metrics by batch id, which is the same for a source in
    every run. The suites are validated without being stored (storing one serialised it)."""

    def __init__(self) -> None:
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        context = gx.get_context(mode="ephemeral")
        context.variables.progress_bars = ProgressBarsConfig(globally=False)
        self._datasource = context.data_sources.add_pandas(name="tic_release")
        self._by_source: dict[str, Any] = {}

    def __getitem__(self, source: str) -> Any:
        if source not in self._by_source:
            asset = self._datasource.add_dataframe_asset(name=source)
            self._by_source[source] = asset.add_batch_definition_whole_dataframe(
                name=f"{source}_whole_file"
            )
        return self._by_source[source]


def _validate_each(
    batch_definitions: _BatchDefinitions,
    frames: dict[str, pl.DataFrame],
    release_date: date,
    pass_fail_first: bool,
) -> list[CheckResult]:
    from expectations.suites import build_suite

    results: list[CheckResult] = []
    for source, frame in sorted(frames.items()):
        suite = build_suite(source, release_date=release_date)
        converted = to_pandas(frame)
        try:
            batch = batch_definitions[source].get_batch(batch_parameters={"dataframe": converted})
            checks = _pass_fail(batch, suite, source, frame, converted) if pass_fail_first else None
            if checks is None:
                outcome = batch.validate(suite, result_format=_result_format(frame))
                checks = [to_check_result(source, result, frame) for result in outcome.results]
        except Exception as error:  # a frame GX cannot read at all is a failed release, not a crash
            results.append(_suite_crashed(source, frame, error))
            continue
        order = {(e.meta or {})["check_name"]: i for i, e in enumerate(suite.expectations)}
        results += sorted(checks, key=lambda check: order.get(check.check_name, len(order)))
    return results


# Inside ``configurations_built_once``: each expectation's configuration, by id (the
# expectation is kept too, so its id is not reused). None elsewhere, and in other threads.
_BUILT: ContextVar[dict[int, tuple[Any, Any]] | None] = ContextVar("_BUILT", default=None)


@contextlib.contextmanager
def configurations_built_once() -> Iterator[None]:
    """GX 1.x builds an expectation's configuration anew (a pydantic ``dict()`` and a new
    object) each time it reads one of its arguments: about 60 times per expectation and run,
    which was 40% of the suites' time. Nothing changes an expectation while its suite runs, so
    inside this block each expectation builds it once. Outside it, and in any other thread,
    the property is GX's own."""
    _cache_configurations()
    token = _BUILT.set({})
    try:
        yield
    finally:
        _BUILT.reset(token)


def _cache_configurations() -> None:
    """Put the caching property on GX's Expectation class, once per process."""
    from great_expectations.expectations.expectation import Expectation

    current = Expectation.__dict__["configuration"]
    if getattr(current.fget, "gx_configuration", None) is not None:
        return
    built_by_gx = current.fget

    def configuration(expectation: Any) -> Any:
        built = _BUILT.get()
        if built is None:
            return built_by_gx(expectation)
        entry = built.get(id(expectation))
        if entry is None or entry[0] is not expectation:
            entry = built[id(expectation)] = (expectation, built_by_gx(expectation))
        return entry[1]

    configuration.gx_configuration = built_by_gx  # type: ignore[attr-defined]
    Expectation.configuration = property(configuration)  # type: ignore[method-assign,assignment]


def to_pandas(frame: pl.DataFrame) -> Any:
    """The frame as pandas for GX: integers as nullable integers (so a null does not turn a
    column into floats), NaN as infinity (pandas cannot tell NaN from null; both are not
    finite amounts, and null means n.a.)."""
    floats = [name for name, dtype in frame.schema.items() if dtype.is_float()]
    converted = frame.with_columns(pl.col(floats).fill_nan(math.inf)).to_pandas()
    for name, dtype in frame.schema.items():
        if dtype.is_integer():
            converted[name] = converted[name].astype(str(dtype))  # "Int32": pandas nullable
    return converted


def _result_format(frame: pl.DataFrame) -> dict[str, Any]:
    result_format: dict[str, Any] = {
        "result_format": "SUMMARY",
        "partial_unexpected_count": MAX_EXAMPLES,
    }
    if LINE_NUMBER in frame.columns:
        result_format["unexpected_index_column_names"] = [LINE_NUMBER]
    return result_format


def to_check_result(source: str, result: Any, frame: pl.DataFrame) -> CheckResult:
    """One GX ExpectationValidationResult as a CheckResult, line numbers in its examples."""
    config = result.expectation_config
    meta = config.meta or {}
    file_name = file_name_of(source)
    details: dict[str, Any] = result.result or {}
    exception = result.exception_info or {}

    def check(
        success: bool, checked: int, failed: int, examples: list[dict[str, Any]]
    ) -> CheckResult:
        return CheckResult(
            suite=source,
            check_name=meta.get("check_name", config.type),
            severity=meta.get("severity", ERROR),
            success=success,
            checked_rows=checked,
            failed_rows=failed,
            examples=examples,
            file_name=file_name,
        )

    def whole_file(detail: str) -> list[dict[str, Any]]:
        return [{"file": file_name, "origin": "the whole file", "detail": detail}]

    if exception.get("raised_exception") or not _is_plain_result(exception):
        reason = _exception_reason(config.kwargs, exception, frame)
        return check(False, frame.height, frame.height, whole_file(reason))
    if "unexpected_count" not in details:  # a table- or column-level expectation
        if result.success:
            return check(True, frame.height, 0, [])
        observed = plain_text(details.get("observed_value"))
        detail = f"observed {observed}; expected {_expected(config.kwargs)}"
        return check(False, frame.height, frame.height, whole_file(detail))
    examples = [
        {"file": file_name} | {key: plain(value) for key, value in row.items()}
        for row in details.get("partial_unexpected_index_list") or []
    ]
    return check(
        bool(result.success),
        int(details.get("element_count") or 0),
        int(details.get("unexpected_count") or 0),
        examples[:MAX_EXAMPLES],
    )


def _pass_fail(
    batch: Any, suite: Any, source: str, frame: pl.DataFrame, converted: Any
) -> list[CheckResult] | None:
    """The suite's results from a pass/fail run (half the cost of a summary), or None when an
    expectation failed: that suite is run again in summary for its counts and example lines."""
    outcome = batch.validate(suite, result_format="BOOLEAN_ONLY")
    passed = [passed_check(source, result, frame, converted) for result in outcome.results]
    checks = [check for check in passed if check is not None]
    return checks if len(checks) == len(passed) else None


def passed_check(
    source: str, result: Any, frame: pl.DataFrame, converted: Any
) -> CheckResult | None:
    """A passed expectation of a pass/fail run as ``to_check_result`` reports it from a summary
    run: every row checked (the rows its row condition selects, when it has one), none failed.
    None for a failed one, or one whose row condition this code cannot count."""
    config = result.expectation_config
    condition = config.kwargs.get("row_condition")
    if isinstance(condition, dict):  # GX 1.x keeps a pandas query as a pass-through filter
        condition = condition.get("pass_through_filter", condition)
    if not result.success or not isinstance(condition, str | None):
        return None
    meta = config.meta or {}
    return CheckResult(
        suite=source,
        check_name=meta.get("check_name", config.type),
        severity=meta.get("severity", ERROR),
        success=True,
        checked_rows=len(converted.query(condition)) if condition else frame.height,
        failed_rows=0,
        examples=[],
        file_name=file_name_of(source),
    )


def _suite_crashed(source: str, frame: pl.DataFrame, error: Exception) -> CheckResult:
    file_name = file_name_of(source)
    detail = f"Great Expectations could not validate the frame: {type(error).__name__}: {error}"
    return CheckResult(
        suite=source,
        check_name="great_expectations_suite_runs",
        severity=ERROR,
        success=False,
        checked_rows=frame.height,
        failed_rows=frame.height,
        examples=[{"file": file_name, "origin": "the whole file", "detail": detail[:500]}],
        file_name=file_name,
    )


def _is_plain_result(exception: dict[str, Any]) -> bool:
    """GX nests metric exceptions one level down, keyed by metric id."""
    return not any(
        isinstance(value, dict) and value.get("raised_exception") for value in exception.values()
    )


def _exception_reason(
    kwargs: dict[str, Any], exception: dict[str, Any], frame: pl.DataFrame
) -> str:
    columns = [kwargs["column"]] if "column" in kwargs else list(kwargs.get("column_list") or [])
    missing = [name for name in columns if name not in frame.columns]
    if missing:
        return f"column {', '.join(missing)} is missing"
    messages = [exception.get("exception_message")] + [
        value.get("exception_message") for value in exception.values() if isinstance(value, dict)
    ]
    return next((m for m in messages if m), "Great Expectations could not evaluate the check")


def _expected(kwargs: dict[str, Any]) -> str:
    for key in ("column_list", "type_", "value_set"):
        if key in kwargs:
            return plain_text(kwargs[key])
    bounds = [
        f"{word} {plain_text(kwargs[key])}"
        for key, word in (("min_value", "at least"), ("max_value", "at most"))
        if kwargs.get(key) is not None
    ]
    return " and ".join(bounds) if bounds else plain_text(kwargs)


def plain_text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return "[" + ", ".join(str(plain(item)) for item in value) + "]"
    return str(plain(value))
