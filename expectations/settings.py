"""What the quality gate checks against: keys, vocabularies, period bounds and tolerances.

Every tolerance below was measured on the real files in ../shared/tic (docs/quality_gate.md
lists the measured gaps); change one only together with that page.
"""

from __future__ import annotations

from datetime import date

from transforms.common import ROW_KINDS
from transforms.registry import FILE_FAMILIES

FILE_NAME_BY_SOURCE: dict[str, str] = {family.source: family.file_name for family in FILE_FAMILIES}

# One value per key in every parsed file (row_kind separates the MFH "comparison" columns).
KEY_COLUMNS: tuple[str, ...] = (
    "period",
    "country",
    "country_code",
    "security",
    "holder",
    "measure",
    "row_kind",
)
# Sources whose country rows carry no TIC code (only their Grand Total rows do).
SOURCES_WITHOUT_COUNTRY_CODES = frozenset({"slt_table5", "mfhhis01", "mfh"})
# Sources where every series runs without a gap from its first month to its last. In s1_globl
# and mfhhis01 countries enter and leave the list, so only the file's months must be contiguous.
SOURCES_WITH_GAPLESS_SERIES = frozenset(
    {"slt_table1", "slt_table2", "slt_table3", "slt_table4", "slt_table5", "mfh", "npr_history"}
)

HOLDERS = ("all", "official", "private")
DATASETS = ("holdings", "flows", "npr_summary")
SECURITIES = (
    "treasury",
    "treasury_long_term",
    "treasury_short_term",
    "treasury_bills",
    "treasury_bonds_notes",
    "agency",
    "corporate_bonds",
    "equity",
    "us_long_term",
    "foreign_long_term",
    "foreign_government_bonds",
    "foreign_corporate_bonds",
    "foreign_bonds",
    "foreign_equity",
    "all",  # npr_history summary lines
)
MEASURES = (
    "holdings",
    "net_purchases",
    "gross_purchases",
    "gross_sales",
    "valuation_change",
    *(f"line_{number:02d}" for number in range(1, 33)),  # npr_history lines 1..32
)
ALL_ROW_KINDS = ROW_KINDS

# The first data month each file has ever covered; an earlier period is a parsing accident.
TIC_DATA_START = date(1977, 1, 1)
EARLIEST_PERIOD: dict[str, date] = {
    "slt_table1": date(2020, 1, 1),
    "slt_table2": date(2020, 1, 1),
    "slt_table3": date(2020, 1, 1),
    "slt_table4": date(2023, 2, 1),  # Form SLT gross flows start with the 2023-02 series break
    "slt_table5": date(2000, 1, 1),  # rolling 13 months; bounded by the MFH history's start
    "mfhhis01": date(2000, 1, 1),
    "mfh": date(2000, 1, 1),
    "s1_globl": TIC_DATA_START,
    "npr_history": date(1978, 1, 1),
}
# mfhhis01 holds whole years only: its newest month is the December before the data month.
YEAR_END_SOURCES = frozenset({"mfhhis01"})

# --- tolerances, in millions of dollars unless named otherwise -------------------------------
# SLT figures are whole millions, each rounded on its own: a sum of two rounded parts can miss
# the rounded total by 1. Measured max gap: 0 (Tables 1 and 3 holder split), 1 (Table 3 total
# versus long-term + short-term).
SLT_ROUNDING_MILLIONS = 2.0
# Totals of security types, per source: total -> its parts. Measured max gap: 1 (Table 1, all
# 14,168 rows with every part; Table 2 country and aggregate rows), 0 (Table 4 excerpt).
SECURITY_TYPE_TOTALS: dict[str, dict[str, tuple[str, ...]]] = {
    "slt_table1": {"us_long_term": ("treasury_long_term", "agency", "corporate_bonds", "equity")},
    "slt_table2": {
        "foreign_long_term": (
            "foreign_government_bonds",
            "foreign_corporate_bonds",
            "foreign_equity",
        )
    },
    "slt_table4": {
        "us_long_term": ("treasury_long_term", "agency", "corporate_bonds", "equity"),
        "foreign_long_term": (
            "foreign_government_bonds",
            "foreign_corporate_bonds",
            "foreign_equity",
        ),
    },
}
# Table 2's U.S.-holder-sector rows (816xx) do not add up: 7 of their holdings miss their total
# by 597 to 8,492 millions (2026-06-18), so they are left out of that identity.
SECURITY_TYPES_EXEMPT_ROW_KINDS: dict[str, tuple[str, ...]] = {"slt_table2": ("holder_sector",)}
# Grand Total = All Countries + Total IROs: measured gap 0 in Tables 1-3 (770, 616, 421 rows).
# s1_globl misses it in 2 of 6,636 rows (2003-01 foreign bonds, by 1,213 and 3,245): not checked.
SOURCES_WITH_ALL_COUNTRIES_PLUS_IROS = frozenset({"slt_table1", "slt_table2", "slt_table3"})
# All Countries = the sum of these regions: measured gap 1 (Table 2), 0 (Table 3). Table 1 misses
# it by up to 29,417 millions in 482 of 770 rows (the Treasury's own totals), so not checked.
REGIONS_OF_ALL_COUNTRIES = (
    "Total Europe",
    "Canada",
    "Total Latin America",
    "Total Caribbean",
    "Total Asia",
    "Total Africa",
    "Total Other",
)
SOURCES_WITH_REGIONS_SUMMING = frozenset({"slt_table2", "slt_table3"})
# MFH figures are billions with one decimal: each is off by up to 0.05 bn = 50 millions.
MFH_ROUNDING_PER_FIGURE_MILLIONS = 50.0
# Table 5 Grand Total x 1000 against Table 3's (README: within 0.05 billion). Measured max: 47
# (Grand Total) and 49 (Foreign Official).
TABLE5_VS_TABLE3_MILLIONS = 50.0
# holdings(t) - holdings(t-1) - net_purchases(t) - valuation_change(t), as a share of
# holdings(t-1), for the Grand Total from 2023-02. "Other changes" (reclassifications, new
# reporters) make it non-zero. Measured max: 0.96% (Table 1), 1.41% (Table 2), 0.87% (Table 3).
HOLDINGS_CHANGE_RELATIVE_TOLERANCE = 0.02
HOLDINGS_CHANGE_FIRST_PERIOD = date(2023, 2, 1)  # net flows are n.a. before the series break
HOLDINGS_CHANGE_SERIES: dict[str, str] = {
    "slt_table1": "us_long_term",
    "slt_table2": "foreign_long_term",
    "slt_table3": "treasury_long_term",
}
# A revision of an old month is reported when it moves the value by more than both of these.
# The 2026-07-14 release revises 3,127 Table 1 values; 110 exceed both (one warning lists them).
REVISION_RELATIVE_THRESHOLD = 0.01
REVISION_ABSOLUTE_THRESHOLD_MILLIONS = 1000.0
# "Off by a factor of 1000": a value at least OUTLIER_FACTOR times the median size of its own
# series over a centred 13-month window, where that median is at least OUTLIER_MIN_MEDIAN
# (smaller series jump from near zero for real: Table 2 Barbados equity 2 -> 14,272 -> 8).
# Largest ratios in the real files: 118x (Table 1), 77x (Table 2), 69x (Table 3), 199x
# (s1_globl, Panama 1994-09); MFH tables under 4x.
OUTLIER_FACTOR = 300.0
OUTLIER_WINDOW_MONTHS = 13
OUTLIER_MIN_MEDIAN_MILLIONS = 20.0
# The other direction (a value divided by 1000), for holdings only: flows cross zero and
# holdings fall to exactly 0 for real (mfhhis01 France 2008-04), so zero is never flagged.
# Largest real ratio of median to value: 77x (mfhhis01 El Salvador 2025-01).
OUTLIER_DROP_MIN_MEDIAN_MILLIONS = 10_000.0
# A revision whose new / old ratio lies within 1% of 1000 (or 1/1000) is a unit slip: only the
# rounding of the smaller figure moves the ratio off 1000 (651.1 bn for 651,123 millions).
FACTOR_1000_RATIO_BOUNDS = (990.0, 1010.0)

MAX_EXAMPLES = 5
