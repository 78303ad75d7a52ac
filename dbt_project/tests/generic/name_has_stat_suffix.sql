{#- Every signal name is `<tag>_<statistic>` or `<turbine>.<tag>_<statistic>`, with a known
    statistic. -#}
{% test name_has_stat_suffix(model, column_name, stats) %}

select {{ column_name }}
from {{ model }}
where {{ column_name }} !~ '^([A-Za-z0-9_-]+\.)?[a-z][a-z0-9_]*_({{ stats | join("|") }})$'

{% endtest %}
