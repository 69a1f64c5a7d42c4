-- One row per value a release changed (within the file that published it), under the
-- countries dimension's canonical name and code; the code is the revised version's own.
create or replace view revisions as
with revised as (
    -- printed_code is stored with each revision: joining every version back for it cost
    -- 0.4 s a query on a history of 2 million versions.
    select * from internal.revisions_all
)
select
    dataset,
    period,
    coalesce(names.country, revised.country) as country,
    coalesce(names.country_code, revised.printed_code) as country_code,
    security,
    holder,
    measure,
    release_date,
    previous_release_date,
    usd_millions,
    previous_usd_millions,
    revision_usd_millions,
    source,
    row_kind,
from revised
left join internal.country_lookup as names
    on names.printed_country = revised.country
    and names.printed_code is not distinct from revised.printed_code;
