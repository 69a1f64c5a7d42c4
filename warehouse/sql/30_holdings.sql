-- Latest vintage of every holdings value (one per period, country, security, holder).
create or replace view holdings as
select
    versions.period,
    versions.country,
    versions.country_code,
    versions.security,
    versions.holder,
    versions.usd_millions,
    versions.source,
    versions.release_date,
from internal.observation_versions as versions
join internal.source_precedence as precedence using (source)
join internal.latest_winner as winner
    on winner.dataset = 'holdings'
    and winner.period = versions.period
    and winner.security = versions.security
    and winner.source_rank = precedence.source_rank
where
    versions.superseded_by is null
    and versions.dataset = 'holdings'
    and versions.row_kind not in ('issuer_sector', 'series_break_comparison');
