-- Grand Total split between foreign official and private holders, per period, security, measure.
create or replace view official_private as
with grand_total as (
    select period, security, 'holdings' as measure, holder, usd_millions
    from holdings
    where country = 'Grand Total'
    union all
    select period, security, measure, holder, usd_millions
    from flows
    where country = 'Grand Total' and measure in ('net_purchases', 'valuation_change')
),
pivoted as (
    select
        period,
        security,
        measure,
        max(usd_millions) filter (where holder = 'official') as official_usd_millions,
        max(usd_millions) filter (where holder = 'private') as published_private_usd_millions,
        max(usd_millions) filter (where holder = 'all') as total_usd_millions,
    from grand_total
    group by period, security, measure
),
final as (
    select
        period,
        security,
        measure,
        official_usd_millions,
        coalesce(
            published_private_usd_millions, total_usd_millions - official_usd_millions
        ) as private_usd_millions,
        total_usd_millions,
        case when measure = 'holdings'
            then official_usd_millions / nullif(total_usd_millions, 0)
        end as official_share,
        published_private_usd_millions is null
            and official_usd_millions is not null
            and total_usd_millions is not null as private_is_derived,
    from pivoted
    where official_usd_millions is not null or published_private_usd_millions is not null
)
select * from final
order by security, measure, period;
