-- The latest values of the groups a publish touched, taken again from their winners (updated
-- by 10_latest_winner.sql); every other group keeps its rows.
create or replace temp table touched_groups as
select distinct
    dataset,
    period,
    security,
    case when dataset = 'flows' then measure end as measure,
from pending_groups
where dataset in ('holdings', 'flows');

delete from internal.latest_values as latest
using touched_groups as touched
where
    latest.dataset = touched.dataset
    and latest.period = touched.period
    and latest.security = touched.security
    and touched.measure is not distinct from
        (case when latest.dataset = 'flows' then latest.measure end);

insert into internal.latest_values by name
select versions.*
from internal.observation_versions as versions
join internal.source_precedence as precedence using (source)
join touched_groups as touched
    on touched.dataset = versions.dataset
    and touched.period = versions.period
    and touched.security = versions.security
    and touched.measure is not distinct from
        (case when versions.dataset = 'flows' then versions.measure end)
join internal.latest_winner as winner
    on winner.dataset = versions.dataset
    and winner.period = versions.period
    and winner.security = versions.security
    and winner.measure is not distinct from touched.measure
    and winner.source_rank = precedence.source_rank
where
    versions.superseded_by is null
    and versions.row_kind not in ('issuer_sector', 'holder_sector', 'series_break_comparison');
