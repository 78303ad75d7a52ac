{#- A table that is created once and then only appended to, for `signal` (a registry: new
    signals are appended, ids never change) and `data` (whose pre-hooks delete the days it
    recomputes).

    dbt's incremental materialization decides whether the table exists from its relation
    cache, filled when the run starts: two first builds of an empty Alvo both decide to
    create it, and the second fails. Here the table is created with `create table if not
    exists` from the model's contract, under an advisory lock (macros/build_locks.sql), so
    concurrent first builds create it once; then, in the same transaction, the pre-hooks
    run (locks, deletes), the model's rows are inserted and the post-hooks run, and all of
    it commits once. (One commit only: a COMMIT in the middle of a materialization leaves
    dbt's psycopg2 connection running the rest outside any transaction, where each
    statement commits alone and advisory locks end with it.) The table is never dropped or
    rebuilt: `--full-refresh` changes nothing (`data` has a foreign key to `signal`;
    rebuilding either would lose rows or ids). -#}
{%- materialization locked_append, adapter='postgres' -%}
    {%- set target_relation = this.incorporate(type='table') -%}
    {%- set keys = build_lock_keys() -%}
    {%- set columns = model['columns'].keys() | map('string') | list -%}
    {%- if not columns or not config.get('contract').enforced -%}
        {{ exceptions.raise_compiler_error("locked_append needs an enforced contract: it creates the table from it") }}
    {%- endif -%}

    {{ run_hooks(pre_hooks, inside_transaction=False) }}

    {#- Asked of the catalog, not of dbt's relation cache (filled when the run started). -#}
    {%- set exists_query -%}
        select to_regclass('{{ target_relation.include(database=false) }}') is not null
    {%- endset -%}
    {%- if not run_query(exists_query).columns[0].values()[0] -%}
        {#- A first build: created under the lock, which this transaction keeps until its
            commit, so a concurrent first build waits, then finds the table and skips this. -#}
        {% call statement('create_once') -%}
            select pg_advisory_xact_lock({{ keys.relations }}, {{ keys.ddl }});
            create table if not exists {{ target_relation }} {{ get_table_columns_and_constraints() }};
        {%- endcall %}
    {%- endif %}

    {{ run_hooks(pre_hooks, inside_transaction=True) }}

    {#- The model's columns and types against its contract (dbt's own check), once the
        pre-hooks have brought an older table up to it. -#}
    {{ get_assert_columns_equivalent(sql) }}

    {#- By name, in the contract's order, whatever the order of the model's select. -#}
    {%- set column_list -%}
        {%- for column in columns %}{{ adapter.quote(column) }}{{ ", " if not loop.last }}{% endfor -%}
    {%- endset %}
    {% call statement('main') -%}
        insert into {{ target_relation }} ({{ column_list }})
        select {{ column_list }} from (
            {{ sql }}
        ) as model_rows
    {%- endcall %}

    {% do persist_docs(target_relation, model) %}
    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {{ adapter.commit() }}
    {{ run_hooks(post_hooks, inside_transaction=False) }}
    {{ return({'relations': [target_relation]}) }}
{%- endmaterialization -%}
