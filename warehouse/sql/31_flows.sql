-- Latest vintage of every flow value (one per period, country, security, holder, measure).
create or replace view flows as
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
from internal.latest_versions
where dataset = 'flows';
