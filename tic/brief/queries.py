"""What the release brief shows, read from the contract views as they stood after one release.

Every number comes from `holdings_as_of`, `flows_as_of`, `revisions` and `releases` (`countries`
says which rows are countries); amounts stay in `usd_millions` here and become billions only on
the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from warehouse.query import connect_read_only

# Net purchases of U.S. long-term securities by type (Table 1's columns, Form S before 2023-02).
LONG_TERM_TYPES = ("treasury_long_term", "agency", "corporate_bonds", "equity")
CHANGE_HORIZONS_MONTHS = (1, 3, 12)
TOP_HOLDERS = 10
MOVERS_PER_SIDE = 5
LARGEST_REVISIONS = 10
SHARES_SINCE = date(2000, 1, 1)


class BriefError(RuntimeError):
    """The brief cannot be written for this release; the message says why and what to do."""


@dataclass(frozen=True)
class Release:
    release_date: date
    files: list[str]
    status: str


@dataclass(frozen=True)
class BriefData:
    """The frames the page is made of, one per part."""

    release: Release
    # period, total/official/private usd_millions, private_is_derived, source; oldest first
    treasury_split: pl.DataFrame
    top_holders: pl.DataFrame  # country, usd_millions, share_of_total
    movers: dict[int, pl.DataFrame]  # months -> country, from/to/change usd_millions
    net_purchases: pl.DataFrame  # period, security, usd_millions, from_gross (Form S)
    revisions: pl.DataFrame  # the release's revisions with the first published value
    revisions_per_file: pl.DataFrame  # source, dataset, values_changed

    @property
    def latest_holdings_period(self) -> date:
        period: date = self.treasury_split["period"].max()  # type: ignore[assignment]
        return period


def read_brief_data(database: Path, release_date: date | None = None) -> BriefData:
    """The brief's numbers for a loaded release (default: the latest) as of that release."""
    con = connect_read_only(database)
    try:
        release, is_latest = _release(con, release_date)
        as_of = release.release_date
        views = _Views.latest() if is_latest else _Views.as_of(as_of)
        split = _treasury_split(con, views)
        if split.is_empty():
            raise BriefError(
                f"release {as_of}: the warehouse holds no Grand Total Treasury holdings as of "
                "that date; load a release with Table 3 or the MFH tables first"
            )
        latest: date = split["period"].max()  # type: ignore[assignment]
        holdings = _country_treasury_holdings(con, views)
        return BriefData(
            release=release,
            treasury_split=split,
            top_holders=_top_holders(holdings, latest, split),
            movers={months: _movers(holdings, latest, months) for months in CHANGE_HORIZONS_MONTHS},
            net_purchases=_net_purchases(con, views),
            revisions=_revisions(con, as_of),
            revisions_per_file=_revisions_per_file(con, as_of),
        )
    finally:
        con.close()


@dataclass(frozen=True)
class _Views:
    """The default views for the latest release (materialised at publish, fast), the as-of
    macros (which scan every version) for an earlier one; both give the same rows."""

    holdings: str
    flows: str

    @classmethod
    def latest(cls) -> _Views:
        return cls("holdings", "flows")

    @classmethod
    def as_of(cls, release_date: date) -> _Views:
        day = _date_literal(release_date)
        return cls(f"holdings_as_of({day})", f"flows_as_of({day})")


def latest_release_date(database: Path) -> date:
    con = connect_read_only(database)
    try:
        release, _ = _release(con, None)
    finally:
        con.close()
    return release.release_date


def _release(con: duckdb.DuckDBPyConnection, release_date: date | None) -> tuple[Release, bool]:
    """The release asked for (default: the latest) and whether it is the latest."""
    rows = con.execute(
        "select release_date, files, status from releases order by release_date"
    ).fetchall()
    if not rows:
        raise BriefError("no release is loaded yet: run `tic backfill` or `tic run` first")
    if release_date is None:
        release_date = rows[-1][0]
    for row in rows:
        if row[0] == release_date:
            return Release(*row), row is rows[-1]
    loaded = ", ".join(str(row[0]) for row in rows)
    raise BriefError(f"release {release_date} is not loaded (loaded: {loaded}); pick one of those")


def _treasury_split(con: duckdb.DuckDBPyConnection, views: _Views) -> pl.DataFrame:
    """Grand Total Treasury holdings by holder per month; private = total - official where a
    file gives only those two (MFH), as `official_private` does."""
    return con.execute(
        f"""
        with grand_total as (
            select period, holder, usd_millions, source
            from {views.holdings}
            where country = 'Grand Total' and security = 'treasury'
        ),
        pivoted as (
            select
                period,
                max(usd_millions) filter (where holder = 'all') as total_usd_millions,
                max(usd_millions) filter (where holder = 'official') as official_usd_millions,
                max(usd_millions) filter (where holder = 'private') as published_private,
                min(source) as source,
            from grand_total
            group by period
        )
        select
            period,
            total_usd_millions,
            official_usd_millions,
            coalesce(published_private, total_usd_millions - official_usd_millions)
                as private_usd_millions,
            published_private is null as private_is_derived,
            source,
        from pivoted
        where total_usd_millions is not null
        order by period
        """
    ).pl()


def _country_treasury_holdings(con: duckdb.DuckDBPyConnection, views: _Views) -> pl.DataFrame:
    """Treasury holdings of countries and territories (not totals, regions, memo lines or
    MFH country groups: the countries dimension's kind says which rows are countries)."""
    return con.execute(
        f"""
        select period, country, usd_millions
        from {views.holdings}
        where
            security = 'treasury'
            and holder = 'all'
            and country_kind = 'country'
            and usd_millions is not null
        """
    ).pl()


def _top_holders(holdings: pl.DataFrame, period: date, split: pl.DataFrame) -> pl.DataFrame:
    total = split.filter(pl.col("period") == period)["total_usd_millions"].item()
    return (
        holdings.filter(pl.col("period") == period)
        .sort("usd_millions", descending=True)
        .head(TOP_HOLDERS)
        .select("country", "usd_millions", share_of_total=pl.col("usd_millions") / total)
    )


def months_before(period: date, months: int) -> date:
    index = period.year * 12 + period.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def _movers(holdings: pl.DataFrame, period: date, months: int) -> pl.DataFrame:
    """The countries whose Treasury holdings rose most and fell most over `months`."""
    start = months_before(period, months)
    before = holdings.filter(pl.col("period") == start).select(
        "country", from_usd_millions="usd_millions"
    )
    after = holdings.filter(pl.col("period") == period).select(
        "country", to_usd_millions="usd_millions"
    )
    change = before.join(after, on="country").with_columns(
        change_usd_millions=pl.col("to_usd_millions") - pl.col("from_usd_millions")
    )
    buyers = change.filter(pl.col("change_usd_millions") > 0).sort(
        "change_usd_millions", descending=True
    )
    sellers = change.filter(pl.col("change_usd_millions") < 0).sort("change_usd_millions")
    movers = pl.concat([buyers.head(MOVERS_PER_SIDE), sellers.head(MOVERS_PER_SIDE)])
    return movers.sort("change_usd_millions", descending=True).with_columns(
        from_period=pl.lit(start), to_period=pl.lit(period)
    )


def _net_purchases(con: duckdb.DuckDBPyConnection, views: _Views) -> pl.DataFrame:
    """Monthly net foreign purchases by type over the last 12 months of flows. Form S gives
    only gross figures: there net = gross purchases - gross sales by foreigners."""
    types = ", ".join(f"'{security}'" for security in LONG_TERM_TYPES)
    return con.execute(
        f"""
        with grand_total as (
            select period, security, measure, usd_millions
            from {views.flows}
            where country = 'Grand Total' and holder = 'all' and security in ({types})
        ),
        net as (
            select
                period,
                security,
                max(usd_millions) filter (where measure = 'net_purchases') as published_net,
                max(usd_millions) filter (where measure = 'gross_purchases')
                    - max(usd_millions) filter (where measure = 'gross_sales') as gross_net,
            from grand_total
            group by period, security
        ),
        final as (
            select
                period,
                security,
                coalesce(published_net, gross_net) as usd_millions,
                published_net is null as from_gross,
            from net
            where coalesce(published_net, gross_net) is not null
        )
        select * from final
        where period > (select max(period) from final) - interval 12 month
        order by period, security
        """
    ).pl()


def _revisions(con: duckdb.DuckDBPyConnection, as_of: date) -> pl.DataFrame:
    """Values of countries and the Grand Total this release changed, with the value first
    published for each (the previous value of the key's earliest revision) and the value now."""
    day = _date_literal(as_of)
    frame = con.execute(
        f"""
        with keyed as (
            select revisions.*
            from revisions
            join countries
                on countries.country = revisions.country
                and countries.country_code is not distinct from revisions.country_code
            where revisions.release_date <= {day} and countries.kind in ('country', 'grand_total')
        ),
        first_published as (
            select
                dataset, source, row_kind, period, country, security, holder, measure,
                arg_min(previous_usd_millions, release_date) as first_usd_millions,
                min(previous_release_date) as first_release_date,
            from keyed
            group by all
        )
        select
            keyed.dataset,
            keyed.source,
            keyed.period,
            keyed.country,
            keyed.security,
            keyed.holder,
            keyed.measure,
            first_published.first_release_date,
            first_published.first_usd_millions,
            keyed.usd_millions as now_usd_millions,
            keyed.usd_millions - first_published.first_usd_millions as revision_usd_millions,
        from keyed
        join first_published
            using (dataset, source, row_kind, period, country, security, holder, measure)
        where keyed.release_date = {day}
        """
    ).pl()
    # The key breaks ties, so equal revisions keep one order whatever order the join returns.
    key = ("dataset", "source", "period", "country", "security", "holder", "measure")
    return frame.sort(
        [pl.col("revision_usd_millions").abs(), *key],
        descending=[True, *[False] * len(key)],
    ).head(LARGEST_REVISIONS)


def _revisions_per_file(con: duckdb.DuckDBPyConnection, as_of: date) -> pl.DataFrame:
    return con.execute(
        f"""
        select source, dataset, count(*) as values_changed
        from revisions
        where release_date = {_date_literal(as_of)}
        group by source, dataset
        order by source, dataset
        """
    ).pl()


def _date_literal(day: date) -> str:
    # A literal, not a bound parameter: binding a date makes duckdb import pandas (1.5 s).
    return f"date '{day.isoformat()}'"
