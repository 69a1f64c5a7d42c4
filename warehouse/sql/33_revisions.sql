-- One row per value a release changed (within the file that published it).
create or replace view revisions as
select * from internal.revisions_all;
