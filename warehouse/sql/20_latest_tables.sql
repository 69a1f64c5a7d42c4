-- The latest vintage, materialised once per publish so analyst queries stay fast.
create or replace table internal.holdings_latest as
select * from holdings_as_of(date '9999-12-31')
order by security, country, period;

create or replace table internal.flows_latest as
select * from flows_as_of(date '9999-12-31')
order by security, measure, country, period;

create or replace table internal.revisions_all as
with versions as (
    select
        *,
        lag(release_date) over by_value as previous_release_date,
        lag(usd_millions) over by_value as previous_usd_millions,
    from internal.observation_versions
    window by_value as (
        partition by source, dataset, period, country, row_kind, security, holder, measure
        order by release_date
    )
)
select
    dataset,
    period,
    country,
    security,
    holder,
    measure,
    release_date,
    previous_release_date,
    usd_millions,
    previous_usd_millions,
    usd_millions - previous_usd_millions as revision_usd_millions,
    source,
    row_kind,
from versions
where previous_release_date is not null
order by release_date, dataset, source, security, country, period;
