-- Each holdings value as first published: what holdings_as_of returned right after the first
-- release that carried its key, with that release's date.
create or replace view holdings_first_release as
select
    period,
    country,
    country_code,
    security,
    holder,
    usd_millions,
    source,
    realtime_start as release_date,
    country_kind,
from holdings_vintages
qualify row_number() over (
    partition by period, country, security, holder order by realtime_start
) = 1;
