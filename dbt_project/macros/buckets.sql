{#- The UTC day of a timestamptz, independent of the session's time zone. -#}
{% macro day_of(column) -%}
    date_bin('1 day', {{ column }}, timestamptz '2000-01-01 00:00:00+00')
{%- endmacro %}

{#- The 10-minute bucket of a timestamptz, labelled by its start (DESIGN.md). -#}
{% macro ten_minute_bucket(column) -%}
    date_bin('10 minutes', {{ column }}, timestamptz '2000-01-01 00:00:00+00')
{%- endmacro %}

{#- A signal name `<variable>_<stat>` split into its variable and its stat. -#}
{% macro signal_variable(name) -%}
    regexp_replace({{ name }}, '_(mean|min|max|std)$', '')
{%- endmacro %}

{% macro signal_stat(name) -%}
    substring({{ name }} from '_(mean|min|max|std)$')
{%- endmacro %}
