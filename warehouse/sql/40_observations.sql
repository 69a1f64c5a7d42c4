-- Every current value of every file, including rows the contract views leave out
-- (U.S.-issuer sectors, series-break comparison columns, press-release summary lines).
create or replace view observations as
select
    source,
    dataset,
    period,
    country,
    country_code,
    row_kind,
    security,
    holder,
    measure,
    usd_millions,
    release_date,
from internal.observation_versions
where superseded_by is null;
