{#- Tests of `data` and `stg_fonte__data` check the days this run wrote, not the whole
    history: their `where` config is the placeholder __day_window__, replaced here by the
    run's window (macros/day_window.sql) at run time, when vars are known. The whole-table
    guarantees (primary key, foreign key, not null) are enforced by the database itself. -#}
{% macro default__get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- if where -%}
        {%- set where = where | replace('__day_window__', in_day_window('"timestamp"')) -%}
        {%- do return("(select * from " ~ relation ~ " where " ~ where ~ ") dbt_subquery") -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}
