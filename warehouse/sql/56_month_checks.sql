-- Shared by the change macros (57_holdings_change.sql, 58_flows_between.sql).

-- The months the warehouse holds in a dataset, as of a date: a small table, so a check
-- costs nothing beside the query.
create or replace macro internal.months_held(dataset_name, as_of_date) as (
    select list(distinct period order by period)
    from internal.source_displacements
    where dataset = dataset_name and arrived <= cast(as_of_date as date)
);

-- true, or an error saying what is wrong with the request and what the warehouse holds.
create or replace macro internal.check_months(macro_name, from_month, to_month, held, as_of_date) as (
    case
        when from_month is null or to_month is null then error(
            macro_name || ': from_period and to_period are required (DATE, first of a month)')
        when cast(as_of_date as date) < (select min(release_date) from internal.release_files)
            then error(macro_name || ': as_of ' || cast(as_of_date as date)
                || ' is before the first release loaded ('
                || (select min(release_date) from internal.release_files)
                || '); use a date on or after it')
        when len(held) = 0 then error(macro_name || ': the warehouse holds no months yet')
        when from_month > to_month then error(macro_name || ': from_period '
            || strftime(from_month, '%Y-%m') || ' is after to_period '
            || strftime(to_month, '%Y-%m') || '; swap them')
        when not list_contains(held, from_month) or not list_contains(held, to_month)
            then error(macro_name || ': the warehouse holds no data for '
                || strftime(
                    case when list_contains(held, from_month) then to_month else from_month end,
                    '%Y-%m'
                )
                || '; it holds ' || strftime(list_min(held), '%Y-%m') || ' to '
                || strftime(list_max(held), '%Y-%m'))
        else true
    end
);

