"""The README's example queries run against the backfilled warehouse and return what the files
say (every expected figure read from ../shared/tic by hand; where each comes from is noted)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import ROOT, query

EXAMPLES = (ROOT / "README.md").read_text().split("### Example queries", 1)[1].split("\n## ", 1)[0]
QUERIES = re.findall(r"```sql\n(.*?)```", EXAMPLES, flags=re.S)


def test_readme_has_example_queries() -> None:
    """It finds the README's example queries, one per check below."""
    assert len(QUERIES) == len(CHECKS)


def top_holders(rows: list[tuple]) -> None:
    # slt_table3.txt (2026-06-18) for_treas_pos 2026-04, largest countries.
    assert rows[:3] == [
        ("Japan", 1209889.0),
        ("United Kingdom", 937523.0),
        ("China, Mainland", 651072.0),
    ]
    assert len(rows) == 10


def japan_since_2000(rows: list[tuple]) -> None:
    # mfhhis01.txt 2000 block, first Mar column: 307.6; slt_table3.txt 2020-01: 1211845,
    # 2026-04: 1209889; one row a month from 2000-03 to 2026-04.
    assert rows[0] == (date(2000, 3, 1), 307600.0, "mfhhis01")
    assert (date(2020, 1, 1), 1211845.0, "slt_table3") in rows
    assert rows[-1] == (date(2026, 4, 1), 1209889.0, "slt_table3")
    assert len(rows) == 26 * 12 + 2


def official_private(rows: list[tuple]) -> None:
    by_period = {row[0]: row[1:] for row in rows}
    # mfhhis01.txt 2019 block, Dec: Grand Total 6844.2, For. Official 4076.9.
    official, private, share, derived = by_period[date(2019, 12, 1)]
    assert (official, private, derived) == (4076900.0, pytest.approx(2767300.0), True)
    assert share == pytest.approx(4076.9 / 6844.2)
    # slt_table3.txt 2025-12: official 3877623, non-official 5389581, Grand Total 9267204.
    official, private, share, derived = by_period[date(2025, 12, 1)]
    assert (official, private, derived) == (3877623.0, 5389581.0, False)
    assert share == pytest.approx(3877623 / 9267204)


def net_purchases_2025(rows: list[tuple]) -> None:
    # awk sums of the Grand Total rows, 2025-01..2025-12: slt_table1.txt (2026-07-14) columns
    # for_lt_total/agcy/corp/eqty_net; slt_table2.txt us_lt_total/govt_bond/corp_bond/eqty_net;
    # slt_table3.txt for_treas_net, for_lt_treas_net, for_st_treas_net (Table 3 wins Treasuries).
    assert dict(rows) == {
        "agency": 56167.0,
        "corporate_bonds": 392325.0,
        "equity": 742231.0,
        "foreign_corporate_bonds": 108513.0,
        "foreign_equity": 107695.0,
        "foreign_government_bonds": 106339.0,
        "foreign_long_term": 322547.0,
        "treasury": 570877.0,
        "treasury_long_term": 428584.0,
        "treasury_short_term": 142293.0,
        "us_long_term": 1619166.0,
    }


def who_sold(rows: list[tuple]) -> None:
    # slt_table3.txt for_treas_pos 2025-06 and 2026-04 (see docs/questions.md).
    assert rows[0] == ("China, Mainland", "Asia", 731408.0, 651072.0, -80336.0)
    assert rows[1] == ("Brazil", "Latin America", 215438.0, 168620.0, -46818.0)
    assert len(rows) == 10


def first_versus_revised(rows: list[tuple]) -> None:
    # slt_table1.txt Grand Total for_lt_total_pos, 2026-06-18 copy against 2026-07-14 copy:
    # they differ for 2024-12 and 2025-06 to 2026-04.
    assert [row[0] for row in rows] == [date(2024, 12, 1)] + [
        date(2025 + (month > 12), (month - 1) % 12 + 1, 1) for month in range(6, 17)
    ]
    assert rows[0] == (date(2024, 12, 1), date(2026, 6, 18), 31627169.0, 31624151.0)
    assert (date(2025, 12, 1), date(2026, 6, 18), 36479521.0, 36479400.0) in rows


def revisions_2026_07_14(rows: list[tuple]) -> None:
    # The largest change among slt_table1.txt's Grand Total, Foreign Official and
    # Non-Official cells between the two copies: Non-Official (99991) 2024-12
    # for_lt_total_pos 25359171 -> 25212400; next Foreign Official 6267998 -> 6411751.
    assert rows[0] == (
        date(2024, 12, 1),
        "Grand Total",
        "private",
        "us_long_term",
        "holdings",
        25359171.0,
        25212400.0,
        -146771.0,
    )
    assert rows[1][2] == "official" and rows[1][7] == 143753.0
    assert len(rows) == 10


def form_s_by_year(rows: list[tuple]) -> None:
    # awk sum of s1_globl.txt Grand Total column [1] by year (quotes and commas dropped).
    assert len(rows) == 2022 - 1977 + 1
    assert rows[0] == (1977, 38627.0)
    assert rows[-1] == (2022, 25540800.0)


CHECKS = [
    top_holders,
    japan_since_2000,
    official_private,
    net_purchases_2025,
    who_sold,
    first_versus_revised,
    revisions_2026_07_14,
    form_s_by_year,
]


@pytest.mark.parametrize(
    ("sql", "check"), list(zip(QUERIES, CHECKS, strict=False)), ids=[c.__name__ for c in CHECKS]
)
def test_readme_query_answers_what_the_files_say(backfilled: Path, sql: str, check) -> None:
    """It runs each README query and gets the figures the files print."""
    check(query(backfilled, sql))
