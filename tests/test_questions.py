"""docs/questions.md: each press question's query runs on the backfilled warehouse and gives the
answer read from the files by hand (the numbers quoted in the page)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import ROOT, query

PAGE = (ROOT / "docs" / "questions.md").read_text()
QUESTIONS = dict(re.findall(r"```sql\n-- question: (\w+)\n(.*?)```", PAGE, flags=re.S))


def answer(data_dir: Path, name: str) -> list[tuple]:
    return query(data_dir, QUESTIONS[name])


def test_the_page_has_every_question() -> None:
    """It finds one query per question the issue lists, and one on vintages."""
    assert set(QUESTIONS) == {
        "who_sold",
        "country_share",
        "official_private",
        "net_purchases_by_type",
        "first_versus_latest",
        "vintages_of_a_month",
    }


def test_who_sold(backfilled: Path) -> None:
    """It lists the countries whose Treasury holdings fell from 2025-06 to 2026-04, biggest
    seller first, and what they sold together."""
    rows = answer(backfilled, "who_sold")
    # slt_table3.txt (2026-06-18), for_treas_pos: China, Mainland 2025-06 731408, 2026-04
    # 651072; Brazil 215438, 168620.
    assert rows[0][:5] == ("China, Mainland", "Asia", 731408.0, 651072.0, -80336.0)
    assert rows[1][:5] == ("Brazil", "Latin America", 215438.0, 168620.0, -46818.0)
    # awk over slt_table3.txt: rows of both months that are not Total*, Memo:*, Of Which*,
    # All Countries, Grand Total or International, with for_treas_pos lower in 2026-04:
    # 22 of them, -269600 together.
    assert {(row[6], row[7]) for row in rows} == {(22, -269600.0)}
    assert len(rows) == 22
    names = {row[0] for row in rows}
    assert not names & {"International", "All Countries", "Total Asia", "Memo: Euro Area"}


def test_country_share_across_the_mfh_break(backfilled: Path) -> None:
    """It gives Japan's holdings and share from the MFH history before 2020 and Table 3 after."""
    rows = {row[0]: row[1:] for row in answer(backfilled, "country_share")}
    # 2000-03 to 2026-04, one row a month: 26 years and 2 months.
    assert len(rows) == 26 * 12 + 2
    # mfhhis01.txt, 2000 block, first "Mar" column (the second is comparison-only):
    # Japan 307.6, Grand Total 1085.0 (billions).
    assert rows[date(2000, 3, 1)][:2] == (307600.0, "mfhhis01")
    assert rows[date(2000, 3, 1)][2] == pytest.approx(307.6 / 1085.0)
    # mfhhis01.txt, 2019 block, Dec: Japan 1155.2, Grand Total 6844.2.
    assert rows[date(2019, 12, 1)][2] == pytest.approx(1155.2 / 6844.2)
    # slt_table3.txt, for_treas_pos 2020-01: Japan 1211845, Grand Total 7027316.
    assert rows[date(2020, 1, 1)][:2] == (1211845.0, "slt_table3")
    assert rows[date(2020, 1, 1)][2] == pytest.approx(1211845 / 7027316)
    # slt_table3.txt, 2026-04: Japan 1209889, Grand Total 9352646.
    assert rows[date(2026, 4, 1)][2] == pytest.approx(1209889 / 9352646)


def test_official_versus_private(backfilled: Path) -> None:
    """It splits Treasury holdings into official and private, derived where the MFH tables give
    only total and official."""
    rows = {row[0]: row[1:] for row in answer(backfilled, "official_private")}
    # mfhhis01.txt, 2019 block, Dec: Grand Total 6844.2, "For. Official" 4076.9 (billions).
    official, private, share, derived = rows[date(2019, 12, 1)]
    assert (official, derived) == (4076900.0, True)
    assert private == pytest.approx(2767300.0)
    assert share == pytest.approx(4076.9 / 6844.2)
    # slt_table3.txt 2025-12: Foreign Official 3877623, Non-Official 5389581, Grand Total 9267204.
    assert rows[date(2025, 12, 1)][:2] == (3877623.0, 5389581.0)
    assert rows[date(2025, 12, 1)][2] == pytest.approx(3877623 / 9267204)
    assert rows[date(2025, 12, 1)][3] is False


def test_net_purchases_by_type_over_a_year(backfilled: Path) -> None:
    """It sums foreigners' net purchases of each type of long-term security over 2025."""
    rows = answer(backfilled, "net_purchases_by_type")
    # awk sums of the Grand Total rows 2025-01..2025-12: slt_table1.txt (2026-07-14)
    # for_lt_total_net 1619166, for_lt_agcy_net 56167, for_lt_corp_net 392325,
    # for_lt_eqty_net 742231; slt_table3.txt (2026-06-18) for_lt_treas_net 428584.
    assert rows == [
        ("agency", 12, 56167.0),
        ("corporate_bonds", 12, 392325.0),
        ("equity", 12, 742231.0),
        ("treasury_long_term", 12, 428584.0),
        ("us_long_term", 12, 1619166.0),
    ]


def test_first_published_versus_latest(backfilled: Path) -> None:
    """It pairs a month's first published figure with its latest revision."""
    # slt_table1.txt Grand Total 2025-12 for_lt_total_pos: 36479521 in the 2026-06-18 copy,
    # 36479400 in the 2026-07-14 copy (../shared/tic/README.md quotes both).
    assert answer(backfilled, "first_versus_latest") == [
        (date(2025, 12, 1), date(2026, 6, 18), 36479521.0, date(2026, 7, 14), 36479400.0, -121.0)
    ]


def test_vintages_of_a_month(backfilled: Path) -> None:
    """It lists each figure a month has had with the days it was current."""
    assert answer(backfilled, "vintages_of_a_month") == [
        (36479521.0, date(2026, 6, 18), date(2026, 6, 18), date(2026, 7, 13)),
        (36479400.0, date(2026, 7, 14), date(2026, 7, 14), None),
    ]
