-- One row per country or aggregate any loaded file names: code, canonical name, kind, region.
create or replace view countries as
select
    country_code,
    country,
    kind,
    region,
    aliases,
from internal.countries
order by country_code nulls last, country;
