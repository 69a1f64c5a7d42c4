-- Latest vintage of every flow value (one per period, country, security, holder, measure).
create or replace view flows as
select
    versions.period,
    versions.country,
    versions.country_code,
    versions.security,
    versions.holder,
    versions.measure,
    versions.usd_millions,
    versions.source,
    versions.release_date,
from internal.observation_versions as versions
join internal.source_precedence as precedence using (source)
join internal.latest_winner as winner
    on winner.dataset = 'flows'
    and winner.period = versions.period
    and winner.security = versions.security
    and winner.measure = versions.measure
    and winner.source_rank = precedence.source_rank
where
    versions.superseded_by is null
    and versions.dataset = 'flows'
    and versions.row_kind not in ('issuer_sector', 'series_break_comparison');
