-- Every value flows_as_of has returned, with its ALFRED real-time period:
-- flows_as_of(d) returns it for realtime_start <= d <= realtime_end (NULL while current).
-- The view, and superseded_by for the Parquet export (warehouse/parquet_lake.py).
create or replace view internal.flows_spans as
select
    period,
    country,
    country_code,
    security,
    holder,
    measure,
    usd_millions,
    source,
    release_date,
    country_kind,
    realtime_start,
    realtime_end,
    superseded_by,
from internal.value_vintages
where dataset = 'flows';

create or replace view flows_vintages as
select * exclude (superseded_by) from internal.flows_spans;
