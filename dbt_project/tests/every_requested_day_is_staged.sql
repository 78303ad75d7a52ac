{#- Warns (does not fail) for each requested day with no staged sample: such a day's
    buckets are deleted and nothing replaces them, which is right after a Fonte gap but
    usually means the extraction was forgotten. Without vars, there is nothing to check. -#}
{{ config(severity='warn') }}

with

samples as (

    select * from {{ ref('stg_fonte__data') }}
    where {{ in_day_window('"timestamp"') }}

),

requested_days as (

    {{ requested_days() }}

),

-- One pass over the window's samples (a per-day NOT EXISTS made the planner rescan them
-- for every day: 14 s for a year).
staged_days as (

    select distinct {{ day_of('"timestamp"') }} as day
    from samples

),

final as (

    select requested_days.day as day_without_samples
    from requested_days
    left join staged_days on requested_days.day = staged_days.day
    where staged_days.day is null

)

select * from final
