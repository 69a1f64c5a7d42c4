-- Every value holdings_as_of has returned, with its ALFRED real-time period:
-- holdings_as_of(d) returns it for realtime_start <= d <= realtime_end (NULL while current).
create or replace view holdings_vintages as
select
    period,
    country,
    country_code,
    security,
    holder,
    usd_millions,
    source,
    release_date,
    country_kind,
    realtime_start,
    realtime_end,
from internal.value_vintages
where dataset = 'holdings';
