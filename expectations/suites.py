"""One Great Expectations suite per parsed source, built as code.

Every expectation carries ``meta = {"check_name": ..., "severity": ...}``: the name the gate
reports and whether a failure blocks the load. Great Expectations is imported inside
``build_suite`` only (it costs seconds to import).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from expectations.known_countries import KNOWN_COUNTRY_CODES, KNOWN_UNCODED_COUNTRIES
from expectations.results import ERROR, WARNING
from expectations.settings import (
    ALL_ROW_KINDS,
    DATASETS,
    EARLIEST_PERIOD,
    HOLDERS,
    KEY_COLUMNS,
    MEASURES,
    SECURITIES,
    SOURCES_WITHOUT_COUNTRY_CODES,
    TIC_DATA_START,
)
from transforms.common import GRAND_TOTAL, PARSED_SCHEMA, add_months

if TYPE_CHECKING:
    import great_expectations as gx

# The dtype Great Expectations sees for each PARSED_SCHEMA column once the frame is converted
# by ``gx_validation.to_pandas`` (integers as pandas nullable integers, which GX names int32).
PANDAS_TYPES: dict[str, str] = {
    "source": "str",
    "line_number": "int32",
    "dataset": "str",
    "period": "datetime64[ms]",
    "country": "str",
    "country_code": "int32",
    "row_kind": "str",
    "security": "str",
    "holder": "str",
    "measure": "str",
    "usd_millions": "float64",
}
# No amount in a TIC file comes near a quadrillion dollars; infinities (and NaN, which the
# conversion turns into infinity because pandas cannot tell NaN from null) fall outside.
FINITE_BOUND_MILLIONS = 1e12
HOLDINGS_ARE_NON_NEGATIVE = "expect_column_values_to_be_between(usd_millions, measure == holdings)"


def key_columns_not_null(source: str) -> list[str]:
    """Keys that must be filled: country_code too, except in files whose countries have none."""
    return [
        k
        for k in KEY_COLUMNS
        if not (k == "country_code" and source in SOURCES_WITHOUT_COUNTRY_CODES)
    ]


def latest_possible_period(release_date: date) -> date:
    """A release cannot hold data for its own month or later."""
    return add_months(release_date, -1)


def build_suite(source: str, *, release_date: date) -> gx.ExpectationSuite:
    """The expectation suite for one parsed source (``slt_table1``, ``mfhhis01``, ...)."""
    import great_expectations as gx
    import great_expectations.expectations as gx_expectations

    # GX does not re-export its expectation classes for type checkers.
    gxe: Any = gx_expectations

    def named(kind: type, check_name: str, severity: str = ERROR, **kwargs: Any) -> Any:
        return kind(**kwargs, meta={"check_name": check_name, "severity": severity})

    def values(kind: type, column: str, severity: str = ERROR, **kwargs: Any) -> Any:
        return named(kind, f"{_type_name(kind)}({column})", severity, column=column, **kwargs)

    earliest = EARLIEST_PERIOD.get(source, TIC_DATA_START)
    latest = latest_possible_period(release_date)
    expectations = [
        named(
            gxe.ExpectTableColumnsToMatchOrderedList,
            "expect_table_columns_to_match_ordered_list",
            column_list=list(PARSED_SCHEMA),
        ),
        named(
            gxe.ExpectTableRowCountToBeBetween, "expect_table_row_count_to_be_between", min_value=1
        ),
        *(
            values(gxe.ExpectColumnValuesToBeOfType, name, type_=type_)
            for name, type_ in PANDAS_TYPES.items()
        ),
        *(values(gxe.ExpectColumnValuesToNotBeNull, name) for name in key_columns_not_null(source)),
        named(
            gxe.ExpectCompoundColumnsToBeUnique,
            f"expect_compound_columns_to_be_unique({', '.join(KEY_COLUMNS)})",
            column_list=list(KEY_COLUMNS),
        ),
        values(gxe.ExpectColumnValuesToBeInSet, "source", value_set=[source]),
        values(gxe.ExpectColumnValuesToBeInSet, "dataset", value_set=list(DATASETS)),
        values(gxe.ExpectColumnValuesToBeInSet, "row_kind", value_set=list(ALL_ROW_KINDS)),
        values(gxe.ExpectColumnValuesToBeInSet, "holder", value_set=list(HOLDERS)),
        values(gxe.ExpectColumnValuesToBeInSet, "security", value_set=list(SECURITIES)),
        values(gxe.ExpectColumnValuesToBeInSet, "measure", value_set=list(MEASURES)),
        # The file's months lie within the family's known range. Min and max rather than a
        # per-row check: GX compares dates row by row in Python (2 s on s1_globl).
        values(
            gxe.ExpectColumnMinToBeBetween,
            "period",
            min_value=datetime(earliest.year, earliest.month, 1),
        ),
        values(
            gxe.ExpectColumnMaxToBeBetween,
            "period",
            max_value=datetime(latest.year, latest.month, 1),
        ),
        values(
            gxe.ExpectColumnValuesToBeBetween,
            "usd_millions",
            min_value=-FINITE_BOUND_MILLIONS,
            max_value=FINITE_BOUND_MILLIONS,
        ),
        named(
            gxe.ExpectColumnValuesToBeBetween,
            HOLDINGS_ARE_NON_NEGATIVE,
            column="usd_millions",
            min_value=0,
            row_condition='measure == "holdings"',
            condition_parser="pandas",
        ),
        # A new code is reported, not dropped: it may be a country the Treasury just added.
        values(
            gxe.ExpectColumnValuesToBeInSet,
            "country_code",
            WARNING,
            value_set=sorted(KNOWN_COUNTRY_CODES),
        ),
    ]
    if source in SOURCES_WITHOUT_COUNTRY_CODES:
        expectations.append(
            values(
                gxe.ExpectColumnValuesToBeInSet,
                "country",
                WARNING,
                value_set=sorted(KNOWN_UNCODED_COUNTRIES | {GRAND_TOTAL}),
            )
        )
    return gx.ExpectationSuite(name=source, expectations=expectations)


def _type_name(kind: type) -> str:
    """ExpectColumnValuesToBeInSet -> expect_column_values_to_be_in_set."""
    name = kind.__name__
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")
