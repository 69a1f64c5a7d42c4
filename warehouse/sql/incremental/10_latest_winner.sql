-- The winners of the groups a publish touched (temp table pending_groups, filled by
-- warehouse/load.py), recomputed from their current versions; every other group keeps its row.
delete from internal.latest_winner as winner
using (select distinct * from pending_groups) as pending
where
    winner.dataset = pending.dataset
    and winner.period = pending.period
    and winner.security = pending.security
    and winner.measure is not distinct from
        (case when pending.dataset = 'flows' then pending.measure end);

insert into internal.latest_winner by name
with touched as (
    select distinct
        dataset,
        period,
        security,
        case when dataset = 'flows' then measure end as measure,
    from pending_groups
    where dataset in ('holdings', 'flows')
)
select
    versions.dataset,
    versions.period,
    versions.security,
    touched.measure,
    min(precedence.source_rank) as source_rank,
from internal.observation_versions as versions
join internal.source_precedence as precedence using (source)
join touched
    on touched.dataset = versions.dataset
    and touched.period = versions.period
    and touched.security = versions.security
    and touched.measure is not distinct from
        (case when versions.dataset = 'flows' then versions.measure end)
where
    versions.superseded_by is null
    and versions.row_kind not in ('issuer_sector', 'holder_sector', 'series_break_comparison')
group by all;
