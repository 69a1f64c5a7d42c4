-- Table 1 and 2 "Of Which" rows: holdings and flows by U.S. (or foreign) issuer sector.
create or replace view issuer_sectors as
select
    period,
    country as issuer_sector,
    country_code,
    security,
    holder,
    measure,
    usd_millions,
    source,
    release_date,
from observations
where row_kind = 'issuer_sector';
