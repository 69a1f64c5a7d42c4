"""Backfills of rewritten real releases through the Prefect backfill flow.

- Every file of every real release rewritten with every layout variant at once (LF endings, no
  trailing blank lines, no final line break, titles further left, whole numbers without .0)
  loads exactly the values the original bytes load.
- An older and a newer copy of mfhhis01.txt beside the real releases load as vintages of their
  own: the values they change appear in `revisions` and in `holdings_as_of` between releases.
- A Table 4 built from the real excerpt, in a release of its own (2026-09-16, data month
  2026-07), loads: holder-sector rows (816xx) apart from issuer-sector rows (826xx), the cells
  that do not apply NULL.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import query
from tests.support.variants import every_variant

pytestmark = pytest.mark.prefect

# Views whose every row must be the same whatever layout the bytes had.
CONTRACT_VIEWS = ("holdings", "flows", "official_private", "revisions", "observations")
# Japan's and the Grand Total's December 2019 holdings in the real mfhhis01.txt (line 298
# "Japan  1155.2 ...", line 341 "Grand Total  6844.2 ...", billions). The hand-made older and
# newer copies revise both by the same amount, so the countries still add up to the total.
JAPAN_2019_12 = b"Japan\t1155.2\t"
TOTAL_2019_12 = b"Grand Total\t6844.2\t"
OLDER_JAPAN, REAL_JAPAN, NEWER_JAPAN = 1_150_000.0, 1_155_200.0, 1_160_000.0


def revised(history: bytes, japan: str, total: str) -> bytes:
    assert history.count(JAPAN_2019_12) == history.count(TOTAL_2019_12) == 1
    history = history.replace(JAPAN_2019_12, b"Japan\t" + japan.encode() + b"\t")
    return history.replace(TOTAL_2019_12, b"Grand Total\t" + total.encode() + b"\t")


def backfill(source: Path, data_dir: Path) -> None:
    from flows.release import backfill_flow

    results = backfill_flow(source=str(source), data_dir=str(data_dir))
    assert [r.outcome for r in results] == ["loaded"] * len(results), results


def rows(data_dir: Path, view: str) -> list[tuple]:
    return query(data_dir, f"select * from {view} order by all")


def test_every_variant_of_every_real_file_loads_the_same_values(
    shared_tic: Path, backfilled: Path, tmp_path: Path
) -> None:
    """It backfills the three releases with every file rewritten and publishes the same rows in
    every contract view as the backfill of the original bytes."""
    source = tmp_path / "releases"
    for folder in sorted((shared_tic / "releases").iterdir()):
        (source / folder.name).mkdir(parents=True)
        for file in folder.iterdir():
            rewritten = every_variant(file.name, file.read_bytes())
            assert rewritten != file.read_bytes()
            (source / folder.name / file.name).write_bytes(rewritten)

    backfill(source, tmp_path / "data")

    for view in CONTRACT_VIEWS:
        assert rows(tmp_path / "data", view) == rows(backfilled, view), view


TABLE4_RELEASE = "2026-09-16"  # the calendar's release of data month 2026-07
# Excerpt rows left out so that every series runs month by month, as a whole Table 4 does:
# its 2023-02 rows, and Belgium's and Denmark's 2026-04 rows (the excerpt skips 05 and 06).
TABLE4_LEFT_OUT = (b"\t2023-02\t", b"Belgium\t10251\t2026-04", b"Denmark\t10502\t2026-04")


def table4_release_file(excerpt: bytes) -> bytes:
    lines = excerpt.splitlines(keepends=True)
    kept = [line for line in lines if not any(part in line for part in TABLE4_LEFT_OUT)]
    assert len(lines) - len(kept) == 4
    return b"".join(kept)


def older_history(real: bytes) -> bytes:
    """mfhhis01.txt as served before 2023: the 2023-2025 blocks not yet there, Japan 2019-12
    (and the Grand Total) not yet revised: 1150.0 (6839.0)."""
    lines = real.splitlines(keepends=True)
    first = next(i for i, line in enumerate(lines) if line.startswith(b"Country\t2025")) - 1
    kept = next(i for i, line in enumerate(lines) if line.startswith(b"Country\t2022")) - 1
    return revised(b"".join(lines[:first] + lines[kept:]), "1150.0", "6839.0")


@pytest.fixture(scope="module")
def extended_releases(shared_tic: Path, prefect_harness, tmp_path_factory) -> Path:
    """The real releases, plus an older mfhhis01.txt in 2023-03-15, a newer one (Japan 2019-12
    revised to 1160.0) beside slt_table1.txt in 2026-07-14, and a release of Table 4 alone."""
    real_releases = shared_tic / "releases"
    source = tmp_path_factory.mktemp("history-vintages") / "releases"
    shutil.copytree(real_releases, source)
    for path in source.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    real = (real_releases / "2026-06-18" / "mfhhis01.txt").read_bytes()
    (source / "2023-03-15" / "mfhhis01.txt").write_bytes(older_history(real))
    newer = revised(real, "1160.0", "6849.0")
    (source / "2026-07-14" / "mfhhis01.txt").write_bytes(newer)
    excerpt = (shared_tic / "layouts" / "slt_table4-excerpt.txt").read_bytes()
    (source / TABLE4_RELEASE).mkdir()
    (source / TABLE4_RELEASE / "slt_table4.txt").write_bytes(table4_release_file(excerpt))
    data_dir = source.parent / "data"
    backfill(source, data_dir)
    return data_dir


def test_each_copy_of_the_history_loads_as_its_own_vintage(extended_releases: Path) -> None:
    """It records both changes of Japan's 2019-12 holding in `revisions`, each against the
    copy it replaced."""
    revised = query(
        extended_releases,
        "select release_date::varchar, previous_release_date::varchar, usd_millions, "
        "previous_usd_millions, revision_usd_millions from revisions "
        "where country = 'Japan' and period = DATE '2019-12-01' and holder = 'all' "
        "order by release_date",
    )
    assert revised == [
        ("2026-06-18", "2023-03-15", REAL_JAPAN, OLDER_JAPAN, REAL_JAPAN - OLDER_JAPAN),
        ("2026-07-14", "2026-06-18", NEWER_JAPAN, REAL_JAPAN, NEWER_JAPAN - REAL_JAPAN),
    ]


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        ("2023-03-15", OLDER_JAPAN),
        ("2025-01-01", OLDER_JAPAN),  # between the older copy and the real one
        ("2026-06-18", REAL_JAPAN),
        ("2026-07-01", REAL_JAPAN),  # between the real copy and the newer one
        ("2026-07-14", NEWER_JAPAN),
    ],
)
def test_holdings_as_of_shows_the_copy_current_on_that_date(
    extended_releases: Path, as_of: str, expected: float
) -> None:
    """It returns, for a date, the value of the newest copy released on or before it."""
    assert query(
        extended_releases,
        f"select usd_millions, source from holdings_as_of(DATE '{as_of}') "
        "where country = 'Japan' and period = DATE '2019-12-01' and holder = 'all' "
        "and security = 'treasury'",
    ) == [(expected, "mfhhis01")]


def test_the_older_copy_lacks_the_years_it_predates(extended_releases: Path) -> None:
    """Before the real copy, the history ended in 2022 (mfh.txt, Table 3 aside)."""
    assert query(
        extended_releases,
        "select max(period)::varchar from holdings_as_of(DATE '2025-01-01') "
        "where source = 'mfhhis01'",
    ) == [("2022-12-01",)]


def table4(data_dir: Path, where: str) -> list[tuple]:
    return query(
        data_dir,
        "select row_kind, measure, usd_millions from observations where source = 'slt_table4' "
        f"and {where} order by measure",
    )


def test_table4_keeps_holder_and_issuer_sectors_apart(extended_releases: Path) -> None:
    """It classifies the sector rows by code: 816xx holder_sector, 826xx issuer_sector, though
    both are named "Of Which: Depository Institutions"."""
    kinds = query(
        extended_releases,
        "select distinct country_code, row_kind from observations "
        "where source = 'slt_table4' and country = 'Of Which: Depository Institutions' "
        "order by country_code",
    )
    assert kinds == [(81663, "holder_sector"), (82643, "issuer_sector")]


def test_table4_stores_a_column_that_does_not_apply_as_null(extended_releases: Path) -> None:
    """The excerpt's 81663 row for 2026-07 prints 0 in for_lt_total_sale and for_lt_total_pur
    (U.S. securities: no holder-sector flow) and 505892 / 506605 in us_lt_total_sale / _pur
    (excerpt line 28). The zeros land as NULL, the foreign-securities flows as printed."""
    where = "country_code = 81663 and period = DATE '2026-07-01' and security = '{}'"
    assert table4(extended_releases, where.format("us_long_term")) == [
        ("holder_sector", "gross_purchases", None),
        ("holder_sector", "gross_sales", None),
    ]
    assert table4(extended_releases, where.format("foreign_long_term")) == [
        ("holder_sector", "gross_purchases", 506605.0),
        ("holder_sector", "gross_sales", 505892.0),
    ]


def test_table4_country_rows_load_as_gross_flows(extended_releases: Path) -> None:
    """Austria 2026-07 (excerpt line 10): U.S. sales to foreigners of U.S. securities 4108 are
    the foreigners' gross purchases, U.S. purchases from them 3639 their gross sales."""
    assert table4(
        extended_releases,
        "country = 'Austria' and period = DATE '2026-07-01' and security = 'us_long_term'",
    ) == [("country", "gross_purchases", 4108.0), ("country", "gross_sales", 3639.0)]
