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
