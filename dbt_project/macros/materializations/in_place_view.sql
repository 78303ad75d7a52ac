{#- A view replaced in place, and only when its SQL changed.

    dbt's own view materialization creates `<view>__dbt_tmp`, renames the old view to
    `<view>__dbt_backup`, renames the new one into place and drops the backup: two builds
    running at once collide on those names, and a reader between the renames finds no
    view. Here one transaction, under an advisory lock (macros/build_locks.sql), compares
    the new definition with the current one (both deparsed by PostgreSQL from a temporary
    candidate view) and replaces the view only if they differ, with `create or replace
    view` (or drop and create, when columns were removed). Readers see the old view or the
    new one, never none, and an unchanged view is not touched at all. -#}
{%- materialization in_place_view, adapter='postgres' -%}
    {%- set target_relation = this.incorporate(type='view') -%}
    {%- set view_name = target_relation.include(database=false) -%}
    {%- set keys = build_lock_keys() -%}

    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}

    {% call statement('lock') -%}
        {{ take_build_locks(view_lock_key(view_name), exclusive=true, what="the view " ~ target_relation) }}
    {%- endcall %}

    {% call statement('main') -%}
        do $windpipe_view$
        begin
            create temporary view windpipe_candidate_view as (
                {{ sql }}
            );
            -- to_regclass, not ::regclass: a missing view is a null, not an error
            if pg_get_viewdef(to_regclass('{{ view_name }}'))
               is not distinct from pg_get_viewdef(to_regclass('windpipe_candidate_view'))
               and to_regclass('{{ view_name }}') is not null then
                null;  -- unchanged: leave it alone
            else
                begin
                    create or replace view {{ target_relation }} as (
                        {{ sql }}
                    );
                exception when invalid_table_definition then
                    -- `create or replace` cannot drop or rename columns
                    drop view {{ target_relation }};
                    create view {{ target_relation }} as (
                        {{ sql }}
                    );
                end;
            end if;
            drop view windpipe_candidate_view;
        end
        $windpipe_view$
    {%- endcall %}

    {% do persist_docs(target_relation, model) %}
    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {{ adapter.commit() }}
    {{ run_hooks(post_hooks, inside_transaction=False) }}
    {{ return({'relations': [target_relation]}) }}
{%- endmaterialization -%}

{#- Each view its own lock (the views of one build are created side by side): a key from
    its name, above the fixed relation keys of build_lock_keys. -#}
{% macro view_lock_key(view_name) -%}
    {{ return(build_lock_keys().staging_view + 16 + (local_md5(view_name | string)[:7] | int(base=16))) }}
{%- endmacro %}
