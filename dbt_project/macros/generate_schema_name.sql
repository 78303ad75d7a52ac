{#- A model's custom schema is used as written (staging, not public_staging), so the
    tables land where the README says: public.signal, public.data, staging.* -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
