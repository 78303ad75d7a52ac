{#- Per turbine and UTC day: time-based availability from the operating state (IEC 61400-26:
    the share of the day's known buckets in which the turbine was available, a bucket with
    any sample of an unavailable code counting as down), the energy produced (10-minute mean
    power x 1/6 h, summed) and the energy lost while down (the reference curve at each down
    bucket's mean wind speed x 1/6 h). Buckets whose state never arrived are unknown, and
    left out of the share. Replaced day by day like `data`. -#}
{{ config(
    materialized='locked_append',
    pre_hook=[
        "{{ lock_run_days('availability') }}",
        "{{ delete_replaced_rows(ref('stg_fonte__data'), day_column='day') }}",
    ],
) }}

{%- set bucket_hours = "(" ~ var("bucket_minutes") ~ " / 60.0)" %}

with

quality as (

    select * from {{ ref('bucket_quality') }}
    where {{ in_day_window('"timestamp"') }} and {{ in_run_turbines('turbine') }}

),

tags as (

    select * from {{ ref('stg_fonte__tags') }}

),

turbines as (

    select * from {{ ref('stg_fonte__turbines') }}

),

-- Each bucket's mean power and mean wind speed, from `data` (the statistics themselves).
bucket_means as (

    select
        data."timestamp",
        signal.turbine,
        max(data.value) filter (where tags.iec_name = 'WTUR_W') as power_mean,
        max(data.value) filter (where tags.iec_name = 'WMET_HorWdSpd') as wind_speed_mean

    from {{ ref('data') }} as data
    inner join {{ ref('signal') }} as signal on data.signal_id = signal.id and signal.statistic = 'mean'
    inner join tags on signal.tag = tags.tag and tags.iec_name in ('WTUR_W', 'WMET_HorWdSpd')
    where {{ in_day_window('data."timestamp"') }} and {{ in_run_turbines('signal.turbine') }}
    group by data."timestamp", signal.turbine

),

state_buckets as (

    select
        quality."timestamp",
        quality.turbine,
        quality.down_flag as is_down,
        quality.samples > 0 as is_known

    from quality
    inner join tags on quality.tag = tags.tag and tags.iec_name = 'WTUR_TurSt'

),

state_days as (

    select
        {{ day_of('state_buckets."timestamp"') }} as day,
        state_buckets.turbine,
        count(*) filter (where state_buckets.is_known) as known_buckets,
        count(*) filter (where not state_buckets.is_known) as unknown_buckets,
        count(*) filter (where state_buckets.is_down) as down_buckets,
        coalesce(sum(
            {{ reference_power('bucket_means.wind_speed_mean', 'turbines') }}
        ) filter (where state_buckets.is_down), 0) * {{ bucket_hours }} as lost_energy_kwh

    from state_buckets
    inner join turbines on state_buckets.turbine = turbines.turbine
    left join bucket_means
        on state_buckets."timestamp" = bucket_means."timestamp" and state_buckets.turbine = bucket_means.turbine
    group by day, state_buckets.turbine

),

energy_days as (

    select
        {{ day_of('"timestamp"') }} as day,
        turbine,
        sum(power_mean order by "timestamp") * {{ bucket_hours }} as energy_kwh

    from bucket_means
    group by day, turbine

),

final as (

    select
        {{ utc_date('state_days.day') }} as day,
        state_days.turbine,
        state_days.known_buckets::integer as known_buckets,
        state_days.unknown_buckets::integer as unknown_buckets,
        state_days.down_buckets::integer as down_buckets,
        (
            (state_days.known_buckets - state_days.down_buckets)::float8 / nullif(state_days.known_buckets, 0)
        )::float8 as availability,
        energy_days.energy_kwh::float8 as energy_kwh,
        state_days.lost_energy_kwh::float8 as lost_energy_kwh

    from state_days
    left join energy_days on state_days.day = energy_days.day and state_days.turbine = energy_days.turbine
    order by day, state_days.turbine

)

select * from final
