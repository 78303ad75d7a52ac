{#- The UTC day of a timestamptz, independent of the session's time zone. -#}
{% macro day_of(column) -%}
    date_bin('1 day', {{ column }}, timestamptz 'epoch')
{%- endmacro %}

{#- The UTC calendar date of a timestamptz, whatever the session's time zone. -#}
{% macro utc_date(column) -%}
    ({{ column }} at time zone 'UTC')::date
{%- endmacro %}

{#- The 10-minute bucket of a timestamptz, labelled by its start (docs/contracts.md):
    [start, start + width), width and origin the project's vars bucket_minutes and
    bucket_origin (10 minutes from 2000-01-01 00:00 UTC). -#}
{% macro ten_minute_bucket(column) -%}
    date_bin('{{ var("bucket_minutes") }} minutes', {{ column }}, timestamptz '{{ var("bucket_origin") }}')
{%- endmacro %}

{#- How many buckets a complete UTC day holds (144 with 10-minute buckets). -#}
{% macro buckets_per_day() -%}
    {{ return((24 * 60) // var("bucket_minutes")) }}
{%- endmacro %}

{#- A day's key in advisory locks: its number of days since the var day_key_epoch. -#}
{% macro day_key(day_expression) -%}
    ({{ day_expression }} - date '{{ var("day_key_epoch") }}')
{%- endmacro %}
