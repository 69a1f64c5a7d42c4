-- The latest vintage, materialised once per publish so analyst queries stay fast.
create or replace table internal.holdings_latest as
select * from holdings_as_of(date '9999-12-31')
order by security, country, period;

create or replace table internal.flows_latest as
select * from flows_as_of(date '9999-12-31')
order by security, measure, country, period;

-- A revision pairs a version with the one it superseded (same value key, superseded_by =
-- the newer version's release): a join on the few superseded rows, not a window over all rows.
create or replace table internal.revisions_all as
select
    newer.dataset,
    newer.period,
    newer.country,
    newer.security,
    newer.holder,
    newer.measure,
    newer.release_date,
    older.release_date as previous_release_date,
    newer.usd_millions,
    older.usd_millions as previous_usd_millions,
    newer.usd_millions - older.usd_millions as revision_usd_millions,
    newer.source,
    newer.row_kind,
from internal.observation_versions as older
join internal.observation_versions as newer
    on newer.release_date = older.superseded_by
    and newer.source = older.source
    and newer.dataset = older.dataset
    and newer.period = older.period
    and newer.country = older.country
    and newer.row_kind = older.row_kind
    and newer.security = older.security
    and newer.holder = older.holder
    and newer.measure = older.measure
where older.superseded_by is not null
order by newer.release_date, newer.dataset, newer.source, newer.security, newer.country, newer.period;
