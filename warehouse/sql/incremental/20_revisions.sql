-- The revisions of the releases a publish loaded (temp table pending_releases): the versions
-- those releases superseded, paired with the versions that replaced them.
delete from internal.revisions_all
where release_date in (select release_date from pending_releases);

insert into internal.revisions_all by name
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
    older.superseded_by in (select release_date from pending_releases)
    and newer.release_date in (select release_date from pending_releases)
order by newer.release_date, newer.dataset, newer.source, newer.security, newer.country, newer.period;
