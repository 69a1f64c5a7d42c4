-- Each holdings value as first published: what holdings_as_of returned right after the first
-- release that carried its key, with that release's date (kept in internal.first_values).
create or replace view holdings_first_release as
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
from internal.first_values
where dataset = 'holdings';
