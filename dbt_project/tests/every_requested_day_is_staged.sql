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

final as (

    select requested_days.day as day_without_samples
    from requested_days
    where not exists (
        select 1 from samples
        where samples."timestamp" >= requested_days.day
          and samples."timestamp" < requested_days.day + interval '1 day'
    )

)

select * from final
