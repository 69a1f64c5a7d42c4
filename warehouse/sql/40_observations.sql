-- Every current value of every file, including rows the contract views leave out
-- (U.S.-issuer sectors, series-break comparison columns, press-release summary lines),
-- under the countries dimension's canonical name and code.
create or replace view observations as
select
    versions.source,
    versions.dataset,
    versions.period,
    coalesce(names.country, versions.country) as country,
    coalesce(names.country_code, versions.country_code) as country_code,
    versions.row_kind,
    versions.security,
    versions.holder,
    versions.measure,
    versions.usd_millions,
    versions.release_date,
from internal.observation_versions as versions
left join internal.country_lookup as names
    on names.printed_country = versions.country
    and names.printed_code is not distinct from versions.country_code
where versions.superseded_by is null;
