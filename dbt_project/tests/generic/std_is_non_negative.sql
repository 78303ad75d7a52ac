{#- A standard deviation below zero (or NaN) means the statistics are wrong. -#}
{% test std_is_non_negative(model, signal_model) %}

select data.*
from {{ model }} as data
inner join {{ signal_model }} as signals on signals.id = data.signal_id
where signals.name like '%\_std'
  and (data.value < 0 or data.value = 'NaN'::float8)

{% endtest %}
