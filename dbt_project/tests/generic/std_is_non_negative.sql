{#- A standard deviation below zero (or NaN) means the statistics are wrong. `signals` is
    the signal registry, which says which signal ids are a std. -#}
{% test std_is_non_negative(model, signals) %}

with

data as (

    select * from {{ model }}

),

std_signals as (

    select id from {{ signals }}
    where statistic = 'std'

),

final as (

    select data.*
    from data
    inner join std_signals on data.signal_id = std_signals.id
    where data.value < 0 or data.value = 'NaN'::float8

)

select * from final

{% endtest %}
