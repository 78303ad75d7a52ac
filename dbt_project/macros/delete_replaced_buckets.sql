{#- Pre-hook of `data`: remove the buckets this run recomputes, in the same transaction as
    the insert that follows, so a run replaces exactly its days and a rerun changes nothing.
    Without a window, the days present in staging are the ones replaced. -#}
{% macro delete_replaced_buckets(staging_relation) -%}
    {%- set existing = adapter.get_relation(this.database, this.schema, this.identifier) -%}
    {%- if existing is not none and not flags.FULL_REFRESH -%}
        {%- if day_window() is none -%}
            delete from {{ this }}
            where {{ day_of('timestamp') }} in (
                select distinct {{ day_of('timestamp') }} from {{ staging_relation }}
            )
        {%- else -%}
            delete from {{ this }} where {{ in_day_window('timestamp') }}
        {%- endif -%}
    {%- else -%}
        select 1 {#- first build: nothing to replace #}
    {%- endif -%}
{%- endmacro %}

{#- The UTC day of a timestamptz, independent of the session's time zone. -#}
{% macro day_of(column) -%}
    date_bin('1 day', {{ column }}, timestamptz '2000-01-01 00:00:00+00')
{%- endmacro %}

{#- The 10-minute bucket of a timestamptz, labelled by its start (DESIGN.md). -#}
{% macro ten_minute_bucket(column) -%}
    date_bin('10 minutes', {{ column }}, timestamptz '2000-01-01 00:00:00+00')
{%- endmacro %}
