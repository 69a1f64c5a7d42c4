-- One row per value a release changed (within the file that published it), under the
-- countries dimension's canonical name and code; the code is the revised version's own.
create or replace view revisions as
with revised as (
    select
        revisions.*,
        versions.country_code as printed_code,
    from internal.revisions_all as revisions
    join internal.observation_versions as versions
        on versions.release_date = revisions.release_date
        and versions.source = revisions.source
        and versions.dataset = revisions.dataset
        and versions.period = revisions.period
        and versions.country = revisions.country
        and versions.row_kind = revisions.row_kind
        and versions.security = revisions.security
        and versions.holder = revisions.holder
        and versions.measure = revisions.measure
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
