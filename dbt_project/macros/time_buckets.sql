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

{#- The plant's clock: its latest staged sample, of any turbine and any day (the run's or
    not: a day followed by staged samples is over), and the sampling interval that closes a
    bucket after it (the bucket's width itself when the staged catalog has no interval: then
    the bucket holding the last sample counts as closed, as before intervals were staged).
    One row; the max is one backward step of the staging table's primary key. -#}
{% macro plant_clock(staging_relation, tags_relation) -%}
    select
        (select max("timestamp") from {{ staging_relation }}) as last_sample,
        coalesce(
            (select max(interval_seconds) from {{ tags_relation }}), {{ var("bucket_minutes") }} * 60
        ) * interval '1 second' as sampling_interval
{%- endmacro %}

{#- Whether the bucket starting at `bucket_start` has closed by the plant's clock `clock`
    (a relation with plant_clock's columns): its end is at most one sampling interval after
    the latest sample. -#}
{% macro bucket_is_closed(bucket_start, clock) -%}
    {{ bucket_start }} + interval '{{ var("bucket_minutes") }} minutes' <= {{ clock }}.last_sample + {{ clock }}.sampling_interval
{%- endmacro %}
