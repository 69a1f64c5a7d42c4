-- The latest vintage's winning source per (period, security[, measure]) group: a few thousand
-- rows. The holdings and flows views read the vintage store through it. Built in full here only
-- when missing; each publish then updates the groups its release touched (incremental/).
create table if not exists internal.latest_winner as
select
    versions.dataset,
    versions.period,
    versions.security,
    case when versions.dataset = 'flows' then versions.measure end as measure,
    min(precedence.source_rank) as source_rank,
from internal.observation_versions as versions
join internal.source_precedence as precedence using (source)
where
    versions.superseded_by is null
    and versions.dataset in ('holdings', 'flows')
    and versions.row_kind not in ('issuer_sector', 'holder_sector', 'series_break_comparison')
group by all;

-- Warehouses built before the latest vintage became views held it as tables.
drop table if exists internal.holdings_latest;
drop table if exists internal.flows_latest;

-- Every revision (pairs from 03_version_pairs.sql). Built in full when missing; each publish
-- then adds the revisions of its release only (incremental/20_revisions.sql).
create table if not exists internal.revisions_all as
select *
from internal.version_pairs(null)
order by release_date, dataset, source, security, country, period;

-- The values the holdings and flows views show: the current versions of each group's winning
-- source. Kept as a table (updated per publish for the groups it touched, incremental/) so that
-- analyst queries read the latest vintage alone, however long the history behind it grows.
create table if not exists internal.latest_values as
select versions.*
from internal.observation_versions as versions
join internal.source_precedence as precedence using (source)
join internal.latest_winner as winner
    on winner.dataset = versions.dataset
    and winner.period = versions.period
    and winner.security = versions.security
    and winner.measure is not distinct from
        (case when versions.dataset = 'flows' then versions.measure end)
    and winner.source_rank = precedence.source_rank
where
    versions.superseded_by is null
    and versions.dataset in ('holdings', 'flows')
    and versions.row_kind not in ('issuer_sector', 'holder_sector', 'series_break_comparison')
order by versions.dataset, versions.security, versions.holder, versions.period;
