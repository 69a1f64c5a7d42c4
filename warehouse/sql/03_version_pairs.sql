-- A revision pairs a version with the one it superseded (same value key, superseded_by = the
-- newer version's release): a join on the few superseded rows, not a window over all rows.
-- A table macro, not a view, so that the incremental publish's release list reaches the scan
-- of the superseded side (a filter on a view's result stays above the join and pairs every
-- release's revisions first). releases: the releases whose revisions to pair, NULL for all;
-- pass a constant (a literal or getvariable), which the planner folds into the scan's filter.
create or replace macro internal.version_pairs(releases) as table
select
    newer.dataset,
    newer.period,
    newer.country,
    newer.security,
    newer.holder,
    newer.measure,
    newer.release_date,
    older.release_date as previous_release_date,
    newer.usd_millions,
    older.usd_millions as previous_usd_millions,
    newer.usd_millions - older.usd_millions as revision_usd_millions,
    newer.source,
    newer.row_kind,
    newer.country_code as printed_code,  -- the revised version's own, before canonical names
from internal.observation_versions as older
join internal.observation_versions as newer
    on newer.release_date = older.superseded_by
    and newer.source = older.source
    and newer.dataset = older.dataset
    and newer.period = older.period
    and newer.country = older.country
    and newer.row_kind = older.row_kind
    and newer.security = older.security
    and newer.holder = older.holder
    and newer.measure = older.measure
where
    older.superseded_by is not null
    and (releases is null or list_contains(releases, older.superseded_by));
