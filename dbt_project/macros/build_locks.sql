{#- Overlapping `dbt build`s (a scheduled run and a manual rerun, two Dagster retries) take
    turns instead of colliding. Each model that writes takes PostgreSQL advisory locks in
    its own transaction, first thing: they are released by its commit or rollback, so a
    crashed build never leaves one behind, and they hold whoever starts the build.

      data     day runs: the table, shared, and each of their days, exclusive: builds of
               the same or overlapping days take turns, builds of disjoint days run side
               by side. Bulk runs (no vars, or more than 7 days, which suspend the foreign
               key) take the table exclusive: they wait for every other build of `data`.
               The quality marts (bucket_quality, availability) lock the same way, each
               its own table and days: one build's models do not wait for each other.
      signal   the catalog, exclusive.
      staging  each view's definition, exclusive (materializations/in_place_view.sql).
      ddl      creating `signal` or `data` the first time, exclusive: concurrent first
               builds take turns (materializations/locked_append.sql).

    A build that must wait says so in its log, with the holder's pid, and waits at most
    DBT_LOCK_WAIT_SECONDS (default 300) before failing with a clear message, having
    changed nothing. The extractor's own locks (per staged day) are in another namespace. -#}

{% macro build_lock_keys() -%}
    {#- Two namespaces of pg_advisory_xact_lock(int, int) (the project's var
        lock_namespaces): whole relations, and days (a day's key: macro day_key). -#}
    {%- set namespaces = var("lock_namespaces") -%}
    {{ return({"relations": namespaces.build_relations, "days": namespaces.build_days,
               "data": 0, "staging_view": 1, "signal": 2, "ddl": 3,
               "bucket_quality": 4, "availability": 5}) }}
{%- endmacro %}

{#- A table's lock on one day: the day's key, offset by the table's relation key so that
    each day-replaced table has days of its own (`data`'s are the plain day keys). -#}
{% macro day_lock_key(relation_key, day_expression) -%}
    ({{ relation_key }} * 100000 + {{ day_key(day_expression) }})
{%- endmacro %}

{% macro build_lock_wait_seconds() -%}
    {%- set text = env_var('DBT_LOCK_WAIT_SECONDS', '300') | trim -%}
    {%- if not modules.re.match('^[0-9]+$', text) or text | int < 1 -%}
        {{ exceptions.raise_compiler_error("DBT_LOCK_WAIT_SECONDS must be a whole number of seconds, not '" ~ text ~ "'") }}
    {%- endif -%}
    {{ return(text | int) }}
{%- endmacro %}

{#- Pre-hook of `data` and of the quality marts: lock what this run writes (the marts built
    from a day's samples share the day's locks; each model takes them in its own transaction). -#}
{% macro lock_run_days(what='data') -%}
    {%- set window = day_window() -%}
    {%- set key = build_lock_keys()[what] -%}
    {%- if window is none or is_bulk_run() -%}
        {{ take_build_locks(key, exclusive=true, what=what ~ " (a bulk run replaces many days)") }}
    {%- else -%}
        {{ take_build_locks(key, exclusive=false, window=window,
                            what=what ~ " for " ~ window.first ~ (" to " ~ window.last if window.days > 1 else "")) }}
    {%- endif -%}
{%- endmacro %}

{#- SQL that takes the lock on relation key `relation_key` (shared or exclusive) and, with a
    window, the exclusive lock of each of its days, in a fixed order (relation, then days
    ascending), so two builds can never wait for each other in a circle. Logs first when
    another transaction holds one of them. -#}
{% macro take_build_locks(relation_key, exclusive, what, window=none) -%}
    {%- set keys = build_lock_keys() -%}
    {%- set wait = build_lock_wait_seconds() -%}
    {%- if execute -%}
        {%- set holders = run_query(build_lock_holders_sql(relation_key, exclusive, window)) -%}
        {%- for holder in holders.rows -%}
            {{ log("waiting for another dbt build (pid " ~ holder[0] ~ ", started " ~ holder[1]
                   ~ " UTC) that is writing " ~ what ~ "; waiting at most " ~ wait
                   ~ " s (DBT_LOCK_WAIT_SECONDS)", info=true) }}
        {%- endfor -%}
    {%- endif -%}
    do $windpipe_lock$
    declare
        previous_timeout text := current_setting('lock_timeout');
        locked_day date;
    begin
        perform set_config('lock_timeout', '{{ wait }}s', true);
        perform {{ 'pg_advisory_xact_lock' if exclusive else 'pg_advisory_xact_lock_shared' }}({{ keys.relations }}, {{ relation_key }});
        {%- if window is not none %}
        for locked_day in
            select day::date from generate_series(date '{{ window.first }}', date '{{ window.last }}', interval '1 day') as day
        loop
            perform pg_advisory_xact_lock({{ keys.days }}, {{ day_lock_key(relation_key, 'locked_day') }});
        end loop;
        {%- endif %}
        perform set_config('lock_timeout', previous_timeout, true);
    exception when lock_not_available then
        raise exception 'gave up waiting for the lock on %: another dbt build held it for more than {{ wait }} s (DBT_LOCK_WAIT_SECONDS); this build changed nothing, run it again once the other one has finished',
            '{{ what }}';
    end
    $windpipe_lock$
{%- endmacro %}

{#- Other transactions holding a lock that the request would wait for: pid and start time. -#}
{% macro build_lock_holders_sql(relation_key, exclusive, window) -%}
    {%- set keys = build_lock_keys() -%}
    with wanted (classid, objid, exclusive) as (
        select {{ keys.relations }}::oid, {{ relation_key }}::oid, {{ 'true' if exclusive else 'false' }}
        {%- if window is not none %}
        union all
        select {{ keys.days }}::oid, {{ day_lock_key(relation_key, 'day::date') }}::oid, true
        from generate_series(date '{{ window.first }}', date '{{ window.last }}', interval '1 day') as day
        {%- endif %}
    )
    select distinct activity.pid, to_char(activity.xact_start at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS')
    from pg_locks as locks
    inner join wanted on locks.classid = wanted.classid and locks.objid = wanted.objid
    inner join pg_stat_activity as activity on locks.pid = activity.pid
    where locks.locktype = 'advisory' and locks.objsubid = 2 and locks.granted
      and locks.pid <> pg_backend_pid()
      and (wanted.exclusive or locks.mode = 'ExclusiveLock')
{%- endmacro %}
