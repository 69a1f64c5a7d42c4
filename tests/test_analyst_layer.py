"""The analyst layer: the countries dimension, canonical names in the views, the first-release
and vintage views, and the change macros, on hand-made frames and on the real releases."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import duckdb
import polars as pl
import pytest

from tests.conftest import query
from transforms.countries import IRO_REGION, build_countries, printed_names

RELEASES = (date(2023, 3, 15), date(2026, 6, 18), date(2026, 7, 14))
# Every release, the days either side of it, days between releases and after the last one.
AS_OF_DATES = sorted(
    {d + timedelta(days=shift) for d in RELEASES for shift in (-1, 0, 1)}
    | {date(2024, 11, 5), date(2026, 7, 1), date(2027, 1, 1)}
)
HOLDINGS_COLUMNS = (
    "period, country, country_code, security, holder, usd_millions, source, release_date, "
    "country_kind"
)
FLOWS_COLUMNS = (
    "period, country, country_code, security, holder, measure, usd_millions, source, "
    "release_date, country_kind"
)


def slt_rows(*rows: tuple[str, int | None, str]) -> pl.DataFrame:
    """A parsed SLT-like frame: one value per (name, code, row_kind), in file order."""
    return pl.DataFrame(
        [
            {
                "source": "slt_table3",
                "line_number": 10 + i,
                "country": name,
                "country_code": code,
                "row_kind": kind,
            }
            for i, (name, code, kind) in enumerate(rows)
        ],
        schema={
            "source": pl.Utf8,
            "line_number": pl.Int32,
            "country": pl.Utf8,
            "country_code": pl.Int32,
            "row_kind": pl.Utf8,
        },
    )


def regions(frame: pl.DataFrame) -> dict[str, str | None]:
    return dict(printed_names(frame).select("country", "region").iter_rows())


def test_a_regional_total_closes_the_block_above_it() -> None:
    """It gives each country the region of the total that follows its block."""
    frame = slt_rows(
        ("Austria", 10189, "country"),
        ("Belgium", 10251, "country"),
        ("Total Europe", 19992, "regional_total"),
        ("Memo: Euro Area", 16713, "memo"),
        ("Japan", 42609, "country"),
        ("Total Asia", 49999, "regional_total"),
        ("All Countries", 69995, "regional_total"),
        ("International", 72907, "country"),
        ("Total IROs", 79995, "regional_total"),
        ("Grand Total", 99996, "grand_total"),
    )
    assert regions(frame) == {
        "Austria": "Europe",
        "Belgium": "Europe",
        "Total Europe": "Europe",
        "Memo: Euro Area": "Europe",
        "Japan": "Asia",
        "Total Asia": "Asia",
        "All Countries": None,
        "International": IRO_REGION,
        "Total IROs": IRO_REGION,
        "Grand Total": None,
    }


def test_a_country_coded_outside_the_next_block_is_its_own_region() -> None:
    """It makes Canada (29998, no total of its own) a region, not part of Latin America."""
    frame = slt_rows(
        ("Total Europe", 19992, "regional_total"),
        ("Canada", 29998, "country"),
        ("Argentina", 30104, "country"),
        ("Total Latin America", 39942, "regional_total"),
    )
    assert regions(frame)["Canada"] == "Canada"
    assert regions(frame)["Argentina"] == "Latin America"


def test_mfh_names_take_the_code_of_the_name_or_alias_they_match() -> None:
    """It codes uncoded MFH names by their SLT name or alias and keeps an unmatched name."""
    slt = slt_rows(
        ("Korea, South", 43001, "country"),
        ("Japan", 42609, "country"),
        ("Total Asia", 49999, "regional_total"),
    )
    mfh = pl.DataFrame(
        {
            "source": ["mfh"] * 3,
            "line_number": [13, 29, 48],
            "country": ["Japan", "Korea", "Atlantis"],
            "country_code": pl.Series([None, None, None], dtype=pl.Int32),
            "row_kind": ["country"] * 3,
        }
    )
    names = pl.concat([printed_names(slt), printed_names(mfh)]).with_columns(
        release_date=pl.lit(date(2026, 6, 18))
    )
    countries, lookup = build_countries(names)
    korea = countries.filter(pl.col("country_code") == 43001).row(0, named=True)
    assert korea == {
        "country_code": 43001,
        "country": "Korea, South",
        "kind": "country",
        "region": "Asia",
        "aliases": ["Korea"],
    }
    resolved = {
        row["printed_country"]: (row["country"], row["country_code"])
        for row in lookup.iter_rows(named=True)
    }
    assert resolved["Korea"] == ("Korea, South", 43001)
    assert resolved["Japan"] == ("Japan", 42609)
    assert resolved["Atlantis"] == ("Atlantis", None)  # kept, under its own name
    assert countries.filter(pl.col("country") == "Atlantis")["kind"].to_list() == ["country"]


def test_the_gate_warns_about_an_mfh_name_the_dimension_cannot_resolve() -> None:
    """It accepts aliases and known MFH-only names, and nothing else, as uncoded names."""
    from expectations.known_countries import KNOWN_UNCODED_COUNTRIES

    assert {"Korea", "Korea, South", "Belgium-Luxembourg", "Vietnam"} <= KNOWN_UNCODED_COUNTRIES
    assert "Atlantis" not in KNOWN_UNCODED_COUNTRIES


def country_row(data_dir: Path, code: int) -> tuple:
    sql = "select country, kind, region, aliases from countries where country_code = ?"
    return query(data_dir, sql, [code])[0]


def test_countries_on_the_real_releases(backfilled: Path) -> None:
    """It derives kinds, regions and aliases from the real files."""
    # slt_table3.txt lists Korea, South (43001) between Japan and Kuwait above Total Asia;
    # mfh.txt line 29 calls it Korea.
    assert country_row(backfilled, 43001) == ("Korea, South", "country", "Asia", ["Korea"])
    # Canada (29998) sits alone between Memo: European Union and Argentina.
    assert country_row(backfilled, 29998) == ("Canada", "country", "Canada", [])
    # International (72907) precedes Total Regional Orgs. and Total IROs.
    assert country_row(backfilled, 72907) == (
        "International",
        "international_organization",
        IRO_REGION,
        [],
    )
    assert country_row(backfilled, 69995) == ("All Countries", "all_countries", None, [])
    assert country_row(backfilled, 16713) == ("Memo: Euro Area", "memo_group", "Europe", [])
    assert country_row(backfilled, 19992) == ("Total Europe", "region_total", "Europe", [])
    assert country_row(backfilled, 99996) == ("Grand Total", "grand_total", None, [])
    # s1_globl.txt prints Belgium and Luxembourg (10308); mfhhis01.txt (2000, 2001) prints
    # Belgium-Luxembourg.
    assert country_row(backfilled, 10308)[3] == ["Belgium-Luxembourg"]
    uncoded = query(backfilled, "select country, kind from countries where country_code is null")
    # Names only the MFH tables print (mfh.txt lines 48 Vietnam ...; mfhhis01.txt).
    assert set(uncoded) == {
        ("All Other", "all_other"),
        ("Carib Bnkng Ctrs", "country_group"),
        ("Oil Exporters", "country_group"),
        ("El Salvador", "country"),
        ("Iraq", "country"),
        ("Oman", "country"),
        ("Vietnam", "country"),
    }


def test_every_printed_name_resolves(backfilled: Path) -> None:
    """It has a canonical row for every (name, code) any loaded file printed."""
    unresolved = query(
        backfilled,
        "select distinct versions.country, versions.country_code "
        "from internal.observation_versions as versions "
        "anti join internal.country_lookup as names "
        "on names.printed_country = versions.country "
        "and names.printed_code is not distinct from versions.country_code",
    )
    assert unresolved == []


def test_views_use_canonical_names_and_codes(backfilled: Path) -> None:
    """It shows the legacy mfh.txt 'Korea' rows as Korea, South with code 43001."""
    rows = query(
        backfilled,
        "select country, country_code, country_kind, source, usd_millions "
        "from holdings_as_of(date '2025-01-01') "
        "where country like 'Korea%' and period = date '2022-06-01' and security = 'treasury'",
    )
    # mfh.txt line 29, Jun 2022 column: 111.9 billions.
    assert rows == [("Korea, South", 43001, "country", "mfh", 111900.0)]
    missing_kind = query(
        backfilled,
        "select (select count(*) from holdings where country_kind is null), "
        "(select count(*) from flows where country_kind is null)",
    )
    assert missing_kind == [(0, 0)]
    # mfhhis01.txt, 2019 block: Japan carries its SLT code before 2020 too.
    assert query(
        backfilled,
        "select distinct country_code from holdings where country = 'Japan'",
    ) == [(42609,)]


def test_revisions_carry_country_code_and_holder(backfilled: Path) -> None:
    """It gives each revision the code and holder analysts join on."""
    rows = query(
        backfilled,
        "select country_code, holder, previous_usd_millions, usd_millions from revisions "
        "where release_date = date '2026-07-14' and country = 'Grand Total' "
        "and security = 'us_long_term' and measure = 'holdings' and period = date '2024-12-01' "
        "order by holder",
    )
    # slt_table1.txt for_lt_total_pos 2024-12, 2026-06-18 copy then 2026-07-14 copy:
    # Grand Total 31627169 -> 31624151, Foreign Official (99990) 6267998 -> 6411751,
    # Non-Official (99991) 25359171 -> 25212400.
    assert rows == [
        (99996, "all", 31627169.0, 31624151.0),
        (99996, "official", 6267998.0, 6411751.0),
        (99996, "private", 25359171.0, 25212400.0),
    ]


@pytest.fixture(scope="module")
def warehouse(backfilled: Path):
    con = duckdb.connect(str(backfilled / "tic.duckdb"), read_only=True)
    yield con
    con.close()


def count(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> int:
    return int(con.execute(f"select count(*) from ({sql})", params or []).fetchone()[0])


@pytest.mark.parametrize(
    ("dataset", "columns"), [("holdings", HOLDINGS_COLUMNS), ("flows", FLOWS_COLUMNS)]
)
def test_vintages_agree_with_as_of_on_every_day(warehouse, dataset: str, columns: str) -> None:
    """It returns, for every key and day, the row *_as_of returns: the vintage whose
    real-time period holds that day."""
    for day in AS_OF_DATES:
        as_of = f"select {columns} from {dataset}_as_of(?::date)"
        current = (
            f"select {columns} from {dataset}_vintages "
            "where realtime_start <= ?::date and (realtime_end is null or realtime_end >= ?::date)"
        )
        assert count(warehouse, f"{as_of} except all {current}", [day, day, day]) == 0, day
        assert count(warehouse, f"{current} except all {as_of}", [day, day, day]) == 0, day
    # Before the first release nothing was published.
    assert count(warehouse, f"select * from {dataset}_as_of(date '2023-03-14')") == 0


@pytest.mark.parametrize(
    ("dataset", "columns", "key"),
    [
        ("holdings", HOLDINGS_COLUMNS, "period, country, security, holder"),
        ("flows", FLOWS_COLUMNS, "period, country, security, holder, measure"),
    ],
)
def test_first_release_is_as_of_right_after_the_first_release_carrying_the_key(
    warehouse, dataset: str, columns: str, key: str
) -> None:
    """It gives each key's value as *_as_of showed it on the first release that had the key."""
    total = 0
    for previous, release in zip((None, *RELEASES), RELEASES, strict=False):
        first = f"select {columns} from {dataset}_first_release where release_date = ?::date"
        shown = f"select {columns} from {dataset}_as_of(?::date)"
        assert count(warehouse, f"{first} except all {shown}", [release, release]) == 0
        total += count(warehouse, first, [release])
        if previous is not None:
            earlier = count(
                warehouse,
                f"select {key} from ({first}) semi join {dataset}_as_of(?::date) using ({key})",
                [release, previous],
            )
            assert earlier == 0, release
    keys = count(warehouse, f"select distinct {key} from {dataset}_vintages")
    assert total == keys == count(warehouse, f"select * from {dataset}_first_release")


def test_holdings_change_between_two_months(backfilled: Path) -> None:
    """It pairs a key's holdings in two months, latest and as of a date."""
    japan = query(
        backfilled,
        "select country_code, country_kind, region, from_usd_millions, to_usd_millions, "
        "change_usd_millions, change_pct "
        "from holdings_change(date '2026-03-01', date '2026-04-01') "
        "where country = 'Japan' and security = 'treasury' and holder = 'all'",
    )
    # slt_table3.txt Japan for_treas_pos: 2026-03 1191572, 2026-04 1209889.
    assert japan == [
        (42609, "country", "Asia", 1191572.0, 1209889.0, 18317.0, pytest.approx(1831700 / 1191572))
    ]
    korea = "where country = 'Korea, South' and security = 'treasury' and holder = 'all'"
    pair = "select from_usd_millions, to_usd_millions from holdings_change_as_of"
    # mfh.txt line 29 (the only source before 2026-06-18): Jun 2022 111.9, Dec 2022 102.9.
    assert query(
        backfilled, f"{pair}(date '2022-06-01', date '2022-12-01', date '2024-01-01') {korea}"
    ) == [(111900.0, 102900.0)]
    # slt_table3.txt Korea, South for_treas_pos: 2022-06 111887, 2022-12 102572.
    assert query(
        backfilled, f"{pair}(date '2022-06-01', date '2022-12-01', date '2026-07-01') {korea}"
    ) == [(111887.0, 102572.0)]


def test_flows_between_sums_a_window_as_of_a_date(backfilled: Path) -> None:
    """It sums a flow over the months of a window as a given release showed them."""
    sql = (
        "select months, usd_millions from flows_between_as_of("
        "date '2025-01-01', date '2025-12-01', date '2026-06-18') "
        "where country = 'Grand Total' and security = 'us_long_term' and holder = 'all' "
        "and measure = 'net_purchases'"
    )
    # awk sum of slt_table1.txt (2026-06-18 copy) Grand Total for_lt_total_net, 2025-01..12.
    assert query(backfilled, sql) == [(12, 1619924.0)]


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        (
            "select * from holdings_change(date '2026-04-01', date '2025-06-01')",
            "holdings_change: from_period 2026-04 is after to_period 2025-06; swap them",
        ),
        (
            "select * from holdings_change(date '1999-12-01', date '2026-04-01')",
            # mfhhis01.txt starts at March 2000; Table 1 (2026-07-14) ends at 2026-05.
            "holdings_change: the warehouse holds no data for 1999-12; it holds 2000-03 to 2026-05",
        ),
        (
            "select * from holdings_change_as_of(date '2025-06-01', date '2026-04-01', "
            "date '2026-01-01')",
            # Before 2026-06-18 only mfh.txt (2022-01..2023-01) held holdings.
            "holdings_change_as_of: the warehouse holds no data for 2025-06; "
            "it holds 2022-01 to 2023-01",
        ),
        (
            "select * from holdings_change_as_of(date '2022-06-01', date '2022-12-01', "
            "date '2020-01-01')",
            "holdings_change_as_of: as_of 2020-01-01 is before the first release loaded "
            "(2023-03-15); use a date on or after it",
        ),
        (
            "select * from flows_between(date '2026-06-01', date '2026-07-01')",
            "flows_between: the warehouse holds no data for 2026-06; it holds 1977-01 to 2026-05",
        ),
    ],
)
def test_change_macros_refuse_bad_requests(warehouse, sql: str, message: str) -> None:
    """It answers a bad request with one line saying what is wrong and what the warehouse has."""
    with pytest.raises(duckdb.InvalidInputException) as raised:
        warehouse.execute(sql).fetchall()
    assert str(raised.value) == f"Invalid Input Error: {message}"


def test_each_load_keeps_the_source_displacements_as_a_full_recompute(backfilled: Path) -> None:
    """internal.source_displacements, brought up to date by each load for the groups it
    changed, holds what one query over every version gives (and is not empty). The query is
    written out here, apart from the warehouse's macro, so a mistake in either shows."""
    table = "select * from internal.source_displacements"
    full = """
        with arrivals as (
            select v.dataset, v.period, v.security, v.measure, p.source_rank,
                min(v.release_date) as arrived
            from internal.observation_versions as v
            join internal.source_precedence as p using (source)
            where v.dataset in ('holdings', 'flows')
                and v.row_kind not in ('issuer_sector', 'holder_sector', 'series_break_comparison')
            group by all
        )
        select *, min(arrived) over (
            partition by dataset, period, security, measure order by source_rank
            range between unbounded preceding and 1 preceding
        ) as displaced
        from arrivals
    """
    assert query(backfilled, f"select count(*) from ({table})")[0][0] > 1000
    both_ways = (
        f"with recomputed as ({full}) select "
        f"(select count(*) from ({table} except all select * from recomputed)), "
        f"(select count(*) from (select * from recomputed except all {table}))"
    )
    assert query(backfilled, both_ways) == [(0, 0)]


def test_the_countries_dimension_equals_a_build_from_every_stored_name(backfilled: Path) -> None:
    """The load builds it from each printing's newest copy only; every copy gives the same."""
    con = duckdb.connect(str(backfilled / "tic.duckdb"), read_only=True)
    try:
        every_copy = con.execute("select * from internal.country_names").pl()
        stored = [
            con.execute(f"select * from internal.{table}").pl()
            for table in ("countries", "country_lookup")
        ]
    finally:
        con.close()
    assert every_copy["release_date"].n_unique() == len(RELEASES)  # older copies are there
    for built, kept in zip(build_countries(every_copy), stored, strict=True):
        assert built.sort(pl.all()).equals(kept.select(built.columns).sort(pl.all()))


def test_a_name_printed_again_after_a_rewording_is_canonical_again() -> None:
    """Table 3 prints code 43001 as "Korea", then "Korea, South", then "Korea" again: the
    newest printing names the country, the other is an alias (the load builds the dimension
    from each printing's newest copy, so the first "Korea" must not count as older)."""
    from warehouse.countries import rebuild_countries
    from warehouse.load import sql_scripts

    con = duckdb.connect()
    con.execute("create schema internal")
    con.execute(dict(sql_scripts())["02_countries_tables.sql"])
    for day, name in (
        ("2026-04-15", "Korea"),
        ("2026-05-18", "Korea, South"),
        ("2026-06-18", "Korea"),
    ):
        con.execute(
            "insert into internal.country_names "
            "values ('slt_table3', ?, ?, 43001, 'country', 'Asia')",
            [date.fromisoformat(day), name],
        )
    rebuild_countries(con)
    assert con.execute("select country, aliases from internal.countries").fetchall() == [
        ("Korea", ["Korea, South"])
    ]
