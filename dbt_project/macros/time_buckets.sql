{#- The UTC day of a timestamptz, independent of the session's time zone. -#}
{% macro day_of(column) -%}
    date_bin('1 day', {{ column }}, timestamptz '2000-01-01 00:00:00+00')
{%- endmacro %}

{#- The 10-minute bucket of a timestamptz, labelled by its start (docs/contracts.md):
    [start, start + 10 min), origin 2000-01-01 00:00 UTC. -#}
{% macro ten_minute_bucket(column) -%}
    date_bin('10 minutes', {{ column }}, timestamptz '2000-01-01 00:00:00+00')
{%- endmacro %}
