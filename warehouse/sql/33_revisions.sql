-- One row per value a release changed (within the file that published it), under the
-- countries dimension's canonical name and code; the code is the revised version's own.
-- Three parts, so that a filter on country_code reaches the scan of the million revisions:
-- where the dimension keeps the printed code (every pair today), country_code is the stored
-- column; only the pairs the dimension gives another code join first, by that printed code,
-- or, for the rows printed without a code (MFH), by name among those rows alone (the scan
-- skips every block of revisions that has a code throughout).
create or replace view revisions as
with kept_code as (
    select
        revised.*,
        coalesce(names.country, revised.country) as canonical_country,
        revised.printed_code as canonical_code,
    from internal.revisions_all as revised
    left join internal.country_lookup as names
        on names.printed_country = revised.country
        and names.printed_code is not distinct from revised.printed_code
    where names.country_code is null or names.country_code is not distinct from revised.printed_code
),
recoded as (
    select
        revised.*,
        remap.country as canonical_country,
        remap.country_code as canonical_code,
    from internal.country_lookup as remap
    join internal.revisions_all as revised
        on revised.country = remap.printed_country
        and revised.printed_code = remap.printed_code
    where remap.country_code is not null
        and remap.country_code is distinct from remap.printed_code
),
uncoded as (
    select
        revised.*,
        remap.country as canonical_country,
        remap.country_code as canonical_code,
    from internal.country_lookup as remap
    join (select * from internal.revisions_all where printed_code is null) as revised
        on revised.country = remap.printed_country
    where remap.country_code is not null and remap.printed_code is null
)
select
    dataset,
    period,
    canonical_country as country,
    canonical_code as country_code,
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
from (select * from kept_code union all select * from recoded union all select * from uncoded);
