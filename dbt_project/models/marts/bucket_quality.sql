{#- Data quality per (turbine, tag, 10-minute bucket): how many samples arrived, the coverage,
    and one boolean per flag (docs/pipeline.md, "Data quality"). A flag is data about the
    bucket's statistics in `data`, which it never changes. Every bucket of a staged day that
    should hold samples has a row, the empty ones too: from the day's first bucket to the
    last one with any staged sample of the run's turbines that day, for each turbine and tag
    staged that day. Replaced day by day like `data` (same locks, same window). -#}
{{ config(
    materialized='locked_append',
    pre_hook=[
        "{{ lock_run_days('bucket_quality') }}",
        "{{ delete_replaced_rows(ref('stg_fonte__data'), time_column='\"timestamp\"') }}",
    ],
) }}

{%- set bucket_seconds = "(" ~ var("bucket_minutes") ~ " * 60)" %}
{%- set frozen_buckets = var("frozen_buckets") | int %}

with

-- The frozen rule looks at runs of buckets: it reads frozen_buckets - 1 buckets past each
-- end of the window, so a run that crosses midnight is judged whole.
samples as (

    select * from {{ ref('stg_fonte__data') }}
    where {{ in_day_window_widened('"timestamp"', frozen_buckets - 1) }} and {{ in_run_turbines('turbine') }}

),

tags as (

    select * from {{ ref('stg_fonte__tags') }}

),

turbines as (

    select * from {{ ref('stg_fonte__turbines') }}

),

states as (

    select * from {{ ref('operating_states') }}

),

-- Open buckets are left out, as in `data` (macros/time_buckets.sql).
plant_clock as (
    {{ plant_clock(ref('stg_fonte__data'), "tags") }}
),

bucket_samples as (

    select
        {{ ten_minute_bucket('samples."timestamp"') }} as bucket_start,
        samples.turbine,
        samples.tag,
        count(*) as samples,
        min(samples.value) as min_value,
        max(samples.value) as max_value,
        -- Only the power curve reads a mean (of power and wind speed): the other tags are
        -- spared the sort an ordered mean costs. In time order, as `data`'s, for the same bits.
        avg(samples.value order by samples."timestamp") filter (
            where tags.iec_name in ('WTUR_W', 'WMET_HorWdSpd')
        )::float8 as mean_value,
        bool_or(samples.value < tags.range_min or samples.value > tags.range_max) as out_of_range

    from samples
    inner join tags on samples.tag = tags.tag
    cross join plant_clock
    where {{ bucket_is_closed(ten_minute_bucket('samples."timestamp"'), 'plant_clock') }}
    group by bucket_start, samples.turbine, samples.tag

),

-- The operating state's buckets: down when any sample's code is not available (a code the
-- list does not know counts as not available), producing when every sample's code is.
state_buckets as (

    select
        {{ ten_minute_bucket('samples."timestamp"') }} as bucket_start,
        samples.turbine,
        bool_or(not coalesce(states.available, false)) as down,
        bool_and(coalesce(states.producing, false)) as producing

    from samples
    inner join tags on samples.tag = tags.tag and tags.iec_name = 'WTUR_TurSt'
    left join states on samples.value = states.code
    cross join plant_clock
    where {{ bucket_is_closed(ten_minute_bucket('samples."timestamp"'), 'plant_clock') }}
    group by bucket_start, samples.turbine

),

-- Runs of unchanging buckets (two samples or more, all equal) of one value, numbered by
-- gaps and islands; a sensor resting at its lower physical limit (an anemometer in calm
-- air reads 0) is not stuck.
constant_buckets as (

    select
        bucket_samples.bucket_start,
        bucket_samples.turbine,
        bucket_samples.tag,
        bucket_samples.min_value as value,
        (extract(epoch from bucket_samples.bucket_start) / {{ bucket_seconds }})::bigint
        - row_number() over (
            partition by bucket_samples.turbine, bucket_samples.tag, bucket_samples.min_value
            order by bucket_samples.bucket_start
        ) as run

    from bucket_samples
    inner join tags on bucket_samples.tag = tags.tag
    where
        tags.varies
        and bucket_samples.samples >= 2
        and bucket_samples.min_value = bucket_samples.max_value
        and bucket_samples.min_value <> tags.range_min

),

frozen_buckets as (

    select
        bucket_start,
        turbine,
        tag

    from (
        select
            bucket_start,
            turbine,
            tag,
            count(*) over (partition by turbine, tag, value, run) as run_length
        from constant_buckets
    ) as runs
    where run_length >= {{ frozen_buckets }}

),

-- Active power against the turbine's reference curve at the bucket's mean wind speed, in
-- the buckets where the turbine produced throughout.
off_curve_buckets as (

    select
        power.bucket_start,
        power.turbine,
        power.tag

    from bucket_samples as power
    inner join tags as power_tag on power.tag = power_tag.tag and power_tag.iec_name = 'WTUR_W'
    inner join bucket_samples as wind
        on power.turbine = wind.turbine and power.bucket_start = wind.bucket_start
    inner join tags as wind_tag on wind.tag = wind_tag.tag and wind_tag.iec_name = 'WMET_HorWdSpd'
    inner join state_buckets
        on power.turbine = state_buckets.turbine and power.bucket_start = state_buckets.bucket_start
    inner join turbines on power.turbine = turbines.turbine
    where
        state_buckets.producing
        and abs(power.mean_value - {{ reference_power('wind.mean_value', 'turbines') }})
        > {{ var("power_curve_tolerance") }} * turbines.rated_power_kw

),

staged_days as (

    select
        {{ day_of('bucket_start') }} as day,
        max(bucket_start) as last_bucket

    from bucket_samples
    where {{ in_day_window('bucket_start') }}
    group by day

),

day_tags as (

    select distinct
        {{ day_of('bucket_start') }} as day,
        turbine,
        tag

    from bucket_samples
    where {{ in_day_window('bucket_start') }}

),

expected_buckets as (

    select
        grid.bucket_start,
        day_tags.turbine,
        day_tags.tag

    from day_tags
    inner join staged_days on day_tags.day = staged_days.day
    cross join lateral generate_series(
        staged_days.day, staged_days.last_bucket, interval '{{ var("bucket_minutes") }} minutes'
    ) as grid (bucket_start)

),

final as (

    select
        expected_buckets.bucket_start as "timestamp",
        expected_buckets.turbine,
        expected_buckets.tag,
        coalesce(bucket_samples.samples, 0)::integer as samples,
        (coalesce(bucket_samples.samples, 0) / ({{ bucket_seconds }} / tags.interval_seconds))::float8 as coverage,
        coalesce(bucket_samples.out_of_range, false) as range_flag,
        frozen_buckets.tag is not null as frozen_flag,
        coalesce(
            coalesce(bucket_samples.samples, 0) / ({{ bucket_seconds }} / tags.interval_seconds)
            < {{ var("coverage_threshold") }},
            false
        ) as low_coverage_flag,
        off_curve_buckets.tag is not null as power_curve_flag,
        coalesce(tags.iec_name = 'WTUR_TurSt' and state_buckets.down, false) as down_flag

    from expected_buckets
    inner join tags on expected_buckets.tag = tags.tag
    left join bucket_samples
        on
            expected_buckets.bucket_start = bucket_samples.bucket_start
            and expected_buckets.turbine = bucket_samples.turbine
            and expected_buckets.tag = bucket_samples.tag
    left join frozen_buckets
        on
            expected_buckets.bucket_start = frozen_buckets.bucket_start
            and expected_buckets.turbine = frozen_buckets.turbine
            and expected_buckets.tag = frozen_buckets.tag
    left join off_curve_buckets
        on
            expected_buckets.bucket_start = off_curve_buckets.bucket_start
            and expected_buckets.turbine = off_curve_buckets.turbine
            and expected_buckets.tag = off_curve_buckets.tag
    left join state_buckets
        on
            expected_buckets.bucket_start = state_buckets.bucket_start
            and expected_buckets.turbine = state_buckets.turbine
    -- Rows in primary-key order fill the index sequentially on insert.
    order by expected_buckets.bucket_start, expected_buckets.turbine, expected_buckets.tag

)

select * from final
