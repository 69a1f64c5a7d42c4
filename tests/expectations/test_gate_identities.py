"""The additive identities measured on the real files (docs/quality_gate.md): each holds on the
real frames and stops a frame with one figure changed, naming the line.

Each check runs on its own (expectations.cross_table) so a corruption shows in the identity
meant for it; the gate runs them all on every release (tests/expectations/test_gate_real_*).
"""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from expectations.cross_table import (
    grand_total_equals_all_countries_plus_iros,
    regions_sum_to_all_countries,
    security_types_sum_to_total,
)
from expectations.results import ERROR

Frames = dict[str, pl.DataFrame]
JUNE_RELEASE = date(2026, 6, 18)
APRIL_2026 = date(2026, 4, 1)
DECEMBER_2025 = date(2025, 12, 1)
IDENTITIES = {
    "security_types_sum_to_total": security_types_sum_to_total,
    "grand_total_equals_all_countries_plus_iros": grand_total_equals_all_countries_plus_iros,
    "regions_sum_to_all_countries": regions_sum_to_all_countries,
}
# check -> the June files it applies to (measured: docs/quality_gate.md)
APPLIES_TO = {
    "security_types_sum_to_total": ("slt_table1", "slt_table2"),
    "grand_total_equals_all_countries_plus_iros": ("slt_table1", "slt_table2", "slt_table3"),
    "regions_sum_to_all_countries": ("slt_table2", "slt_table3"),
}


@pytest.fixture(scope="module")
def june(real_releases: dict[date, Frames]) -> Frames:
    return real_releases[JUNE_RELEASE]


def plus(frame: pl.DataFrame, amount: float, **where: object) -> tuple[pl.DataFrame, int]:
    """The frame with ``amount`` added to the one row matching ``where``, and that row's line."""
    hit = pl.all_horizontal(pl.col(name) == wanted for name, wanted in where.items())
    [line] = frame.filter(hit)["line_number"].to_list()
    changed = frame.with_columns(
        usd_millions=pl.when(hit).then(pl.col("usd_millions") + amount).otherwise("usd_millions")
    )
    return changed, line


@pytest.mark.parametrize(
    ("check", "source"), [(c, s) for c, sources in APPLIES_TO.items() for s in sources]
)
def test_the_identity_holds_on_the_real_file(june: Frames, check: str, source: str) -> None:
    """It passes the real 2026-06-18 file, every row it compares."""
    result = IDENTITIES[check](source, june[source])
    assert result is not None and result.success, result
    assert result.checked_rows > 400


def test_grand_total_is_all_countries_plus_iros_in_the_real_file(june: Frames) -> None:
    """Table 3, 2025-12 total Treasury holdings (lines 6398, 6626, 6702): All Countries 9,173,973
    + Total IROs 93,231 = Grand Total 9,267,204, the identity the check enforces."""
    table3 = june["slt_table3"]
    value = {
        country: table3.filter(
            country=country, period=DECEMBER_2025, security="treasury", measure="holdings"
        )["usd_millions"][0]
        for country in ("All Countries", "Total IROs", "Grand Total")
    }
    assert value == {"All Countries": 9_173_973, "Total IROs": 93_231, "Grand Total": 9_267_204}


# name -> (check, file, the row changed, the line the failure shows: the changed row's own line
# where the total sits on it, else the total's line, read in the file)
CORRUPTIONS = {
    "Table 1 equity off by 1,000": (
        "security_types_sum_to_total",
        "slt_table1",
        {"country": "Japan", "period": APRIL_2026, "security": "equity", "measure": "holdings"},
        None,
    ),
    "Table 2 foreign equity off by 1,000": (
        "security_types_sum_to_total",
        "slt_table2",
        {
            "country": "Austria",
            "period": APRIL_2026,
            "security": "foreign_equity",
            "measure": "net_purchases",
        },
        None,
    ),
    "Table 3 Total IROs off by 1,000": (
        "grand_total_equals_all_countries_plus_iros",
        "slt_table3",
        {
            "country": "Total IROs",
            "period": DECEMBER_2025,
            "security": "treasury",
            "measure": "holdings",
        },
        6702,  # Grand Total 2025-12
    ),
    "Table 3 Total Asia off by 1,000": (
        "regions_sum_to_all_countries",
        "slt_table3",
        {
            "country": "Total Asia",
            "period": DECEMBER_2025,
            "security": "treasury",
            "measure": "holdings",
        },
        6398,  # All Countries 2025-12
    ),
}


@pytest.mark.parametrize("name", CORRUPTIONS)
def test_the_identity_stops_one_changed_figure(june: Frames, name: str) -> None:
    """It fails on exactly the row whose figure no longer adds up, naming its line."""
    check, source, where, shown = CORRUPTIONS[name]
    corrupted, line = plus(june[source], 1_000.0, **where)
    result = IDENTITIES[check](source, corrupted)
    assert result is not None and not result.success
    assert result.severity == ERROR and result.failed_rows == 1
    assert result.examples[0]["line_number"] == (shown or line)
