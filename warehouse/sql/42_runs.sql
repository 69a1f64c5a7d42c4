-- Every pipeline run, newest first: outcome, files changed, rows loaded, validation summary.
create or replace view runs as
select * from internal.runs order by started_at desc;
