-- Latest vintage of every flow value (one per period, country, security, holder, measure),
-- under the countries dimension's canonical name and code.
create or replace view flows as
select
    period,
    coalesce(names.country, versions.country) as country,
    coalesce(names.country_code, versions.country_code) as country_code,
    security,
    holder,
    measure,
    usd_millions,
    source,
    release_date,
    names.kind as country_kind,
from internal.latest_versions as versions
left join internal.country_lookup as names
    on names.printed_country = versions.country
    and names.printed_code is not distinct from versions.country_code
where versions.dataset = 'flows';
