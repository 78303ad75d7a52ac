{#- Every signal name ends with one of the known statistics: `<variable>_<stat>`. -#}
{% test name_has_stat_suffix(model, column_name, stats) %}

select {{ column_name }}
from {{ model }}
where {{ column_name }} !~ '^[a-z][a-z_]*_({{ stats | join("|") }})$'

{% endtest %}
