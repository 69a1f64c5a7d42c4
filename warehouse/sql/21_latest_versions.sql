-- Every value of the latest vintage that the holdings and flows views show: current versions
-- of the source that wins their (period, security[, measure]) group in internal.latest_winner.
create or replace view internal.latest_versions as
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
    and versions.row_kind not in ('issuer_sector', 'series_break_comparison');
