-- Analyst queries timed by bench/run.py against the backfilled tic.duckdb (read-only).
-- Each block starts with "-- name: <name>" and holds one statement.

-- name: top_sellers
-- Who sold Treasuries between 2025-06 and 2026-04: change in holdings and net purchases.
with endpoints as (
    select
        country,
        max(usd_millions) filter (where period = date '2025-06-01') as start_usd_millions,
        max(usd_millions) filter (where period = date '2026-04-01') as end_usd_millions,
    from holdings
    where security = 'treasury' and holder = 'all'
        and period in (date '2025-06-01', date '2026-04-01')
    group by country
),
purchases as (
    select country, sum(usd_millions) as net_purchases_usd_millions,
    from flows
    where security = 'treasury' and holder = 'all' and measure = 'net_purchases'
        and period between date '2025-07-01' and date '2026-04-01'
    group by country
)
select
    country,
    start_usd_millions,
    end_usd_millions,
    end_usd_millions - start_usd_millions as change_usd_millions,
    net_purchases_usd_millions,
from endpoints
left join purchases using (country)
where country not in ('Grand Total', 'All Other', 'All Countries')
    and country not like 'Total %' and country not like 'Memo:%'
order by change_usd_millions asc nulls last, net_purchases_usd_millions asc
limit 10;

-- name: japan_history
-- Japan's Treasury holdings since 2000 (MFH history, Table 5, Table 3).
select period, usd_millions, source,
from holdings
where country = 'Japan' and security = 'treasury' and holder = 'all'
    and period >= date '2000-01-01'
order by period;

-- name: official_private_share
-- Official versus private share of Treasury holdings over time.
select period, official_usd_millions, private_usd_millions, official_share, private_is_derived,
from official_private
where security = 'treasury' and measure = 'holdings'
order by period;

-- name: revisions_2026_07_14
-- Every value the 2026-07-14 release revised, largest first.
select dataset, period, country, security, holder, measure,
    previous_usd_millions, usd_millions, revision_usd_millions,
from revisions
where release_date = date '2026-07-14'
order by abs(revision_usd_millions) desc;

-- name: as_of_2026_07_01
-- One series as it stood on 2026-07-01: Grand Total holdings of U.S. long-term securities.
select period, usd_millions, source, release_date,
from holdings_as_of(date '2026-07-01')
where country = 'Grand Total' and security = 'us_long_term' and holder = 'all'
order by period;

-- name: net_purchases_2025
-- Net foreign purchases by security type in 2025.
select security, sum(usd_millions) as net_purchases_usd_millions,
from flows
where country = 'Grand Total' and holder = 'all' and measure = 'net_purchases'
    and period between date '2025-01-01' and date '2025-12-01'
group by security
order by security;

-- name: countries
-- The countries dimension, whole.
select * from countries;

-- name: holdings_change_who_sold
-- Who sold Treasuries between 2025-06 and 2026-04, countries only.
select country, region, from_usd_millions, to_usd_millions, change_usd_millions,
from holdings_change(date '2025-06-01', date '2026-04-01')
where security = 'treasury' and holder = 'all' and country_kind = 'country'
    and change_usd_millions < 0
order by change_usd_millions;

-- name: holdings_change_as_of
-- Every key's change 2022-06 to 2022-12 as the warehouse stood on 2026-07-01.
select * from holdings_change_as_of(date '2022-06-01', date '2022-12-01', date '2026-07-01');

-- name: flows_between_2025
-- Net purchases by type over 2025, summed.
select security, usd_millions,
from flows_between(date '2025-01-01', date '2025-12-01')
where country = 'Grand Total' and holder = 'all' and measure = 'net_purchases';

-- name: flows_between_as_of
-- Countries' net purchases of Treasuries over 2025 as first shown on 2026-06-18.
select * from flows_between_as_of(date '2025-01-01', date '2025-12-01', date '2026-06-18')
where security = 'treasury' and measure = 'net_purchases' and country_kind = 'country';

-- name: holdings_vintages_japan
-- Every figure Japan's Treasury holdings have had, with its real-time period.
select * from holdings_vintages
where country = 'Japan' and security = 'treasury' and holder = 'all';

-- name: flows_vintages_grand_total
-- Every figure of the Grand Total's net purchases of U.S. long-term securities.
select * from flows_vintages
where country = 'Grand Total' and security = 'us_long_term' and holder = 'all'
    and measure = 'net_purchases';

-- name: holdings_first_release_vs_latest
-- Grand Total holdings of U.S. long-term securities, first published against latest.
select period, first.usd_millions as first_published, latest.usd_millions as latest,
from holdings_first_release as first
join holdings as latest using (period, country, security, holder)
where country = 'Grand Total' and security = 'us_long_term' and holder = 'all'
order by period;

-- name: flows_first_release_month
-- Every flow of one month as first published.
select * from flows_first_release where period = date '2025-12-01';

-- name: revisions_by_code
-- Revisions of one country by code and holder.
select * from revisions where country_code = 42609 and holder = 'all';
