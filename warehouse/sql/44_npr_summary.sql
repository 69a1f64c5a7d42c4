-- Press-release history lines (npr_history.txt), one row per month and line.
create or replace view npr_summary as
select
    period,
    cast(substr(measure, 6) as integer) as line_number,
    holder,
    usd_millions,
    release_date,
from observations
where dataset = 'npr_summary';
