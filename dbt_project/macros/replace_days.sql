{#- Pre-hook of `data`: remove the buckets this run recomputes, in the same transaction as
    the insert that follows, so a run replaces exactly its days (of its turbines, when
    WINDPIPE_TURBINES names some) and a rerun changes nothing. Without a window, the days
    present in staging are the ones replaced. -#}
{% macro delete_replaced_buckets(staging_relation, signal_relation) -%}
    {%- if day_window() is none -%}
        delete from {{ this }}
        where {{ day_of('timestamp') }} in (
            select distinct {{ day_of('timestamp') }} from {{ staging_relation }}
            where {{ in_run_turbines('turbine') }}
        )
    {%- else -%}
        delete from {{ this }} where {{ in_day_window('timestamp') }}
    {%- endif -%}
    {%- if run_turbines() is not none %}
        and signal_id in (select id from {{ signal_relation }} where {{ in_run_turbines('turbine') }})
    {%- endif -%}
{%- endmacro %}

{#- Pre-hook of the quality marts (keyed by turbine and a time column): remove the rows this
    run recomputes, as delete_replaced_buckets does for `data`. `day_column` names a date
    column (a UTC day) instead of a timestamptz one. -#}
{% macro delete_replaced_rows(staging_relation, time_column=none, day_column=none) -%}
    {%- set window = day_window() -%}
    {%- if window is none -%}
        delete from {{ this }}
        where {{ day_column ~ ' in (' if day_column else day_of(time_column) ~ ' in (' }}
            select distinct {{ utc_date(day_of('timestamp')) if day_column else day_of('timestamp') }}
            from {{ staging_relation }}
            where {{ in_run_turbines('turbine') }}
        )
    {%- elif day_column -%}
        delete from {{ this }} where {{ day_column }} between date '{{ window.first }}' and date '{{ window.last }}'
    {%- else -%}
        delete from {{ this }} where {{ in_day_window(time_column) }}
    {%- endif %}
        and {{ in_run_turbines('turbine') }}
{%- endmacro %}

{#- Checking the foreign key row by row costs ~6 µs a row: nothing for a day (1,728
    rows), seconds for a year (420,480). For runs of more than a week (or of every staged
    day), the pre-hook drops the key and the post-hook adds it back, which PostgreSQL
    validates with one join over the table; all in the run's transaction, so the key is
    never missing for anyone else (they wait on the table's lock instead). -#}
{% macro is_bulk_run() -%}
    {%- set window = day_window() -%}
    {%- if window is none -%}
        {{ return(true) }}
    {%- endif -%}
    {{ return(window.days > 7) }}
{%- endmacro %}

{% macro suspend_signal_fk() -%}
    {%- if is_bulk_run() -%}
        alter table {{ this }} drop constraint if exists data_signal_id_fkey
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}

{% macro restore_signal_fk(signal_relation) -%}
    {%- if is_bulk_run() -%}
        do $$
        begin
            if not exists (
                select 1 from pg_constraint
                where conname = 'data_signal_id_fkey' and conrelid = '{{ this }}'::regclass
            ) then
                alter table {{ this }} add constraint data_signal_id_fkey
                    foreign key (signal_id) references {{ signal_relation }} (id);
            end if;
        end $$
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}
