-- When each stored version is what holdings_as_of / flows_as_of return (ALFRED real-time
-- periods). A source shows in a (period, security[, measure]) group from the first release
-- that brought it there until a better-ranked source first arrives (sources never leave a
-- group), so a version shows from its release until it is superseded or its source displaced.

-- measure is 'holdings' for every holdings value, so it only splits flow groups.
-- The displacements of the (dataset, period, security, measure) groups a relation lists (its
-- name, as text): a group's depend on its own versions only, so a load recomputes those of
-- the groups it changed (warehouse/vintages.py).
create or replace macro internal.source_displacements_in(groups) as table
with arrivals as (
    select
        versions.dataset,
        versions.period,
        versions.security,
        versions.measure,
        precedence.source_rank,
        min(versions.release_date) as arrived,
    from internal.observation_versions as versions
    semi join query_table(groups) as scope using (dataset, period, security, measure)
    join internal.source_precedence as precedence using (source)
    where
        versions.dataset in ('holdings', 'flows')
        and versions.row_kind not in ('issuer_sector', 'holder_sector', 'series_break_comparison')
    group by all
)
select
    *,
    min(arrived) over (
        partition by dataset, period, security, measure
        order by source_rank
        range between unbounded preceding and 1 preceding
    ) as displaced,
from arrivals;

create or replace view internal.observation_groups as
select distinct dataset, period, security, measure from internal.observation_versions;

create or replace view internal.source_displacements_now as
from internal.source_displacements_in('internal.observation_groups');

-- A few thousand rows, kept up to date by every load (warehouse/vintages.py); created here
-- for a warehouse built before it existed.
create table if not exists internal.source_displacements as
select * from internal.source_displacements_now;

-- Every version's real-time period, under the canonical country name, code and kind.
create or replace view internal.value_vintages as
with versions as (
    select
        versions.*,
        precedence.source_rank,
    from internal.observation_versions as versions
    join internal.source_precedence as precedence using (source)
    where
        versions.dataset in ('holdings', 'flows')
        and versions.row_kind not in ('issuer_sector', 'holder_sector', 'series_break_comparison')
),
spans as (
    select
        versions.*,
        versions.release_date as realtime_start,
        least(versions.superseded_by, displacements.displaced) as realtime_stop,
    from versions
    join internal.source_displacements as displacements
        on displacements.dataset = versions.dataset
        and displacements.period = versions.period
        and displacements.security = versions.security
        and displacements.measure = versions.measure
        and displacements.source_rank = versions.source_rank
)
select
    spans.dataset,
    spans.period,
    coalesce(names.country, spans.country) as country,
    coalesce(names.country_code, spans.country_code) as country_code,
    spans.security,
    spans.holder,
    spans.measure,
    spans.usd_millions,
    spans.source,
    spans.release_date,
    names.kind as country_kind,
    spans.realtime_start,
    cast(spans.realtime_stop - interval 1 day as date) as realtime_end,
    -- Not in the vintage views: lets a reader of the open spans, or of those one release
    -- ended, filter the versions' scan before the joins (warehouse/parquet_lake.py).
    spans.superseded_by,
from spans
left join internal.country_lookup as names
    on names.printed_country = spans.country
    and names.printed_code is not distinct from spans.country_code
where spans.realtime_stop is null or spans.realtime_stop > spans.realtime_start;

-- Each key's first span: its value as first published (the *_first_release views). spans:
-- the name of a relation with value_vintages' columns. measure is 'holdings' for holdings.
create or replace macro internal.first_spans(spans) as table
select * exclude (nth) from (
    select
        dataset,
        period,
        country,
        country_code,
        security,
        holder,
        measure,
        usd_millions,
        source,
        realtime_start as release_date,
        country_kind,
        row_number() over (
            partition by dataset, period, country, security, holder, measure
            order by realtime_start
        ) as nth,
    from query_table(spans)
)
where nth = 1;

-- Kept, not computed at each query (a window over every version of the months asked for:
-- 45 ms for one month of flows at 2 million versions). A key's first span never changes
-- once published, as releases load in date order: each load adds the first spans of its own
-- release (warehouse/vintages.py), built here empty and filled by create_objects.
create table if not exists internal.first_values as
select * from internal.first_spans('internal.value_vintages') limit 0;
