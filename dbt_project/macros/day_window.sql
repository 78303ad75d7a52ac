{#- The days a run (re)computes, from --vars:
      day: D                    -> [D 00:00Z, D+1 00:00Z)
      start_day: D1, end_day: D2 -> [D1 00:00Z, D2+1 00:00Z), both days included
      nothing                   -> none: every staged day
    Returns none or a dict of two SQL timestamptz expressions, `start` and `end`. -#}
{% macro day_window() -%}
    {%- set day = var('day', none) -%}
    {%- set start_day = var('start_day', none) -%}
    {%- set end_day = var('end_day', none) -%}
    {%- if day is not none and (start_day is not none or end_day is not none) -%}
        {{ exceptions.raise_compiler_error("use either the var `day` or `start_day`/`end_day`, not both") }}
    {%- endif -%}
    {%- if day is not none -%}
        {%- set first, last = day, day -%}
    {%- elif start_day is not none or end_day is not none -%}
        {%- if start_day is none or end_day is none -%}
            {{ exceptions.raise_compiler_error("a range needs both `start_day` and `end_day` (YYYY-MM-DD)") }}
        {%- endif -%}
        {%- set first, last = start_day, end_day -%}
    {%- else -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set first = parse_day(first) -%}
    {%- set last = parse_day(last) -%}
    {%- if last < first -%}
        {{ exceptions.raise_compiler_error("end_day " ~ last ~ " is before start_day " ~ first) }}
    {%- endif -%}
    {{ return({
        "start": "timestamptz '" ~ first ~ " 00:00:00+00'",
        "end": "(timestamptz '" ~ last ~ " 00:00:00+00' + interval '1 day')",
        "days": (last - first).days + 1,
    }) }}
{%- endmacro %}

{#- YAML turns 2024-05-23 into a date and "2024-05-23" into a string: accept both, and
    nothing else, so that no other text reaches the SQL. -#}
{% macro parse_day(value) -%}
    {%- set text = value | string | trim -%}
    {%- if not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', text) -%}
        {{ exceptions.raise_compiler_error("'" ~ text ~ "' is not a day like 2024-05-23 (YYYY-MM-DD)") }}
    {%- endif -%}
    {%- set parsed = modules.datetime.datetime.strptime(text, '%Y-%m-%d') -%}
    {{ return(parsed.date()) }}
{%- endmacro %}

{#- Which rows of `column` fall in the run's window: a SQL condition. -#}
{% macro in_day_window(column) -%}
    {%- set window = day_window() -%}
    {%- if window is none -%}
        true
    {%- else -%}
        {{ column }} >= {{ window.start }} and {{ column }} < {{ window.end }}
    {%- endif -%}
{%- endmacro %}
