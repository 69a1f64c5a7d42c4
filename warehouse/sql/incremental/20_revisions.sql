-- The revisions of the releases a publish loaded (temp table pending_releases): the versions
-- those releases superseded, paired with the versions that replaced them.
delete from internal.revisions_all
where release_date in (select release_date from pending_releases);

-- A constant list, so that the macro filters the superseded side's scan by it (see the macro);
-- empty, not NULL (which would mean every release), when nothing is pending.
set variable pending_release_dates = (
    select coalesce(list(distinct release_date), []::date[]) from pending_releases
);

insert into internal.revisions_all by name
select *
from internal.version_pairs(getvariable('pending_release_dates'))
order by release_date, dataset, source, security, country, period;
