-- One row per loaded release.
create or replace view releases as
select
    release_date,
    max(loaded_at) as loaded_at,
    list(file_name order by file_name) as files,
    list(sha256 order by file_name) as sha256s,
    case when bool_and(validation_status = 'passed') then 'published'
        else 'published_with_warnings'
    end as status,
from internal.release_files
group by release_date
order by release_date;
