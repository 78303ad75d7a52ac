{#- The days a run (re)computes, from --vars (or, for the pipeline's own callers, the
    environment variable WINDPIPE_DAYS: see days_from_environment below):
      day: D                    -> [D 00:00Z, D+1 00:00Z)
      start_day: D1, end_day: D2 -> [D1 00:00Z, D2+1 00:00Z), both days included
      nothing                   -> none: every staged day
    Returns none or a dict: `start` and `end` (SQL timestamptz expressions), `first` and
    `last` (dates) and `days` (how many). -#}
{% macro day_window() -%}
    {%- set day = var('day', none) -%}
    {%- set start_day = var('start_day', none) -%}
    {%- set end_day = var('end_day', none) -%}
    {%- if day is none and start_day is none and end_day is none -%}
        {%- set requested = days_from_environment() -%}
        {%- set day, start_day, end_day = requested.get('day'), requested.get('start_day'), requested.get('end_day') -%}
    {%- endif -%}
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
        "first": first,
        "last": last,
        "days": (last - first).days + 1,
    }) }}
{%- endmacro %}

{#- WINDPIPE_DAYS holds what --vars would: `day: D` or `{start_day: D1, end_day: D2}`.
    dbt hashes every --vars into its partial-parse check, so each new day makes it parse the
    whole project again (dbt-core issue 6323); a variable read only while executing, never
    while parsing, is not recorded, so a new day keeps the partial parse. --vars win when
    both are given (as unit tests' overrides must). -#}
{% macro days_from_environment() -%}
    {%- if not execute -%}
        {{ return({}) }}
    {%- endif -%}
    {%- set text = env_var('WINDPIPE_DAYS', '') | trim -%}
    {%- if not text -%}
        {{ return({}) }}
    {%- endif -%}
    {%- set requested = fromyaml(text) -%}
    {%- set known = ['day', 'start_day', 'end_day'] -%}
    {%- if requested is not mapping or requested | reject('in', known) | list -%}
        {{ exceptions.raise_compiler_error("WINDPIPE_DAYS='" ~ text ~ "' is not `day: YYYY-MM-DD` or `{start_day: YYYY-MM-DD, end_day: YYYY-MM-DD}`") }}
    {%- endif -%}
    {{ return(requested) }}
{%- endmacro %}

{#- YAML turns 2024-05-23 into a date and "2024-05-23" into a string: accept both, and
    nothing else, so that no other text reaches the SQL. An impossible date ('2024-02-30')
    gets the same one-line message: it is checked here, before Python's date() could raise.
    (An unquoted impossible date, `day: 2024-13-45`, fails in dbt's own YAML reading of
    --vars, before this macro runs; the README says to quote it.) -#}
{% macro parse_day(value) -%}
    {%- set text = value | string | trim -%}
    {%- set message = "'" ~ text ~ "' is not a day like 2024-05-23 (YYYY-MM-DD)" -%}
    {%- if not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', text) -%}
        {{ exceptions.raise_compiler_error(message) }}
    {%- endif -%}
    {%- set year, month, day = text[0:4] | int, text[5:7] | int, text[8:10] | int -%}
    {%- if year < 1 or month < 1 or month > 12 or day < 1 -%}
        {{ exceptions.raise_compiler_error(message) }}
    {%- endif -%}
    {%- if month == 12 -%}
        {%- set days_in_month = 31 -%}
    {%- else -%}
        {%- set days_in_month = (modules.datetime.date(year, month + 1, 1) - modules.datetime.timedelta(days=1)).day -%}
    {%- endif -%}
    {%- if day > days_in_month -%}
        {{ exceptions.raise_compiler_error(message) }}
    {%- endif -%}
    {{ return(modules.datetime.date(year, month, day)) }}
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

{#- The run's window widened by `buckets` buckets on each side (`true` without vars): what a
    rule that looks at neighbouring buckets (the frozen flag) reads, so that a run that
    crosses midnight is judged whole. -#}
{% macro in_day_window_widened(column, buckets) -%}
    {%- set window = day_window() -%}
    {%- if window is none -%}
        true
    {%- else -%}
        {%- set margin = "interval '" ~ (buckets * var("bucket_minutes")) ~ " minutes'" -%}
        {{ column }} >= {{ window.start }} - {{ margin }} and {{ column }} < {{ window.end }} + {{ margin }}
    {%- endif -%}
{%- endmacro %}

{#- The days the run asked for, one timestamptz `day` per row (none without vars). -#}
{% macro requested_days() -%}
    {%- set window = day_window() -%}
    {%- if window is none -%}
        select null::timestamptz as day where false
    {%- else -%}
        select day
        from generate_series({{ window.start }}, {{ window.end }} - interval '1 day', interval '1 day') as day
    {%- endif -%}
{%- endmacro %}

{#- The turbines a run (re)computes: WINDPIPE_TURBINES, a comma-separated list of turbine
    ids (read while executing only, like WINDPIPE_DAYS), or the var `turbines` (a list);
    none (every turbine) without either. Ids are checked against a strict pattern, so no
    other text reaches the SQL. -#}
{% macro run_turbines() -%}
    {%- set listed = var('turbines', none) -%}
    {%- if listed is none and execute -%}
        {%- set text = env_var('WINDPIPE_TURBINES', '') | trim -%}
        {%- set listed = text.split(',') if text else none -%}
    {%- endif -%}
    {%- if listed is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if listed is string -%}
        {%- set listed = listed.split(',') -%}
    {%- endif -%}
    {%- set turbines = [] -%}
    {%- for turbine in listed -%}
        {%- set turbine = turbine | string | trim -%}
        {%- if not modules.re.match('^[A-Za-z0-9_-]{1,64}$', turbine) -%}
            {{ exceptions.raise_compiler_error("'" ~ turbine ~ "' is not a turbine id (letters, digits, _ and -), in WINDPIPE_TURBINES or the var turbines") }}
        {%- endif -%}
        {%- do turbines.append(turbine) -%}
    {%- endfor -%}
    {{ return(turbines or none) }}
{%- endmacro %}

{#- Which rows of a turbine column belong to the run's turbines: a SQL condition. -#}
{% macro in_run_turbines(column) -%}
    {%- set turbines = run_turbines() -%}
    {%- if turbines is none -%}
        true
    {%- else -%}
        {{ column }} in ({% for turbine in turbines %}'{{ turbine }}'{{ ", " if not loop.last }}{% endfor %})
    {%- endif -%}
{%- endmacro %}
