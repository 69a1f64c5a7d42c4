-- Every validation check of every run: suite, check, severity, result, row counts.
create or replace view validation_results as
select * from internal.validation_results;
