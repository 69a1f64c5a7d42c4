-- Every value of the latest vintage that the holdings and flows views show: current versions
-- of the source that wins their (period, security[, measure]) group in internal.latest_winner,
-- kept in internal.latest_values (20_latest_tables.sql, updated by incremental/).
create or replace view internal.latest_versions as
select *
from internal.latest_values;
