-- Latest vintage of every holdings value (one per period, country, security, holder).
create or replace view holdings as
select
    period,
    country,
    country_code,
    security,
    holder,
    usd_millions,
    source,
    release_date,
from internal.latest_versions
where dataset = 'holdings';
