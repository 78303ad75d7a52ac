{#- A day whose staged samples fill all 144 ten-minute buckets of a variable (two samples
    or more in each, so std exists too) must give 144 rows for each of that variable's
    four signals. Fails with the (day, signal) pairs that have another count. -#}
with

samples as (

    select * from {{ ref('stg_fonte__data') }}
    where {{ in_day_window('"timestamp"') }}

),

buckets as (

    select
        {{ day_of('"timestamp"') }} as day,
        variable,
        {{ ten_minute_bucket('"timestamp"') }} as bucket_start

    from samples
    group by 1, 2, 3
    having count(*) >= 2

),

complete_days as (

    select day, variable
    from buckets
    group by day, variable
    having count(*) = 144

),

signals as (

    select * from {{ ref('signal') }}

),

produced as (

    select
        {{ day_of('data."timestamp"') }} as day,
        data.signal_id,
        count(*) as buckets

    from {{ ref('data') }} as data
    group by 1, 2

),

expected as (

    select complete_days.day, signals.id as signal_id, signals.name
    from complete_days
    inner join signals on {{ signal_variable('signals.name') }} = complete_days.variable

)

select expected.day, expected.name, coalesce(produced.buckets, 0) as buckets
from expected
left join produced
    on produced.day = expected.day and produced.signal_id = expected.signal_id
where coalesce(produced.buckets, 0) <> 144
