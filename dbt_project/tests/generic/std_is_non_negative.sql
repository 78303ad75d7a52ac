{#- A standard deviation below zero (or NaN) means the statistics are wrong. -#}
{% test std_is_non_negative(model, signal_model) %}

with

data as (

    select * from {{ model }}

),

std_signals as (

    select id from {{ signal_model }}
    where name like '%\_std'

)

select data.*
from data
inner join std_signals on std_signals.id = data.signal_id
where data.value < 0 or data.value = 'NaN'::float8

{% endtest %}
