-- "Who sold?": each key's holdings in two months and the change between them.
-- Both public macros pair the two months of holdings_as_of (canonical country, code, kind).
create or replace macro internal.holdings_change_of(macro_name, from_period, to_period, as_of_date)
as table
with request as (
    select
        cast(date_trunc('month', cast(from_period as date)) as date) as from_month,
        cast(date_trunc('month', cast(to_period as date)) as date) as to_month,
        internal.months_held('holdings', as_of_date) as held,
),
checked as (
    select
        from_month,
        to_month,
        internal.check_months(macro_name, from_month, to_month, held, as_of_date) as ok,
    from request
),
endpoints as (
    select vintages.*
    -- holdings_as_of(d) is the vintages current on d; reading them, the period filter
    -- applies before anything else (the as-of macro ranks sources over every month first)
    from holdings_vintages as vintages
    where
        (select ok from checked)
        and vintages.period in (
            cast(date_trunc('month', cast(from_period as date)) as date),
            cast(date_trunc('month', cast(to_period as date)) as date)
        )
        and vintages.realtime_start <= cast(as_of_date as date)
        and (vintages.realtime_end is null or vintages.realtime_end >= cast(as_of_date as date))
),
paired as (
    select
        country,
        country_code,
        country_kind,
        security,
        holder,
        max(usd_millions) filter (where period = (select from_month from checked))
            as from_usd_millions,
        max(usd_millions) filter (where period = (select to_month from checked))
            as to_usd_millions,
        count(*) as months,
    from endpoints
    group by all
)
select
    paired.country,
    paired.country_code,
    paired.country_kind,
    countries.region,
    paired.security,
    paired.holder,
    from_usd_millions,
    to_usd_millions,
    to_usd_millions - from_usd_millions as change_usd_millions,
    100 * (to_usd_millions - from_usd_millions) / nullif(from_usd_millions, 0) as change_pct,
from paired
left join internal.countries as countries
    on countries.country = paired.country
    and countries.country_code is not distinct from paired.country_code
where months = 2 or (select from_month = to_month from checked);

create or replace macro holdings_change_as_of(from_period, to_period, as_of_date) as table
select * from internal.holdings_change_of('holdings_change_as_of', from_period, to_period, as_of_date);

create or replace macro holdings_change(from_period, to_period) as table
select *
from internal.holdings_change_of(
    'holdings_change', from_period, to_period, (select max(release_date) from internal.release_files)
);
