-- Flows summed over a window of months (net purchases between two months, say), per key.
create or replace macro internal.flows_between_of(macro_name, from_period, to_period, as_of_date, latest)
as table
with request as (
    select
        cast(date_trunc('month', cast(from_period as date)) as date) as from_month,
        cast(date_trunc('month', cast(to_period as date)) as date) as to_month,
        internal.months_held('flows', as_of_date) as held,
),
checked as (
    select internal.check_months(macro_name, from_month, to_month, held, as_of_date) as ok,
    from request
),
window_flows as (
    -- flows_as_of(d) is the vintages current on d; reading them, the period filter
    -- applies before anything else (the as-of macro ranks sources over every month first).
    -- The latest vintage is the flows view itself: no real-time periods to compare.
    select
        vintages.period, vintages.country, vintages.country_code, vintages.country_kind,
        vintages.security, vintages.holder, vintages.measure, vintages.usd_millions,
    from flows_vintages as vintages
    where
        not latest
        and (select ok from checked)
        and vintages.period between cast(date_trunc('month', cast(from_period as date)) as date)
            and cast(date_trunc('month', cast(to_period as date)) as date)
        and vintages.realtime_start <= cast(as_of_date as date)
        and (vintages.realtime_end is null or vintages.realtime_end >= cast(as_of_date as date))
    union all
    select
        flows.period, flows.country, flows.country_code, flows.country_kind,
        flows.security, flows.holder, flows.measure, flows.usd_millions,
    from flows
    where
        latest
        and (select ok from checked)
        and flows.period between cast(date_trunc('month', cast(from_period as date)) as date)
            and cast(date_trunc('month', cast(to_period as date)) as date)
),
summed as (
    select
        country,
        country_code,
        country_kind,
        security,
        holder,
        measure,
        count(usd_millions) as months,
        sum(usd_millions) as usd_millions,
    from window_flows
    group by all
)
select
    summed.country,
    summed.country_code,
    summed.country_kind,
    countries.region,
    summed.security,
    summed.holder,
    summed.measure,
    summed.months,
    summed.usd_millions,
from summed
left join internal.countries as countries
    on countries.country = summed.country
    and countries.country_code is not distinct from summed.country_code;

create or replace macro flows_between_as_of(from_period, to_period, as_of_date) as table
select *
from internal.flows_between_of(
    'flows_between_as_of', from_period, to_period, as_of_date, false
);

create or replace macro flows_between(from_period, to_period) as table
select *
from internal.flows_between_of(
    'flows_between',
    from_period,
    to_period,
    (select max(release_date) from internal.release_files),
    true
);
