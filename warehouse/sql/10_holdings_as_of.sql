-- Holdings as they stood after the newest release dated on or before as_of_date,
-- under the countries dimension's canonical names (as the holdings and flows views).
create or replace macro holdings_as_of(as_of_date) as table
with vintage as (
    select
        versions.*,
        precedence.source_rank,
    from internal.observation_versions as versions
    join internal.source_precedence as precedence using (source)
    where
        versions.dataset = 'holdings'
        and versions.row_kind not in ('issuer_sector', 'holder_sector', 'series_break_comparison')
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
    coalesce(names.country, final.country) as country,
    coalesce(names.country_code, final.country_code) as country_code,
    security,
    holder,
    usd_millions,
    source,
    release_date,
    names.kind as country_kind,
from final
left join internal.country_lookup as names
    on names.printed_country = final.country
    and names.printed_code is not distinct from final.country_code;
