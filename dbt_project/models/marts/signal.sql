{#- Incremental and never fully refreshed: `data` holds a foreign key to it, and a
    rebuilt table would be dropped with CASCADE, taking that key with it. New catalog
    rows are appended; existing ids never change. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    full_refresh=false,
    on_schema_change='fail',
    pre_hook="{{ take_build_locks(build_lock_keys().signal, exclusive=true, what='the signal catalog') }}",
) }}

with

catalog as (

    select * from {{ ref('signal_catalog') }}

),

final as (

    select
        catalog.id::integer as id,
        (catalog.variable || '_' || catalog.stat)::text as name

    from catalog
    {% if is_incremental() %}
        where catalog.id not in (select existing.id from {{ this }} as existing)
    {% endif %}

)

select * from final
