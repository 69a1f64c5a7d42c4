-- Every value holdings_as_of has returned, with its ALFRED real-time period:
-- holdings_as_of(d) returns it for realtime_start <= d <= realtime_end (NULL while current).
-- The view, and superseded_by for the Parquet export (warehouse/parquet_lake.py).
create or replace view internal.holdings_spans as
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
    superseded_by,
from internal.value_vintages
where dataset = 'holdings';

create or replace view holdings_vintages as
select * exclude (superseded_by) from internal.holdings_spans;
