-- Each flow value as first published: what flows_as_of returned right after the first
-- release that carried its key, with that release's date.
create or replace view flows_first_release as
select
    period,
    country,
    country_code,
    security,
    holder,
    measure,
    usd_millions,
    source,
    realtime_start as release_date,
    country_kind,
from flows_vintages
qualify row_number() over (
    partition by period, country, security, holder, measure order by realtime_start
) = 1;
