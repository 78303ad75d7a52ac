{#- 10-minute statistics, long form. Incremental: each run first locks its days (builds
    of the same days take turns, macros/build_locks.sql), deletes their buckets and appends
    them again, all in one transaction, so a run replaces exactly its days and leaves every
    other day as it was. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook=[
        "{{ lock_run_days() }}",
        "{{ delete_replaced_buckets(ref('stg_fonte__data')) }}",
        "{{ suspend_signal_fk() }}",
    ],
    post_hook="{{ restore_signal_fk(ref('signal')) }}",
) }}

with

samples as (

    select * from {{ ref('stg_fonte__data') }}
    where {{ in_day_window('"timestamp"') }}

),

signals as (

    select * from {{ ref('signal') }}

),

bucketed as (

    select
        {{ ten_minute_bucket('"timestamp"') }} as bucket_start,
        "timestamp",
        variable,
        value

    from samples

),

statistics as (

    select
        bucket_start,
        variable,
        -- Summed in time order: a floating-point sum's last bit depends on the order of
        -- its terms, and the rows' order on disk changes with every reload, so a rebuild
        -- gives the same bits only when the order is fixed.
        avg(value order by "timestamp")::float8 as mean,
        min(value)::float8 as min,
        max(value)::float8 as max,
        -- NULL for a single sample: that bucket gets no std row (see below).
        stddev_samp(value order by "timestamp")::float8 as std

    from bucketed
    group by bucket_start, variable

),

unpivoted as (

    select
        statistics.bucket_start,
        stat.value,
        statistics.variable || '_' || stat.name as signal_name

    from statistics
    cross join
        lateral (
            values
            ('mean', statistics.mean),
            ('min', statistics.min),
            ('max', statistics.max),
            ('std', statistics.std)
        ) as stat (name, value)
    where stat.value is not null

),

final as (

    select
        unpivoted.bucket_start as "timestamp",
        signals.id as signal_id,
        unpivoted.value

    from unpivoted
    inner join signals on unpivoted.signal_name = signals.name
    -- Rows in primary-key order fill the index sequentially on insert.
    order by unpivoted.bucket_start, signals.id

)

select * from final
