{#- 10-minute statistics, long form, by the tag's kind (the view kind_statistics). Appended
    (materializations/locked_append.sql): each run first locks its days (builds of the same
    days take turns, macros/build_locks.sql), deletes their buckets and appends them again,
    all in one transaction, so a run replaces exactly its days and leaves every other day as
    it was. With WINDPIPE_TURBINES (or the var turbines), only those turbines' rows of the
    days are replaced. -#}
{{ config(
    materialized='locked_append',
    pre_hook=[
        "{{ lock_run_days() }}",
        "{{ delete_replaced_buckets(ref('stg_fonte__data'), ref('signal')) }}",
        "{{ suspend_signal_fk() }}",
    ],
    post_hook="{{ restore_signal_fk(ref('signal')) }}",
) }}

with

samples as (

    select * from {{ ref('stg_fonte__data') }}
    where {{ in_day_window('"timestamp"') }} and {{ in_run_turbines('turbine') }}

),

tags as (

    select * from {{ ref('stg_fonte__tags') }}

),

signals as (

    select * from {{ ref('signal') }}

),

-- A bucket still open is never written (docs/pipeline.md, "Late, corrected and live data"):
-- one is closed once the plant's clock, its latest staged sample of any day, is a sampling
-- interval short of the bucket's end or past it. A finished day's last sample (23:59) closes
-- its last bucket; a day that is still arriving keeps its current bucket out until it closes.
plant_clock as (
    {{ plant_clock(ref('stg_fonte__data'), "tags") }}
),

bucketed as (

    select
        {{ ten_minute_bucket('samples."timestamp"') }} as bucket_start,
        samples."timestamp",
        samples.turbine,
        samples.tag,
        tags.kind,
        samples.value

    from samples
    inner join tags on samples.tag = tags.tag
    cross join plant_clock
    where {{ bucket_is_closed(ten_minute_bucket('samples."timestamp"'), 'plant_clock') }}

),

-- Sums run in time order: a floating-point sum's last bit depends on the order of its
-- terms, and the rows' order on disk changes with every reload, so a rebuild gives the
-- same bits only when the order is fixed.
linear_statistics as (

    select
        bucket_start,
        turbine,
        tag,
        avg(value order by "timestamp")::float8 as mean,
        min(value)::float8 as min,
        max(value)::float8 as max,
        -- NULL for a single sample: that bucket gets no std row (see below).
        stddev_samp(value order by "timestamp")::float8 as std

    from bucketed
    where kind = 'linear'
    group by bucket_start, turbine, tag

),

-- An angle's mean is the direction of the mean unit vector, and its spread the circular
-- standard deviation sqrt(-2 ln R), R the mean vector's length (1 when all agree).
angle_vectors as (

    select
        bucket_start,
        turbine,
        tag,
        avg(sin(radians(value)) order by "timestamp")::float8 as mean_sin,
        avg(cos(radians(value)) order by "timestamp")::float8 as mean_cos

    from bucketed
    where kind = 'angle'
    group by bucket_start, turbine, tag

),

angle_statistics as (

    select
        bucket_start,
        turbine,
        tag,
        degrees(atan2(mean_sin, mean_cos)) as signed_mean,
        -- Rounding can put R a hair above 1, where the log would be positive.
        least(sqrt(mean_sin * mean_sin + mean_cos * mean_cos), 1.0::float8) as resultant

    from angle_vectors

),

state_statistics as (

    select
        bucket_start,
        turbine,
        tag,
        -- Ties go to the first value in the ordering: the smallest code.
        mode() within group (order by value)::float8 as mode

    from bucketed
    where kind = 'state'
    group by bucket_start, turbine, tag

),

unpivoted as (

    select
        linear_statistics.bucket_start,
        linear_statistics.turbine,
        linear_statistics.tag,
        stat.statistic,
        stat.value

    from linear_statistics
    cross join
        lateral (
            values
            ('mean', linear_statistics.mean),
            ('min', linear_statistics.min),
            ('max', linear_statistics.max),
            ('std', linear_statistics.std)
        ) as stat (statistic, value)

    union all

    -- Opposite directions in equal measure (R = 0) have no mean direction: no rows.
    select
        angle_statistics.bucket_start,
        angle_statistics.turbine,
        angle_statistics.tag,
        stat.statistic,
        stat.value

    from angle_statistics
    cross join
        lateral (
            values
            (
                'mean',
                -- atan2 gives (-180, 180]; [0, 360) adds 360 below zero, and a mean a
                -- hair below zero would round to 360 itself: that is north, 0.
                case
                    when angle_statistics.signed_mean >= 0 then angle_statistics.signed_mean
                    when angle_statistics.signed_mean + 360 < 360 then angle_statistics.signed_mean + 360
                    else 0
                end
            ),
            -- sqrt(-2 ln R) written as sqrt(|2 ln R|): the same for R <= 1, and 0 (not
            -- -0) when R = 1.
            (
                'std',
                case
                    when angle_statistics.resultant > 0
                        then degrees(sqrt(abs(2 * ln(angle_statistics.resultant))))
                end
            )
        ) as stat (statistic, value)
    where angle_statistics.resultant > 0

    union all

    select
        bucket_start,
        turbine,
        tag,
        'mode' as statistic,
        mode as value

    from state_statistics

),

final as (

    select
        unpivoted.bucket_start as "timestamp",
        signals.id as signal_id,
        unpivoted.value::float8 as value

    from unpivoted
    inner join signals
        on
            unpivoted.turbine = signals.turbine
            and unpivoted.tag = signals.tag
            and unpivoted.statistic = signals.statistic
    where unpivoted.value is not null
    -- Rows in primary-key order fill the index sequentially on insert.
    order by unpivoted.bucket_start, signals.id

)

select * from final
