-- Holdings as they stood after the newest release dated on or before as_of_date.
create or replace macro holdings_as_of(as_of_date) as table
with vintage as (
    select
        versions.*,
        precedence.source_rank,
    from internal.observation_versions as versions
    join internal.source_precedence as precedence using (source)
    where
        versions.dataset = 'holdings'
        and versions.row_kind not in ('issuer_sector', 'series_break_comparison')
        and versions.release_date <= cast(as_of_date as date)
        and (versions.superseded_by is null or versions.superseded_by > cast(as_of_date as date))
),
final as (
    select *
    from vintage
    qualify source_rank = min(source_rank) over (partition by period, security)
)
select
    period,
    country,
    country_code,
    security,
    holder,
    usd_millions,
    source,
    release_date,
from final;
