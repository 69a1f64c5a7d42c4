-- Where two files carry the same quantity, the lowest rank wins for a whole
-- (period, security[, measure]) group: Table 3 > Table 1 for Treasuries,
-- Table 3 > Table 5 > mfhhis01 > mfh.txt for Treasury holdings, Table 4 > Form S for gross flows.
create or replace table internal.source_precedence as
select * from (values
    ('slt_table3', 1),
    ('slt_table1', 2),
    ('slt_table2', 2),
    ('slt_table4', 2),
    ('slt_table5', 3),
    ('mfhhis01', 4),
    ('mfh', 5),
    ('s1_globl', 5),
    ('npr_history', 1)
) as precedence(source, source_rank);
