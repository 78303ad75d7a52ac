{#- A day of the run whose staged samples fill all the day's buckets (144 of 10 minutes) of a
    turbine's tag (two samples or more in each, so a linear std exists too) must give that
    many rows for each of that tag's signals. Fails with the (day, signal) pairs that have
    another count. Like the other tests, it reads only the run's window of `data` and of
    the samples. -#}
with

samples as (

    select * from {{ ref('stg_fonte__data') }}
    where {{ in_day_window('"timestamp"') }}

),

data as (

    select * from {{ ref('data') }}
    where {{ in_day_window('"timestamp"') }}

),

signals as (

    select * from {{ ref('signal') }}

),

buckets as (

    select
        {{ day_of('"timestamp"') }} as day,
        turbine,
        tag,
        {{ ten_minute_bucket('"timestamp"') }} as bucket_start

    from samples
    group by day, turbine, tag, bucket_start
    having count(*) >= 2

),

complete_days as (

    select
        day,
        turbine,
        tag

    from buckets
    group by day, turbine, tag
    having count(*) = {{ buckets_per_day() }}

),

produced as (

    select
        {{ day_of('"timestamp"') }} as day,
        signal_id,
        count(*) as buckets

    from data
    group by day, signal_id

),

expected as (

    select
        complete_days.day,
        signals.id as signal_id,
        signals.name as signal_name

    from complete_days
    inner join signals
        on complete_days.turbine = signals.turbine and complete_days.tag = signals.tag

),

final as (

    select
        expected.day,
        expected.signal_name,
        coalesce(produced.buckets, 0) as buckets

    from expected
    left join produced
        on expected.day = produced.day and expected.signal_id = produced.signal_id
    where coalesce(produced.buckets, 0) <> {{ buckets_per_day() }}

)

select * from final
