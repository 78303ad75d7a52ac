{#- Warns (does not fail) for each requested day with no staged sample: such a day's
    buckets are deleted and nothing replaces them, which is right after a Fonte gap but
    usually means the extraction was forgotten. Without vars, there is nothing to check. -#}
{{ config(severity='warn') }}

{%- set window = day_window() %}

with

samples as (

    select * from {{ ref('stg_fonte__data') }}
    where {{ in_day_window('"timestamp"') }}

),

{% if window is none %}
requested_days as (

    select null::timestamptz as day where false

),
{% else %}
requested_days as (

    select day
    from generate_series({{ window.start }}, {{ window.end }} - interval '1 day', interval '1 day') as day

),
{% endif %}

-- One pass over the window's samples (a per-day NOT EXISTS made the planner rescan them
-- for every day: 14 s for a year).
staged_days as (

    select distinct {{ day_of('"timestamp"') }} as day
    from samples

),

final as (

    select requested_days.day as day_without_samples
    from requested_days
    left join staged_days on staged_days.day = requested_days.day
    where staged_days.day is null

)

select * from final
