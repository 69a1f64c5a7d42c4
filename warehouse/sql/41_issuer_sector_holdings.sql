-- Table 1, 2 and 4 "Of Which" rows: holdings and flows by U.S. issuer sector (826xx) or by
-- U.S. holder sector (816xx, Tables 2 and 4), as the view showed them before 816xx had a kind.
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
where row_kind in ('issuer_sector', 'holder_sector');
